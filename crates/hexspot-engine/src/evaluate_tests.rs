use super::*;

use crate::space_time::tests::table;
use crate::types::YearMonth;

fn ym(s: &str) -> YearMonth {
    s.parse().unwrap()
}

fn months(a: &str, b: &str) -> Period {
    Period::months(ym(a), ym(b)).unwrap()
}

struct Place {
    treated: CellIndex,
    ring: CellIndex,
    control: CellIndex,
    control_ring: CellIndex,
}

fn place() -> Place {
    let res = h3o::Resolution::Nine;
    let treated = LatLng::new(53.7965, -1.5478).unwrap().to_cell(res);
    let control = LatLng::new(53.90, -1.40).unwrap().to_cell(res);
    let next = |c: CellIndex| {
        c.grid_disk::<Vec<_>>(1)
            .into_iter()
            .filter(|x| *x != c)
            .min()
            .unwrap()
    };
    Place {
        treated,
        ring: next(treated),
        control,
        control_ring: next(control),
    }
}

/// T 10 → 4, D 3 → 5, C 8 → 8, DC 2 → 2 (before in February, after in May), and one
/// incident of another type in the treated cell each time.
fn data() -> IncidentTable {
    let p = place();
    let (b, a) = (ym("2023-02"), ym("2023-05"));
    table(&[
        (p.treated, b, "Violence", 10),
        (p.treated, a, "Violence", 4),
        (p.ring, b, "Violence", 3),
        (p.ring, a, "Violence", 5),
        (p.control, b, "Violence", 8),
        (p.control, a, "Violence", 8),
        (p.control_ring, b, "Violence", 2),
        (p.control_ring, a, "Violence", 2),
        (p.treated, b, "Robbery", 1),
        (p.treated, a, "Robbery", 1),
    ])
}

fn query(control: bool) -> EvaluateQuery {
    let p = place();
    EvaluateQuery {
        filter: Filter {
            crime_types: vec!["Violence".into()],
            ..Filter::default()
        },
        resolution: Resolution::try_from(9).unwrap(),
        k: K::default(),
        treated: vec![p.treated],
        control: control.then(|| vec![p.control]),
        displacement_m: None,
        before: months("2023-01", "2023-03"),
        after: months("2023-04", "2023-06"),
        area_weights: false,
        by_crime_type: false,
    }
}

#[test]
fn four_areas_counted_and_tested_by_hand() {
    let e = evaluate(&data(), &query(true), &HarmTable::default()).unwrap();
    let p = place();
    assert_eq!((e.treated.before, e.treated.after), (10, 4));
    assert_eq!((e.control.before, e.control.after), (8, 8));
    assert_eq!((e.displacement.before, e.displacement.after), (3, 5));
    assert_eq!(
        (e.displacement_control.before, e.displacement_control.after),
        (2, 2)
    );
    assert_eq!(e.displacement.cells.len(), 6);
    assert!(e.displacement.cells.contains(&p.ring));
    assert!(e.displacement_control.cells.contains(&p.control_ring));
    assert_eq!((e.lengths, e.length_unit), ([3, 3], LengthUnit::Months));
    assert_eq!(e.time_weights, [1.0, 1.0]);
    assert_eq!(e.area_weights, [1.0; 4]);
    // (4 − 10) − (8 − 8) = −6; (5 − 3) − (2 − 2) = 2
    assert_eq!((e.wdd.local, e.wdd.displacement), (-6.0, 2.0));
    assert_eq!(e.wdd.total.estimate, -4.0);
    assert_eq!(e.wdd.total.se, 42f64.sqrt());
}

#[test]
fn the_default_control_is_the_rest_of_the_region() {
    let e = evaluate(&data(), &query(false), &HarmTable::default()).unwrap();
    assert_eq!(e.control_rule, ControlRule::RestOfRegion);
    // the control cell and its neighbour, both in the region
    assert_eq!((e.control.before, e.control.after), (10, 10));
    assert!(e.displacement_control.cells.is_empty());
    // S: the 1-rings of the four occupied cells, two pairs of neighbours
    let p = place();
    let mut s: Vec<CellIndex> = Vec::new();
    for c in [p.treated, p.ring, p.control, p.control_ring] {
        s.extend(c.grid_disk::<Vec<_>>(1));
    }
    s.sort_unstable();
    s.dedup();
    assert_eq!(e.region_cells, Some(s.len()));
    assert_eq!(e.control.cells.len() + 7, s.len());
    assert_eq!(e.wdd.local, -6.0);
    assert_eq!(e.wdd.displacement, 2.0);
}

#[test]
fn unequal_periods_and_areas_are_weighted() {
    let mut q = query(true);
    q.before = months("2023-01", "2023-02");
    q.after = months("2023-05", "2023-05");
    q.area_weights = true;
    let e = evaluate(&data(), &q, &HarmTable::default()).unwrap();
    assert_eq!((e.lengths, e.length_unit), ([2, 1], LengthUnit::Months));
    assert_eq!(e.time_weights, [2.0, 1.0]);
    assert_eq!(e.area_weights[1], 1.0);
    let rel = e.control.area_km2 / e.treated.area_km2;
    assert_eq!(e.area_weights[0], rel);
    assert_eq!(
        e.area_weights[3],
        e.displacement.area_km2 / e.treated.area_km2
    );
    // local: (4/1 − 10/2) − (8/rel − 8/(2 rel))
    let want = (4.0 - 5.0) - (8.0 / rel - 4.0 / rel);
    assert!((e.wdd.local - want).abs() < 1e-12);
}

#[test]
fn a_ring_in_metres() {
    let mut q = query(true);
    q.displacement_m = Some(0.0);
    let e = evaluate(&data(), &q, &HarmTable::default()).unwrap();
    assert!(e.displacement.cells.is_empty());
    // res-9 centres are about 350 m apart: 400 m holds the six neighbours
    q.displacement_m = Some(400.0);
    let e = evaluate(&data(), &q, &HarmTable::default()).unwrap();
    assert_eq!(e.displacement.cells.len(), 6);
    q.displacement_m = Some(-1.0);
    assert_eq!(
        evaluate(&data(), &q, &HarmTable::default()),
        Err(EvaluateError::Displacement(-1.0))
    );
}

#[test]
fn by_crime_type_and_harm_weighted_total() {
    let mut q = query(true);
    q.filter.crime_types = vec!["Violence".into(), "Robbery".into()];
    q.by_crime_type = true;
    let harm = HarmTable::new("test", [("Violence", 3.0)]).unwrap();
    let e = evaluate(&data(), &q, &harm).unwrap();
    assert_eq!(e.crime_types.len(), 2);
    let v = &e.crime_types[0];
    assert_eq!((v.crime_type.as_str(), v.weight), ("Violence", 3.0));
    assert_eq!(v.wdd.total.estimate, -4.0);
    let r = &e.crime_types[1];
    assert_eq!((r.weight, r.wdd.total.estimate), (1.0, 0.0));
    let h = e.harm_total.unwrap();
    assert_eq!(h.estimate, -12.0);
    assert!((h.se - (9.0 * 42.0 + 2.0f64).sqrt()).abs() < 1e-12);
    // both types together in the main test
    assert_eq!((e.treated.before, e.treated.after), (11, 5));
}

#[test]
fn bad_areas_and_periods_are_refused() {
    let mut q = query(true);
    q.control = Some(vec![place().treated]);
    assert_eq!(
        evaluate(&data(), &q, &HarmTable::default()),
        Err(EvaluateError::ControlOverlap(1))
    );
    let mut q = query(true);
    q.after = months("2023-03", "2023-04");
    assert!(matches!(
        evaluate(&data(), &q, &HarmTable::default()),
        Err(EvaluateError::Periods { .. })
    ));
    let mut q = query(true);
    q.treated.clear();
    assert_eq!(
        evaluate(&data(), &q, &HarmTable::default()),
        Err(EvaluateError::NoTreated)
    );
}
