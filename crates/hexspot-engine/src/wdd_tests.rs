//! ptools' own tests for `wdd` and `wdd_harm` (tests/testthat), their inputs and
//! expected numbers.

use super::*;

fn ba(before: f64, after: f64) -> BeforeAfter {
    BeforeAfter::new(before, after)
}

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b}");
}

#[test]
fn local_displacement_and_total_minus_ten_and_twenty() {
    let r = wdd(&WddInput::new(ba(20.0, 20.0), ba(20.0, 10.0))).unwrap();
    assert_eq!(r.local, -10.0);
    let r = wdd(&WddInput::new(ba(20.0, 20.0), ba(20.0, 20.0))
        .with_displacement(ba(20.0, 20.0), ba(20.0, 10.0)))
    .unwrap();
    assert_eq!(r.displacement, -10.0);
    let r = wdd(&WddInput::new(ba(20.0, 20.0), ba(20.0, 10.0))
        .with_displacement(ba(20.0, 20.0), ba(20.0, 10.0)))
    .unwrap();
    assert_eq!(r.total.estimate, -20.0);
}

fn paper() -> WddInput {
    WddInput::new(ba(308.0, 318.0), ba(207.0, 110.0))
        .with_displacement(ba(150.0, 140.0), ba(178.0, 157.0))
}

#[test]
fn the_papers_example() {
    let r = wdd(&paper()).unwrap();
    assert_eq!(r.total.estimate, -118.0);
    assert_eq!(r.total.se, 1568f64.sqrt());
    let z = r.total.z.unwrap();
    assert_eq!((z * 100.0).round() / 100.0, -2.98);
    assert_eq!(r.total.ci_low.round(), -196.0);
    assert_eq!(r.total.ci_high.round(), -40.0);
    // local: (110 − 207) − (318 − 308); displacement: (157 − 178) − (140 − 150)
    assert_eq!(r.local, -107.0);
    assert_eq!(r.displacement, -11.0);
    assert_eq!(r.se_local, 943f64.sqrt());
    assert_eq!(r.se_displacement, 625f64.sqrt());
    close(r.total.p.unwrap(), 0.002_882_954_3, 1e-9);
}

#[test]
fn time_weights() {
    let r = wdd(&WddInput {
        time_weights: [2.0, 1.0],
        ..WddInput::new(ba(100.0, 50.0), ba(80.0, 20.0))
    })
    .unwrap();
    assert_eq!(r.total.estimate, -20.0);
    assert_eq!(r.total.se, 115f64.sqrt());
}

#[test]
fn area_weights() {
    let r = wdd(&WddInput {
        area_weights: [0.9, 1.2, 1.6, 1.5],
        ..paper()
    })
    .unwrap();
    let want = [
        -99.694_444_44,
        35.428_075_5,
        -2.813_995_483,
        -169.132_196_5,
        -30.256_692_41,
    ];
    let got = [
        r.total.estimate,
        r.total.se,
        r.total.z.unwrap(),
        r.total.ci_low,
        r.total.ci_high,
    ];
    for (g, w) in got.iter().zip(want) {
        close(*g, w, 1e-6);
    }
}

#[test]
fn harm_weighted_total() {
    let tests = [
        ((133.0, 91.0), (130.0, 74.0)),
        ((388.0, 305.0), (327.0, 202.0)),
        ((148.0, 97.0), (398.0, 190.0)),
        ((86.0, 64.0), (144.0, 92.0)),
        ((94.0, 67.0), (183.0, 96.0)),
    ];
    let weights = [3.0, 2.0, 5.0, 7.0, 10.0];
    let parts: Vec<HarmPart> = tests
        .iter()
        .zip(weights)
        .map(|(&(c, t), weight)| {
            let r = wdd(&WddInput::new(ba(c.0, c.1), ba(t.0, t.1))).unwrap();
            HarmPart {
                estimate: r.local,
                se: r.se_local,
                weight,
            }
        })
        .collect();
    let r = wdd_harm(&parts).unwrap();
    let want = [
        -1_721.0,
        304.103_600_77,
        -5.659_255_58,
        -2_317.032_105_07,
        -1_124.967_894_93,
    ];
    let got = [r.estimate, r.se, r.z.unwrap(), r.ci_low, r.ci_high];
    for (g, w) in got.iter().zip(want) {
        // ptools' own tolerance is relative 1e-5; these agree to 1e-6 absolute
        close(*g, w, 1e-6);
    }
}

#[test]
fn bad_counts_and_weights_are_refused() {
    let bad = WddInput::new(ba(-1.0, 2.0), ba(1.0, 1.0));
    assert_eq!(wdd(&bad), Err(WddError::Count(-1.0)));
    let bad = WddInput {
        time_weights: [0.0, 1.0],
        ..WddInput::new(ba(1.0, 2.0), ba(1.0, 1.0))
    };
    assert_eq!(wdd(&bad), Err(WddError::Weight(0.0)));
    let no_counts = wdd(&WddInput::new(ba(0.0, 0.0), ba(0.0, 0.0))).unwrap();
    assert_eq!(no_counts.total.z, None);
    assert!(
        wdd_harm(&[HarmPart {
            estimate: 1.0,
            se: 1.0,
            weight: f64::NAN
        }])
        .is_err()
    );
}
