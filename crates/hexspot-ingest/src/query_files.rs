//! Reading the small files a query uses: a harm-weight table and a region boundary.

use std::path::{Path, PathBuf};

use hexspot_engine::HarmTable;
use thiserror::Error;

/// A harm table or region file that cannot be used (the whole file is refused).
#[derive(Debug, Error)]
pub enum AuxFileError {
    /// Could not read.
    #[error("{path}: {source}")]
    Io {
        /// the file
        path: PathBuf,
        /// cause
        source: std::io::Error,
    },
    /// A bad line or structure.
    #[error("{path}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Invalid {
        /// the file
        path: PathBuf,
        /// 1-based line, where known
        line: Option<u64>,
        /// what is wrong
        message: String,
    },
}

fn invalid(path: &Path, line: Option<u64>, message: impl Into<String>) -> AuxFileError {
    AuxFileError::Invalid {
        path: path.to_owned(),
        line,
        message: message.into(),
    }
}

/// Reads a harm table: a CSV with a `weight` column and a name column (`name`,
/// `offence` or `crime_type`); other columns (e.g. `source`) are ignored.
///
/// # Errors
/// [`AuxFileError`] naming the line of the first bad row; no partial table is returned.
pub fn read_harm_table(path: &Path) -> Result<HarmTable, AuxFileError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| invalid(path, None, e.to_string()))?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| invalid(path, Some(1), e.to_string()))?
        .iter()
        .map(crate::normalise)
        .collect();
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let name_col = find(&["name", "offence", "crimetype", "offencecode"]).ok_or_else(|| {
        invalid(
            path,
            Some(1),
            "no name column (name, offence or crime_type)",
        )
    })?;
    let weight_col =
        find(&["weight", "harm"]).ok_or_else(|| invalid(path, Some(1), "no weight column"))?;
    let mut entries = Vec::new();
    for rec in rdr.records() {
        let rec =
            rec.map_err(|e| invalid(path, e.position().map(csv::Position::line), e.to_string()))?;
        let line = rec.position().map(csv::Position::line);
        let name = rec[name_col].trim();
        let w = rec[weight_col].trim();
        if name.is_empty() {
            return Err(invalid(path, line, "empty name"));
        }
        let weight: f64 = w
            .parse()
            .ok()
            .filter(|&v: &f64| hexspot_engine::valid_weight(v))
            .ok_or_else(|| {
                invalid(
                    path,
                    line,
                    format!("weight {w:?} is not a number from 0 to 1000000"),
                )
            })?;
        entries.push((name.to_owned(), weight));
    }
    let source = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    HarmTable::new(&source, entries).map_err(|e| invalid(path, None, e.to_string()))
}

fn ring(
    path: &Path,
    positions: &[geojson::Position],
) -> Result<geo::LineString<f64>, AuxFileError> {
    let coords: Vec<geo::Coord<f64>> = positions
        .iter()
        .map(|p| {
            if p.len() < 2 || !p[0].is_finite() || !p[1].is_finite() {
                Err(invalid(path, None, "a polygon position is not [lon, lat]"))
            } else {
                Ok(geo::Coord { x: p[0], y: p[1] })
            }
        })
        .collect::<Result<_, _>>()?;
    if coords.len() < 4 {
        return Err(invalid(
            path,
            None,
            "a polygon ring has fewer than 4 positions",
        ));
    }
    Ok(geo::LineString::new(coords))
}

fn polygon(
    path: &Path,
    rings: &[Vec<geojson::Position>],
) -> Result<geo::Polygon<f64>, AuxFileError> {
    let mut it = rings.iter();
    let exterior = ring(
        path,
        it.next()
            .ok_or_else(|| invalid(path, None, "a polygon has no rings"))?,
    )?;
    let holes = it.map(|r| ring(path, r)).collect::<Result<_, _>>()?;
    Ok(geo::Polygon::new(exterior, holes))
}

fn collect(
    path: &Path,
    g: &geojson::GeometryValue,
    out: &mut Vec<geo::Polygon<f64>>,
) -> Result<(), AuxFileError> {
    use geojson::GeometryValue as G;
    match g {
        G::Polygon { coordinates } => out.push(polygon(path, coordinates)?),
        G::MultiPolygon { coordinates } => {
            for p in coordinates {
                out.push(polygon(path, p)?);
            }
        }
        G::GeometryCollection { geometries } => {
            for g in geometries {
                collect(path, &g.value, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Reads and parses a GeoJSON file, or a TopoJSON topology of one object as the
/// FeatureCollection of its geometries (a leading byte-order mark is allowed).
fn read_geojson(path: &Path) -> Result<geojson::GeoJson, AuxFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| AuxFileError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut v: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| invalid(path, None, format!("not JSON: {e}")))?;
    if crate::topojson::is_topology(&v) {
        v = crate::topojson::to_feature_collection(&v)
            .map_err(|e| invalid(path, None, format!("TopoJSON: {e}")))?;
    }
    serde_json::from_value(v).map_err(|e| invalid(path, None, e.to_string()))
}

/// Reads every Polygon and MultiPolygon in a GeoJSON file (a FeatureCollection, a
/// Feature or a bare geometry; or a TopoJSON topology of one object), in WGS84
/// longitude/latitude.
///
/// # Errors
/// [`AuxFileError`] when the file is not GeoJSON or holds no polygons.
pub fn read_region(path: &Path) -> Result<geo::MultiPolygon<f64>, AuxFileError> {
    let gj = read_geojson(path)?;
    let mut polys = Vec::new();
    match &gj {
        geojson::GeoJson::FeatureCollection(fc) => {
            for f in &fc.features {
                if let Some(g) = &f.geometry {
                    collect(path, &g.value, &mut polys)?;
                }
            }
        }
        geojson::GeoJson::Feature(f) => {
            if let Some(g) = &f.geometry {
                collect(path, &g.value, &mut polys)?;
            }
        }
        geojson::GeoJson::Geometry(g) => collect(path, &g.value, &mut polys)?,
    }
    if polys.is_empty() {
        return Err(invalid(path, None, "no Polygon or MultiPolygon geometries"));
    }
    Ok(geo::MultiPolygon::new(polys))
}

/// One boundary feature: an area's code, name, district (when the file says) and shape.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryFeature {
    /// The value of the code property.
    pub code: String,
    /// The value of the name property.
    pub name: String,
    /// The value of the district property, when one was named and present.
    pub district: Option<String>,
    /// Its Polygon or MultiPolygon (WGS84 degrees).
    pub shape: geo::MultiPolygon<f64>,
}

/// Which feature properties hold an area's code, name and (optionally) district, e.g.
/// `WD13CD`, `WD13NM`.
#[derive(Debug, Clone, Copy)]
pub struct BoundaryProperties<'a> {
    /// The code property.
    pub code: &'a str,
    /// The name property.
    pub name: &'a str,
    /// The district property, if the features carry one.
    pub district: Option<&'a str>,
}

/// Reads a GeoJSON FeatureCollection of Polygon/MultiPolygon areas (or a TopoJSON
/// topology of one object). The whole file is
/// refused on the first bad feature (named by its 1-based position and code): a
/// boundary set with holes in it would silently miscount.
///
/// # Errors
/// [`AuxFileError`] for unreadable files, a missing or non-text property, a geometry
/// that is not a polygon, or a code used twice.
pub fn read_boundaries(
    path: &Path,
    props: BoundaryProperties<'_>,
) -> Result<Vec<BoundaryFeature>, AuxFileError> {
    let gj = read_geojson(path)?;
    let geojson::GeoJson::FeatureCollection(fc) = gj else {
        return Err(invalid(path, None, "not a FeatureCollection"));
    };
    let mut out: Vec<BoundaryFeature> = Vec::with_capacity(fc.features.len());
    let mut seen = std::collections::HashSet::new();
    for (i, f) in fc.features.iter().enumerate() {
        let at = |m: String| invalid(path, None, format!("feature {}: {m}", i + 1));
        let text_prop = |name: &str| -> Option<String> {
            match f.property(name)? {
                serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let code = text_prop(props.code).ok_or_else(|| {
            let keys: Vec<&String> = f.properties.iter().flat_map(|p| p.keys()).collect();
            at(format!(
                "no text property {:?} for the code (it has {keys:?})",
                props.code
            ))
        })?;
        let name = text_prop(props.name).ok_or_else(|| {
            at(format!(
                "{code}: no text property {:?} for the name",
                props.name
            ))
        })?;
        let district = props.district.and_then(text_prop);
        let mut polys = Vec::new();
        match &f.geometry {
            Some(g) => {
                collect(path, &g.value, &mut polys).map_err(|e| at(format!("{code}: {e}")))?
            }
            None => return Err(at(format!("{code}: no geometry"))),
        }
        if polys.is_empty() {
            return Err(at(format!(
                "{code}: the geometry is not a Polygon or MultiPolygon"
            )));
        }
        if !seen.insert(code.clone()) {
            return Err(at(format!(
                "the code {code} is used by an earlier feature too"
            )));
        }
        out.push(BoundaryFeature {
            code,
            name,
            district,
            shape: geo::MultiPolygon::new(polys),
        });
    }
    if out.is_empty() {
        return Err(invalid(path, None, "no features"));
    }
    Ok(out)
}

/// A patrol plan's GeoJSON that cannot be used as a treated area.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanFileError {
    /// Not JSON at all.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON without a `features` array.
    #[error("not a GeoJSON FeatureCollection (no features)")]
    NotFeatureCollection,
    /// A feature without the plan's `cells` property.
    #[error(
        "feature {0} has no cells property: is it a patrol plan (`hexspot plan --format geojson`, GET /api/v1/plan)?"
    )]
    NoCells(usize),
    /// A cell that is not text.
    #[error("feature {0}: a cell that is not text")]
    CellNotText(usize),
    /// A cell that is not an H3 index.
    #[error("feature {feature}: {cell:?} is not an H3 cell")]
    BadCell {
        /// 0-based feature
        feature: usize,
        /// the text given
        cell: String,
    },
    /// No cell in any feature.
    #[error("the plan holds no cells")]
    Empty,
}

/// The cells of a patrol plan's GeoJSON (`hexspot plan --format geojson`, or the body
/// of `GET /api/v1/plan`): every feature's `cells` property, in order.
///
/// ```
/// let plan = r#"{"type":"FeatureCollection","features":[
///   {"type":"Feature","geometry":null,"properties":{"cells":["8928308280fffff"]}}]}"#;
/// let cells = hexspot_ingest::plan_cells(plan).unwrap();
/// assert_eq!(cells[0].to_string(), "8928308280fffff");
/// ```
///
/// # Errors
/// [`PlanFileError`]: not JSON, not a FeatureCollection, a feature without `cells`, a
/// cell that is not an H3 index, or no cells at all.
pub fn plan_cells(text: &str) -> Result<Vec<h3o::CellIndex>, PlanFileError> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| PlanFileError::NotJson(e.to_string()))?;
    let features = doc["features"]
        .as_array()
        .ok_or(PlanFileError::NotFeatureCollection)?;
    let mut cells = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let list = f["properties"]["cells"]
            .as_array()
            .ok_or(PlanFileError::NoCells(i))?;
        for c in list {
            let s = c.as_str().ok_or(PlanFileError::CellNotText(i))?;
            cells.push(
                s.parse::<h3o::CellIndex>()
                    .map_err(|_| PlanFileError::BadCell {
                        feature: i,
                        cell: s.to_owned(),
                    })?,
            );
        }
    }
    if cells.is_empty() {
        return Err(PlanFileError::Empty);
    }
    Ok(cells)
}

#[cfg(test)]
mod plan_tests {
    use super::*;

    #[test]
    fn a_plan_gives_its_cells_and_anything_else_is_named() {
        let ok = r#"{"features":[{"properties":{"cells":["8928308280fffff","8928308280bffff"]}},{"properties":{"cells":["89283082807ffff"]}}]}"#;
        assert_eq!(plan_cells(ok).unwrap().len(), 3);
        assert!(matches!(plan_cells("{"), Err(PlanFileError::NotJson(_))));
        assert_eq!(
            plan_cells(r#"{"type":"Feature"}"#),
            Err(PlanFileError::NotFeatureCollection)
        );
        assert_eq!(
            plan_cells(r#"{"features":[{"properties":{}}]}"#),
            Err(PlanFileError::NoCells(0))
        );
        assert_eq!(
            plan_cells(r#"{"features":[{"properties":{"cells":[1]}}]}"#),
            Err(PlanFileError::CellNotText(0))
        );
        assert_eq!(
            plan_cells(r#"{"features":[{"properties":{"cells":["x"]}}]}"#),
            Err(PlanFileError::BadCell {
                feature: 0,
                cell: "x".into()
            })
        );
        assert_eq!(plan_cells(r#"{"features":[]}"#), Err(PlanFileError::Empty));
    }
}
