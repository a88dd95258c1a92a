//! TopoJSON to GeoJSON, for boundary and region files published as topologies (the
//! ONS-derived boundary collections often are: shared edges stored once as arcs).
//!
//! Follows the TopoJSON 1.0 specification: arcs delta-encoded when the topology is
//! quantised (it has a `transform`), negative arc indices (`~i`) meaning arc `i`
//! reversed, and consecutive arcs of a line or ring sharing their joining position.
//! The result is a GeoJSON FeatureCollection as JSON, one feature per geometry of the
//! topology's object, carrying its `id` and `properties`.
//!
//! Written here rather than taken from the `topojson` crate (0.5): that crate panics
//! (`unimplemented!`) on nested geometry collections, keeps the duplicated joining
//! positions, and pins a pre-1.0 `geojson`; a bad file must be an error, not a panic.

use serde_json::{Map, Value, json};

/// Whether `v` is a TopoJSON topology (`"type": "Topology"`).
pub(crate) fn is_topology(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("Topology")
}

/// A quantised topology's transform: position = quantised × scale + translate.
#[derive(Debug, Clone, Copy)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

impl Transform {
    fn apply(self, q: [f64; 2]) -> [f64; 2] {
        [
            q[0] * self.scale[0] + self.translate[0],
            q[1] * self.scale[1] + self.translate[1],
        ]
    }
}

/// The features of the topology's object (it must hold exactly one) as a GeoJSON
/// FeatureCollection.
///
/// # Errors
/// A sentence naming what is wrong and where (object, geometry number, arc index).
pub(crate) fn to_feature_collection(topo: &Value) -> Result<Value, String> {
    let objects = topo
        .get("objects")
        .and_then(Value::as_object)
        .ok_or("a Topology without an \"objects\" member")?;
    let (name, object) = match objects.len() {
        1 => objects.iter().next().expect("one object"),
        0 => return Err("the topology holds no objects".into()),
        n => {
            let names: Vec<&String> = objects.keys().collect();
            return Err(format!(
                "the topology holds {n} objects ({names:?}); hexspot reads a topology of one object"
            ));
        }
    };
    let transform = transform(topo.get("transform"))?;
    let arcs = arcs(topo.get("arcs"), transform)?;
    let geometries: Vec<&Value> = match object.get("type").and_then(Value::as_str) {
        Some("GeometryCollection") => object
            .get("geometries")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("object {name:?}: a GeometryCollection without \"geometries\""))?
            .iter()
            .collect(),
        _ => vec![object],
    };
    let features = geometries
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let geometry = geometry(g, &arcs, transform)
                .map_err(|e| format!("object {name:?}, geometry {}: {e}", i + 1))?;
            let mut f = Map::new();
            f.insert("type".into(), "Feature".into());
            if let Some(id) = g.get("id") {
                f.insert("id".into(), id.clone());
            }
            let properties = g.get("properties").cloned().unwrap_or(json!({}));
            f.insert("properties".into(), properties);
            f.insert("geometry".into(), geometry);
            Ok(Value::Object(f))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(json!({ "type": "FeatureCollection", "features": features }))
}

fn transform(v: Option<&Value>) -> Result<Option<Transform>, String> {
    let Some(v) = v else { return Ok(None) };
    let pair = |key: &str| -> Result<[f64; 2], String> {
        match v.get(key).and_then(Value::as_array).map(Vec::as_slice) {
            Some([a, b]) => match (a.as_f64(), b.as_f64()) {
                (Some(a), Some(b)) if a.is_finite() && b.is_finite() => Ok([a, b]),
                _ => Err(format!("the transform's {key} is not two numbers")),
            },
            _ => Err(format!("the transform's {key} is not two numbers")),
        }
    };
    Ok(Some(Transform {
        scale: pair("scale")?,
        translate: pair("translate")?,
    }))
}

/// Two numbers, the first of a position array (extra dimensions are dropped).
fn position(v: &Value) -> Option<[f64; 2]> {
    let p = v.as_array()?;
    let (x, y) = (p.first()?.as_f64()?, p.get(1)?.as_f64()?);
    (x.is_finite() && y.is_finite()).then_some([x, y])
}

/// Every arc as absolute positions (delta-decoded and transformed when quantised).
fn arcs(v: Option<&Value>, t: Option<Transform>) -> Result<Vec<Vec<[f64; 2]>>, String> {
    let arcs = v
        .and_then(Value::as_array)
        .ok_or("a Topology without an \"arcs\" array")?;
    arcs.iter()
        .enumerate()
        .map(|(i, arc)| {
            let bad = |m: &str| format!("arc {i}: {m}");
            let points = arc.as_array().ok_or_else(|| bad("not an array"))?;
            if points.len() < 2 {
                return Err(bad("fewer than two positions"));
            }
            let mut acc = [0.0, 0.0];
            points
                .iter()
                .map(|p| {
                    let q = position(p).ok_or_else(|| bad("a position is not two numbers"))?;
                    Ok(match t {
                        Some(t) => {
                            acc = [acc[0] + q[0], acc[1] + q[1]];
                            t.apply(acc)
                        }
                        None => q,
                    })
                })
                .collect()
        })
        .collect()
}

/// A line (or ring) from arc indices: arcs joined, each after the first without its
/// first position (the previous arc's last).
fn line(indices: &Value, arcs: &[Vec<[f64; 2]>]) -> Result<Vec<[f64; 2]>, String> {
    let indices = indices.as_array().ok_or("arc indices are not an array")?;
    let mut out: Vec<[f64; 2]> = Vec::new();
    for ix in indices {
        let i = ix
            .as_i64()
            .ok_or_else(|| format!("arc index {ix} is not an integer"))?;
        // ~i (−i − 1) is arc i reversed
        let (k, reversed) = if i < 0 { (!i, true) } else { (i, false) };
        let arc = usize::try_from(k)
            .ok()
            .and_then(|k| arcs.get(k))
            .ok_or_else(|| format!("arc index {i} is out of range ({} arcs)", arcs.len()))?;
        let skip = usize::from(!out.is_empty());
        if reversed {
            out.extend(arc.iter().rev().skip(skip).copied());
        } else {
            out.extend(arc.iter().skip(skip).copied());
        }
    }
    Ok(out)
}

fn ring(indices: &Value, arcs: &[Vec<[f64; 2]>]) -> Result<Vec<[f64; 2]>, String> {
    let r = line(indices, arcs)?;
    if r.len() < 4 || r.first() != r.last() {
        return Err(format!(
            "a ring of {} positions that does not close (a ring needs at least 4, the last equal to the first)",
            r.len()
        ));
    }
    Ok(r)
}

fn list<T>(
    v: Option<&Value>,
    what: &str,
    f: impl Fn(&Value) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    v.and_then(Value::as_array)
        .ok_or_else(|| format!("a {what} without its array"))?
        .iter()
        .map(f)
        .collect()
}

/// One TopoJSON geometry object as a GeoJSON geometry (`null` for a null geometry).
fn geometry(g: &Value, arcs: &[Vec<[f64; 2]>], t: Option<Transform>) -> Result<Value, String> {
    let kind = match g.get("type") {
        None | Some(Value::Null) => return Ok(Value::Null),
        Some(k) => k.as_str().ok_or("a geometry type that is not text")?,
    };
    let point = |p: &Value| -> Result<[f64; 2], String> {
        let q = position(p).ok_or("a position is not two numbers")?;
        Ok(t.map_or(q, |t| t.apply(q)))
    };
    let a = g.get("arcs");
    let coordinates = match kind {
        "Point" => json!(point(g.get("coordinates").unwrap_or(&Value::Null))?),
        "MultiPoint" => json!(list(g.get("coordinates"), kind, point)?),
        "LineString" => json!(line(a.unwrap_or(&Value::Null), arcs)?),
        "MultiLineString" => json!(list(a, kind, |l| line(l, arcs))?),
        "Polygon" => json!(list(a, kind, |r| ring(r, arcs))?),
        "MultiPolygon" => json!(list(a, kind, |p| list(Some(p), "polygon", |r| ring(
            r, arcs
        )))?),
        "GeometryCollection" => {
            let parts = list(g.get("geometries"), kind, |x| geometry(x, arcs, t))?;
            return Ok(json!({ "type": kind, "geometries": parts }));
        }
        other => return Err(format!("unknown geometry type {other:?}")),
    };
    Ok(json!({ "type": kind, "coordinates": coordinates }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quantised example of the TopoJSON specification (§ 1.1), with ids added.
    fn spec_example() -> Value {
        json!({
            "type": "Topology",
            "transform": { "scale": [0.0005000500050005, 0.00010001000100010001], "translate": [100, 0] },
            "objects": { "example": { "type": "GeometryCollection", "geometries": [
                { "type": "Point", "properties": { "prop0": "value0" }, "coordinates": [4000, 5000] },
                { "type": "LineString", "properties": { "prop0": "value0", "prop1": 0 }, "arcs": [0] },
                { "type": "Polygon", "id": "P", "properties": { "prop0": "value0" }, "arcs": [[1]] }
            ]}},
            "arcs": [
                [[4000, 0], [1999, 9999], [2000, -9999], [2000, 9999]],
                [[0, 0], [0, 9999], [2000, 0], [0, -9999], [-2000, 0]]
            ]
        })
    }

    /// Positions equal to within `tol` degrees.
    fn close_to(a: &Value, b: &[[f64; 2]], tol: f64) {
        let a: Vec<[f64; 2]> = a
            .as_array()
            .unwrap()
            .iter()
            .map(|p| position(p).unwrap())
            .collect();
        assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
        for (p, q) in a.iter().zip(b) {
            assert!(
                (p[0] - q[0]).abs() < tol && (p[1] - q[1]).abs() < tol,
                "{a:?} vs {b:?}"
            );
        }
    }

    fn close(a: &Value, b: &[[f64; 2]]) {
        close_to(a, b, 1e-12);
    }

    #[test]
    fn the_specifications_quantised_example_decodes_to_its_geojson() {
        let fc = to_feature_collection(&spec_example()).unwrap();
        let f = fc["features"].as_array().unwrap();
        assert_eq!(f.len(), 3);
        // the positions the specification gives for its unquantised form, to within its
        // quantisation step (1/1999 of a degree in x)
        let step = 6e-4;
        close_to(
            &json!([f[0]["geometry"]["coordinates"]]),
            &[[102.0, 0.5]],
            step,
        );
        close_to(
            &f[1]["geometry"]["coordinates"],
            &[[102.0, 0.0], [103.0, 1.0], [104.0, 0.0], [105.0, 1.0]],
            step,
        );
        close_to(
            &f[2]["geometry"]["coordinates"][0],
            &[
                [100.0, 0.0],
                [100.0, 1.0],
                [101.0, 1.0],
                [101.0, 0.0],
                [100.0, 0.0],
            ],
            step,
        );
        // exactly: the running sum of the deltas, times scale, plus translate
        let (sx, sy) = (0.0005000500050005, 0.00010001000100010001);
        close(
            &f[1]["geometry"]["coordinates"],
            &[
                [100.0 + 4000.0 * sx, 0.0],
                [100.0 + 5999.0 * sx, 9999.0 * sy],
                [100.0 + 7999.0 * sx, 0.0],
                [100.0 + 9999.0 * sx, 9999.0 * sy],
            ],
        );
        assert_eq!(f[2]["id"], "P");
        assert_eq!(f[1]["properties"]["prop1"], 0);
        assert!(f[0].get("id").is_none());
        // and GeoJSON takes it
        let gj: geojson::GeoJson = serde_json::from_value(fc).unwrap();
        assert!(matches!(gj, geojson::GeoJson::FeatureCollection(_)));
    }

    /// Two unit squares sharing the edge x = 1, stored once and used reversed by the second.
    fn two_squares() -> Value {
        json!({
            "type": "Topology",
            "objects": { "squares": { "type": "GeometryCollection", "geometries": [
                { "type": "Polygon", "properties": { "code": "A" }, "arcs": [[0, 1]] },
                { "type": "MultiPolygon", "properties": { "code": "B" }, "arcs": [[[2, -1]]] },
                { "type": null, "properties": { "code": "C" } }
            ]}},
            "arcs": [
                [[1, 0], [1, 1]],
                [[1, 1], [0, 1], [0, 0], [1, 0]],
                [[1, 0], [2, 0], [2, 1], [1, 1]]
            ]
        })
    }

    #[test]
    fn shared_arcs_join_without_repeating_positions_and_reverse_with_negative_indices() {
        let fc = to_feature_collection(&two_squares()).unwrap();
        let f = fc["features"].as_array().unwrap();
        close(
            &f[0]["geometry"]["coordinates"][0],
            &[[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0]],
        );
        assert_eq!(f[1]["geometry"]["type"], "MultiPolygon");
        close(
            &f[1]["geometry"]["coordinates"][0][0],
            &[[1.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0], [1.0, 0.0]],
        );
        assert!(f[2]["geometry"].is_null(), "a null geometry stays null");
    }

    #[test]
    fn bad_topologies_are_named_not_panics() {
        let err = |v: Value| to_feature_collection(&v).unwrap_err();
        let mut t = two_squares();
        t["objects"]["squares"]["geometries"][0]["arcs"] = json!([[0, 7]]);
        assert_eq!(
            err(t),
            "object \"squares\", geometry 1: arc index 7 is out of range (3 arcs)"
        );
        let mut t = two_squares();
        t["objects"]["squares"]["geometries"][0]["arcs"] = json!([[0]]);
        assert!(err(t).contains("does not close"));
        let mut t = two_squares();
        t["objects"]["other"] = json!({ "type": "GeometryCollection", "geometries": [] });
        assert!(err(t).contains("2 objects"));
        let mut t = two_squares();
        t["arcs"][1] = json!([[1, 1]]);
        assert_eq!(err(t), "arc 1: fewer than two positions");
        let mut t = two_squares();
        t["transform"] = json!({ "scale": [1], "translate": [0, 0] });
        assert!(err(t).contains("scale"));
        let mut t = two_squares();
        t["objects"]["squares"]["geometries"][0]["type"] = json!("Circle");
        assert!(err(t).contains("unknown geometry type \"Circle\""));
        let mut t = two_squares();
        t["objects"]["squares"]["geometries"][0]["arcs"] = json!([["x"]]);
        assert!(err(t).contains("not an integer"));
        assert!(err(json!({ "type": "Topology", "arcs": [] })).contains("objects"));
    }
}
