//! Ranking: the first cells of a study region in a fully determined order (ties broken
//! by the other measures, then by cell index).

use std::cmp::Ordering;

use crate::cancel::Cancel;
use crate::study_region::{CHECK_EVERY, Region};

/// A sort key that orders like `f64::total_cmp`.
#[inline]
pub(crate) fn ord_f64(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// Ranking keys, ascending = better: z, count and harm each descending, an undefined z
/// after every defined one.
#[inline]
pub(crate) fn desc_z(z: Option<f64>) -> u64 {
    z.map_or(u64::MAX, |z| !ord_f64(z))
}

/// The first `take` region positions in key order (ties broken by cell index, so the
/// order is fully determined), with their cells. `None` if a cell cannot be recovered.
/// When `cancel` is set it stops early with a partial answer: the caller checks it.
pub(crate) fn rank(
    region: &Region,
    take: usize,
    keys: &[[u64; 3]],
    cancel: &Cancel,
) -> Option<Vec<(usize, u64)>> {
    let n = region.len();
    let full = |idx: Vec<usize>| -> Option<Vec<(usize, u64)>> {
        let mut v: Vec<([u64; 3], u64, usize)> = Vec::with_capacity(idx.len());
        for (at, i) in idx.into_iter().enumerate() {
            if cancel.check_every(at, CHECK_EVERY).is_err() {
                return Some(Vec::new());
            }
            v.push((keys[i], region.cell(i)?, i));
        }
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        Some(v.into_iter().map(|(_, c, i)| (i, c)).collect())
    };
    if take == 0 {
        return Some(Vec::new());
    }
    if take >= n {
        return full((0..n).collect());
    }
    // the take-th best by key alone (ties by position, only to find the boundary)
    let mut order: Vec<usize> = (0..n).collect();
    order.select_nth_unstable_by(take - 1, |&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
    let boundary = keys[order[take - 1]];
    let mut better = Vec::with_capacity(take);
    let mut tied = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        match k.cmp(&boundary) {
            Ordering::Less => better.push(i),
            Ordering::Equal => tied.push(i),
            Ordering::Greater => {}
        }
    }
    let mut tied = full(tied)?;
    tied.truncate(take - better.len());
    let mut top = full(better)?;
    top.extend(tied);
    top.sort_unstable_by(|a, b| keys[a.0].cmp(&keys[b.0]).then(a.1.cmp(&b.1)));
    Some(top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_order_like_the_comparisons_they_replace() {
        let xs = [
            f64::NEG_INFINITY,
            -3.5,
            -1e-300,
            -0.0,
            0.0,
            1e-300,
            2.0,
            37.9,
            f64::INFINITY,
        ];
        for a in xs {
            for b in xs {
                assert_eq!(ord_f64(a).cmp(&ord_f64(b)), a.total_cmp(&b), "{a} {b}");
                // descending z, undefined last
                assert_eq!(desc_z(Some(a)).cmp(&desc_z(Some(b))), b.total_cmp(&a));
            }
            assert!(desc_z(Some(a)) < desc_z(None));
        }
    }
}
