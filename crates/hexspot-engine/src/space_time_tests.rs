use super::*;

use h3o::LatLng;
use rustc_hash::FxHashMap;

use crate::filter::Period;
use crate::table::{IncidentRow, IncidentTableBuilder};
use crate::types::{Flags, LonLat};

/// Incidents at cell centres: `(cell, month, crime type, how many)` (the monthly
/// series' tests build theirs with it too).
pub(crate) fn table(rows: &[(CellIndex, YearMonth, &str, u32)]) -> IncidentTable {
    let mut b = IncidentTableBuilder::default();
    for &(cell, month, crime_type, n) in rows {
        let ll = LatLng::from(cell);
        let location = LonLat::new(ll.lng(), ll.lat()).unwrap();
        for _ in 0..n {
            b.push(&IncidentRow {
                location,
                fine_cell: location.fine_cell(),
                month,
                day: None,
                time: None,
                crime_type,
                offence: None,
                flags: Flags::default(),
                weight: None,
                import_id: 1,
            })
            .unwrap();
        }
    }
    b.build()
}

fn ym(s: &str) -> YearMonth {
    s.parse().unwrap()
}

fn query(from: &str, to: &str, k: u32, lag: u32, slice: u32) -> SpaceTimeQuery {
    SpaceTimeQuery {
        filter: Filter {
            period: Some(Period::months(ym(from), ym(to)).unwrap()),
            ..Filter::default()
        },
        resolution: Resolution::try_from(9).unwrap(),
        k: K::new(k).unwrap(),
        measure: Measure::Count,
        region: StudyRegion::OccupiedWithRings,
        alpha: Alpha::default(),
        slice_months: SliceMonths::new(slice).unwrap(),
        time_lag: TimeLag::new(lag).unwrap(),
        max_region_cells: usize::MAX,
    }
}

fn leeds() -> CellIndex {
    LatLng::new(53.7965, -1.5478)
        .unwrap()
        .to_cell(h3o::Resolution::Nine)
}

/// A reproducible pattern: some cells of a 4-ring around Leeds with varied monthly
/// counts, one growing hotspot and one fading one.
fn pattern(months: i32) -> Vec<(CellIndex, YearMonth, &'static str, u32)> {
    let cells: Vec<CellIndex> = leeds().grid_disk(4);
    let mut seed: u64 = 12345;
    let mut rand = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as u32
    };
    let start = ym("2023-01").index();
    let mut rows = Vec::new();
    for m in 0..months {
        let month = YearMonth::from_index(start + m).unwrap();
        for (i, &c) in cells.iter().enumerate() {
            if i % 3 == 0 {
                continue;
            }
            let n = rand() % 4;
            if n > 0 {
                rows.push((c, month, "Violence", n));
            }
        }
        rows.push((cells[0], month, "Violence", 2 + m as u32 * 2));
        rows.push((cells[5], month, "Violence", (months - m) as u32 * 2));
    }
    rows
}

/// Space-time Gi* by a naive double loop over every pair of bins, from the rows
/// themselves.
fn naive(
    rows: &[(CellIndex, YearMonth, &str, u32)],
    cells: &[CellIndex],
    first: YearMonth,
    t_n: usize,
    slice: i32,
    k: u32,
    lag: usize,
) -> Vec<Option<f64>> {
    let index: FxHashMap<CellIndex, usize> =
        cells.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut x = vec![0.0; cells.len() * t_n];
    for &(c, m, _, n) in rows {
        let t = ((m.index() - first.index()) / slice) as usize;
        if t < t_n {
            x[index[&c] * t_n + t] += f64::from(n);
        }
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let s = (x.iter().map(|v| v * v).sum::<f64>() / n - mean * mean).sqrt();
    let mut z = Vec::new();
    for ci in cells {
        for t in 0..t_n {
            let (mut lag_sum, mut w) = (0.0, 0.0);
            for (j, cj) in cells.iter().enumerate() {
                for u in 0..t_n {
                    let near = ci.grid_distance(*cj).unwrap() <= k as i32;
                    if near && u <= t && u + lag >= t {
                        lag_sum += x[j * t_n + u];
                        w += 1.0;
                    }
                }
            }
            let den = s * ((n * w - w * w) / (n - 1.0)).sqrt();
            z.push(Some((lag_sum - mean * w) / den));
        }
    }
    z
}

#[test]
fn space_time_gi_star_matches_a_naive_double_loop() {
    let rows = pattern(12);
    let t = table(&rows);
    for (k, lag) in [(1, 1), (1, 2), (2, 1), (1, 0)] {
        let q = query("2023-01", "2023-12", k, lag, 1);
        let c = cube(&t, &q, &HarmTable::default()).unwrap();
        assert_eq!(c.slices.len(), 12);
        let want = naive(&rows, &c.cells, ym("2023-01"), 12, 1, k, lag as usize);
        assert_eq!(c.z.len(), want.len());
        for (b, (got, want)) in c.z.iter().zip(&want).enumerate() {
            let (g, w) = (got.unwrap(), want.unwrap());
            assert!(
                (g - w).abs() <= 1e-12,
                "k={k} L={lag} bin {b}: {g} vs naive {w}"
            );
        }
        assert_eq!(c.moments.n, c.cells.len() * 12);
        // each slice's significance is BH over that slice's cells
        for s in 0..12 {
            let ps: Vec<Option<f64>> = (0..c.cells.len()).map(|i| c.p[i * 12 + s]).collect();
            assert_eq!(c.bh_thresholds[s], bh_threshold(&ps, 0.05));
        }
    }
}

#[test]
fn two_month_slices_sum_their_months() {
    let rows = pattern(12);
    let t = table(&rows);
    let q = query("2023-01", "2023-12", 1, 1, 2);
    let c = cube(&t, &q, &HarmTable::default()).unwrap();
    assert_eq!(c.slices.len(), 6);
    assert_eq!(c.slices[0].first, ym("2023-01"));
    assert_eq!(c.slices[0].last, ym("2023-02"));
    assert_eq!(c.slices[5].last, ym("2023-12"));
    let want = naive(&rows, &c.cells, ym("2023-01"), 6, 2, 1, 1);
    for (g, w) in c.z.iter().zip(&want) {
        assert!((g.unwrap() - w.unwrap()).abs() <= 1e-12);
    }
    // cell 0 of the pattern: 2 + 2m incidents in month m
    let i = c.cells.binary_search(&leeds()).unwrap();
    assert_eq!(&c.counts[i * 6..i * 6 + 2], &[2 + 4, 6 + 8]);
    assert_eq!(
        c.incidents,
        rows.iter().map(|r| r.3 as usize).sum::<usize>()
    );
}

#[test]
fn the_study_region_is_the_hotspot_rule_over_all_slices() {
    let rows = pattern(12);
    let t = table(&rows);
    let c = cube(
        &t,
        &query("2023-01", "2023-12", 1, 1, 1),
        &HarmTable::default(),
    )
    .unwrap();
    let mut want: Vec<CellIndex> = rows
        .iter()
        .flat_map(|r| r.0.grid_disk::<Vec<_>>(1))
        .collect();
    want.sort_unstable();
    want.dedup();
    assert_eq!(c.cells, want);
    let occupied: FxHashSet<CellIndex> = rows.iter().map(|r| r.0).collect();
    assert_eq!(c.occupied_cells, occupied.len());
    // the hot growing cell ends hot, the fading one starts hot
    let i = c.cells.binary_search(&leeds()).unwrap();
    assert_eq!(c.states[i * 12 + 11], SliceState::Hot);
    assert!(!c.caution());
}

#[test]
fn a_month_with_no_incident_inside_the_region_is_a_gap() {
    let mut rows = pattern(12);
    let may = ym("2023-05");
    let sep = ym("2023-09");
    rows.retain(|r| r.1 != may && r.1 != sep);
    // another crime type in September inside the region: not a gap, whatever the filters
    rows.push((leeds(), sep, "Burglary", 1));
    // and in May far away (outside the region): still a gap
    let far = LatLng::new(51.5, -0.12)
        .unwrap()
        .to_cell(h3o::Resolution::Nine);
    rows.push((far, may, "Burglary", 1));
    let t = table(&rows);
    let mut q = query("2023-01", "2023-12", 1, 1, 1);
    q.filter.crime_types = vec!["Violence".into()];
    let e = cube(&t, &q, &HarmTable::default()).unwrap_err();
    assert_eq!(e, SpaceTimeError::Gaps { months: vec![may] });
    assert!(e.to_string().contains("in 2023-05: a gap"), "{e}");
    // a period before the data starts: every month is a gap
    let e = cube(
        &t,
        &query("2022-01", "2022-04", 1, 1, 1),
        &HarmTable::default(),
    );
    let Err(SpaceTimeError::Gaps { months }) = e else {
        panic!("{e:?}")
    };
    assert_eq!(months.len(), 4);
}

#[test]
fn periods_that_are_not_whole_slices_are_refused_naming_the_months() {
    let t = table(&pattern(12));
    let h = HarmTable::default();
    let e = cube(&t, &query("2023-01", "2023-12", 1, 1, 5), &h).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the period 2023-01 to 2023-12 is 12 months, not a whole number of 5-month slices"
    );
    let e = cube(&t, &query("2023-01", "2023-03", 1, 1, 1), &h).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the period 2023-01 to 2023-03 makes 3 slice(s) of 1 month(s): at least 4 are needed"
    );
    let mut q = query("2023-01", "2023-12", 1, 1, 1);
    q.filter.period =
        Some(Period::new("2023-01-02".parse().unwrap(), ym("2023-12").last_day()).unwrap());
    let e = cube(&t, &q, &h).unwrap_err();
    assert!(matches!(e, SpaceTimeError::NotWholeMonths { .. }), "{e}");
    assert!(e.to_string().contains("2023-01-02 to 2023-12-31"), "{e}");
    q.filter.period = None;
    assert_eq!(cube(&t, &q, &h).unwrap_err(), SpaceTimeError::NoPeriod);
    // four slices: allowed, with a caution
    let c = cube(&t, &query("2023-01", "2023-04", 1, 1, 1), &h).unwrap();
    assert!(c.caution());
}

#[test]
fn a_cancelled_cube_or_hotspot_query_stops_with_cancelled() {
    let rows = pattern(12);
    let t = table(&rows);
    let q = query("2023-01", "2023-12", 1, 1, 1);
    let h = HarmTable::default();
    let live = Cancel::new();
    let plain = cube(&t, &q, &h).unwrap();
    let watched = cube_cancellable(&t, &q, &h, &live).unwrap();
    assert_eq!(plain.z, watched.z);
    assert_eq!(plain.counts, watched.counts);
    let stopped = Cancel::new();
    stopped.cancel();
    assert_eq!(
        cube_cancellable(&t, &q, &h, &stopped).unwrap_err(),
        SpaceTimeError::Query(QueryError::Cancelled(Cancelled))
    );
    let hq = q.hotspot();
    assert_eq!(
        crate::hotspots::hotspots_cancellable(&t, &hq, &h, &stopped).unwrap_err(),
        QueryError::Cancelled(Cancelled)
    );
    let a = crate::hotspots::hotspots(&t, &hq, &h).unwrap();
    let b = crate::hotspots::hotspots_cancellable(&t, &hq, &h, &live).unwrap();
    assert_eq!(a.cells, b.cells);
}

/// A region's k-rings from its IJ coordinates are those of h3o's disks, cell by cell,
/// for a ragged region (a disk with holes) and k = 1 and 2.
#[test]
fn neighbours_from_ij_equal_those_from_disks() {
    let centre = LatLng::new(53.7965, -1.5478)
        .unwrap()
        .to_cell(h3o::Resolution::Nine);
    let mut cells: Vec<u64> = centre
        .grid_disk::<Vec<_>>(6)
        .into_iter()
        .map(u64::from)
        .filter(|c| c % 5 != 0)
        .collect();
    cells.sort_unstable();
    let frame = crate::ij::Frame::new(centre).unwrap();
    let ij: Vec<(i32, i32)> = cells
        .iter()
        .map(|&c| frame.ij(CellIndex::try_from(c).unwrap()).unwrap())
        .collect();
    for k in [1, 2] {
        let k = K::new(k).unwrap();
        let (s1, a) = neighbours(&cells, Some(&ij), k);
        let (s2, b) = neighbours(&cells, None, k);
        assert_eq!(s1.len(), cells.len() + 1);
        for i in 0..cells.len() {
            let mut x = a[s1[i] as usize..s1[i + 1] as usize].to_vec();
            let mut y = b[s2[i] as usize..s2[i + 1] as usize].to_vec();
            x.sort_unstable();
            y.sort_unstable();
            assert!(x.contains(&(i as u32)), "a cell is its own neighbour");
            assert_eq!(x, y, "cell {i}, k {k:?}");
        }
    }
}
