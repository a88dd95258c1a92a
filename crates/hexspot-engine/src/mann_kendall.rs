//! The Mann-Kendall trend test: `S = Σ_{i<j} sgn(x_j − x_i)`, the tie-corrected
//! variance `Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)]/18` over groups of equal values,
//! the continuity-corrected `Z = (S − 1)/√Var` (S > 0), `(S + 1)/√Var` (S < 0), else 0,
//! and its two-sided normal p.
//!
//! A leaf module: it imports only [`crate::stats`]'s normal tail.

use thiserror::Error;

use crate::stats::two_sided_p;

/// The fewest values the test is run on: with two the test can never reject (p = 1).
pub const MIN_VALUES: usize = 3;

/// A series the test cannot be run on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MannKendallError {
    /// Fewer than [`MIN_VALUES`] values.
    #[error("the Mann-Kendall test needs at least {MIN_VALUES} values, got {0}")]
    TooFew(usize),
    /// A NaN or infinite value.
    #[error("value {index} of the series is not a finite number ({value})")]
    NotFinite {
        /// its position
        index: usize,
        /// the value
        value: f64,
    },
}

/// The Mann-Kendall statistic of one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// Number of values, n.
    pub n: usize,
    /// S = Σ_{i<j} sgn(x_j − x_i).
    pub s: i64,
    /// Var(S), corrected for ties.
    pub var_s: f64,
    /// The continuity-corrected normal score (0 when S = 0).
    pub z: f64,
    /// Two-sided normal p of z.
    pub p: f64,
}

/// Runs the Mann-Kendall test on `x` (oldest first). Values are tied only when exactly
/// equal.
///
/// ```
/// use hexspot_engine::mann_kendall::mann_kendall;
/// let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
/// assert_eq!(mk.s, 10);
/// assert!((mk.z - 2.204541).abs() < 1e-6);
/// ```
///
/// # Errors
/// [`MannKendallError::TooFew`] for fewer than [`MIN_VALUES`] values,
/// [`MannKendallError::NotFinite`] for a NaN or infinite one.
pub fn mann_kendall(x: &[f64]) -> Result<MannKendall, MannKendallError> {
    let n = x.len();
    if n < MIN_VALUES {
        return Err(MannKendallError::TooFew(n));
    }
    if let Some(index) = x.iter().position(|v| !v.is_finite()) {
        return Err(MannKendallError::NotFinite {
            index,
            value: x[index],
        });
    }
    let mut s: i64 = 0;
    for (i, &a) in x.iter().enumerate() {
        for &b in &x[i + 1..] {
            s += match b.partial_cmp(&a) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    let mut sorted = x.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let term = |t: usize| {
        let t = t as f64;
        t * (t - 1.0) * (2.0 * t + 5.0)
    };
    let mut ties = 0.0;
    let mut start = 0;
    for i in 1..=n {
        if i == n || sorted[i] != sorted[start] {
            ties += term(i - start);
            start = i;
        }
    }
    let var_s = (term(n) - ties) / 18.0;
    let z = match s.signum() {
        1 => (s - 1) as f64 / var_s.sqrt(),
        -1 => (s + 1) as f64 / var_s.sqrt(),
        _ => 0.0,
    };
    Ok(MannKendall {
        n,
        s,
        var_s,
        z,
        p: two_sided_p(z),
    })
}

#[cfg(test)]
#[path = "mann_kendall_tests.rs"]
mod tests;
