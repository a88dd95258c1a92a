//! Population estimates by areal weighting through H3, on hand-built squares near Leeds:
//! an even split, conservation, slivers, unreached and partly covered target areas.

use geo::{LineString, MultiPolygon, Polygon};
use hexspot_engine::*;

/// A box in degrees.
fn rect(code: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> Area {
    let ring = LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]);
    Area {
        code: code.into(),
        name: code.into(),
        district: None,
        shape: MultiPolygon(vec![Polygon::new(ring, vec![])]),
    }
}

const RES: h3o::Resolution = RECOMMENDED_RESOLUTION;

fn total(e: &Estimates) -> f64 {
    e.population.iter().flatten().sum::<f64>() + e.unassigned
}

#[test]
fn a_square_split_in_halves_gives_each_half_within_a_strip_of_cells() {
    // 0.04° × 0.02° at 53.8°N: ≈ 2.6 km × 2.2 km, ≈ 390 cells at res 10
    let source = AreaIndex::new(vec![rect("S", -1.58, 53.80, -1.54, 53.82)]);
    let target = AreaIndex::new(vec![
        rect("W", -1.58, 53.80, -1.56, 53.82),
        rect("E", -1.56, 53.80, -1.54, 53.82),
    ]);
    let e = estimate_population(&source, &[Some(10_000.0)], &target, RES);
    let (w, east) = (e.population[0].unwrap(), e.population[1].unwrap());
    // a strip one cell wide along the split (≈ 115 m of the 2.6 km) may go either way
    let width_m = haversine_m(-1.58, 53.81, -1.54, 53.81);
    let cell_m = RES.edge_length_m() * 3f64.sqrt();
    let tolerance = 10_000.0 * cell_m / width_m;
    assert!((w - 5000.0).abs() <= tolerance, "W {w} (± {tolerance})");
    assert!((east - 5000.0).abs() <= tolerance, "E {east}");
    assert!(e.unassigned.abs() < 1e-9, "the halves cover the source");
    assert!((total(&e) - 10_000.0).abs() < 1e-6);
    assert_eq!(e.resolution, RES);
    assert_eq!(e.method, estimate::METHOD);
    assert!(e.whole_areas.is_empty());
}

#[test]
fn the_total_is_conserved() {
    // a 4 × 3 grid of sources under a 3 × 2 grid of targets that covers only part of it
    let mut sources = Vec::new();
    let mut pops = Vec::new();
    for i in 0..4 {
        for j in 0..3 {
            let (x, y) = (-1.60 + 0.015 * f64::from(i), 53.78 + 0.01 * f64::from(j));
            sources.push(rect(&format!("S{i}{j}"), x, y, x + 0.015, y + 0.01));
            pops.push(Some(1000.0 + 137.0 * f64::from(i * 3 + j)));
        }
    }
    pops[5] = None; // skipped, not counted
    let mut targets = Vec::new();
    for i in 0..3 {
        for j in 0..2 {
            let (x, y) = (-1.595 + 0.017 * f64::from(i), 53.783 + 0.012 * f64::from(j));
            targets.push(rect(&format!("T{i}{j}"), x, y, x + 0.017, y + 0.012));
        }
    }
    let e = estimate_population(
        &AreaIndex::new(sources),
        &pops,
        &AreaIndex::new(targets),
        RES,
    );
    let given: f64 = pops.iter().flatten().sum();
    assert!(
        (total(&e) - given).abs() < 1e-9 * given,
        "{} ≠ {given}",
        total(&e)
    );
    assert!(e.unassigned > 0.0, "the targets do not cover the sources");
    assert!(e.population.iter().all(Option::is_some));
}

#[test]
fn a_target_half_outside_the_source_gets_about_half() {
    let source = AreaIndex::new(vec![rect("S", -1.58, 53.80, -1.54, 53.82)]);
    let target = AreaIndex::new(vec![rect("T", -1.56, 53.79, -1.50, 53.83)]);
    let e = estimate_population(&source, &[Some(800.0)], &target, RES);
    let t = e.population[0].unwrap();
    assert!((t - 400.0).abs() < 40.0, "{t}");
    assert!((t + e.unassigned - 800.0).abs() < 1e-9);
}

#[test]
fn a_sliver_gives_its_population_through_its_interior_point() {
    // a 1 m × 1 m square, far smaller than a res-10 cell (≈ 15,000 m²)
    let d = 1.0 / 111_000.0;
    let (x, y) = (-1.5503, 53.8103);
    let source = AreaIndex::new(vec![
        rect("big", -1.58, 53.80, -1.54, 53.82),
        rect("sliver", x, y, x + d, y + d),
    ]);
    let target = AreaIndex::new(vec![
        rect("W", -1.58, 53.80, -1.56, 53.82),
        rect("E", -1.56, 53.80, -1.54, 53.82),
    ]);
    let e = estimate_population(&source, &[None, Some(42.0)], &target, RES);
    assert_eq!(e.whole_areas, vec![1]);
    assert_eq!(e.population, vec![None, Some(42.0)], "all of it to E");
    assert_eq!(e.unassigned, 0.0);

    // a sliver in no target area: unassigned
    let source = AreaIndex::new(vec![rect("sliver", 0.0, 0.0, d, d)]);
    let e = estimate_population(&source, &[Some(7.0)], &target, RES);
    assert_eq!(e.population, vec![None, None]);
    assert_eq!(e.unassigned, 7.0);
}

#[test]
fn a_target_no_cell_reaches_has_no_estimate() {
    let source = AreaIndex::new(vec![rect("S", -1.58, 53.80, -1.54, 53.82)]);
    let target = AreaIndex::new(vec![
        rect("in", -1.58, 53.80, -1.54, 53.82),
        rect("far", -1.40, 53.70, -1.38, 53.72),
    ]);
    let e = estimate_population(&source, &[Some(500.0)], &target, RES);
    assert!((e.population[0].unwrap() - 500.0).abs() < 1e-9);
    assert_eq!(e.population[1], None, "not zero: nothing reached it");
    let values = e.values();
    assert_eq!(
        values[0].map(|p| p.estimated),
        Some(true),
        "marked as estimated"
    );
    assert_eq!(values[1], None);

    // a source with a population of 0 still reaches its targets
    let e = estimate_population(&source, &[Some(0.0)], &target, RES);
    assert_eq!(e.population, vec![Some(0.0), None]);
}
