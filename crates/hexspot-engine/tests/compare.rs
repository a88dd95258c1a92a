//! Area comparison on hand-built incidents: counts and the outside, rates and district
//! shares by hand, the previous period (whole months, days, not covered), the exact
//! change test, district roll-ups, ranks and their ties, sorting with missing values
//! last, filters in both periods, and an area's monthly profile.

use geo::{LineString, MultiPolygon, Polygon};
use hexspot_engine::*;

/// A 1° × 1° square from `x0` along the equator.
fn square(code: &str, x0: f64, district: Option<&str>) -> Area {
    let ring = LineString::from(vec![
        (x0, 0.0),
        (x0 + 1.0, 0.0),
        (x0 + 1.0, 1.0),
        (x0, 1.0),
        (x0, 0.0),
    ]);
    Area {
        code: code.into(),
        name: format!("Area {code}"),
        district: district.map(Into::into),
        shape: MultiPolygon(vec![Polygon::new(ring, vec![])]),
    }
}

/// A, B in district North; C in South; D in none. Side by side: A = [0,1], B = [1,2], …
fn index() -> AreaIndex {
    AreaIndex::new(vec![
        square("A", 0.0, Some("North")),
        square("B", 1.0, Some("North")),
        square("C", 2.0, Some("South")),
        square("D", 3.0, None),
    ])
}

/// Centre of area `a` (0 = A …), or of nowhere for `None`.
fn spot(a: Option<usize>) -> (f64, f64) {
    a.map_or((10.5, 10.5), |a| (a as f64 + 0.5, 0.5))
}

struct Inc {
    area: Option<usize>,
    day: &'static str,
    month_only: bool,
    crime_type: &'static str,
    weight: Option<f64>,
}

fn inc(area: Option<usize>, day: &'static str) -> Inc {
    Inc {
        area,
        day,
        month_only: false,
        crime_type: "Violence and sexual offences",
        weight: None,
    }
}

fn table(incs: &[Inc]) -> IncidentTable {
    let mut b = IncidentTableBuilder::default();
    for i in incs {
        let (lon, lat) = spot(i.area);
        let loc = LonLat::new(lon, lat).unwrap();
        let d: Day = i.day.parse().unwrap();
        b.push(&IncidentRow {
            location: loc,
            fine_cell: loc.fine_cell(),
            month: d.year_month(),
            day: (!i.month_only).then_some(d),
            time: (!i.month_only).then(|| MinuteOfDay::new(12, 0).unwrap()),
            crime_type: i.crime_type,
            offence: None,
            flags: Flags::default(),
            weight: i.weight,
            import_id: 1,
        })
        .unwrap();
    }
    b.build()
}

fn many(n: usize, area: Option<usize>, day: &'static str) -> impl Iterator<Item = Inc> {
    (0..n).map(move |_| inc(area, day))
}

fn months(from: &str, to: &str) -> Period {
    Period::months(from.parse().unwrap(), to.parse().unwrap()).unwrap()
}

fn days(from: &str, to: &str) -> Period {
    Period::new(from.parse().unwrap(), to.parse().unwrap()).unwrap()
}

fn pop(v: f64, estimated: bool) -> Option<PopulationValue> {
    Some(PopulationValue {
        value: v,
        estimated,
    })
}

/// Current period 2024-04..2024-06, previous 2024-01..2024-03.
/// Current: A 6 (weight 10 each), B 2, C 4, D 2, outside 2.
/// Previous: A 3, B 2, C 0, D 0, outside 1. One row in 2023-12 (before the previous).
fn standard_table() -> IncidentTable {
    let mut v: Vec<Inc> = Vec::new();
    v.extend((0..6).map(|_| Inc {
        weight: Some(10.0),
        ..inc(Some(0), "2024-05-10")
    }));
    v.extend(many(2, Some(1), "2024-04-01"));
    v.extend(many(4, Some(2), "2024-06-30"));
    v.extend(many(2, Some(3), "2024-06-15"));
    v.extend(many(2, None, "2024-05-01"));
    v.extend(many(2, Some(0), "2024-02-10"));
    v.extend(many(1, Some(0), "2024-01-15"));
    v.extend(many(2, Some(1), "2024-03-31"));
    v.extend(many(1, None, "2024-02-01"));
    v.extend(many(1, Some(2), "2023-12-31"));
    table(&v)
}

fn run(t: &IncidentTable, filter: &Filter, population: &[Option<PopulationValue>]) -> Comparison {
    let ix = index();
    let a = assign(t, &ix);
    compare(t, &ix, &a, filter, &HarmTable::default(), population).unwrap()
}

fn in_period(p: Period) -> Filter {
    Filter {
        period: Some(p),
        ..Filter::default()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn counts_rates_and_district_shares_by_hand() {
    let t = standard_table();
    let popn = [
        pop(2000.0, false),
        pop(1000.0, true),
        pop(4000.0, false),
        None,
    ];
    let c = run(&t, &in_period(months("2024-04", "2024-06")), &popn);

    let counts: Vec<u64> = c.rows.iter().map(|r| r.count).collect();
    assert_eq!(counts, [6, 2, 4, 2]);
    assert_eq!(c.total_count, 14);
    assert_eq!(
        c.outside, 2,
        "incidents in no area are counted, not dropped"
    );
    assert_eq!(c.previous_total, Some(5));
    assert_eq!(c.previous_outside, Some(1));

    let a = &c.rows[0];
    assert_eq!(
        (a.index, a.code.as_str(), a.name.as_str()),
        (0, "A", "Area A")
    );
    assert_eq!(a.harm, 60.0, "six incidents weighing 10");
    assert_eq!(a.rate_per_1000, Some(3.0), "6 / 2,000 × 1,000");
    assert_eq!(a.harm_per_1000, Some(30.0), "60 / 2,000 × 1,000");
    assert_eq!(a.district_share, Some(0.75), "6 of North's 8");
    assert!(!a.population_estimated);
    let b = &c.rows[1];
    assert_eq!(b.rate_per_1000, Some(2.0));
    assert_eq!(b.district_share, Some(0.25));
    assert!(b.population_estimated);
    assert_eq!(c.rows[2].rate_per_1000, Some(1.0));
    assert_eq!(c.rows[2].district_share, Some(1.0), "C is all of South");
    let d = &c.rows[3];
    assert_eq!(
        (d.population, d.rate_per_1000, d.district_share),
        (None, None, None)
    );

    // D has incidents and no population: ranked by count, ties (B, D: 2 each) by code
    assert_eq!(c.rank_by, AreaRankBy::Count);
    let ranks: Vec<usize> = c.rows.iter().map(|r| r.rank).collect();
    assert_eq!(ranks, [1, 3, 2, 4]);
}

#[test]
fn ranks_by_rate_when_every_area_with_incidents_has_a_population() {
    let t = standard_table();
    let p = in_period(months("2024-04", "2024-06"));
    // D: 2 / 1,000 → 2.0, the same rate and count as B: the code breaks the tie
    let c = run(
        &t,
        &p,
        &[
            pop(2000.0, false),
            pop(1000.0, false),
            pop(4000.0, false),
            pop(1000.0, false),
        ],
    );
    assert_eq!(c.rank_by, AreaRankBy::RatePer1000);
    let ranks: Vec<usize> = c.rows.iter().map(|r| r.rank).collect();
    assert_eq!(ranks, [1, 2, 4, 3], "A 3.0; B 2.0 and D 2.0 by code; C 1.0");
    // D: 2 / 2,000 → 1.0, as C: C has more incidents
    let c = run(
        &t,
        &p,
        &[
            pop(2000.0, false),
            pop(1000.0, false),
            pop(4000.0, false),
            pop(2000.0, false),
        ],
    );
    let ranks: Vec<usize> = c.rows.iter().map(|r| r.rank).collect();
    assert_eq!(ranks, [1, 2, 3, 4], "C (4 incidents) before D (2) at 1.0");
    assert_eq!(c.rank_by.name(), "rate_per_1000");
}

#[test]
fn changes_against_the_previous_whole_months() {
    let t = standard_table();
    let c = run(&t, &in_period(months("2024-04", "2024-06")), &[None; 4]);
    assert!(c.previous_covered);
    assert_eq!(c.previous_note, None);
    assert_eq!(c.previous_period, Some(months("2024-01", "2024-03")));
    assert_eq!(c.previous_period_rule, compare::PREVIOUS_PERIOD_RULE);
    let a = &c.rows[0];
    assert_eq!((a.previous_count, a.change), (Some(3), Some(3)));
    assert_eq!(a.change_pct, Some(100.0));
    assert_eq!(a.change_p, poisson_change_p(6, 3));
    let b = &c.rows[1];
    assert_eq!(
        (b.previous_count, b.change, b.change_pct),
        (Some(2), Some(0), Some(0.0))
    );
    assert_eq!(b.change_p, Some(1.0));
    let cc = &c.rows[2];
    assert_eq!((cc.previous_count, cc.change), (Some(0), Some(4)));
    assert_eq!(cc.change_pct, None, "no percentage of nothing");
    assert_eq!(cc.change_p, Some(0.125), "4 vs 0: 2 × ½⁴");
}

#[test]
fn change_p_is_the_exact_test_matching_scipy() {
    let mut v: Vec<Inc> = many(30, Some(0), "2024-02-03").collect();
    v.extend(many(12, Some(0), "2024-01-03"));
    let t = table(&v);
    let c = run(&t, &in_period(months("2024-02", "2024-02")), &[None; 4]);
    let a = &c.rows[0];
    assert_eq!(
        (a.count, a.previous_count, a.change),
        (30, Some(12), Some(18))
    );
    assert_eq!(a.change_pct, Some(150.0));
    // scipy.stats.binomtest(30, 42, 0.5).pvalue, as in tests/areas.rs
    assert!((a.change_p.unwrap() - 0.007915897334896727).abs() < 1e-12);
    assert_eq!(c.rows[1].change_p, None, "0 vs 0: nothing to test");
}

#[test]
fn previous_period_rules() {
    assert_eq!(
        previous_period(months("2024-04", "2024-06")),
        Some(months("2024-01", "2024-03"))
    );
    assert_eq!(
        previous_period(months("2024-01", "2024-12")),
        Some(months("2023-01", "2023-12")),
        "across a year"
    );
    // February has 29 days in 2024, March 31: whole months, not equal days
    assert_eq!(
        previous_period(months("2024-03", "2024-03")),
        Some(months("2024-02", "2024-02"))
    );
    assert_eq!(
        previous_period(days("2024-03-11", "2024-03-20")),
        Some(days("2024-03-01", "2024-03-10")),
        "ten days → the ten days before"
    );
    assert_eq!(
        previous_period(days("2024-03-01", "2024-03-15")),
        Some(days("2024-02-15", "2024-02-29")),
        "half a month is days, not a month"
    );
    assert_eq!(
        previous_period(days("2024-03-05", "2024-03-05")),
        Some(days("2024-03-04", "2024-03-04"))
    );
    assert_eq!(previous_period(months("1900-01", "1900-03")), None);
}

#[test]
fn previous_days_are_counted_and_month_only_rows_that_straddle_are_excluded() {
    let mut v: Vec<Inc> = many(5, Some(0), "2024-03-15").collect();
    v.extend(many(2, Some(0), "2024-03-05"));
    v.extend(many(1, Some(0), "2024-03-10")); // last day of the previous period
    v.extend(many(1, Some(0), "2024-02-29")); // before it
    v.push(Inc {
        month_only: true,
        ..inc(Some(0), "2024-03-01")
    });
    let t = table(&v);
    let c = run(&t, &in_period(days("2024-03-11", "2024-03-20")), &[None; 4]);
    assert_eq!(c.previous_period, Some(days("2024-03-01", "2024-03-10")));
    assert!(c.previous_covered);
    assert_eq!(c.rows[0].count, 5);
    assert_eq!(c.rows[0].previous_count, Some(3));
    assert_eq!(
        c.exclusions.month_only_partial_period, 1,
        "March cuts through"
    );
}

#[test]
fn a_previous_period_the_data_does_not_cover_is_not_compared() {
    // data from 2024-02: the previous period 2024-01..2024-03 is only partly covered
    let mut v: Vec<Inc> = many(4, Some(0), "2024-05-01").collect();
    v.extend(many(3, Some(0), "2024-02-01"));
    let t = table(&v);
    let c = run(&t, &in_period(months("2024-04", "2024-06")), &[None; 4]);
    assert!(!c.previous_covered);
    assert_eq!(c.previous_period, Some(months("2024-01", "2024-03")));
    let note = c.previous_note.as_deref().unwrap();
    assert!(note.contains("2024-02"), "{note}");
    assert_eq!((c.previous_total, c.previous_outside), (None, None));
    for r in &c.rows {
        assert_eq!(
            (r.previous_count, r.change, r.change_pct, r.change_p),
            (None, None, None, None)
        );
    }
    for d in &c.districts {
        assert_eq!((d.previous_count, d.change, d.change_p), (None, None, None));
    }
    assert_eq!(c.rows[0].count, 4, "the current period is still counted");

    let empty = table(&[]);
    let c = run(&empty, &in_period(months("2024-04", "2024-06")), &[None; 4]);
    assert!(!c.previous_covered);
    assert_eq!(c.total_count, 0);
}

#[test]
fn districts_sum_their_areas() {
    let t = standard_table();
    let popn = [
        pop(2000.0, false),
        pop(1000.0, true),
        pop(4000.0, false),
        None,
    ];
    let c = run(&t, &in_period(months("2024-04", "2024-06")), &popn);
    let names: Vec<&str> = c.districts.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["North", "South"], "by name; D has no district");
    let north = &c.districts[0];
    assert_eq!((north.areas, north.count, north.harm), (2, 8, 62.0));
    assert_eq!(north.population, Some(3000.0));
    assert!(north.population_estimated, "B's is estimated");
    assert!(close(north.rate_per_1000.unwrap(), 8.0 / 3.0));
    assert_eq!(north.previous_count, Some(5));
    assert_eq!(north.change, Some(3));
    assert_eq!(north.change_pct, Some(60.0));
    assert_eq!(north.change_p, poisson_change_p(8, 5));
    let south = &c.districts[1];
    assert_eq!(
        (south.areas, south.count, south.population),
        (1, 4, Some(4000.0))
    );
    assert!(!south.population_estimated);
    assert_eq!(south.rate_per_1000, Some(1.0));
    assert_eq!(c.district_rank_by, AreaRankBy::RatePer1000);
    assert_eq!((north.rank, south.rank), (1, 2));
    // every district's count is the sum of its areas'
    for d in &c.districts {
        let sum: u64 = c
            .rows
            .iter()
            .filter(|r| r.district.as_deref() == Some(&d.name))
            .map(|r| r.count)
            .sum();
        assert_eq!(sum, d.count);
    }

    // one area without a population: the district has none, and ranks by count
    let c = run(
        &t,
        &in_period(months("2024-04", "2024-06")),
        &[pop(2000.0, false), None, pop(4000.0, false), None],
    );
    assert_eq!(c.districts[0].population, None);
    assert_eq!(c.districts[0].rate_per_1000, None);
    assert_eq!(c.district_rank_by, AreaRankBy::Count);
}

#[test]
fn the_crime_type_filter_applies_to_both_periods() {
    let mut v: Vec<Inc> = many(5, Some(0), "2024-05-01").collect();
    v.extend(many(4, Some(0), "2024-02-01"));
    let burglary = |day| Inc {
        crime_type: "Burglary",
        ..inc(Some(0), day)
    };
    v.extend([burglary("2024-05-02"), burglary("2024-06-02")]);
    v.extend([
        burglary("2024-01-02"),
        burglary("2024-02-02"),
        burglary("2024-03-02"),
    ]);
    let t = table(&v);
    let f = Filter {
        crime_types: vec!["burglary".into()],
        ..in_period(months("2024-04", "2024-06"))
    };
    let c = run(&t, &f, &[None; 4]);
    assert_eq!(c.rows[0].count, 2);
    assert_eq!(c.rows[0].previous_count, Some(3));
    assert_eq!(c.rows[0].change, Some(-1));

    let ix = index();
    let a = assign(&t, &ix);
    let bad = Filter {
        crime_types: vec!["Arson".into()],
        ..f.clone()
    };
    let err = compare(&t, &ix, &a, &bad, &HarmTable::default(), &[None; 4]).unwrap_err();
    assert!(matches!(
        err,
        CompareError::Query(QueryError::UnknownCrimeType { .. })
    ));
    let err = compare(
        &t,
        &ix,
        &a,
        &Filter::default(),
        &HarmTable::default(),
        &[None; 4],
    );
    assert_eq!(err.unwrap_err(), CompareError::NoPeriod);
    let err = compare(&t, &ix, &a, &f, &HarmTable::default(), &[None; 3]);
    assert!(matches!(
        err.unwrap_err(),
        CompareError::Population {
            areas: 4,
            values: 3
        }
    ));
}

fn ranked_rows() -> Vec<AreaRow> {
    let t = standard_table();
    // D: no population, so no rate; C: no previous incidents, so no change_pct
    let popn = [
        pop(2000.0, false),
        pop(1000.0, false),
        pop(4000.0, false),
        None,
    ];
    run(&t, &in_period(months("2024-04", "2024-06")), &popn).rows
}

fn codes(rows: &[AreaRow]) -> Vec<&str> {
    rows.iter().map(|r| r.code.as_str()).collect()
}

#[test]
fn sorting_puts_missing_values_last_both_ways_and_breaks_ties_by_rank() {
    let mut rows = ranked_rows();
    sort_rows(&mut rows, SortKey::Rate, true);
    assert_eq!(codes(&rows), ["A", "B", "C", "D"]);
    sort_rows(&mut rows, SortKey::Rate, false);
    assert_eq!(codes(&rows), ["C", "B", "A", "D"], "D (no rate) still last");
    // change_pct: A +100, B 0, C none (0 before), D none
    sort_rows(&mut rows, SortKey::ChangePct, false);
    assert_eq!(codes(&rows), ["B", "A", "C", "D"], "C and D: by rank");
    sort_rows(&mut rows, SortKey::ChangePct, true);
    assert_eq!(codes(&rows), ["A", "B", "C", "D"]);
    // count: B and D tie at 2; B ranks better
    sort_rows(&mut rows, SortKey::Count, false);
    assert_eq!(codes(&rows), ["B", "D", "C", "A"]);
    sort_rows(&mut rows, SortKey::Count, true);
    assert_eq!(codes(&rows), ["A", "C", "B", "D"]);
    sort_rows(&mut rows, SortKey::District, true);
    assert_eq!(
        codes(&rows),
        ["C", "A", "B", "D"],
        "South, North (by rank), none"
    );
    sort_rows(&mut rows, SortKey::Code, true);
    assert_eq!(codes(&rows), ["D", "C", "B", "A"]);
    sort_rows(&mut rows, SortKey::Rank, false);
    assert_eq!(
        codes(&rows),
        ["A", "C", "B", "D"],
        "ranked by count: D has no population"
    );
}

#[test]
fn sort_keys_parse_from_field_names() {
    for k in SortKey::ALL {
        assert_eq!(k.name().parse::<SortKey>(), Ok(k));
    }
    assert_eq!("rate_per_1000".parse(), Ok(SortKey::Rate));
    assert_eq!(" Change_P ".parse(), Ok(SortKey::ChangeP));
    let err = "rate".parse::<SortKey>().unwrap_err().to_string();
    assert!(err.contains("\"rate\""), "{err}");
    for name in [
        "code",
        "name",
        "district",
        "count",
        "harm",
        "population",
        "rate_per_1000",
        "rank",
        "district_share",
        "previous_count",
        "change",
        "change_p",
    ] {
        assert!(err.contains(name), "{err} lists {name}");
    }
}

#[test]
fn an_area_profile_has_every_month_with_zeros() {
    let mut v: Vec<Inc> = many(2, Some(0), "2024-01-15").collect();
    v.extend(many(3, Some(0), "2024-04-15"));
    v.push(Inc {
        crime_type: "Burglary",
        weight: Some(5.0),
        ..inc(Some(0), "2024-06-15")
    });
    v.push(Inc {
        crime_type: "Robbery",
        ..inc(Some(0), "2024-05-15")
    });
    v.extend(many(4, Some(1), "2024-02-15")); // another area
    let t = table(&v);
    let a = assign(&t, &index());
    let f = in_period(months("2024-04", "2024-06"));
    assert_eq!(
        t.months_held_where(|_| true),
        [true, true, false, true, true, true]
    );
    let p = area_profile(&t, &a, 0, &f, &HarmTable::default()).unwrap();
    let m = |s: &str, count, harm, in_data| MonthPoint {
        month: s.parse::<YearMonth>().unwrap(),
        count,
        harm,
        in_data,
    };
    assert_eq!(
        p.monthly,
        vec![
            m("2024-01", 2, 2.0, true),
            m("2024-02", 0, 0.0, true),  // incidents in another area only
            m("2024-03", 0, 0.0, false), // none anywhere: a gap in the data
            m("2024-04", 3, 3.0, true),
            m("2024-05", 1, 1.0, true),
            m("2024-06", 1, 5.0, true),
        ],
        "the filter's period does not cut the series, and gap months are marked"
    );
    assert_eq!(
        p.crime_types,
        vec![
            ("Violence and sexual offences".to_owned(), 3),
            ("Burglary".to_owned(), 1),
            ("Robbery".to_owned(), 1),
        ],
        "in the period only, most first, then by name"
    );

    let only_violence = Filter {
        crime_types: vec!["Violence and sexual offences".into()],
        ..f
    };
    let p = area_profile(&t, &a, 0, &only_violence, &HarmTable::default()).unwrap();
    let counts: Vec<u64> = p.monthly.iter().map(|x| x.count).collect();
    assert_eq!(counts, [2, 0, 0, 3, 0, 0]);
    assert_eq!(p.crime_types.len(), 1);
    assert!(matches!(
        area_profile(&t, &a, 4, &only_violence, &HarmTable::default()),
        Err(CompareError::Area { area: 4, areas: 4 })
    ));
}

#[test]
fn a_month_with_no_incidents_in_any_area_is_a_gap_not_a_zero() {
    // current 2024-04..2024-06, previous 2024-01..2024-03 with nothing at all in 2024-02
    let mut v: Vec<Inc> = many(4, Some(0), "2024-05-01").collect();
    v.extend(many(2, Some(0), "2024-01-10"));
    v.extend(many(1, Some(1), "2024-03-10"));
    let t = table(&v);
    let c = run(&t, &in_period(months("2024-04", "2024-06")), &[None; 4]);
    assert!(!c.previous_covered);
    assert_eq!(c.previous_period, Some(months("2024-01", "2024-03")));
    let note = c.previous_note.as_deref().unwrap();
    assert!(note.contains("2024-02"), "{note}");
    // only the empty month is named (the period itself follows in parentheses)
    let named = note.split('(').next().unwrap();
    assert!(
        named.contains("2024-02") && !named.contains("2024-01") && !named.contains("2024-03"),
        "{note}"
    );
    assert_eq!((c.previous_total, c.previous_outside), (None, None));
    for r in &c.rows {
        assert_eq!(
            (r.previous_count, r.change, r.change_pct, r.change_p),
            (None, None, None, None)
        );
    }
    assert_eq!(c.rows[0].count, 4, "the current period is still counted");

    // 2024-02 holds incidents in the areas, just none that the filter counts: another
    // crime type in A (or B) fills the month
    let burglary = |area| Inc {
        crime_type: "Burglary",
        ..inc(Some(area), "2024-02-15")
    };
    for (what, filler) in [
        ("another crime type in A", burglary(0)),
        ("another crime type in B", burglary(1)),
    ] {
        let mut v: Vec<Inc> = many(4, Some(0), "2024-05-01").collect();
        v.extend(many(2, Some(0), "2024-01-10"));
        v.extend(many(1, Some(1), "2024-03-10"));
        v.push(Inc {
            crime_type: "Burglary",
            ..inc(Some(3), "2024-05-20")
        });
        v.push(filler);
        let t = table(&v);
        let f = Filter {
            crime_types: vec!["Violence and sexual offences".into()],
            ..in_period(months("2024-04", "2024-06"))
        };
        let c = run(&t, &f, &[None; 4]);
        assert!(c.previous_covered, "{what}: {:?}", c.previous_note);
        assert_eq!(c.previous_note, None, "{what}");
        let prev: Vec<Option<u64>> = c.rows.iter().map(|r| r.previous_count).collect();
        assert_eq!(prev, [Some(2), Some(1), Some(0), Some(0)], "{what}");
        assert_eq!(c.previous_total, Some(3), "{what}");
        assert_eq!(c.previous_outside, Some(0), "{what}");
        let cc = &c.rows[2];
        assert_eq!(
            (cc.count, cc.change, cc.change_p),
            (0, Some(0), None),
            "{what}"
        );
    }

    // but incidents outside every area do not: another force's file for that month
    // says nothing about these areas
    let mut v: Vec<Inc> = many(4, Some(0), "2024-05-01").collect();
    v.extend(many(2, Some(0), "2024-01-10"));
    v.extend(many(1, Some(1), "2024-03-10"));
    v.extend(many(50, None, "2024-02-15"));
    let t = table(&v);
    let c = run(&t, &in_period(months("2024-04", "2024-06")), &[None; 4]);
    assert!(!c.previous_covered);
    assert!(c.previous_note.as_deref().unwrap().contains("2024-02"));
}
