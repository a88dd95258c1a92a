//! The weighted displacement difference test (Wheeler & Ratcliffe 2018, Crime Science
//! 7:1), with the time and area weights of R's ptools `wdd`, and its harm-weighted
//! total over crime types (ptools `wdd_harm`).
//!
//! Counts before (0) and after (1) in the treated area T, its control C, the
//! displacement ring D around T and the ring's control DC. Each count is divided by its
//! weight, the product of its period's time weight and its area's area weight:
//! `WDD_local = (T₁/w − T₀/w) − (C₁/w − C₀/w)` and `WDD_displacement` the same for D
//! and DC; `WDD = WDD_local + WDD_displacement`. The counts are taken as Poisson, so
//! each term's variance is its count over its weight squared and the variance of WDD is
//! their sum; `z = WDD / √Var`, p two-sided from the normal, and the 95 % interval
//! `WDD ± 1.959964 √Var`.
//!
//! A leaf module: it imports nothing of the engine but the normal tail.

use thiserror::Error;

use crate::stats::two_sided_p;

/// The standard normal quantile of 0.975: the half-width of a 95 % interval in SEs.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A count before and after.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BeforeAfter {
    /// Before the intervention.
    pub before: f64,
    /// After it.
    pub after: f64,
}

impl BeforeAfter {
    /// `before` and `after`.
    #[must_use]
    pub const fn new(before: f64, after: f64) -> Self {
        Self { before, after }
    }
}

/// The counts and weights of one WDD test (ptools' argument order: control, treated,
/// displacement control, displacement).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WddInput {
    /// The control area C.
    pub control: BeforeAfter,
    /// The treated area T.
    pub treated: BeforeAfter,
    /// The displacement ring's control DC (zeros: none).
    pub displacement_control: BeforeAfter,
    /// The displacement ring D around the treated area (zeros: none).
    pub displacement: BeforeAfter,
    /// The before and after periods' weights (their lengths; 1 and 1 when equal).
    pub time_weights: [f64; 2],
    /// The areas' weights in the order C, T, DC, D (their sizes; all 1 for none).
    pub area_weights: [f64; 4],
}

impl WddInput {
    /// Counts with no displacement areas and every weight 1.
    #[must_use]
    pub fn new(control: BeforeAfter, treated: BeforeAfter) -> Self {
        Self {
            control,
            treated,
            displacement_control: BeforeAfter::default(),
            displacement: BeforeAfter::default(),
            time_weights: [1.0, 1.0],
            area_weights: [1.0; 4],
        }
    }

    /// With the displacement ring's control and the ring.
    #[must_use]
    pub fn with_displacement(mut self, control: BeforeAfter, ring: BeforeAfter) -> Self {
        self.displacement_control = control;
        self.displacement = ring;
        self
    }
}

/// Counts or weights a WDD cannot be computed from.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum WddError {
    /// A count that is negative or not finite.
    #[error("counts must be finite and not negative, got {0}")]
    Count(f64),
    /// A weight that is not a finite positive number.
    #[error("weights must be finite and more than 0, got {0}")]
    Weight(f64),
}

/// A test's estimates: a difference with its standard error, z, p and 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate.
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// `estimate / se`; `None` when the SE is 0 (no counts at all).
    pub z: Option<f64>,
    /// Two-sided normal p of z.
    pub p: Option<f64>,
    /// Lower end of the 95 % interval.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
}

impl Estimate {
    fn new(estimate: f64, variance: f64) -> Self {
        let se = variance.max(0.0).sqrt();
        let z = (se > 0.0).then(|| estimate / se);
        Self {
            estimate,
            se,
            z,
            p: z.map(two_sided_p),
            ci_low: estimate - Z_95 * se,
            ci_high: estimate + Z_95 * se,
        }
    }
}

/// The answer of [`wdd`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wdd {
    /// `(T₁ − T₀) − (C₁ − C₀)`, weighted (ptools `Est_Local`).
    pub local: f64,
    /// Its standard error (`SE_Local`).
    pub se_local: f64,
    /// `(D₁ − D₀) − (DC₁ − DC₀)`, weighted (`Est_Displace`).
    pub displacement: f64,
    /// Its standard error (`SE_Displace`).
    pub se_displacement: f64,
    /// The total, `local + displacement`, with its SE, z, p and interval.
    pub total: Estimate,
}

fn check(input: &WddInput) -> Result<(), WddError> {
    for ba in [
        input.control,
        input.treated,
        input.displacement_control,
        input.displacement,
    ] {
        for c in [ba.before, ba.after] {
            if !(c.is_finite() && c >= 0.0) {
                return Err(WddError::Count(c));
            }
        }
    }
    for w in input.time_weights.iter().chain(&input.area_weights) {
        if !(w.is_finite() && *w > 0.0) {
            return Err(WddError::Weight(*w));
        }
    }
    Ok(())
}

/// The weighted difference of one area's change and its control's, with its variance.
fn difference(
    area: BeforeAfter,
    control: BeforeAfter,
    time: [f64; 2],
    w_area: f64,
    w_control: f64,
) -> (f64, f64) {
    let (a0, a1) = (time[0] * w_area, time[1] * w_area);
    let (c0, c1) = (time[0] * w_control, time[1] * w_control);
    let est = (area.after / a1 - area.before / a0) - (control.after / c1 - control.before / c0);
    let var = area.after / (a1 * a1)
        + area.before / (a0 * a0)
        + control.after / (c1 * c1)
        + control.before / (c0 * c0);
    (est, var)
}

/// The weighted displacement difference test.
///
/// ```
/// use hexspot_engine::wdd::{BeforeAfter, WddInput, wdd};
/// // Wheeler & Ratcliffe's example
/// let input = WddInput::new(BeforeAfter::new(308.0, 318.0), BeforeAfter::new(207.0, 110.0))
///     .with_displacement(BeforeAfter::new(150.0, 140.0), BeforeAfter::new(178.0, 157.0));
/// let r = wdd(&input).unwrap();
/// assert_eq!(r.total.estimate, -118.0);
/// assert_eq!(r.total.se, 1568f64.sqrt());
/// ```
///
/// # Errors
/// [`WddError`] for a negative or non-finite count, or a weight that is not a finite
/// positive number.
pub fn wdd(input: &WddInput) -> Result<Wdd, WddError> {
    check(input)?;
    let [wc, wt, wdc, wd] = input.area_weights;
    let (local, var_local) = difference(input.treated, input.control, input.time_weights, wt, wc);
    let (displacement, var_disp) = difference(
        input.displacement,
        input.displacement_control,
        input.time_weights,
        wd,
        wdc,
    );
    Ok(Wdd {
        local,
        se_local: var_local.sqrt(),
        displacement,
        se_displacement: var_disp.sqrt(),
        total: Estimate::new(local + displacement, var_local + var_disp),
    })
}

/// One crime type's part of a harm-weighted total: its WDD estimate, SE and weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HarmPart {
    /// The estimate (e.g. [`Wdd::local`]).
    pub estimate: f64,
    /// Its standard error.
    pub se: f64,
    /// The harm weight.
    pub weight: f64,
}

/// The harm-weighted total of several WDD estimates (ptools `wdd_harm`):
/// `Σ wᵢ·WDDᵢ` with SE `√Σ wᵢ²·SEᵢ²`, its z, p and 95 % interval.
///
/// # Errors
/// [`WddError::Weight`] for a weight that is negative or not finite (0 leaves a crime
/// type out), [`WddError::Count`] for an estimate or SE that is not finite, or a
/// negative SE.
pub fn wdd_harm(parts: &[HarmPart]) -> Result<Estimate, WddError> {
    let mut est = 0.0;
    let mut var = 0.0;
    for p in parts {
        if !(p.weight.is_finite() && p.weight >= 0.0) {
            return Err(WddError::Weight(p.weight));
        }
        if !p.estimate.is_finite() {
            return Err(WddError::Count(p.estimate));
        }
        if !(p.se.is_finite() && p.se >= 0.0) {
            return Err(WddError::Count(p.se));
        }
        est += p.weight * p.estimate;
        var += p.weight * p.weight * p.se * p.se;
    }
    Ok(Estimate::new(est, var))
}

#[cfg(test)]
#[path = "wdd_tests.rs"]
mod tests;
