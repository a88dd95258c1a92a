//! Getis-Ord Gi*, normal p-values and Benjamini–Hochberg FDR.

/// Moments of the study region's values that every Gi* needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegionMoments {
    /// Number of cells, n.
    pub n: usize,
    /// X̄ = Σx / n.
    pub mean: f64,
    /// S = √(Σx²/n − X̄²).
    pub std: f64,
}

impl RegionMoments {
    /// From Σx and Σx² over `n` cells (cells with value 0 add nothing to either sum).
    #[must_use]
    pub fn from_sums(n: usize, sum: f64, sum_sq: f64) -> Self {
        if n == 0 {
            return Self {
                n,
                mean: f64::NAN,
                std: f64::NAN,
            };
        }
        let nf = n as f64;
        let mean = sum / nf;
        let var = sum_sq / nf - mean * mean;
        Self {
            n,
            mean,
            std: var.max(0.0).sqrt(),
        }
    }

    /// Gi* z of one cell from its neighbourhood sum `lag = Σ_j w_ij x_j` and weight sum
    /// `w = Σ_j w_ij` (binary weights, so Σ w_ij² = w):
    /// `(lag − X̄ w) / (S √[(n w − w²)/(n − 1)])`. `None` where it is undefined: n ≤ 1,
    /// S = 0, or a zero denominator (a neighbourhood that is the whole region).
    #[must_use]
    #[inline]
    pub fn z(&self, lag: f64, w: f64) -> Option<f64> {
        let n = self.n as f64;
        // NaN std or inner fails these tests too
        if self.n <= 1 || self.std.is_nan() || self.std <= 0.0 {
            return None;
        }
        let inner = (n * w - w * w) / (n - 1.0);
        if inner.is_nan() || inner <= 0.0 {
            return None;
        }
        let z = (lag - self.mean * w) / (self.std * inner.sqrt());
        z.is_finite().then_some(z)
    }
}

/// Gi* z-scores for any binary-weights neighbourhood structure: `neighbours[i]` lists
/// the cells j with w_ij = 1, which must include i itself.
///
/// ```
/// use hexspot_engine::stats::gi_star;
/// // three cells in a row, each its own neighbour and its adjacent ones
/// let z = gi_star(&[0.0, 1.0, 5.0], &[vec![0, 1], vec![0, 1, 2], vec![1, 2]]);
/// assert!(z[2].unwrap() > z[0].unwrap());
/// ```
#[must_use]
pub fn gi_star(values: &[f64], neighbours: &[Vec<usize>]) -> Vec<Option<f64>> {
    let sum: f64 = values.iter().sum();
    let sum_sq: f64 = values.iter().map(|v| v * v).sum();
    let m = RegionMoments::from_sums(values.len(), sum, sum_sq);
    neighbours
        .iter()
        .map(|nb| {
            let lag: f64 = nb.iter().map(|&j| values[j]).sum();
            m.z(lag, nb.len() as f64)
        })
        .collect()
}

/// Two-sided p-value of a standard normal z: `erfc(|z| / √2)`.
///
/// ```
/// let p = hexspot_engine::stats::two_sided_p(1.959963984540054);
/// assert!((p - 0.05).abs() < 1e-12);
/// ```
#[must_use]
#[inline]
pub fn two_sided_p(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// Benjamini–Hochberg step-up procedure at false discovery rate `alpha`.
///
/// `p` holds one entry per test; `None` entries (undefined statistics) are not tests:
/// they are never significant and do not count in m. Returns the p-value threshold
/// (every p ≤ it is significant), or `None` when nothing is significant.
///
/// Runs in O(m + s log s) where s is the number of p ≤ α, since only those can pass.
///
/// ```
/// use hexspot_engine::stats::bh_threshold;
/// let p = [Some(0.01), Some(0.04), Some(0.03), Some(0.2)];
/// // ranks: 0.01 ≤ 1·0.05/4, 0.03 ≤ 2·0.05/4? no (0.025); 0.04 ≤ 3·0.05/4? no (0.0375)
/// assert_eq!(bh_threshold(&p, 0.05), Some(0.01));
/// ```
#[must_use]
pub fn bh_threshold(p: &[Option<f64>], alpha: f64) -> Option<f64> {
    let m = p.iter().filter(|v| v.is_some()).count();
    if m == 0 {
        return None;
    }
    let mut small: Vec<f64> = p
        .iter()
        .flatten()
        .copied()
        .filter(|&v| v <= alpha)
        .collect();
    small.sort_unstable_by(f64::total_cmp);
    let mf = m as f64;
    small
        .iter()
        .enumerate()
        .rev()
        .find(|&(i, &v)| v <= (i + 1) as f64 * alpha / mf)
        .map(|(_, &v)| v)
}
