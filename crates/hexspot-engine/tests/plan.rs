//! Patrol plans on hand-built incidents: merging touching cells, shares of harm, weekly
//! profiles across midnight and the week's end, peak windows, exclusions, concentration.

use h3o::{CellIndex, LatLng};
use hexspot_engine::*;

fn res9() -> Resolution {
    Resolution::try_from(9).unwrap()
}

/// A Leeds res-9 cell, one that touches it, and one two cells away (no shared edge).
fn cells() -> (CellIndex, CellIndex, CellIndex) {
    let a = LatLng::new(53.7966, -1.5432).unwrap().to_cell(res9().h3());
    let b = a.grid_ring_fast(1).flatten().next().unwrap();
    let c = a.grid_ring_fast(3).flatten().next().unwrap();
    (a, b, c)
}

/// An incident at the centre of `cell` on `day` at `hh:mm` (no time when `hh` is None),
/// weighing `weight`.
fn at(cell: CellIndex, day: &str, hh: Option<u32>, weight: f64) -> IncidentRow<'static> {
    let ll = LatLng::from(cell);
    let loc = LonLat::new(ll.lng(), ll.lat()).unwrap();
    let d: Day = day.parse().unwrap();
    IncidentRow {
        location: loc,
        fine_cell: loc.fine_cell(),
        month: d.year_month(),
        day: hh.map(|_| d),
        time: hh.map(|h| MinuteOfDay::new(h, 30).unwrap()),
        crime_type: "Violence and sexual offences",
        offence: None,
        flags: Flags::default(),
        weight: Some(weight),
        import_id: 1,
    }
}

fn table(rows: &[IncidentRow<'static>]) -> IncidentTable {
    let mut b = IncidentTableBuilder::default();
    for r in rows {
        b.push(r).unwrap();
    }
    b.build()
}

fn plan_of(t: &IncidentTable, budget: Budget, rank_by: RankBy, exclude: Vec<CellIndex>) -> Plan {
    let q = PlanQuery {
        query: HotspotQuery {
            rank_by,
            ..HotspotQuery::default()
        },
        budget,
        exclude,
    };
    plan(t, &q, &HarmTable::default()).unwrap()
}

// 2025-02-14 is a Friday; 2025-02-16 a Sunday; 2025-02-17 a Monday.

#[test]
fn touching_cells_merge_and_a_gap_leaves_two_areas() {
    let (a, b, c) = cells();
    let mut rows = Vec::new();
    rows.extend((0..5).map(|_| at(a, "2025-02-14", Some(21), 10.0)));
    rows.extend((0..3).map(|_| at(b, "2025-02-14", Some(22), 10.0)));
    rows.extend((0..2).map(|_| at(c, "2025-02-14", Some(23), 10.0)));
    let t = table(&rows);
    let p = plan_of(&t, Budget::Cells(3), RankBy::Harm, vec![]);
    assert_eq!(p.cells, 3);
    assert_eq!(p.areas.len(), 2, "a and b touch; c is apart");
    let first = &p.areas[0];
    assert_eq!(first.rank, 1);
    let ids: Vec<CellIndex> = first.cells.iter().map(|s| s.cell).collect();
    assert_eq!(ids, vec![a, b]);
    assert_eq!(first.count, 8);
    assert_eq!(first.harm, 80.0);
    assert_eq!(
        first.outline.0.len(),
        1,
        "one polygon for two touching hexagons"
    );
    // two hexagons sharing an edge: 10 outer vertices, closed
    assert_eq!(first.outline.0[0].exterior().0.len(), 11);
    assert!((first.area_m2 - (a.area_m2() + b.area_m2())).abs() < 1e-6);
    let second = &p.areas[1];
    assert_eq!(second.cells.len(), 1);
    assert_eq!(second.cells[0].cell, c);

    // with two cells the budget ends before c
    let p = plan_of(&t, Budget::Cells(2), RankBy::Harm, vec![]);
    assert_eq!(p.areas.len(), 1);
}

#[test]
fn shares_of_harm_add_up_in_rank_order() {
    let (a, _b, c) = cells();
    let far = LatLng::new(53.85, -1.70).unwrap().to_cell(res9().h3());
    // harm: a 60, c 30, far 10 (total 100)
    let rows = vec![
        at(a, "2025-02-14", Some(21), 60.0),
        at(c, "2025-02-14", Some(21), 30.0),
        at(far, "2025-02-14", Some(21), 10.0),
    ];
    let t = table(&rows);
    let p = plan_of(&t, Budget::Cells(2), RankBy::Harm, vec![]);
    assert_eq!(p.areas.len(), 2);
    assert!((p.areas[0].harm_share - 0.6).abs() < 1e-12);
    assert!((p.areas[0].cumulative_harm_share - 0.6).abs() < 1e-12);
    assert!((p.areas[1].harm_share - 0.3).abs() < 1e-12);
    assert!((p.areas[1].cumulative_harm_share - 0.9).abs() < 1e-12);
    assert!((p.harm_share - 0.9).abs() < 1e-12);
    assert_eq!(p.harm, 90.0);
    assert_eq!(p.count, 2);
    // by area: one cell's worth of km² picks only the top cell
    let p = plan_of(
        &t,
        Budget::AreaKm2(a.area_km2() * 1.5),
        RankBy::Harm,
        vec![],
    );
    assert_eq!(p.cells, 1);
    assert!((p.harm_share - 0.6).abs() < 1e-12);
}

#[test]
fn exclusions_skip_a_place_and_the_next_is_taken() {
    let (a, _b, c) = cells();
    let rows = vec![
        at(a, "2025-02-14", Some(21), 60.0),
        at(c, "2025-02-14", Some(21), 30.0),
    ];
    let t = table(&rows);
    let p = plan_of(&t, Budget::Cells(1), RankBy::Harm, vec![a]);
    assert_eq!(p.excluded_cells, 1);
    assert_eq!(p.areas.len(), 1);
    assert_eq!(p.areas[0].cells[0].cell, c);
    // an excluded cell at another resolution is an error, not silently ignored
    let q = PlanQuery {
        query: HotspotQuery::default(),
        budget: Budget::Cells(1),
        exclude: vec![a.parent(h3o::Resolution::Eight).unwrap()],
    };
    assert!(matches!(
        plan(&t, &q, &HarmTable::default()),
        Err(QueryError::Region(_))
    ));
    for budget in [
        Budget::Cells(0),
        Budget::AreaKm2(0.0),
        Budget::AreaKm2(f64::NAN),
    ] {
        let q = PlanQuery {
            query: HotspotQuery::default(),
            budget,
            exclude: vec![],
        };
        assert!(matches!(
            plan(&t, &q, &HarmTable::default()),
            Err(QueryError::Budget(_))
        ));
    }
}

#[test]
fn profiles_cross_midnight_and_the_end_of_the_week() {
    let (a, _, _) = cells();
    // Sunday 22:30 and 23:30, Monday 00:30 and 01:30: one night across the week's end
    let rows = vec![
        at(a, "2025-02-16", Some(22), 1.0),
        at(a, "2025-02-16", Some(23), 1.0),
        at(a, "2025-02-17", Some(0), 1.0),
        at(a, "2025-02-17", Some(1), 1.0),
        // known only by month: counted apart
        at(a, "2025-02-17", None, 5.0),
    ];
    let t = table(&rows);
    let q = HotspotQuery::default();
    let p = &weekly_profiles(&t, &q, &HarmTable::default(), &[a]).unwrap()[0];
    assert_eq!(p.count[6 * 24 + 22], 1, "Sunday 22:00");
    assert_eq!(p.count[6 * 24 + 23], 1, "Sunday 23:00");
    assert_eq!(p.count[0], 1, "Monday 00:00");
    assert_eq!(p.count[1], 1, "Monday 01:00");
    assert_eq!(p.timed_count(), 4);
    assert_eq!(p.untimed_count, 1);
    assert_eq!(p.untimed_harm, 5.0);
    assert_eq!(p.count_matrix()[6][22], 1);
    // the peak runs from Sunday into Monday
    let peaks = p.peak_windows(3);
    assert_eq!(peaks[0].describe(), "sun 22:00–mon 01:00");
    assert_eq!(peaks[0].start, 6 * 24 + 22);
    assert_eq!(peaks[0].count, 3);
    // the rest of the night is the next block, which does not overlap it
    assert_eq!(peaks[1].describe(), "mon 01:00–mon 04:00");
    assert_eq!(peaks[1].count, 1);
    assert_eq!(peaks.len(), 2, "empty blocks are not peaks");

    // a night-time-economy window keeps Sunday's early hours only when it starts Saturday
    let nte = HotspotQuery {
        filter: Filter {
            window: Some(
                WeeklyWindow::from_days_hours(&[Weekday::Fri, Weekday::Sat], 20, 4).unwrap(),
            ),
            ..Filter::default()
        },
        ..HotspotQuery::default()
    };
    let p = &weekly_profiles(&t, &nte, &HarmTable::default(), &[a]).unwrap()[0];
    assert_eq!(
        p.timed_count(),
        0,
        "Sunday 22:00 to Monday 02:00 is outside Fri–Sat 20–04"
    );
    let sunday = WeeklyWindow::from_days_hours(&[Weekday::Sun], 22, 2).unwrap();
    let q = HotspotQuery {
        filter: Filter {
            window: Some(sunday),
            ..Filter::default()
        },
        ..HotspotQuery::default()
    };
    let p = &weekly_profiles(&t, &q, &HarmTable::default(), &[a]).unwrap()[0];
    assert_eq!(p.timed_count(), 4, "Sun 22:00 → Mon 02:00 holds all four");
}

#[test]
fn peak_windows_take_the_most_harm_without_overlap() {
    let mut p = WeeklyProfile::default();
    // Friday (day 4) 20:00–23:00 harm 1 each hour; Saturday 01:00 harm 10
    for h in 20..23 {
        p.count[4 * 24 + h] = 1;
        p.harm[4 * 24 + h] = 1.0;
    }
    p.count[5 * 24 + 1] = 1;
    p.harm[5 * 24 + 1] = 10.0;
    let peaks = p.peak_windows(3);
    // first the block holding the 10 (the earliest such block: Fri 23:00–Sat 02:00)
    assert_eq!(peaks[0].describe(), "fri 23:00–sat 02:00");
    assert_eq!(peaks[0].harm, 10.0);
    // then Friday 20:00–23:00 (harm 3)
    assert_eq!(peaks[1].describe(), "fri 20:00–fri 23:00");
    assert_eq!(peaks[1].harm, 3.0);
    assert_eq!(peaks.len(), 2);
    assert!(WeeklyProfile::default().peak_windows(3).is_empty());
}

#[test]
fn dose_is_one_short_visit_per_peak_window() {
    let (a, _, _) = cells();
    let rows = vec![
        at(a, "2025-02-14", Some(21), 1.0),
        at(a, "2025-02-15", Some(2), 1.0),
    ];
    let p = plan_of(&table(&rows), Budget::Cells(1), RankBy::Count, vec![]);
    let d = &p.areas[0].dose;
    assert_eq!((d.min_minutes, d.max_minutes), (10, 15));
    assert_eq!(d.visits_per_week, p.areas[0].peak_windows.len());
    assert!(d.text.contains("10–15 minute"), "{}", d.text);
}

#[test]
fn concentration_against_hand_computed_values() {
    // all harm in one of four cells: half of it in 1 cell (25 %); Gini (n − 1)/n = 0.75
    let c = concentration(&[0.0, 10.0, 0.0, 0.0]);
    assert_eq!(c.cells_for_half_harm, 1);
    assert!((c.share_of_cells_for_half_harm - 0.25).abs() < 1e-12);
    assert!((c.gini - 0.75).abs() < 1e-12);
    assert_eq!(c.curve.first(), Some(&(0.0, 0.0)));
    assert_eq!(c.curve.last(), Some(&(1.0, 1.0)));
    // even: half the harm needs half the cells; Gini 0
    let c = concentration(&[1.0; 4]);
    assert_eq!(c.cells_for_half_harm, 2);
    assert!(c.gini.abs() < 1e-12);
    // [3, 1]: ascending Lorenz (0.5, 0.25), (1, 1): area 0.375, Gini 0.25
    let c = concentration(&[1.0, 3.0]);
    assert_eq!(c.cells_for_half_harm, 1);
    assert!((c.gini - 0.25).abs() < 1e-12);
    assert_eq!(c.curve, vec![(0.0, 0.0), (0.5, 0.75), (1.0, 1.0)]);
    // the curve is sampled at each 1 % of cells
    let c = concentration(&vec![1.0; 1000]);
    assert_eq!(c.curve.len(), 1 + 1 + 100);
    let c = concentration(&[]);
    assert_eq!((c.cells, c.cells_for_half_harm, c.gini), (0, 0, 0.0));
}
