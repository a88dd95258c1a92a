//! Scoring one forecast: the budget's best cells T of a study region S by a method's
//! score, and how much of a later period's crime they held.
//!
//! Cells are ranked by score descending, ties broken by ascending H3 index; a cell
//! whose score is undefined is never chosen. The budget is a number of cells, or an
//! area: cells are taken in rank order while their exact areas fit (the first that does
//! not ends the pick, as a patrol plan's does). Over the test period, N = every test
//! incident (inside S or not), n = those in T:
//!
//! - hit rate = n/N; a = Σ area of T, A = Σ area of S (exact cell areas);
//! - PAI = (n/N)/(a/A);
//! - PEI = n/n_max, n_max = the most test incidents any |T| cells of S hold;
//! - RRI (Levine 2008) = (n/n_train)/(N/N_train), n_train = training incidents in T,
//!   N_train = every training incident;
//! - harm capture = test harm in T / all test harm.
//!
//! A figure whose denominator is 0 is `None`. Pure: slices in, figures out.

use crate::plan::Budget;

/// A fold's cells and counts, every slice in the order of `cells` (the study region,
/// ascending H3 index).
#[derive(Debug, Clone, Copy)]
pub struct FoldCells<'a> {
    /// The study region S's cells (H3 indexes, ascending).
    pub cells: &'a [u64],
    /// Each cell's exact area, km².
    pub area_km2: &'a [f64],
    /// Training incidents per cell.
    pub train_count: &'a [u32],
    /// Test incidents per cell.
    pub test_count: &'a [u32],
    /// Test harm per cell.
    pub test_harm: &'a [f64],
    /// Every training incident, N_train.
    pub train_total: u64,
    /// Every test incident, inside S or not, N.
    pub test_total: u64,
    /// Their harm.
    pub test_harm_total: f64,
}

/// The figures of one method on one fold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldScore {
    /// Cells chosen, |T|.
    pub cells: usize,
    /// Test incidents in T.
    pub n: u64,
    /// Every test incident.
    pub n_total: u64,
    /// Training incidents in T.
    pub n_train: u64,
    /// Every training incident.
    pub n_train_total: u64,
    /// n/N.
    pub hit_rate: Option<f64>,
    /// Area of T, km².
    pub a_km2: f64,
    /// Area of S, km².
    pub area_total_km2: f64,
    /// (n/N)/(a/A).
    pub pai: Option<f64>,
    /// The most test incidents any |T| cells of S hold.
    pub n_max: u64,
    /// n/n_max.
    pub pei: Option<f64>,
    /// (n/n_train)/(N/N_train).
    pub rri: Option<f64>,
    /// Test harm in T over all test harm.
    pub harm_capture: Option<f64>,
    /// Whether the last chosen cell's score equals the first left out's (the cut-off
    /// fell on a tie, broken by H3 index).
    pub tie: bool,
    /// Cells of S whose score was undefined (never chosen).
    pub undefined: usize,
}

/// One point of a method's curve: the top `cells` cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Cells taken, best first.
    pub cells: usize,
    /// Their area over S's.
    pub area_share: f64,
    /// Their hit rate.
    pub hit_rate: Option<f64>,
    /// Their PAI.
    pub pai: Option<f64>,
}

/// The positions of the cells with a defined score, best first: score descending, then
/// H3 index ascending.
#[must_use]
pub fn rank(cells: &[u64], scores: &[Option<f64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..cells.len()).filter(|&i| scores[i].is_some()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (sa, sb) = (scores[a].unwrap_or(0.0), scores[b].unwrap_or(0.0));
        sb.total_cmp(&sa).then(cells[a].cmp(&cells[b]))
    });
    order
}

/// How many of the ranked cells the budget takes.
#[must_use]
pub fn take(order: &[usize], area_km2: &[f64], budget: Budget) -> usize {
    match budget {
        Budget::Cells(n) => n.min(order.len()),
        Budget::AreaKm2(x) => {
            let mut a = 0.0;
            order
                .iter()
                .take_while(|&&i| {
                    a += area_km2[i];
                    a <= x
                })
                .count()
        }
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// Scores one method's ranking on a fold; with its curve for the top 1 … `curve_cells`
/// cells (fewer when fewer have a score).
///
/// # Panics
/// When the slices of `fold` or `scores` differ in length.
#[must_use]
pub fn score(
    fold: &FoldCells<'_>,
    scores: &[Option<f64>],
    budget: Budget,
    curve_cells: usize,
) -> (FoldScore, Vec<CurvePoint>) {
    let len = fold.cells.len();
    for l in [
        fold.area_km2.len(),
        fold.train_count.len(),
        fold.test_count.len(),
        fold.test_harm.len(),
        scores.len(),
    ] {
        assert_eq!(l, len, "one value per cell of the study region");
    }
    let order = rank(fold.cells, scores);
    let chosen = take(&order, fold.area_km2, budget);
    let t = &order[..chosen];
    let area_total: f64 = fold.area_km2.iter().sum();
    let n: u64 = t.iter().map(|&i| u64::from(fold.test_count[i])).sum();
    let n_train: u64 = t.iter().map(|&i| u64::from(fold.train_count[i])).sum();
    let a: f64 = t.iter().map(|&i| fold.area_km2[i]).sum();
    let harm: f64 = t.iter().map(|&i| fold.test_harm[i]).sum();
    let mut best: Vec<u32> = fold.test_count.to_vec();
    best.sort_unstable_by(|x, y| y.cmp(x));
    let n_max: u64 = best.iter().take(chosen).map(|&c| u64::from(c)).sum();
    let (nf, big_n) = (n as f64, fold.test_total as f64);
    let hit_rate = ratio(nf, big_n);
    let share = ratio(a, area_total);
    let pai = match (hit_rate, share) {
        (Some(h), Some(s)) if s > 0.0 => Some(h / s),
        _ => None,
    };
    let rri = match (
        ratio(nf, n_train as f64),
        ratio(big_n, fold.train_total as f64),
    ) {
        (Some(x), Some(y)) if y > 0.0 => Some(x / y),
        _ => None,
    };
    let tie =
        chosen > 0 && chosen < order.len() && scores[order[chosen - 1]] == scores[order[chosen]];
    let mut curve = Vec::with_capacity(curve_cells.min(order.len()));
    let (mut cn, mut ca) = (0u64, 0.0);
    for (k, &i) in order.iter().take(curve_cells).enumerate() {
        cn += u64::from(fold.test_count[i]);
        ca += fold.area_km2[i];
        let hit = ratio(cn as f64, big_n);
        let share = ratio(ca, area_total).unwrap_or(0.0);
        curve.push(CurvePoint {
            cells: k + 1,
            area_share: share,
            hit_rate: hit,
            pai: hit.and_then(|h| ratio(h, share)),
        });
    }
    (
        FoldScore {
            cells: chosen,
            n,
            n_total: fold.test_total,
            n_train,
            n_train_total: fold.train_total,
            hit_rate,
            a_km2: a,
            area_total_km2: area_total,
            pai,
            n_max,
            pei: ratio(nf, n_max as f64),
            rri,
            harm_capture: ratio(harm, fold.test_harm_total),
            tie,
            undefined: len - order.len(),
        },
        curve,
    )
}

#[cfg(test)]
#[path = "forecast_tests.rs"]
mod tests;
