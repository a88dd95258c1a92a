use super::*;

fn n(v: u64) -> Option<u64> {
    disclose(v).count()
}

#[test]
fn zero_stays_zero() {
    assert_eq!(disclose(0), Disclosed::Count(RoundedCount(0)));
    assert!(!disclose(0).is_suppressed());
}

#[test]
fn one_to_nine_are_suppressed() {
    for v in 1..=9 {
        assert_eq!(disclose(v), Disclosed::Suppressed, "{v}");
        assert_eq!(disclose(v).count(), None);
    }
}

#[test]
fn ten_and_more_round_to_the_nearest_five() {
    let by_hand = [
        (10, 10),
        (11, 10),
        (12, 10),
        (13, 15),
        (14, 15),
        (15, 15),
        (16, 15),
        (17, 15),
        (18, 20),
        (19, 20),
        (20, 20),
        (22, 20),
        (23, 25),
        (102, 100),
        (103, 105),
        (1_000_001, 1_000_000),
    ];
    for (v, want) in by_hand {
        assert_eq!(n(v), Some(want), "{v}");
    }
}

#[test]
fn every_published_number_is_zero_or_a_multiple_of_five_from_ten() {
    for v in 0..10_000 {
        if let Some(c) = n(v) {
            assert!(c == 0 || (c >= 10 && c % 5 == 0), "{v} → {c}");
            assert!(c.abs_diff(v) <= 2, "{v} → {c}: off by more than 2");
        }
    }
}

#[test]
fn only_eight_and_nine_are_publishable() {
    assert_eq!(PublishResolution::default().get().get(), 8);
    assert_eq!(PublishResolution::try_from(9).unwrap().get().get(), 9);
    for r in [0, 5, 7, 10, 12, 15, 200] {
        assert_eq!(PublishResolution::try_from(r), Err(NotPublishable(r)));
    }
    assert_eq!(
        NotPublishable(10).to_string(),
        "the public product is published at H3 resolution 8 or 9, not 10"
    );
}

#[test]
fn check_accepts_what_disclose_makes_and_nothing_else() {
    for v in 0..200 {
        let d = disclose(v);
        assert_eq!(check(d.count(), d.is_suppressed()), Ok(d), "{v}");
    }
    assert_eq!(check(Some(3), false), Err(Finding::SmallCount(3)));
    assert_eq!(check(Some(9), false), Err(Finding::SmallCount(9)));
    assert_eq!(check(Some(12), false), Err(Finding::NotRounded(12)));
    assert_eq!(check(Some(5), false), Err(Finding::SmallCount(5)));
    assert_eq!(check(Some(4), true), Err(Finding::SuppressedWithCount(4)));
    assert_eq!(check(None, false), Err(Finding::NoCount));
}

fn value(cell: u64, month: &str, count: Option<u64>, suppressed: bool) -> PublishedValue {
    PublishedValue {
        cell,
        month: month.parse().unwrap(),
        count,
        suppressed,
    }
}

#[test]
fn the_audit_finds_nothing_in_a_clean_set_and_names_a_planted_count() {
    let clean = [
        value(1, "2024-01", Some(10), false),
        value(1, "2024-02", None, true),
        value(2, "2024-01", Some(0), false),
    ];
    assert!(audit(&[("a.csv", &clean), ("a.geojson", &clean)]).is_empty());

    let mut leaked = clean;
    leaked[1] = value(1, "2024-02", Some(4), false);
    let found = audit(&[("a.csv", &clean), ("a.geojson", &leaked)]);
    assert_eq!(
        found,
        vec![AuditFinding {
            copy: "a.geojson".into(),
            cell: 1,
            month: "2024-02".parse().unwrap(),
            finding: Finding::SmallCount(4),
        }]
    );
    assert_eq!(
        found[0].finding.to_string(),
        "count 4 is published (1–9 must be suppressed)"
    );
}

#[test]
fn the_audit_finds_two_copies_that_disagree() {
    let a = [value(7, "2024-03", Some(15), false)];
    let b = [value(7, "2024-03", Some(20), false)];
    let found = audit(&[("a.csv", &a), ("a.geojson", &b)]);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].finding.to_string(),
        "published twice, as 15 and as 20"
    );
}

#[test]
fn the_audit_finds_a_value_one_copy_lacks() {
    let a = [
        value(7, "2024-03", Some(15), false),
        value(8, "2024-03", None, true),
    ];
    let found = audit(&[("a.csv", &a), ("a.geojson", &a[..1])]);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].copy.as_str(), found[0].cell), ("a.geojson", 8));
    assert_eq!(found[0].finding, Finding::Absent);
}
