//! Engine tests: statistics against published and hand-computed values, filters, and
//! invariants (counts conserved across resolutions, order independence).

use h3o::{CellIndex, LatLng};
use hexspot_engine::stats::{bh_threshold, gi_star, two_sided_p};
use hexspot_engine::*;
use proptest::prelude::*;

fn res(r: u8) -> Resolution {
    Resolution::try_from(r).unwrap()
}

/// A violence incident at `loc` in February 2025 with nothing else known; tests change
/// the fields they care about with `..row(loc)`.
fn row(loc: LonLat) -> IncidentRow<'static> {
    IncidentRow {
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
    }
}

/// PySAL esda's own Gi* test: six points, distance band 15 plus self, binary weights.
#[test]
fn gi_star_matches_esda_oracle() {
    let pts = [
        (10.0, 10.0),
        (20.0, 10.0),
        (40.0, 10.0),
        (15.0, 20.0),
        (30.0, 20.0),
        (30.0, 30.0),
    ];
    let y = [2.0, 3.0, 3.2, 5.0, 8.0, 7.0];
    let nb: Vec<Vec<usize>> = pts
        .iter()
        .map(|&(x1, y1): &(f64, f64)| {
            (0..pts.len())
                .filter(|&j| ((pts[j].0 - x1).powi(2) + (pts[j].1 - y1).powi(2)).sqrt() <= 15.0)
                .collect()
        })
        .collect();
    let z = gi_star(&y, &nb);
    let want = [
        -1.39727626,
        -0.28917762,
        0.65064964,
        -0.28917762,
        1.23452088,
        2.02424331,
    ];
    for (got, want) in z.iter().zip(want) {
        assert!((got.unwrap() - want).abs() < 1e-8, "{got:?} vs {want}");
    }
}

/// Benjamini & Hochberg (1995), section 4 worked example: 15 p-values at q = 0.05
/// reject the four smallest.
#[test]
fn bh_matches_worked_example() {
    let p = [
        0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
        0.5719, 0.6528, 0.7590, 1.000,
    ];
    let p: Vec<Option<f64>> = p.iter().map(|&v| Some(v)).collect();
    let t = bh_threshold(&p, 0.05).unwrap();
    assert_eq!(t, 0.0095);
    assert_eq!(p.iter().filter(|v| v.unwrap() <= t).count(), 4);
    // undefined statistics are not tests and never significant
    let mut with_none = p.clone();
    with_none.push(None);
    assert_eq!(bh_threshold(&with_none, 0.05), Some(0.0095));
    assert_eq!(bh_threshold(&[Some(0.5), None], 0.05), None);
}

#[test]
fn two_sided_p_reference_values() {
    assert!((two_sided_p(0.0) - 1.0).abs() < 1e-15);
    assert!((two_sided_p(-1.959963984540054) - 0.05).abs() < 1e-12);
    assert!((two_sided_p(2.5758293035489) - 0.01).abs() < 1e-12);
    // Mann-Kendall oracle's Z from the brief, as a second reference point
    assert!((two_sided_p(2.204541) - 0.027486).abs() < 1e-6);
}

fn leeds() -> LatLng {
    LatLng::new(53.7966, -1.5432).unwrap()
}

/// A table with `n` incidents at each given point.
fn table_of(points: &[(LatLng, u32)]) -> IncidentTable {
    let mut b = IncidentTableBuilder::default();
    for (ll, n) in points {
        let loc = LonLat::new(ll.lng(), ll.lat()).unwrap();
        for _ in 0..*n {
            b.push(&row(loc)).unwrap();
        }
    }
    b.build()
}

fn all(q: HotspotQuery) -> HotspotQuery {
    HotspotQuery {
        limit: Limit::All,
        ..q
    }
}

/// One occupied res-9 cell with 2 incidents: the region is its 7-cell disk, n = 7,
/// X̄ = 2/7, S = √24/7. The centre's neighbourhood is the whole region (n·w − w² = 0):
/// z undefined. Each ring cell sees itself, the centre and two ring cells (w = 4,
/// lag = 2): z = (2 − 8/7) / ((√24/7)·√((28 − 16)/6)) = √3/2.
#[test]
fn gi_star_hand_computed_single_cell_patch() {
    let t = table_of(&[(leeds(), 2)]);
    let r = hotspots(&t, &all(HotspotQuery::default()), &HarmTable::default()).unwrap();
    assert_eq!(r.region_cells, 7);
    assert_eq!(r.occupied_cells, 1);
    assert!((r.moments.mean - 2.0 / 7.0).abs() < 1e-15);
    assert!((r.moments.std - 24f64.sqrt() / 7.0).abs() < 1e-15);
    let centre = leeds().to_cell(h3o::Resolution::Nine);
    for c in &r.cells {
        if c.cell == centre {
            assert_eq!(c.count, 2);
            assert_eq!(c.z, None);
            assert!(!c.significant);
        } else {
            assert_eq!(c.count, 0);
            assert!((c.z.unwrap() - 3f64.sqrt() / 2.0).abs() < 1e-12);
        }
    }
    // undefined z ranks last
    assert_eq!(r.cells.last().unwrap().cell, centre);
    assert_eq!(r.tests, 6);
}

/// Two far-apart cells with one incident each: n = 14, X̄ = 1/7, S = √6/7.
/// Centres: w = 7, lag = 1 → z = 0. Ring cells: w = 4, lag = 1 →
/// z = (3/7) / ((√6/7)·√(40/13)).
#[test]
fn gi_star_hand_computed_two_patches() {
    let far = LatLng::new(53.70, -1.80).unwrap();
    let t = table_of(&[(leeds(), 1), (far, 1)]);
    let r = hotspots(&t, &all(HotspotQuery::default()), &HarmTable::default()).unwrap();
    assert_eq!(r.region_cells, 14);
    let ring_z = (3.0 / 7.0) / ((6f64.sqrt() / 7.0) * (40.0f64 / 13.0).sqrt());
    for c in &r.cells {
        let want = if c.count == 1 { 0.0 } else { ring_z };
        assert!((c.z.unwrap() - want).abs() < 1e-12, "{c:?}");
    }
    assert_eq!(
        r.cells[0].count, 0,
        "ring cells rank above centres (z 0.70 > 0)"
    );
}

/// Whether `cell`'s boundary polygon holds `ll` (h3o's own boundary, as a researcher
/// checking a downloaded hexagon would test it).
fn boundary_holds(cell: CellIndex, ll: LatLng) -> bool {
    use geo::Contains as _;
    let ring: Vec<(f64, f64)> = cell.boundary().iter().map(|v| (v.lng(), v.lat())).collect();
    geo::Polygon::new(geo::LineString::from(ring), vec![])
        .contains(&geo::Point::new(ll.lng(), ll.lat()))
}

#[test]
fn each_incident_is_binned_in_the_cell_that_holds_its_point() {
    let mut rng = 12345u64;
    for _ in 0..2000 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let lat = 50.0 + (rng >> 40) as f64 / (1u64 << 24) as f64 * 6.0;
        let lng = -6.0 + (rng & 0xFFFFFF) as f64 / (1u64 << 24) as f64 * 8.0;
        let ll = LatLng::new(lat, lng).unwrap();
        let t = table_of(&[(ll, 1)]);
        for r in 5..=12u8 {
            let q = HotspotQuery {
                resolution: res(r),
                limit: Limit::Top(1),
                rank_by: RankBy::Count,
                ..HotspotQuery::default()
            };
            let got = hotspots(&t, &q, &HarmTable::default()).unwrap().cells[0].cell;
            assert_eq!(got, ll.to_cell(res(r).h3()), "({lat}, {lng}) at res {r}");
        }
    }
}

/// The first wave binned by the ancestor of the point's resolution-15 cell. For this
/// real police.uk map point ("On or near Barleyfields Court", Wetherby, in the bundled
/// Leeds file) that ancestor at res 9 is a hexagon beside the one that holds it.
#[test]
fn regression_a_point_whose_fine_cell_ancestor_is_another_hexagon() {
    let ll = LatLng::new(REGRESSION_POINT.1, REGRESSION_POINT.0).unwrap();
    let fine = ll.to_cell(h3o::Resolution::Fifteen);
    let r9 = h3o::Resolution::Nine;
    let ancestor = fine.parent(r9).unwrap();
    let holder = ll.to_cell(r9);
    assert_ne!(ancestor, holder, "the ancestor rule would bin it elsewhere");
    assert!(boundary_holds(holder, ll));
    assert!(!boundary_holds(ancestor, ll));
    let t = table_of(&[(ll, 3)]);
    let q = HotspotQuery {
        limit: Limit::Top(1),
        rank_by: RankBy::Count,
        ..HotspotQuery::default()
    };
    let top = hotspots(&t, &q, &HarmTable::default()).unwrap().cells[0];
    assert_eq!((top.cell, top.count), (holder, 3));
}

/// (lon, lat) of the regression point.
const REGRESSION_POINT: (f64, f64) = (-1.389746, 53.933681);

fn timed_table() -> IncidentTable {
    // One incident per hour of one week: Mon 2025-02-10 00:00 … Sun 2025-02-16 23:00,
    // plus one month-only row.
    let mut b = IncidentTableBuilder::default();
    let loc = LonLat::new(-1.5432, 53.7966).unwrap();
    let monday = Day::from_ymd(2025, 2, 10).unwrap();
    for h in 0..168 {
        let day = Day::from_index(monday.index() + h / 24);
        b.push(&IncidentRow {
            month: day.year_month(),
            day: Some(day),
            time: Some(MinuteOfDay::new((h % 24) as u32, 30).unwrap()),
            ..row(loc)
        })
        .unwrap();
    }
    b.push(&IncidentRow {
        import_id: 2,
        ..row(loc)
    })
    .unwrap();
    b.build()
}

fn count_with(filter: Filter) -> (usize, Exclusions) {
    let t = timed_table();
    let q = HotspotQuery {
        filter,
        ..HotspotQuery::default()
    };
    let r = hotspots(&t, &q, &HarmTable::default()).unwrap();
    (r.incidents, r.exclusions)
}

#[test]
fn night_time_window_crosses_midnight_and_belongs_to_start_day() {
    let w = WeeklyWindow::from_days_hours(&[Weekday::Fri, Weekday::Sat], 20, 4).unwrap();
    let (n, ex) = count_with(Filter {
        window: Some(w),
        ..Filter::default()
    });
    assert_eq!(n, 16, "Fri 20-24, Sat 00-04, Sat 20-24, Sun 00-04");
    assert_eq!(
        ex.no_time_of_day, 1,
        "the month-only row is left out and counted"
    );
}

#[test]
fn window_wraps_from_sunday_into_monday() {
    let w = WeeklyWindow::from_days_hours(&[Weekday::Sun], 22, 2).unwrap();
    assert!(w.contains(Weekday::Sun, 22) && w.contains(Weekday::Sun, 23));
    assert!(w.contains(Weekday::Mon, 0) && w.contains(Weekday::Mon, 1));
    assert!(!w.contains(Weekday::Mon, 2) && !w.contains(Weekday::Sun, 1));
    assert_eq!(
        count_with(Filter {
            window: Some(w),
            ..Filter::default()
        })
        .0,
        4
    );
    assert!(WeeklyWindow::from_days_hours(&[Weekday::Sun], 5, 5).is_err());
    assert!(WeeklyWindow::from_days_hours(&[Weekday::Sun], 24, 2).is_err());
    assert!(WeeklyWindow::from_days_hours(&[], 1, 2).is_err());
}

#[test]
fn period_by_day_leaves_out_month_only_rows_it_cuts() {
    let p = Period::new(
        Day::from_ymd(2025, 2, 10).unwrap(),
        Day::from_ymd(2025, 2, 11).unwrap(),
    )
    .unwrap();
    let (n, ex) = count_with(Filter {
        period: Some(p),
        ..Filter::default()
    });
    assert_eq!(n, 48);
    assert_eq!(ex.month_only_partial_period, 1);
    let whole = Period::months(
        YearMonth::new(2025, 2).unwrap(),
        YearMonth::new(2025, 2).unwrap(),
    )
    .unwrap();
    assert_eq!(
        count_with(Filter {
            period: Some(whole),
            ..Filter::default()
        })
        .0,
        169
    );
    let jan = Period::months(
        YearMonth::new(2025, 1).unwrap(),
        YearMonth::new(2025, 1).unwrap(),
    )
    .unwrap();
    assert_eq!(
        count_with(Filter {
            period: Some(jan),
            ..Filter::default()
        }),
        (0, Exclusions::default())
    );
}

#[test]
fn unknown_crime_type_is_an_error_naming_the_known_ones() {
    let t = timed_table();
    let q = HotspotQuery {
        filter: Filter {
            crime_types: vec!["Burglary".into()],
            ..Filter::default()
        },
        ..HotspotQuery::default()
    };
    let e = hotspots(&t, &q, &HarmTable::default()).unwrap_err();
    assert!(
        e.to_string().contains("Violence and sexual offences"),
        "{e}"
    );
    let ok = HotspotQuery {
        filter: Filter {
            crime_types: vec!["violence AND sexual offences".into()],
            ..Filter::default()
        },
        ..HotspotQuery::default()
    };
    assert_eq!(
        hotspots(&t, &ok, &HarmTable::default()).unwrap().incidents,
        169
    );
}

#[test]
fn crime_type_filter_matches_every_spelling_of_the_name() {
    let mut b = IncidentTableBuilder::default();
    let loc = LonLat::new(-1.5432, 53.7966).unwrap();
    for ct in ["Robbery", "ROBBERY", "robbery", "Burglary"] {
        b.push(&IncidentRow {
            crime_type: ct,
            ..row(loc)
        })
        .unwrap();
    }
    let t = b.build();
    let q = HotspotQuery {
        filter: Filter {
            crime_types: vec!["Robbery".into()],
            ..Filter::default()
        },
        ..HotspotQuery::default()
    };
    assert_eq!(
        hotspots(&t, &q, &HarmTable::default()).unwrap().incidents,
        3
    );
}

/// Data in two H3 base cells (Leeds and Sydney) takes the hash path and gives the same
/// answer as forcing it.
#[test]
fn data_across_base_cells_falls_back_to_the_hash_path() {
    let sydney = LatLng::new(-33.8688, 151.2093).unwrap();
    let t = table_of(&[(leeds(), 3), (sydney, 2)]);
    for limit in [Limit::Top(3), Limit::All] {
        let q = HotspotQuery {
            limit,
            ..HotspotQuery::default()
        };
        let a = hotspots_with(&t, &q, &HarmTable::default(), true).unwrap();
        let b = hotspots_with(&t, &q, &HarmTable::default(), false).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.incidents, 5);
    }
    assert_eq!(
        hotspots(&t, &all(HotspotQuery::default()), &HarmTable::default())
            .unwrap()
            .region_cells,
        14
    );
}

#[test]
fn flags_filter_counts_rows_that_do_not_record_the_flag() {
    let (n, ex) = count_with(Filter {
        flags: vec![(FlagKind::Knife, true)],
        ..Filter::default()
    });
    assert_eq!(n, 0);
    assert_eq!(ex.flag_not_recorded, 169);
}

#[test]
fn harm_weights_come_from_data_then_table_then_one() {
    let mut b = IncidentTableBuilder::default();
    let loc = LonLat::new(-1.5432, 53.7966).unwrap();
    for (offence, weight) in [
        (Some("Wounding"), None),
        (None, Some(10.0)),
        (None, None),
        (Some("Other"), None),
    ] {
        b.push(&IncidentRow {
            offence,
            weight,
            ..row(loc)
        })
        .unwrap();
    }
    let t = b.build();
    let harm = HarmTable::new(
        "test",
        [("wounding", 1965.0), ("Violence and sexual offences", 2.0)],
    )
    .unwrap();
    let r = hotspots(
        &t,
        &HotspotQuery {
            measure: Measure::Harm,
            ..HotspotQuery::default()
        },
        &harm,
    )
    .unwrap();
    assert_eq!(r.harm_total, 1965.0 + 10.0 + 2.0 + 2.0);
    assert_eq!(
        r.weight_sources,
        WeightSources {
            data: 1,
            table: 3,
            default: 0
        }
    );
    let r = hotspots(&t, &HotspotQuery::default(), &HarmTable::default()).unwrap();
    assert_eq!(r.harm_total, 1.0 + 10.0 + 1.0 + 1.0);
    assert!(HarmTable::new("bad", [("x", -1.0)]).is_err());
}

#[test]
fn region_from_polygon_keeps_only_inside_incidents_and_counts_the_rest() {
    let far = LatLng::new(53.70, -1.80).unwrap();
    let t = table_of(&[(leeds(), 3), (far, 2)]);
    let poly = geo::MultiPolygon::new(vec![geo::Polygon::new(
        geo::LineString::from(vec![
            (-1.56, 53.78),
            (-1.52, 53.78),
            (-1.52, 53.81),
            (-1.56, 53.81),
            (-1.56, 53.78),
        ]),
        vec![],
    )]);
    let cells = cells_covering(&poly, res(9)).unwrap();
    assert!(cells.len() > 50);
    let q = HotspotQuery {
        region: StudyRegion::Cells {
            cells: cells.clone(),
            description: "box".into(),
        },
        limit: Limit::All,
        ..HotspotQuery::default()
    };
    let r = hotspots(&t, &q, &HarmTable::default()).unwrap();
    assert_eq!(r.region_cells, cells.len());
    assert_eq!(r.incidents, 3);
    assert_eq!(r.exclusions.outside_region, 2);
    assert_eq!(r.cells.len(), cells.len());
    assert_eq!(r.cells[0].count, 3);
    // a region at another resolution is refused
    let wrong = HotspotQuery {
        resolution: res(8),
        region: StudyRegion::Cells {
            cells,
            description: "box".into(),
        },
        ..HotspotQuery::default()
    };
    assert!(hotspots(&t, &wrong, &HarmTable::default()).is_err());
}

/// The cover is complete: every point inside the polygon (a triangle, so its edges cut
/// cells at every angle) lies in a covered cell, at every resolution.
#[test]
fn region_cover_contains_every_inside_point() {
    use geo::Contains;
    let tri = geo::Polygon::new(
        geo::LineString::from(vec![
            (-1.60, 53.76),
            (-1.48, 53.79),
            (-1.57, 53.84),
            (-1.60, 53.76),
        ]),
        vec![],
    );
    let mp = geo::MultiPolygon::new(vec![tri.clone()]);
    let mut s = 17u64;
    for r in [8u8, 9, 10, 11] {
        let cover: std::collections::HashSet<CellIndex> =
            cells_covering(&mp, res(r)).unwrap().into_iter().collect();
        let mut inside = 0;
        for _ in 0..20_000 {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let lon = -1.60 + ((s >> 40) as f64 / (1u64 << 24) as f64) * 0.12;
            let lat = 53.76 + ((s & 0xFFFFFF) as f64 / (1u64 << 24) as f64) * 0.08;
            if tri.contains(&geo::Point::new(lon, lat)) {
                inside += 1;
                let c = LatLng::new(lat, lon).unwrap().to_cell(res(r).h3());
                assert!(
                    cover.contains(&c),
                    "res {r}: ({lon}, {lat}) in {c} not covered"
                );
            }
        }
        assert!(inside > 5_000);
    }
}

#[test]
fn bad_parameters_are_refused() {
    let t = timed_table();
    // k and α cannot be out of range: their newtypes refuse to be made
    assert!(K::new(0).is_err() && K::new(MAX_K + 1).is_err());
    assert!(Alpha::new(0.0).is_err() && Alpha::new(1.0).is_err());
    // a study region over the query's limit: refused, by either way of building it
    let whole = hotspots(&t, &HotspotQuery::default(), &HarmTable::default()).unwrap();
    let n = whole.region_cells;
    let limited = |max| HotspotQuery {
        max_region_cells: max,
        ..HotspotQuery::default()
    };
    assert_eq!(
        hotspots(&t, &limited(n - 1), &HarmTable::default()),
        Err(hexspot_engine::QueryError::RegionTooLarge { max: n - 1 })
    );
    assert_eq!(hotspots(&t, &limited(n), &HarmTable::default()), Ok(whole));
    assert!(Resolution::try_from(4).is_err() && Resolution::try_from(13).is_err());
    assert!("2025-13".parse::<YearMonth>().is_err());
    assert!("2025-02-30".parse::<Day>().is_err());
    assert!("1,2,1,3".parse::<BBox>().is_err());
    assert!(LonLat::new(0.0, 0.0).is_err() && LonLat::new(f64::NAN, 1.0).is_err());
}

#[test]
fn empty_selection_gives_an_empty_answer_not_nan() {
    let t = timed_table();
    let q = HotspotQuery {
        filter: Filter {
            bbox: Some(BBox::new(0.0, 0.0, 1.0, 1.0).unwrap()),
            ..Filter::default()
        },
        ..HotspotQuery::default()
    };
    let r = hotspots(&t, &q, &HarmTable::default()).unwrap();
    assert_eq!((r.region_cells, r.cells.len(), r.incidents), (0, 0, 0));
}

#[test]
fn memory_per_incident_is_within_budget() {
    let t = timed_table();
    assert_eq!(t.column_bytes(), t.len() * IncidentTable::BYTES_PER_ROW);
    const { assert!(IncidentTable::BYTES_PER_ROW <= 64) };
}

fn arb_points() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((53.70f64..53.85, -1.70f64..-1.45), 1..300)
}

fn table_from(points: &[(f64, f64)]) -> IncidentTable {
    let mut b = IncidentTableBuilder::default();
    for (i, &(lat, lon)) in points.iter().enumerate() {
        let loc = LonLat::new(lon, lat).unwrap();
        b.push(&IncidentRow {
            crime_type: if i % 3 == 0 {
                "Robbery"
            } else {
                "Violence and sexual offences"
            },
            weight: Some((i % 7) as f64),
            ..row(loc)
        })
        .unwrap();
    }
    b.build()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn counts_are_conserved_across_resolutions(points in arb_points()) {
        let t = table_from(&points);
        for r in 5..=12u8 {
            let q = HotspotQuery { resolution: res(r), limit: Limit::All, ..HotspotQuery::default() };
            let out = hotspots(&t, &q, &HarmTable::default()).unwrap();
            let total: u32 = out.cells.iter().map(|c| c.count).sum();
            prop_assert_eq!(total as usize, points.len());
            prop_assert_eq!(out.incidents, points.len());
            // each cell counts exactly the points its hexagon holds
            let mut holds = std::collections::HashMap::<CellIndex, u32>::new();
            for &(lat, lon) in &points {
                *holds.entry(LatLng::new(lat, lon).unwrap().to_cell(res(r).h3())).or_default() += 1;
            }
            for c in &out.cells {
                prop_assert_eq!(holds.get(&c.cell).copied().unwrap_or(0), c.count);
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_row_order(points in arb_points(), seed in any::<u64>()) {
        // each row keeps its own weight wherever it moves
        let rows: Vec<(usize, (f64, f64))> = points.iter().copied().enumerate().collect();
        let mut shuffled = rows.clone();
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let build = |rows: &[(usize, (f64, f64))]| {
            let mut b = IncidentTableBuilder::default();
            for &(i, (lat, lon)) in rows {
                let loc = LonLat::new(lon, lat).unwrap();
                b.push(&IncidentRow { weight: Some((i % 4) as f64 * 0.5), ..row(loc) }).unwrap();
            }
            b.build()
        };
        for measure in [Measure::Count, Measure::Harm] {
            let q = HotspotQuery { limit: Limit::All, measure, ..HotspotQuery::default() };
            let a = hotspots(&build(&rows), &q, &HarmTable::default()).unwrap();
            let b = hotspots(&build(&shuffled), &q, &HarmTable::default()).unwrap();
            prop_assert_eq!(&a.cells, &b.cells);
        }
    }

    #[test]
    fn local_ij_and_hash_paths_agree(points in arb_points(), k in (1u32..=3).prop_map(|k| K::new(k).unwrap()), res_n in 7u8..=11, which in 0u8..6) {
        let t = table_from(&points);
        let (measure, rank_by) = [
            (Measure::Count, RankBy::Z), (Measure::Harm, RankBy::Z), (Measure::Count, RankBy::Count),
            (Measure::Harm, RankBy::Harm), (Measure::Count, RankBy::Harm), (Measure::Harm, RankBy::Count),
        ][which as usize];
        for limit in [Limit::Top(1), Limit::Top(7), Limit::All] {
            let q = HotspotQuery { resolution: res(res_n), k, measure, rank_by, limit, ..HotspotQuery::default() };
            let fast = hotspots_with(&t, &q, &HarmTable::default(), true).unwrap();
            let safe = hotspots_with(&t, &q, &HarmTable::default(), false).unwrap();
            prop_assert_eq!(&fast, &safe);
        }
        // a fixed region: the cells covering a box around part of the points
        let poly = geo::MultiPolygon::new(vec![geo::Polygon::new(
            geo::LineString::from(vec![(-1.65, 53.72), (-1.55, 53.72), (-1.55, 53.80), (-1.65, 53.80), (-1.65, 53.72)]),
            vec![],
        )]);
        let cells = cells_covering(&poly, res(res_n.min(9))).unwrap();
        let q = HotspotQuery {
            resolution: res(res_n.min(9)), k, measure, rank_by, limit: Limit::All,
            region: StudyRegion::Cells { cells, description: "box".into() },
            ..HotspotQuery::default()
        };
        let fast = hotspots_with(&t, &q, &HarmTable::default(), true).unwrap();
        let safe = hotspots_with(&t, &q, &HarmTable::default(), false).unwrap();
        prop_assert_eq!(fast, safe);
    }
}

/// Large enough for a parallel scan over several chunks: every cell's count equals a naive count.
#[test]
fn parallel_binning_matches_a_naive_count() {
    let mut s = 5u64;
    let mut points = Vec::with_capacity(250_000);
    for _ in 0..250_000 {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // clustered: many rows share cells, so splits fall inside runs
        let lat = 53.79 + ((s >> 40) % 2000) as f64 * 1e-5;
        let lon = -1.55 + ((s >> 8) % 2000) as f64 * 1e-5;
        points.push((lat, lon));
    }
    let t = table_from(&points);
    let q = HotspotQuery {
        resolution: res(10),
        limit: Limit::All,
        ..HotspotQuery::default()
    };
    let r = hotspots(&t, &q, &HarmTable::default()).unwrap();
    let mut naive = std::collections::HashMap::<CellIndex, u32>::new();
    for &(lat, lon) in &points {
        let c = LatLng::new(lat, lon).unwrap().to_cell(h3o::Resolution::Ten);
        *naive.entry(c).or_default() += 1;
    }
    let got: std::collections::HashMap<CellIndex, u32> = r
        .cells
        .iter()
        .filter(|c| c.count > 0)
        .map(|c| (c.cell, c.count))
        .collect();
    assert_eq!(got, naive);
    assert_eq!(r.incidents, 250_000);
}

// ---------------------------------------------------------------- data outline

/// Signed shoelace area in degrees² (positive: counter-clockwise).
fn ring_area(ring: &geo::LineString<f64>) -> f64 {
    ring.lines()
        .map(|l| l.start.x * l.end.y - l.end.x * l.start.y)
        .sum::<f64>()
        / 2.0
}

#[test]
fn timed_incidents_need_a_day_and_a_time() {
    let loc = LonLat::new(-1.5432, 53.7966).unwrap();
    let mut b = IncidentTableBuilder::default();
    b.push(&row(loc)).unwrap();
    b.push(&IncidentRow {
        day: Some("2025-02-14".parse().unwrap()),
        ..row(loc)
    })
    .unwrap();
    b.push(&IncidentRow {
        day: Some("2025-02-14".parse().unwrap()),
        time: Some(MinuteOfDay::new(21, 37).unwrap()),
        ..row(loc)
    })
    .unwrap();
    assert_eq!(b.build().timed_count(), 1);
}

#[test]
fn point_cells_are_the_distinct_cells_holding_incidents() {
    let far = LatLng::new(53.9, -1.2).unwrap();
    let t = table_of(&[(leeds(), 3), (far, 1)]);
    let cells = t.point_cells(res(7));
    let mut want = vec![leeds().to_cell(res(7).h3()), far.to_cell(res(7).h3())];
    want.sort_unstable();
    assert_eq!(cells, want);
    assert!(IncidentTable::default().point_cells(res(7)).is_empty());
}

#[test]
fn outline_of_a_disk_is_one_counter_clockwise_polygon() {
    let centre = leeds().to_cell(res(7).h3());
    let disk: Vec<CellIndex> = centre.grid_disk(1);
    let mut with_duplicates = disk.clone();
    with_duplicates.push(centre);
    let mp = outline(&with_duplicates).unwrap();
    assert_eq!(mp.0.len(), 1);
    let p = &mp.0[0];
    assert!(p.interiors().is_empty());
    assert!(
        ring_area(p.exterior()) > 0.0,
        "exterior is counter-clockwise"
    );
    // 7 hexagons: 18 outer vertices, closed
    assert_eq!(p.exterior().0.len(), 19);
}

#[test]
fn outline_keeps_holes_clockwise_and_separate_parts_apart() {
    let centre = leeds().to_cell(res(7).h3());
    let ring: Vec<CellIndex> = centre.grid_ring_fast(1).flatten().collect();
    assert_eq!(ring.len(), 6);
    let far = LatLng::new(53.9, -1.2).unwrap().to_cell(res(7).h3());
    let mut cells = ring;
    cells.push(far);
    let mp = outline(&cells).unwrap();
    assert_eq!(mp.0.len(), 2, "the ring and the far cell");
    let annulus = mp.0.iter().find(|p| !p.interiors().is_empty()).unwrap();
    assert_eq!(annulus.interiors().len(), 1);
    assert!(ring_area(annulus.exterior()) > 0.0);
    assert!(
        ring_area(&annulus.interiors()[0]) < 0.0,
        "holes are clockwise"
    );
}

#[test]
fn outline_refuses_mixed_resolutions() {
    let a = leeds().to_cell(res(7).h3());
    let b = leeds().to_cell(res(8).h3());
    assert!(matches!(outline(&[a, b]), Err(QueryError::Region(_))));
}

/// The first wave coded names as u16 with u16::MAX meaning "no offence": the 65,536th
/// offence name got the marker's code (its rows looked offence-less, and a filter on
/// it matched the rows with none), and the 65,537th panicked.
#[test]
fn regression_offence_names_past_65535_neither_collide_nor_panic() {
    let loc = leeds_loc();
    let names: Vec<String> = (0..70_000).map(|i| format!("offence {i}")).collect();
    let mut b = IncidentTableBuilder::default();
    for n in &names {
        b.push(&IncidentRow {
            offence: Some(n),
            ..row(loc)
        })
        .unwrap();
    }
    b.push(&row(loc)).unwrap(); // one with no offence at all
    let t = b.build();
    assert_eq!(t.offences().len(), 70_000);
    for probe in [65_535usize, 65_536, 69_999] {
        let mut q = HotspotQuery {
            limit: Limit::All,
            ..HotspotQuery::default()
        };
        q.filter.offences = vec![names[probe].clone()];
        let r = hotspots(&t, &q, &HarmTable::default()).unwrap();
        assert_eq!(r.incidents, 1, "only the row of {}", names[probe]);
    }
}

fn leeds_loc() -> LonLat {
    LonLat::new(-1.5491, 53.7965).unwrap()
}
