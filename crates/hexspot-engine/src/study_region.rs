//! The study region of a hotspot query (the n of Gi*): its cells, each with its count,
//! harm, neighbourhood sum Σ_j w_ij x_j and weight sum Σ_j w_ij. Two builders give the
//! same answer (a property test holds them to it): local IJ coordinates on 64 × 64
//! tiles when every cell shares one non-pentagon base cell (any UK force), and a hash
//! map over h3o k-rings anywhere else.

use h3o::CellIndex;
use rustc_hash::FxHashMap;

use crate::binning::Bins;
use crate::cancel::Cancel;
use crate::hotspots::HotspotQuery;
use crate::ij;

pub(crate) fn cell(bits: u64) -> CellIndex {
    CellIndex::try_from(bits).expect("cells come from valid H3 indexes")
}

/// The k-ring of `c` (itself included) into `out`.
pub(crate) fn disk(c: u64, k: u32, out: &mut Vec<CellIndex>) {
    out.clear();
    let c = cell(c);
    // The fast path fails only near pentagon distortion; fall back to the safe one.
    for nb in c.grid_disk_fast(k) {
        match nb {
            Some(nb) => out.push(nb),
            None => {
                out.clear();
                out.extend(c.grid_disk::<Vec<_>>(k));
                return;
            }
        }
    }
}

/// The study region with, per cell, its count, harm, neighbourhood sum Σ_j w_ij x_j and
/// weight sum Σ_j w_ij.
pub(crate) struct Region {
    /// H3 index per cell, 0 where not yet known (IJ path ring cells).
    pub cells: Vec<u64>,
    /// IJ coordinates per cell (IJ path only).
    pub ij: Vec<(i32, i32)>,
    pub frame: Option<ij::Frame>,
    pub count: Vec<u32>,
    pub harm: Vec<f64>,
    pub lag: Vec<f64>,
    pub w: Vec<u32>,
}

impl Region {
    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }

    /// The H3 index of cell `i`.
    pub(crate) fn cell(&self, i: usize) -> Option<u64> {
        match self.cells[i] {
            0 => self.frame?.cell(self.ij[i]).map(u64::from),
            c => Some(c),
        }
    }
}

/// How often the builders look at their [`Cancel`], in cells.
pub(crate) const CHECK_EVERY: usize = 1 << 12;

/// Builds the region with a hash map and h3o k-rings (works anywhere on the globe).
/// When `cancel` is set it stops early with a partial region: the caller checks it.
pub(crate) fn region_by_hash(
    bins: &Bins,
    query: &HotspotQuery,
    fixed: Option<&[u64]>,
    value: &dyn Fn(usize) -> f64,
    cancel: &Cancel,
) -> Region {
    let mut index: FxHashMap<u64, u32> = FxHashMap::default();
    let mut r = Region {
        cells: Vec::new(),
        ij: Vec::new(),
        frame: None,
        count: Vec::new(),
        harm: Vec::new(),
        lag: Vec::new(),
        w: Vec::new(),
    };
    let push = |r: &mut Region, c: u64, count: u32, harm: f64| {
        r.cells.push(c);
        r.count.push(count);
        r.harm.push(harm);
        r.lag.push(0.0);
        (r.cells.len() - 1) as u32
    };
    match fixed {
        Some(cells) => {
            for &c in cells {
                index.insert(c, push(&mut r, c, 0, 0.0));
            }
            for (j, c) in bins.cells.iter().enumerate() {
                let i = index[c] as usize;
                r.count[i] = bins.count[j];
                r.harm[i] = bins.harm[j];
            }
        }
        None => {
            let ring = 3 * query.k.get() as usize * (query.k.get() as usize + 1) + 1;
            index.reserve(
                bins.cells
                    .len()
                    .saturating_mul(ring)
                    .min(query.max_region_cells.saturating_add(1)),
            );
            for (j, &c) in bins.cells.iter().enumerate() {
                index.insert(c, push(&mut r, c, bins.count[j], bins.harm[j]));
            }
        }
    }
    // Neighbourhood sums by scattering each occupied cell's value over its k-ring
    // (grid distance is symmetric, so j ∈ disk(i) ⇔ i ∈ disk(j)).
    let mut buf = Vec::new();
    let mut ring_len = Vec::with_capacity(bins.cells.len());
    for (j, &c) in bins.cells.iter().enumerate() {
        if cancel.check_every(j, CHECK_EVERY).is_err() {
            return r;
        }
        let x = value(j);
        disk(c, query.k.get(), &mut buf);
        ring_len.push(buf.len() as u32);
        for nb in &buf {
            let b = u64::from(*nb);
            let i = if fixed.is_some() {
                match index.get(&b) {
                    Some(&i) => i,
                    None => continue,
                }
            } else {
                match index.get(&b) {
                    Some(&i) => i,
                    None => {
                        let i = push(&mut r, b, 0, 0.0);
                        index.insert(b, i);
                        i
                    }
                }
            };
            r.lag[i as usize] += x;
        }
        if r.len() > query.max_region_cells {
            // refused by the caller: stop growing it
            return r;
        }
    }
    // Σ_j w_ij: the k-ring members that are in the region. An occupied cell's whole
    // ring was added to the default region above.
    let n_occupied = if fixed.is_some() { 0 } else { bins.cells.len() };
    let mut w = Vec::with_capacity(r.len());
    for (i, &c) in r.cells.iter().enumerate() {
        if cancel.check_every(i, CHECK_EVERY).is_err() {
            return r;
        }
        w.push(if i < n_occupied {
            ring_len[i]
        } else {
            disk(c, query.k.get(), &mut buf);
            buf.iter()
                .filter(|c| index.contains_key(&u64::from(**c)))
                .count() as u32
        });
    }
    r.w = w;
    r
}

/// Builds the region in local IJ coordinates; `None` when the cells do not all lie in
/// one non-pentagon base cell (then [`region_by_hash`] is used). When `cancel` is set it
/// stops early with a partial region: the caller checks it.
pub(crate) fn region_by_ij(
    bins: &Bins,
    query: &HotspotQuery,
    fixed: Option<&[u64]>,
    value: &dyn Fn(usize) -> f64,
    cancel: &Cancel,
) -> Option<Region> {
    let first = fixed.and_then(|f| f.first()).or(bins.cells.first())?;
    let frame = ij::Frame::new(cell(*first))?;
    let offsets = ij::ring_offsets(query.k.get());
    let mut grid = ij::TileGrid::new();
    let mut r = Region {
        cells: Vec::new(),
        ij: Vec::new(),
        frame: Some(frame),
        count: Vec::new(),
        harm: Vec::new(),
        lag: Vec::new(),
        w: Vec::new(),
    };
    fn push(r: &mut Region, c: u64, p: (i32, i32)) -> u32 {
        r.cells.push(c);
        r.ij.push(p);
        r.count.push(0);
        r.harm.push(0.0);
        r.lag.push(0.0);
        (r.cells.len() - 1) as u32
    }
    if let Some(cells) = fixed {
        for &c in cells {
            let p = frame.ij(cell(c))?;
            grid.get_or_insert(p.0, p.1, || push(&mut r, c, p));
        }
    }
    let mut occupied = Vec::with_capacity(bins.cells.len());
    for (j, &c) in bins.cells.iter().enumerate() {
        let p = frame.ij(cell(c))?;
        let i = grid.get_or_insert(p.0, p.1, || push(&mut r, c, p)) as usize;
        r.count[i] = bins.count[j];
        r.harm[i] = bins.harm[j];
        occupied.push(p);
    }
    for (j, &(pi, pj)) in occupied.iter().enumerate() {
        if cancel.check_every(j, CHECK_EVERY).is_err() {
            return Some(r);
        }
        let x = value(j);
        for &(di, dj) in &offsets {
            let (a, b) = (pi + di, pj + dj);
            let i = if fixed.is_some() {
                match grid.get(a, b) {
                    Some(i) => i,
                    None => continue,
                }
            } else {
                grid.get_or_insert(a, b, || push(&mut r, 0, (a, b)))
            };
            r.lag[i as usize] += x;
        }
        if r.len() > query.max_region_cells {
            // refused by the caller: stop growing it
            return Some(r);
        }
    }
    let n_occupied = if fixed.is_some() { 0 } else { bins.cells.len() };
    let full = offsets.len() as u32;
    let mut w = Vec::with_capacity(r.len());
    for i in 0..r.len() {
        if cancel.check_every(i, CHECK_EVERY).is_err() {
            return Some(r);
        }
        w.push(if i < n_occupied {
            full
        } else {
            let (pi, pj) = r.ij[i];
            offsets
                .iter()
                .filter(|&&(di, dj)| grid.get(pi + di, pj + dj).is_some())
                .count() as u32
        });
    }
    r.w = w;
    Some(r)
}
