use super::*;

use crate::space_time::SliceState::{Cold, Hot, NotSignificant};

/// `H` hot, `C` cold, `.` neither; oldest first.
fn s(text: &str) -> Vec<SliceState> {
    text.chars()
        .map(|c| match c {
            'H' => Hot,
            'C' => Cold,
            '.' => NotSignificant,
            _ => panic!("bad state {c:?}"),
        })
        .collect()
}

fn cat(text: &str, trend: Trend) -> Category {
    classify(&s(text), trend)
}

use Category::*;
use Trend::{Down, Up};
const NONE: Trend = Trend::None;

#[test]
fn the_90_percent_rule_is_in_integers() {
    assert!(at_least_90_percent(9, 10));
    assert!(!at_least_90_percent(8, 10));
    assert!(at_least_90_percent(11, 12));
    assert!(!at_least_90_percent(10, 12), "10/12 = 83 %");
    assert!(at_least_90_percent(4, 4));
    assert!(!at_least_90_percent(3, 4));
    assert!(at_least_90_percent(18, 20));
    assert!(!at_least_90_percent(17, 20));
}

#[test]
fn each_hot_category_from_two_series() {
    let cases: [(&str, Trend, Category); 16] = [
        // new: only the final slice hot (whatever the trend or the cold slices)
        (".........H", NONE, NewHot),
        ("CCC......H", Up, NewHot),
        // consecutive: one run ≥ 2 ending at the final slice, < 90 %
        ("........HH", NONE, ConsecutiveHot),
        ("CC..HHHHHH", Down, ConsecutiveHot),
        // intensifying / persistent / diminishing: ≥ 90 % and the trend
        (".HHHHHHHHH", Up, IntensifyingHot),
        ("HHHHH.HHHH", Up, IntensifyingHot),
        ("HHHHHHHHHH", NONE, PersistentHot),
        ("HHH.HHHHHH", NONE, PersistentHot),
        ("HHHHHHHHHH", Down, DiminishingHot),
        ("HHHHHHHH.H", Down, DiminishingHot),
        // sporadic: < 90 %, not one run, never cold
        ("H.......HH", NONE, SporadicHot),
        ("H.H.H.H..H", Up, SporadicHot),
        // oscillating: < 90 %, not one run, some cold
        ("HC.......H", NONE, OscillatingHot),
        ("H.C.H.HC.H", Down, OscillatingHot),
        // historical: final slice neither, ≥ 90 % hot
        ("HHHHHHHHH.", NONE, HistoricalHot),
        ("HHHHHHHHHHHHHHHHHHH.", Down, HistoricalHot),
    ];
    for (text, trend, want) in cases {
        assert_eq!(cat(text, trend), want, "{text} {trend:?}");
    }
}

#[test]
fn each_cold_category_from_two_series() {
    let cases: [(&str, Trend, Category); 16] = [
        (".........C", NONE, NewCold),
        ("HHH......C", Down, NewCold),
        ("........CC", NONE, ConsecutiveCold),
        ("HH..CCCCCC", Up, ConsecutiveCold),
        // intensifying cold is a significant downward trend
        (".CCCCCCCCC", Down, IntensifyingCold),
        ("CCCCC.CCCC", Down, IntensifyingCold),
        ("CCCCCCCCCC", NONE, PersistentCold),
        ("CCC.CCCCCC", NONE, PersistentCold),
        ("CCCCCCCCCC", Up, DiminishingCold),
        ("CCCCCCCC.C", Up, DiminishingCold),
        ("C.......CC", NONE, SporadicCold),
        ("C.C.C.C..C", Down, SporadicCold),
        ("CH.......C", NONE, OscillatingCold),
        ("C.H.C.CH.C", Up, OscillatingCold),
        ("CCCCCCCCC.", NONE, HistoricalCold),
        ("CCCCCCCCCCCCCCCCCCC.", Up, HistoricalCold),
    ];
    for (text, trend, want) in cases {
        assert_eq!(cat(text, trend), want, "{text} {trend:?}");
    }
}

#[test]
fn no_pattern_from_two_series() {
    assert_eq!(cat("..........", NONE), NoPattern);
    assert_eq!(
        cat("HHHHHHHH..", Up),
        NoPattern,
        "8 of 10 hot, final neither"
    );
    assert_eq!(cat("HHHHCCCCC.", NONE), NoPattern);
}

#[test]
fn the_90_percent_boundary_nine_of_ten() {
    // 9 of 10 hot with the final hot: ≥ 90 %, so not consecutive even though one run
    assert_eq!(cat(".HHHHHHHHH", NONE), PersistentHot);
    // 8 of 10: < 90 %: the run makes it consecutive
    assert_eq!(cat("..HHHHHHHH", NONE), ConsecutiveHot);
    // 9 of 10 but not a run, final hot
    assert_eq!(cat("HHHH.HHHHH", Down), DiminishingHot);
    // final neither: 9 of 10 is historical, 8 of 10 is not
    assert_eq!(cat("HHHHHHHHH.", Up), HistoricalHot);
    assert_eq!(cat("HHHHHHHH..", NONE), NoPattern);
    assert_eq!(cat("CCCCCCCCC.", NONE), HistoricalCold);
    assert_eq!(cat("CCCCCCCC..", NONE), NoPattern);
}

#[test]
fn runs_of_one_and_two() {
    // a run of 1 at the end with earlier hot slices is not consecutive
    assert_eq!(cat("HH.......H", NONE), SporadicHot);
    // a run of 2 is
    assert_eq!(cat("......HHH", NONE), ConsecutiveHot);
    assert_eq!(cat("........HH", Up), ConsecutiveHot);
    // a run of 2 with an earlier hot slice is not one run
    assert_eq!(cat("H.......HH", Up), SporadicHot);
    // a run of 2 that does not end at the final slice
    assert_eq!(cat("......HH.H", NONE), SporadicHot);
}

#[test]
fn cold_then_hot_and_hot_then_cold() {
    assert_eq!(cat("CCCCCCCC.H", NONE), NewHot, "one hot slice: new");
    assert_eq!(cat("CCCCCCCCHH", NONE), ConsecutiveHot);
    assert_eq!(cat("CCCC.H...H", NONE), OscillatingHot);
    assert_eq!(cat("HHHHHHHHCC", NONE), ConsecutiveCold);
    assert_eq!(cat("HHHH.C...C", Up), OscillatingCold);
}

#[test]
fn precedence() {
    // new before consecutive: H = 1 is also a "run" of one, but a run needs 2
    assert_eq!(cat("...H", NONE), NewHot);
    // new before oscillating (a cold slice earlier)
    assert_eq!(cat("C..H", Down), NewHot);
    // consecutive before oscillating (cold slices before the run)
    assert_eq!(cat("CCHH", NONE), ConsecutiveHot);
    // consecutive before sporadic
    assert_eq!(cat("..HH", Down), ConsecutiveHot);
    // ≥ 90 % with a trend before the ≥ 90 % without; all before sporadic/oscillating
    assert_eq!(cat("HHHH", Up), IntensifyingHot);
    assert_eq!(cat("HHHH", NONE), PersistentHot);
    assert_eq!(cat("HHHH", Down), DiminishingHot);
    // oscillating over sporadic only by the cold slice
    assert_eq!(cat("H.HH.H..HH", NONE), SporadicHot);
    assert_eq!(cat("H.HC.H..HH", NONE), OscillatingHot);
    // the final slice decides the side before any count: 8 of 10 hot, final cold
    assert_eq!(cat("HHHHHHHH.C", NONE), NewCold);
    // historical hot before historical cold cannot both hold; hot is tested first
    assert_eq!(cat("HHHHHHHHHHHHHHHHHHHHHHHHHHHHH.", NONE), HistoricalHot);
}

#[test]
fn names_and_rules_cover_every_category() {
    let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(names.len(), 17);
    assert_eq!(names[0], "new_hot");
    assert_eq!(names[16], "no_pattern");
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 17);
    for (i, c) in Category::ALL.iter().enumerate() {
        assert_eq!(*c as usize, i, "totals are indexed by the enum's order");
        assert!(!c.rule().is_empty());
    }
}

#[test]
fn trends_from_mann_kendall() {
    let up = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert_eq!(Trend::of(&up, Alpha::default()), Up, "p = 0.027");
    assert_eq!(Trend::of(&up, Alpha::new(0.01).unwrap()), NONE);
    let down = mann_kendall(&[5.0, 4.0, 3.0, 2.0, 1.0]).unwrap();
    assert_eq!(Trend::of(&down, Alpha::default()), Down);
    let flat = mann_kendall(&[1.0, 1.0, 1.0, 1.0]).unwrap();
    assert_eq!(Trend::of(&flat, Alpha::new(0.99).unwrap()), NONE);
}
