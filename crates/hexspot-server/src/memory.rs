//! The memory ceiling (`hexspot serve --max-memory-mib`): how a budget for the whole
//! process is shared between what it must hold and its caches.
//!
//! The process holds, at most at once:
//!
//! - a fixed base (runtime, buffers, the embedded map): [`BASE_BYTES`];
//! - the incidents twice over: the snapshot served, and the next one an import builds
//!   beside it before the swap ([`SNAPSHOT_BYTES_PER_INCIDENT`] each, columns and the
//!   query resolutions' cell columns);
//! - one import's own working set: the file's text record, up to the upload limit;
//! - the computations in progress: each at most its study region's cells at
//!   [`COMPUTE_BYTES_PER_CELL`] (measured: 186–224 bytes a cell at res 12 on the Leeds
//!   file, answer and working vectors together);
//! - the caches, which get the rest: statistics 50 %, tiles 15 %, emerging hot spots
//!   15 %, densities 15 %, backtests and evaluations 5 %, each bounded by the bytes
//!   its entries hold.
//!
//! If the computations would take more than [`COMPUTE_SHARE`] of the ceiling, the
//! largest study region allowed is lowered until they fit (a larger query is refused
//! with 400 naming the limit). A ceiling too small for the rest is refused at start.

/// Runtime, buffers and the embedded map.
pub const BASE_BYTES: u64 = 64 << 20;
/// One snapshot, per incident: the columns (55 bytes) and the cell columns of the
/// query resolutions (about 5 bytes each), rounded up.
pub const SNAPSHOT_BYTES_PER_INCIDENT: u64 = 100;
/// A computation's peak, per study-region cell.
pub const COMPUTE_BYTES_PER_CELL: u64 = 250;
/// The most of the ceiling that computations in progress may take.
pub const COMPUTE_SHARE: f64 = 0.4;
/// The least the caches may be given.
pub const MIN_CACHE_BYTES: u64 = 32 << 20;

/// How a ceiling was shared out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryPlan {
    /// The ceiling.
    pub ceiling: u64,
    /// Held for the snapshot and the one an import builds.
    pub snapshots: u64,
    /// Held for an import's record.
    pub import: u64,
    /// Held for the computations in progress.
    pub computations: u64,
    /// The largest study region allowed (lowered from the setting if need be).
    pub max_region_cells: usize,
    /// Statistics cache.
    pub stats_cache: u64,
    /// Encoded tiles.
    pub tile_cache: u64,
    /// Emerging hot spot answers.
    pub emerging_cache: u64,
    /// Kernel densities.
    pub kde_cache: u64,
    /// Backtests and evaluations.
    pub analysis_cache: u64,
}

/// Shares out `ceiling` bytes for a store of `incidents`, `computations` at once of
/// at most `max_region_cells` each, and uploads of at most `max_upload` bytes.
///
/// # Errors
/// A message naming the parts when the ceiling cannot hold them and caches of at
/// least [`MIN_CACHE_BYTES`].
pub fn plan(
    ceiling: u64,
    incidents: u64,
    computations: usize,
    max_region_cells: usize,
    max_upload: u64,
) -> Result<MemoryPlan, String> {
    let snapshots = 2 * incidents * SNAPSHOT_BYTES_PER_INCIDENT;
    let import = max_upload;
    let per_cell = computations.max(1) as u64 * COMPUTE_BYTES_PER_CELL;
    let fit = ((ceiling as f64 * COMPUTE_SHARE) as u64 / per_cell) as usize;
    let max_region_cells = max_region_cells.min(fit);
    let computations = max_region_cells as u64 * per_cell;
    let held = BASE_BYTES + snapshots + import + computations;
    let caches = ceiling.saturating_sub(held);
    if caches < MIN_CACHE_BYTES || max_region_cells < 10_000 {
        let mib = |b: u64| b.div_ceil(1 << 20);
        return Err(format!(
            "a ceiling of {} MiB cannot hold this server: base {} MiB, {incidents} incidents twice over (the snapshot served and the next) {} MiB, an import's record up to the upload limit {} MiB, {} MiB for the computations in progress, and at least {} MiB of caches; raise --max-memory-mib, or lower --max-upload-mib or --max-computations",
            mib(ceiling),
            mib(BASE_BYTES),
            mib(snapshots),
            mib(import),
            mib(computations),
            mib(MIN_CACHE_BYTES)
        ));
    }
    let share = |p: u64| caches / 100 * p;
    Ok(MemoryPlan {
        ceiling,
        snapshots,
        import,
        computations,
        max_region_cells,
        stats_cache: share(50),
        tile_cache: share(15),
        emerging_cache: share(15),
        kde_cache: share(15),
        analysis_cache: share(5),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_add_up_to_the_ceiling_at_most() {
        let p = plan(2 << 30, 1_000_000, 2, 3_000_000, 256 << 20).unwrap();
        let total = BASE_BYTES
            + p.snapshots
            + p.import
            + p.computations
            + p.stats_cache
            + p.tile_cache
            + p.emerging_cache
            + p.kde_cache
            + p.analysis_cache;
        assert!(total <= p.ceiling, "{total} > {}", p.ceiling);
        assert_eq!(p.snapshots, 200_000_000);
        // 40 % of 2 GiB over 2 computations at 250 bytes a cell
        assert_eq!(p.max_region_cells, 1_717_986);
        assert_eq!(p.computations, 1_717_986 * 500);
    }

    #[test]
    fn a_generous_ceiling_keeps_the_region_limit() {
        let p = plan(16 << 30, 8_009, 2, 3_000_000, 256 << 20).unwrap();
        assert_eq!(p.max_region_cells, 3_000_000);
    }

    #[test]
    fn a_ceiling_too_small_is_refused_naming_the_parts() {
        let e = plan(300 << 20, 1_000_000, 2, 3_000_000, 256 << 20).unwrap_err();
        assert!(e.contains("300 MiB cannot hold"), "{e}");
        assert!(e.contains("1000000 incidents"), "{e}");
    }
}
