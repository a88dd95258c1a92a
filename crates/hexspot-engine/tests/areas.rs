//! Areas: point-in-polygon assignment (holes, multipolygons, shared edges counted once),
//! rates, and the exact Poisson change test against scipy.

use geo::{LineString, MultiPolygon, Polygon};
use hexspot_engine::*;

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString<f64> {
    LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
}

fn area(code: &str, polygons: Vec<Polygon<f64>>) -> Area {
    Area {
        code: code.into(),
        name: format!("Area {code}"),
        district: Some("D".into()),
        shape: MultiPolygon(polygons),
    }
}

/// A: the unit square with a hole in its middle, plus a second part far away.
/// B: the square to A's right, sharing the edge x = 1.
fn index() -> AreaIndex {
    AreaIndex::new(vec![
        area(
            "A",
            vec![
                Polygon::new(square(0.0, 0.0, 1.0, 1.0), vec![square(0.4, 0.4, 0.6, 0.6)]),
                Polygon::new(square(5.0, 5.0, 6.0, 6.0), vec![]),
            ],
        ),
        area("B", vec![Polygon::new(square(1.0, 0.0, 2.0, 1.0), vec![])]),
    ])
}

#[test]
fn points_fall_in_polygons_not_in_holes_and_in_every_part() {
    let ix = index();
    assert_eq!(ix.locate(0.2, 0.2), Some(0));
    assert_eq!(ix.locate(0.5, 0.5), None, "inside the hole");
    assert_eq!(
        ix.locate(5.5, 5.5),
        Some(0),
        "the second part of a multipolygon"
    );
    assert_eq!(ix.locate(1.5, 0.5), Some(1));
    assert_eq!(ix.locate(3.0, 3.0), None);
    // on the hole's edge: the boundary belongs to the area
    assert_eq!(ix.locate(0.4, 0.5), Some(0));
}

#[test]
fn a_point_on_a_shared_edge_is_counted_once() {
    let ix = index();
    // on x = 1, shared by A and B: the first area in the set's order takes it
    assert_eq!(ix.locate(1.0, 0.5), Some(0));
    // a shared corner too
    assert_eq!(ix.locate(1.0, 1.0), Some(0));
    // an outer edge that only B has
    assert_eq!(ix.locate(2.0, 0.5), Some(1));
}

#[test]
fn every_incident_is_assigned_or_counted_outside() {
    let mut b = IncidentTableBuilder::default();
    // lon/lat chosen inside the test squares (they are in degrees, so any valid point)
    let pts = [
        (0.2, 0.2),
        (1.0, 0.5),
        (1.5, 0.5),
        (0.5, 0.5),
        (5.5, 5.5),
        (3.0, 3.0),
    ];
    for (lon, lat) in pts {
        let loc = LonLat::new(lon, lat).unwrap();
        b.push(&IncidentRow {
            location: loc,
            fine_cell: loc.fine_cell(),
            month: YearMonth::new(2025, 2).unwrap(),
            day: None,
            time: None,
            crime_type: "Violence and sexual offences",
            offence: None,
            flags: Flags::default(),
            weight: None,
            import_id: 1,
        })
        .unwrap();
    }
    let t = b.build();
    let a = assign(&t, &index());
    assert_eq!(
        a.per_area,
        vec![3, 1],
        "A: (0.2,0.2), the shared edge, the far part"
    );
    assert_eq!(a.outside, 2, "the hole and (3,3)");
    assert_eq!(a.area.len(), pts.len());
    assert_eq!(a.per_area.iter().sum::<usize>() + a.outside, pts.len());
}

#[test]
fn rates_per_thousand_residents() {
    assert_eq!(rate_per_1000(25.0, Some(12_500.0)), Some(2.0));
    assert_eq!(rate_per_1000(25.0, None), None);
    assert_eq!(rate_per_1000(25.0, Some(0.0)), None);
}

/// scipy 1.17.1: `scipy.stats.binomtest(k, n, p).pvalue` (two-sided), recorded here.
#[test]
fn exact_tests_match_scipy_binomtest() {
    let equal_periods: [(u64, u64, f64); 11] = [
        (30, 12, 0.007915897334896727),
        (12, 30, 0.007915897334896727),
        (5, 5, 1.0),
        (0, 4, 0.125),
        (7, 0, 0.015625),
        (100, 80, 0.15653146957815167),
        (1, 0, 1.0),
        (250, 300, 0.036578745549102676),
        (17, 9, 0.16863754391670227),
        (3, 14, 0.012725830078125),
        (1000, 1100, 0.03072070786424249),
    ];
    for (current, previous, want) in equal_periods {
        let got = poisson_change_p(current, previous).unwrap();
        assert!(
            (got - want).abs() <= 1e-9 * want.max(1e-300) + 1e-15,
            "{current} vs {previous}: {got} ≠ scipy's {want}"
        );
    }
    assert_eq!(poisson_change_p(0, 0), None, "nothing to test");
    for (k, n, p, want) in [
        (30, 42, 0.6, 0.15650656652297795),
        (5, 20, 0.1, 0.04317449528446339),
        (0, 10, 0.3, 0.0388396033),
    ] {
        let got = binomial_two_sided_p(k, n, p);
        assert!(
            (got - want).abs() <= 1e-9 * want,
            "{k}/{n} at {p}: {got} ≠ {want}"
        );
    }
}
