//! Clipping rings to a square, and their signed area.

/// Clips `ring` in place to the square `[lo, hi]²` (Sutherland–Hodgman: exact for
/// convex rings such as H3 cells; a concave ring may keep zero-width slivers along the
/// square's edges, which draw nothing). `scratch` is working space.
#[inline]
pub(crate) fn clip(ring: &mut Vec<[f64; 2]>, scratch: &mut Vec<[f64; 2]>, lo: f64, hi: f64) {
    let inside_all = ring
        .iter()
        .all(|p| p[0] >= lo && p[0] <= hi && p[1] >= lo && p[1] <= hi);
    if inside_all {
        return;
    }
    for (axis, bound, keep_above) in [(0, lo, true), (0, hi, false), (1, lo, true), (1, hi, false)]
    {
        std::mem::swap(ring, scratch);
        ring.clear();
        let Some(&last) = scratch.last() else { break };
        let inside = |p: [f64; 2]| {
            if keep_above {
                p[axis] >= bound
            } else {
                p[axis] <= bound
            }
        };
        let mut prev = last;
        for &cur in scratch.iter() {
            if inside(cur) != inside(prev) {
                let t = (bound - prev[axis]) / (cur[axis] - prev[axis]);
                let mut p = [
                    prev[0] + t * (cur[0] - prev[0]),
                    prev[1] + t * (cur[1] - prev[1]),
                ];
                p[axis] = bound;
                ring.push(p);
            }
            if inside(cur) {
                ring.push(cur);
            }
            prev = cur;
        }
    }
}

/// Twice the signed area of an integer ring by the surveyor's formula: positive when
/// the ring turns clockwise with y down (MVT 2.1's exterior rings).
#[inline]
pub(crate) fn area2(ring: &[[i32; 2]]) -> i64 {
    ring.iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1]))
        .sum()
}

#[cfg(test)]
#[path = "clip_tests.rs"]
mod tests;
