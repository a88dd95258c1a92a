use super::*;

use crate::filter::Period;
use crate::region::haversine_m;
use crate::table::{IncidentRow, IncidentTableBuilder};
use crate::types::{Flags, LonLat, YearMonth};

fn table(points: &[(f64, f64)]) -> IncidentTable {
    let mut b = IncidentTableBuilder::default();
    for &(lon, lat) in points {
        let location = LonLat::new(lon, lat).unwrap();
        b.push(&IncidentRow {
            location,
            fine_cell: location.fine_cell(),
            month: YearMonth::new(2024, 3).unwrap(),
            day: None,
            time: None,
            crime_type: "Violence",
            offence: None,
            flags: Flags::default(),
            weight: None,
            import_id: 1,
        })
        .unwrap();
    }
    b.build()
}

fn query(res: u8, h: f64) -> KdeQuery {
    KdeQuery {
        filter: Filter::default(),
        resolution: Resolution::try_from(res).unwrap(),
        bandwidth: Bandwidth::new(h).unwrap(),
        measure: Measure::Count,
        cells: None,
    }
}

/// The point `d` metres from (lon, lat) on the bearing `theta` (radians from north).
fn destination(lon: f64, lat: f64, d: f64, theta: f64) -> (f64, f64) {
    let (p1, l1) = (lat.to_radians(), lon.to_radians());
    let delta = d / EARTH_RADIUS;
    let p2 = (p1.sin() * delta.cos() + p1.cos() * delta.sin() * theta.cos()).asin();
    let l2 = l1 + (theta.sin() * delta.sin() * p1.cos()).atan2(delta.cos() - p1.sin() * p2.sin());
    (l2.to_degrees(), p2.to_degrees())
}

fn centre(cell: CellIndex) -> (f64, f64) {
    let ll = LatLng::from(cell);
    (ll.lng(), ll.lat())
}

fn leeds(res: h3o::Resolution) -> CellIndex {
    LatLng::new(53.7965, -1.5478).unwrap().to_cell(res)
}

fn density(r: &KdeResult, c: CellIndex) -> f64 {
    r.cells.iter().find(|x| x.cell == c).unwrap().density_km2
}

#[test]
fn a_point_at_a_cell_centre() {
    let c = leeds(h3o::Resolution::Nine);
    let h = 400.0;
    let r = kde(&table(&[centre(c)]), &query(9, h), &HarmTable::default()).unwrap();
    // 3/(π h²) per m², ×10⁶ per km²
    let want = 3.0 / (std::f64::consts::PI * h * h) * 1e6;
    let got = density(&r, c);
    assert!((got - want).abs() <= 1e-12 * want, "{got} vs {want}");
    assert_eq!(r.cells[0].cell, c, "the densest cell is the point's");
    assert_eq!(r.cells[0].rank, 1);
    assert_eq!((r.incidents, r.points), (1, 1));
}

#[test]
fn a_point_at_half_the_bandwidth() {
    let c = leeds(h3o::Resolution::Ten);
    let h = 300.0;
    let (lon, lat) = centre(c);
    let p = destination(lon, lat, h / 2.0, 1.0);
    assert!((haversine_m(p.0, p.1, lon, lat) - h / 2.0).abs() < 1e-6);
    let r = kde(&table(&[p]), &query(10, h), &HarmTable::default()).unwrap();
    // (1 − (1/2)²)² = 9/16
    let want = 3.0 / (std::f64::consts::PI * h * h) * (9.0 / 16.0) * 1e6;
    let got = density(&r, c);
    assert!((got - want).abs() <= 1e-8 * want, "{got} vs {want}");
}

#[test]
fn the_cells_are_those_with_a_centre_within_h_and_densities_add_up() {
    let c = leeds(h3o::Resolution::Nine);
    let (lon, lat) = centre(c);
    let mut pts: Vec<(f64, f64)> = (0..40)
        .map(|i| destination(lon, lat, 37.0 * f64::from(1 + i % 9), f64::from(i) * 0.7))
        .collect();
    // two incidents at one point count twice
    pts.push(pts[3]);
    let h = 500.0;
    let t = table(&pts);
    let r = kde(&t, &query(9, h), &HarmTable::default()).unwrap();
    assert_eq!(r.incidents, 41);
    assert_eq!(r.points, 40);
    // brute force over a wide disk: every cell with a centre within h, every point
    let mut want: Vec<(CellIndex, f64)> = c
        .grid_disk::<Vec<_>>(8)
        .into_iter()
        .filter_map(|cell| {
            let (x, y) = centre(cell);
            let d: Vec<f64> = pts.iter().map(|p| haversine_m(p.0, p.1, x, y)).collect();
            d.iter()
                .any(|&d| d < h)
                .then(|| (cell, d.iter().map(|&d| quartic(d, h)).sum::<f64>() * 1e6))
        })
        .collect();
    want.sort_by(|a, b| b.1.total_cmp(&a.1));
    assert_eq!(r.cells.len(), want.len());
    for (cell, d) in &want {
        let got = density(&r, *cell);
        assert!((got - d).abs() <= 1e-9 * d, "{cell}: {got} vs {d}");
    }
    for w in r.cells.windows(2) {
        assert!(w[0].density_km2 >= w[1].density_km2);
        assert_eq!(w[0].rank + 1, w[1].rank);
    }
}

#[test]
fn given_cells_are_all_listed_and_other_resolutions_refused() {
    let c = leeds(h3o::Resolution::Nine);
    let far = LatLng::new(51.5, -0.12)
        .unwrap()
        .to_cell(h3o::Resolution::Nine);
    let mut q = query(9, 400.0);
    q.cells = Some(vec![c, far]);
    let r = kde(&table(&[centre(c)]), &q, &HarmTable::default()).unwrap();
    assert_eq!(r.cells.len(), 2);
    assert_eq!(density(&r, far), 0.0);
    assert_eq!(r.cells[1].cell, far);
    q.cells = Some(vec![leeds(h3o::Resolution::Eight)]);
    assert!(kde(&table(&[centre(c)]), &q, &HarmTable::default()).is_err());
}

#[test]
fn the_ij_and_rtree_paths_agree() {
    let c = leeds(h3o::Resolution::Ten);
    let (lon, lat) = centre(c);
    let pts: Vec<(f64, f64)> = (0..500)
        .map(|i| destination(lon, lat, 3.0 * f64::from(i % 311), f64::from(i) * 2.3))
        .collect();
    let t = table(&pts);
    for (res, h) in [(10, 250.0), (9, 600.0), (8, 150.0)] {
        let q = query(res, h);
        let a = kde_with(&t, &q, &HarmTable::default(), true).unwrap();
        let b = kde_with(&t, &q, &HarmTable::default(), false).unwrap();
        assert_eq!(a.cells.len(), b.cells.len(), "res {res}");
        for (x, y) in a.cells.iter().zip(&b.cells) {
            assert_eq!((x.cell, x.incidents), (y.cell, y.incidents), "res {res}");
            assert!((x.density_km2 - y.density_km2).abs() <= 1e-12 * y.density_km2);
        }
    }
}

/// A fixed-seed generator for the property test below.
fn lcg(s: &mut u64) -> f64 {
    *s = s
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*s >> 11) as f64 / (1u64 << 53) as f64
}

/// The fast path against every point measured to every cell of a wide disk: the same
/// cells, incidents and densities, with points scattered, stacked and a hair inside and
/// outside h of a cell centre.
#[test]
fn the_fast_path_matches_every_point_against_every_cell() {
    for (res, h, k) in [(9, 600.0, 12), (10, 250.0, 26)] {
        let r = h3o::Resolution::try_from(res).unwrap();
        let c = leeds(r);
        let (lon, lat) = centre(c);
        let mut s = u64::from(res);
        let mut pts: Vec<(f64, f64)> = (0..3000)
            .map(|_| destination(lon, lat, 1500.0 * lcg(&mut s).sqrt(), 6.3 * lcg(&mut s)))
            .collect();
        // stacked points (police.uk's shared map points)
        for i in 0..200 {
            pts.push(pts[i * 7]);
        }
        // a hair (1 mm) inside and outside h of some cell centres
        for (i, cell) in c.grid_disk::<Vec<_>>(5).into_iter().enumerate().take(60) {
            let (x, y) = centre(cell);
            let d = if i % 2 == 0 { h - 1e-3 } else { h + 1e-3 };
            pts.push(destination(x, y, d, f64::from(i as u32) * 0.37));
        }
        let t = table(&pts);
        let got = kde(&t, &query(res, h), &HarmTable::default()).unwrap();
        let mut want: Vec<(CellIndex, f64, u32)> = c
            .grid_disk::<Vec<_>>(k)
            .into_iter()
            .filter_map(|cell| {
                let (x, y) = centre(cell);
                let near: Vec<f64> = pts
                    .iter()
                    .map(|p| haversine_m(p.0, p.1, x, y))
                    .filter(|&d| d < h)
                    .collect();
                (!near.is_empty()).then(|| {
                    let d = near.iter().map(|&d| quartic(d, h)).sum::<f64>() * 1e6;
                    (cell, d, near.len() as u32)
                })
            })
            .collect();
        // the disk is wide enough: its rim has no cell within h of a point
        let rim: Vec<CellIndex> = c.grid_ring_fast(k).flatten().collect();
        assert!(
            rim.iter().all(|r| want.iter().all(|w| w.0 != *r)),
            "res {res}"
        );
        want.sort_by_key(|w| w.0);
        let mut cells = got.cells.clone();
        cells.sort_by_key(|x| x.cell);
        assert_eq!(cells.len(), want.len(), "res {res}");
        for (x, (cell, d, n)) in cells.iter().zip(&want) {
            assert_eq!((x.cell, x.incidents), (*cell, *n), "res {res}");
            assert!(
                (x.density_km2 - d).abs() <= 1e-9 * d,
                "res {res} {cell}: {} vs {d}",
                x.density_km2
            );
        }
        assert_eq!(got.incidents, pts.len());
    }
}

/// The fast path against the most straightforward sum there is: every distinct point
/// against every cell of a wide disk, in one loop, through the kernel's own distance
/// (so only the order of the additions differs): the same cells and incidents, and
/// densities within 1e-12.
#[test]
fn the_fast_path_matches_a_plain_double_loop_to_1e_12() {
    for (res, h, k) in [(10, 400.0, 22), (9, 600.0, 12), (8, 1500.0, 9)] {
        let r = h3o::Resolution::try_from(res).unwrap();
        let c = leeds(r);
        let (lon, lat) = centre(c);
        let mut s = 7 + u64::from(res);
        let pts: Vec<(f64, f64)> = (0..4000)
            .map(|_| destination(lon, lat, 1200.0 * lcg(&mut s).sqrt(), 6.3 * lcg(&mut s)))
            .collect();
        let got = kde(&table(&pts), &query(res, h), &HarmTable::default()).unwrap();
        let kernel = Kernel::new(h);
        let units: Vec<[f64; 3]> = pts.iter().map(|&(x, y)| unit(x, y)).collect();
        let mut want: Vec<(CellIndex, f64, u32)> = c
            .grid_disk::<Vec<_>>(k)
            .into_iter()
            .filter_map(|cell| {
                let (x, y) = centre(cell);
                let q = unit(x, y);
                let (mut sum, mut n) = (0.0, 0);
                for &g in &units {
                    let (t, m) = kernel.term(q, g, 1.0, 1.0);
                    sum += t;
                    n += u32::from(m > 0.0);
                }
                (n > 0).then_some((cell, sum * kernel.scale_km2, n))
            })
            .collect();
        let rim: Vec<CellIndex> = c.grid_ring_fast(k).flatten().collect();
        assert!(
            rim.iter().all(|r| want.iter().all(|w| w.0 != *r)),
            "res {res}"
        );
        want.sort_by_key(|w| w.0);
        let mut cells = got.cells.clone();
        cells.sort_by_key(|x| x.cell);
        assert_eq!(cells.len(), want.len(), "res {res}");
        for (x, (cell, d, n)) in cells.iter().zip(&want) {
            assert_eq!((x.cell, x.incidents), (*cell, *n), "res {res}");
            assert!(
                (x.density_km2 - d).abs() <= 1e-12 * d,
                "res {res} {cell}: {} vs {d}",
                x.density_km2
            );
        }
    }
}

#[test]
fn a_cancelled_density_stops_with_cancelled() {
    let t = table(&[(-1.5478, 53.7965), (-1.5400, 53.8000)]);
    let q = query(9, 400.0);
    let h = HarmTable::default();
    let live = crate::Cancel::new();
    let plain = kde(&t, &q, &h).unwrap();
    let watched = crate::kde_cancellable(&t, &q, &h, &live).unwrap();
    assert_eq!(plain.cells, watched.cells);
    live.cancel();
    assert_eq!(
        crate::kde_cancellable(&t, &q, &h, &live).unwrap_err(),
        QueryError::Cancelled(crate::Cancelled)
    );
}

/// A backtest's windows: each window's densities from the one layout of every month's
/// points equal its own `kde` at the same cells, to 1e-12, zeros included.
#[test]
fn windows_match_a_kde_of_each_window() {
    let c = leeds(h3o::Resolution::Nine);
    let (lon, lat) = centre(c);
    let mut s = 11;
    let mut b = IncidentTableBuilder::default();
    for i in 0..3000 {
        // a few shared map points, as police.uk's
        let (x, y) = if i % 7 == 0 {
            (lon, lat)
        } else {
            destination(lon, lat, 3000.0 * lcg(&mut s).sqrt(), 6.3 * lcg(&mut s))
        };
        let location = LonLat::new(x, y).unwrap();
        b.push(&IncidentRow {
            location,
            fine_cell: location.fine_cell(),
            month: YearMonth::new(2024, 1 + (i % 6) as u32).unwrap(),
            day: None,
            time: None,
            crime_type: "Violence",
            offence: None,
            flags: Flags::default(),
            weight: None,
            import_id: 1,
        })
        .unwrap();
    }
    let table = b.build();
    let month = |m| YearMonth::new(2024, m).unwrap();
    let res = Resolution::try_from(9).unwrap();
    let h = Bandwidth::new(500.0).unwrap();
    let harm = HarmTable::default();
    // the cells around the data and a ring beyond its reach
    let cells: Vec<CellIndex> = c.grid_disk::<Vec<_>>(14);
    let ids: Vec<u64> = cells.iter().map(|&c| u64::from(c)).collect();
    let w = Windows::new(
        &table,
        &Filter::default(),
        (month(1), month(6)),
        &ids,
        res,
        h,
        Measure::Count,
        &harm,
    )
    .unwrap()
    .expect("one base cell");
    assert!(w.densities((month(1), month(7)), &cells).is_none());
    for (a, z) in [(1, 4), (2, 5), (3, 6), (6, 6)] {
        let got = w.densities((month(a), month(z)), &cells).unwrap();
        let q = KdeQuery {
            filter: Filter {
                period: Some(Period::months(month(a), month(z)).unwrap()),
                ..Filter::default()
            },
            resolution: res,
            bandwidth: h,
            measure: Measure::Count,
            cells: Some(cells.clone()),
        };
        let want = kde(&table, &q, &harm).unwrap();
        let mut zeros = 0;
        for (cell, d) in cells.iter().zip(&got) {
            let x = density(&want, *cell);
            assert!((d - x).abs() <= 1e-12 * x, "{a}..{z} {cell}: {d} vs {x}");
            zeros += usize::from(*d == 0.0);
        }
        assert!(zeros > 0 && zeros < cells.len(), "{a}..{z}: {zeros} zeros");
    }
}

/// The kernel's d²/h² from the chord: with and without the c⁶ and c⁸ terms it agrees
/// with 4R²·asin²(c/2)/h² (the haversine distance) to rounding, at every bandwidth up
/// to the short series' limit, out to 1.2 h; and the long series up to 20 km.
#[test]
fn the_arc_series_is_exact_to_rounding() {
    let (lon, lat) = (-1.5478, 53.7965);
    let q = unit(lon, lat);
    let mut s = 11;
    for h in [50.0, 400.0, SHORT_H_M, 5_000.0, 20_000.0] {
        let kernel = Kernel::new(h);
        for _ in 0..2000 {
            let d = 1.2 * h * lcg(&mut s);
            let (x, y) = destination(lon, lat, d, 6.3 * lcg(&mut s));
            let g = unit(x, y);
            let c = ((g[0] - q[0]).powi(2) + (g[1] - q[1]).powi(2) + (g[2] - q[2]).powi(2)).sqrt();
            let arc = 2.0 * EARTH_RADIUS * (c / 2.0).asin();
            let want = if arc < h {
                (1.0 - (arc / h).powi(2)).powi(2)
            } else {
                0.0
            };
            let mut forms = vec![kernel.term_with::<true>(q, g, 1.0, 1.0).0];
            if h <= SHORT_H_M {
                forms.push(kernel.term_with::<false>(q, g, 1.0, 1.0).0);
            }
            for got in forms {
                // (1 − r)² loses r's relative rounding near the rim: compare absolutely
                assert!((got - want).abs() <= 1e-13, "h {h}, d {d}: {got} vs {want}");
            }
        }
    }
}

/// The table's point index (the fast path) against the selection's own layout and the
/// R-tree, on a filtered selection with shared points and weights from the data: the
/// same cells, incidents and densities, also at given cells.
#[test]
fn the_point_index_agrees_with_both_other_paths_under_a_filter() {
    let c = leeds(h3o::Resolution::Ten);
    let (lon, lat) = centre(c);
    let mut b = IncidentTableBuilder::default();
    for i in 0..900u32 {
        // a third of the rows share a point with the row before
        let j = if i % 3 == 2 { i - 1 } else { i };
        let (x, y) = destination(lon, lat, 2.7 * f64::from(j % 293), f64::from(j) * 2.1);
        let location = LonLat::new(x, y).unwrap();
        b.push(&IncidentRow {
            location,
            fine_cell: location.fine_cell(),
            month: YearMonth::new(2024, 3).unwrap(),
            day: None,
            time: None,
            crime_type: if i % 4 == 0 { "Burglary" } else { "Violence" },
            offence: None,
            flags: Flags::default(),
            weight: Some(1.0 + f64::from(i % 7)),
            import_id: 1,
        })
        .unwrap();
    }
    let t = b.build();
    let harm = HarmTable::default();
    for (res, h) in [(10, 250.0), (9, 600.0)] {
        let mut q = query(res, h);
        q.filter.crime_types = vec!["Violence".into()];
        q.measure = Measure::Harm;
        let fast = kde_with(&t, &q, &harm, true).unwrap();
        assert!(
            t.points_at(q.resolution).is_some(),
            "res {res}: the index was used"
        );
        let sel = select(
            &t,
            &q.filter,
            q.resolution,
            q.measure,
            &harm,
            false,
            &Cancel::never(),
        )
        .unwrap();
        assert_eq!((fast.incidents, fast.points), (675, sel.points.len()));
        let col = t.cells_at(q.resolution);
        let never = Cancel::never();
        let mut ij = by_ij(&sel.points, &sel.occupied, col.cells(), None, h, &never).unwrap();
        let mut tree = by_rtree(&sel.points, &sel.occupied, None, h, &never);
        ij.sort_by_key(|x| x.cell);
        tree.sort_by_key(|x| x.cell);
        let mut got = fast.cells.clone();
        got.sort_by_key(|x| x.cell);
        assert_eq!(got.len(), tree.len(), "res {res}");
        for ((x, y), z) in got.iter().zip(&ij).zip(&tree) {
            assert_eq!((x.cell, x.incidents), (z.cell, z.incidents), "res {res}");
            assert_eq!((y.cell, y.incidents), (z.cell, z.incidents), "res {res}");
            assert!((x.density_km2 - z.density_km2).abs() <= 1e-12 * z.density_km2);
            assert!((y.density_km2 - z.density_km2).abs() <= 1e-12 * z.density_km2);
        }
        // at given cells: a few of them and one far away, every one listed
        let far = LatLng::new(53.9, -1.3).unwrap().to_cell(q.resolution.h3());
        q.cells = Some(got.iter().step_by(7).map(|x| x.cell).chain([far]).collect());
        let given = kde_with(&t, &q, &harm, true).unwrap();
        let plain = kde_with(&t, &q, &harm, false).unwrap();
        assert_eq!(given.cells.len(), q.cells.as_ref().unwrap().len());
        assert_eq!(density(&given, far), 0.0);
        for (x, y) in given.cells.iter().zip(&plain.cells) {
            assert_eq!((x.cell, x.incidents), (y.cell, y.incidents), "res {res}");
            assert!((x.density_km2 - y.density_km2).abs() <= 1e-12 * y.density_km2);
        }
    }
}
