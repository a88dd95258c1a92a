//! Dissolving areas into their districts: adjacent areas merge into one polygon, the
//! districts keep the order they first appear in, and an area without a district is
//! refused by its code.

use geo::{Area as _, LineString, MultiPolygon, Polygon};
use hexspot_engine::{Area, dissolve_by_district};

/// A unit square with its lower-left corner at (`x0`, `y0`).
fn square(code: &str, x0: f64, y0: f64, district: Option<&str>) -> Area {
    let ring = LineString::from(vec![
        (x0, y0),
        (x0 + 1.0, y0),
        (x0 + 1.0, y0 + 1.0),
        (x0, y0 + 1.0),
        (x0, y0),
    ]);
    Area {
        code: code.into(),
        name: format!("Area {code}"),
        district: district.map(Into::into),
        shape: MultiPolygon(vec![Polygon::new(ring, vec![])]),
    }
}

#[test]
fn adjacent_areas_of_a_district_become_one_polygon() {
    // A1 and A2 share the edge x = 1; B1 lies apart
    let areas = [
        square("A1", 0.0, 0.0, Some("A")),
        square("B1", 5.0, 0.0, Some("B")),
        square("A2", 1.0, 0.0, Some("A")),
    ];
    let d = dissolve_by_district(&areas).unwrap();
    assert_eq!(d.len(), 2);
    let a = &d[0];
    assert_eq!(
        (a.code.as_str(), a.name.as_str(), a.district.as_deref()),
        ("A", "A", Some("A"))
    );
    assert!(
        (a.shape.unsigned_area() - 2.0).abs() < 1e-12,
        "{:?}",
        a.shape
    );
    assert_eq!(a.shape.0.len(), 1, "one polygon: {:?}", a.shape);
    assert!(a.shape.0[0].interiors().is_empty());
    let b = &d[1];
    assert_eq!((b.code.as_str(), b.district.as_deref()), ("B", Some("B")));
    assert!((b.shape.unsigned_area() - 1.0).abs() < 1e-12);
    assert_eq!(b.shape.0.len(), 1);
}

#[test]
fn districts_keep_the_order_they_first_appear_in() {
    let areas = [
        square("Z1", 0.0, 0.0, Some("Zeta")),
        square("A1", 3.0, 0.0, Some("Alpha")),
        square("Z2", 0.0, 1.0, Some("Zeta")),
        square("M1", 6.0, 0.0, Some("Mu")),
    ];
    let d = dissolve_by_district(&areas).unwrap();
    let codes: Vec<&str> = d.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, ["Zeta", "Alpha", "Mu"]);
    // Z1 and Z2 share the edge y = 1
    assert_eq!(d[0].shape.0.len(), 1);
    assert!((d[0].shape.unsigned_area() - 2.0).abs() < 1e-12);
}

#[test]
fn an_area_without_a_district_is_refused_by_its_code() {
    let areas = [
        square("A1", 0.0, 0.0, Some("A")),
        square("X9", 1.0, 0.0, None),
        square("Y9", 2.0, 0.0, None),
    ];
    assert_eq!(dissolve_by_district(&areas), Err("X9".to_owned()));
}
