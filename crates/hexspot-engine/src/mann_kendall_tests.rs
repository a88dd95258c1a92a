use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn oracle_strictly_increasing_five() {
    let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert_eq!(mk.n, 5);
    assert_eq!(mk.s, 10);
    assert!(close(mk.var_s, 16.666_666_666_666_668, 1e-12), "{mk:?}");
    assert!(close(mk.z, 2.204541, 1e-6), "{mk:?}");
    assert!(close(mk.p, 0.027486, 1e-6), "{mk:?}");
}

#[test]
fn oracle_ten_with_one_tie() {
    let mk = mann_kendall(&[1.0, 2.0, 2.0, 3.0, 5.0, 4.0, 6.0, 7.0, 8.0, 9.0]).unwrap();
    assert_eq!(mk.s, 42);
    assert!(close(mk.var_s, 124.0, 1e-12), "{mk:?}");
    assert!(close(mk.z, 3.681909, 1e-6), "{mk:?}");
    // 41/√124 = 3.6819…; erfc(3.6819/√2)
    assert!(close(mk.p, two_sided_p(41.0 / 124f64.sqrt()), 1e-15));
}

#[test]
fn decreasing_series_mirror_the_increasing_ones() {
    let up = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    let down = mann_kendall(&[5.0, 4.0, 3.0, 2.0, 1.0]).unwrap();
    assert_eq!(down.s, -10);
    assert!(close(down.z, -up.z, 1e-15));
    assert!(close(down.p, up.p, 1e-15));
}

#[test]
fn hand_computed_ties() {
    // [3, 1, 3, 2]: pairs (3,1) −, (3,3) 0, (3,2) −, (1,3) +, (1,2) +, (3,2) − → S = −1
    // ties: one group of 2 → Var = (4·3·13 − 2·1·9)/18 = (156 − 18)/18 = 7.6667
    // Z = (S + 1)/√Var = 0
    let mk = mann_kendall(&[3.0, 1.0, 3.0, 2.0]).unwrap();
    assert_eq!(mk.s, -1);
    assert!(close(mk.var_s, 138.0 / 18.0, 1e-12));
    assert_eq!(mk.z, 0.0);
    assert_eq!(mk.p, 1.0);
    // [0, 0, 0, 1, 1]: S = 6 (each 0 before each 1); ties 3 and 2:
    // Var = (5·4·15 − 3·2·11 − 2·1·9)/18 = (300 − 66 − 18)/18 = 12
    // Z = 5/√12
    let mk = mann_kendall(&[0.0, 0.0, 0.0, 1.0, 1.0]).unwrap();
    assert_eq!(mk.s, 6);
    assert!(close(mk.var_s, 12.0, 1e-12));
    assert!(close(mk.z, 5.0 / 12f64.sqrt(), 1e-15));
}

#[test]
fn a_constant_series_has_no_trend() {
    // every pair tied: S = 0 and Var = 0; Z is 0 by definition, p = 1
    let mk = mann_kendall(&[2.5; 6]).unwrap();
    assert_eq!(mk.s, 0);
    assert_eq!(mk.var_s, 0.0);
    assert_eq!(mk.z, 0.0);
    assert_eq!(mk.p, 1.0);
}

#[test]
fn the_smallest_series_and_the_refused_ones() {
    // n = 3, increasing: S = 3, Var = 3·2·11/18, Z = 2/√Var
    let mk = mann_kendall(&[-1.0, 0.5, 7.0]).unwrap();
    assert_eq!(mk.s, 3);
    assert!(close(mk.z, 2.0 / (66.0f64 / 18.0).sqrt(), 1e-15));
    assert_eq!(mann_kendall(&[1.0, 2.0]), Err(MannKendallError::TooFew(2)));
    assert_eq!(mann_kendall(&[]), Err(MannKendallError::TooFew(0)));
    let e = mann_kendall(&[1.0, f64::NAN, 2.0]).unwrap_err();
    assert!(matches!(e, MannKendallError::NotFinite { index: 1, .. }));
    assert_eq!(
        e.to_string(),
        "value 1 of the series is not a finite number (NaN)"
    );
}
