//! Shared state: the in-memory [`Snapshot`] (swapped whole after an import, so readers
//! never wait on writers), the store (for imports only) and the caches.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use hexspot_data::{AreaSet, DataError, Snapshot};
use hexspot_engine::{
    BacktestQuery, BacktestResult, Cancel, Comparison, EmergingQuery, EvaluateQuery, Evaluation,
    Filter, HarmTable, HotspotQuery, KdeQuery,
};
use hexspot_store::{ImportOptions, ImportOutcome, Store};

use crate::auth::{AuditWriter, Directory};
use crate::error::ApiError;
use crate::inflight::InFlight;
use crate::published::Published;
use crate::stats::{EmergingStats, KdeStats, QueryStats};

/// Limits and sizes; the defaults suit a laptop or a small server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest upload to `POST /api/v1/imports`.
    pub max_upload_bytes: usize,
    /// Time limit for a read request.
    pub request_timeout: Duration,
    /// Time limit for an upload and its import.
    pub import_timeout: Duration,
    /// Requests in progress at once; more are shed with 503.
    pub max_concurrency: usize,
    /// Uploads (imports) in progress at once, apart from reads; more are shed with 503.
    pub max_uploads: usize,
    /// New statistics (a query's hotspot statistics, emerging hot spot cube or kernel
    /// density not yet cached) computed at once; a request that needs another is
    /// answered 503 with `Retry-After` at once, while cached answers keep flowing.
    pub max_computations: usize,
    /// Bytes of per-query hotspot statistics kept (every cell's answer and the spatial
    /// index of their centres, about 190 bytes a cell).
    pub stats_cache_bytes: u64,
    /// Bytes of emerging hot spot answers kept.
    pub emerging_cache_bytes: u64,
    /// Bytes of kernel densities kept.
    pub kde_cache_bytes: u64,
    /// Bytes of backtests and evaluations kept.
    pub analysis_cache_bytes: u64,
    /// Largest study region a query may have (memory and time grow with it).
    pub max_region_cells: usize,
    /// Bytes of encoded tiles kept.
    pub tile_cache_bytes: u64,
    /// Most cells in one GeoJSON or CSV answer.
    pub max_response_cells: usize,
    /// Origins allowed by CORS (none by default: same-origin only).
    pub cors_origins: Vec<String>,
    /// A MapLibre style URL the map draws beneath the cells (none by default: the map
    /// needs no network beyond this server).
    pub basemap_style: Option<String>,
    /// The address listened on: requests must name it (or `public_origin`) in `Host`.
    /// `None` (a router without a listener, as in tests) checks no `Host`.
    pub listen: Option<std::net::SocketAddr>,
    /// The URL the server is reached by behind a proxy or under a DNS name
    /// (`--public-url`): an accepted `Host`, and the base of TileJSON's tile URLs.
    pub public_origin: Option<crate::guard::Origin>,
    /// How long a write waits for another process's import before answering 503 with
    /// `Retry-After`.
    pub busy_timeout: Duration,
    /// Folder for uploads' temporary files (`None`: the system's); `hexspot serve`
    /// uses one beside the database and cleans it at start.
    pub upload_dir: Option<std::path::PathBuf>,
    /// An upload that sends nothing for this long is cut off with 408.
    pub upload_idle_timeout: Duration,
    /// After its first `upload_rate_grace`, an upload slower than this many bytes a
    /// second on average is cut off with 408.
    pub min_upload_rate: u64,
    /// How long an upload may run before it is held to the minimum rate.
    pub upload_rate_grace: Duration,
    /// Open connections, the time allowed for a request's headers, the shutdown
    /// deadline.
    pub connections: crate::connections::ConnectionLimits,
    /// Serve without authentication even when the store has users
    /// (`--insecure-no-auth`).
    pub insecure_no_auth: bool,
}

impl Settings {
    /// These settings within a memory ceiling for a store of `incidents`: the caches
    /// get what the rest leaves ([`crate::memory`]), and the largest study region is
    /// lowered if the computations would not fit.
    ///
    /// # Errors
    /// A message naming the parts when the ceiling is too small.
    pub fn within_memory(
        self,
        ceiling: u64,
        incidents: u64,
    ) -> Result<(Self, crate::memory::MemoryPlan), String> {
        let plan = crate::memory::plan(
            ceiling,
            incidents,
            self.max_computations,
            self.max_region_cells,
            self.max_upload_bytes as u64,
        )?;
        Ok((
            Self {
                max_region_cells: plan.max_region_cells,
                stats_cache_bytes: plan.stats_cache,
                emerging_cache_bytes: plan.emerging_cache,
                kde_cache_bytes: plan.kde_cache,
                analysis_cache_bytes: plan.analysis_cache,
                tile_cache_bytes: plan.tile_cache,
                ..self
            },
            plan,
        ))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_upload_bytes: 256 << 20,
            request_timeout: Duration::from_secs(30),
            import_timeout: Duration::from_secs(600),
            max_concurrency: 256,
            max_uploads: 2,
            max_computations: std::thread::available_parallelism().map_or(2, |n| n.get().max(2)),
            stats_cache_bytes: 384 << 20,
            emerging_cache_bytes: 96 << 20,
            kde_cache_bytes: 96 << 20,
            analysis_cache_bytes: 32 << 20,
            max_region_cells: 3_000_000,
            tile_cache_bytes: 128 << 20,
            max_response_cells: 100_000,
            cors_origins: Vec::new(),
            basemap_style: None,
            listen: None,
            public_origin: None,
            busy_timeout: Duration::from_secs(2),
            upload_dir: None,
            upload_idle_timeout: Duration::from_secs(10),
            min_upload_rate: 16 << 10,
            upload_rate_grace: Duration::from_secs(10),
            connections: crate::connections::ConnectionLimits::default(),
            insecure_no_auth: false,
        }
    }
}

struct Inner {
    snapshot: ArcSwapOption<Snapshot>,
    /// The latest recorded publication, re-read with each snapshot (`None`: none yet).
    publication: ArcSwapOption<Published>,
    /// The users and whether authentication is on, re-read with each snapshot.
    directory: arc_swap::ArcSwap<Directory>,
    /// The audit log's writer (`None` when its connection could not be opened).
    audit: Option<AuditWriter>,
    store: Mutex<Store>,
    /// The store's [`Store::data_version`] when the snapshot was read (`i64::MIN`: never).
    loaded_version: AtomicI64,
    harm: HarmTable,
    settings: Settings,
    stats: moka::sync::Cache<String, Arc<QueryStats>>,
    emerging: moka::sync::Cache<String, Arc<EmergingStats>>,
    kde: moka::sync::Cache<String, Arc<KdeStats>>,
    backtests: moka::sync::Cache<String, Arc<BacktestResult>>,
    evaluations: moka::sync::Cache<String, Arc<Evaluation>>,
    tiles: moka::sync::Cache<String, Bytes>,
    /// Area comparisons by rank, keyed by data version, set and filter: the tiles and
    /// profiles of one map view all ask for the same one.
    comparisons: moka::sync::Cache<String, Arc<Comparison>>,
    /// Room for new statistics ([`Settings::max_computations`]).
    computations: Arc<tokio::sync::Semaphore>,
    /// The requests waiting for each computation in progress.
    inflight: Arc<InFlight>,
}

/// The users as stored; when they cannot be read, authentication is on with no users
/// (every token refused), not off.
fn load_directory(store: &Store, disabled: bool) -> Directory {
    Directory::load(store, disabled).unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot read the users: every token is refused");
        Directory::closed()
    })
}

/// Area comparisons kept (one per set and view; each a few hundred bytes per area).
const COMPARISONS_KEPT: u64 = 64;

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// State over `store`; not ready until [`AppState::load_snapshot`] has run.
    #[must_use]
    pub fn new(store: Store, harm: HarmTable, settings: Settings) -> Self {
        let computations = settings.max_computations.max(1);
        if let Err(e) = store.set_busy_timeout(settings.busy_timeout) {
            tracing::warn!(error = %e, "cannot set the store's busy timeout; keeping 10 s");
        }
        let stats = moka::sync::Cache::builder()
            .max_capacity(settings.stats_cache_bytes)
            .weigher(|_k: &String, v: &Arc<QueryStats>| v.weight())
            .build();
        let emerging = moka::sync::Cache::builder()
            .max_capacity(settings.emerging_cache_bytes)
            .weigher(|_k: &String, v: &Arc<EmergingStats>| v.weight())
            .build();
        let kde = moka::sync::Cache::builder()
            .max_capacity(settings.kde_cache_bytes)
            .weigher(|_k: &String, v: &Arc<KdeStats>| v.weight())
            .build();
        // the analysis cache is shared out: backtests (small) and evaluations (cell lists)
        let backtests = moka::sync::Cache::builder()
            .max_capacity(settings.analysis_cache_bytes / 2)
            .weigher(|k: &String, v: &Arc<BacktestResult>| backtest_weight(k, v))
            .build();
        let evaluations = moka::sync::Cache::builder()
            .max_capacity(settings.analysis_cache_bytes / 2)
            .weigher(|k: &String, v: &Arc<Evaluation>| evaluation_weight(k, v))
            .build();
        let tiles = moka::sync::Cache::builder()
            .max_capacity(settings.tile_cache_bytes)
            .weigher(|k: &String, v: &Bytes| {
                u32::try_from(k.len() + v.len() + 64).unwrap_or(u32::MAX)
            })
            .build();
        let directory = load_directory(&store, settings.insecure_no_auth);
        let audit = AuditWriter::start(&store)
            .inspect_err(|e| tracing::error!(error = %e, "cannot open the audit log's connection: nothing will be recorded"))
            .ok();
        Self {
            inner: Arc::new(Inner {
                snapshot: ArcSwapOption::empty(),
                publication: ArcSwapOption::empty(),
                directory: arc_swap::ArcSwap::from_pointee(directory),
                audit,
                store: Mutex::new(store),
                loaded_version: AtomicI64::new(i64::MIN),
                harm,
                settings,
                stats,
                emerging,
                kde,
                backtests,
                evaluations,
                tiles,
                comparisons: moka::sync::Cache::new(COMPARISONS_KEPT),
                computations: Arc::new(tokio::sync::Semaphore::new(computations)),
                inflight: Arc::default(),
            }),
        }
    }

    /// Reads the snapshot from the store and makes it current (blocking: run it off the
    /// async threads). Returns the number of incidents.
    ///
    /// # Errors
    /// [`DataError`] when the database cannot be read; the old snapshot stays.
    pub fn load_snapshot(&self) -> Result<usize, DataError> {
        let store = self.inner.store.lock().unwrap_or_else(|p| p.into_inner());
        self.reload(&store)
    }

    fn reload(&self, store: &Store) -> Result<usize, DataError> {
        // read before loading: a commit made during the load shows at the next check
        let version = store.data_version()?;
        self.inner.directory.store(Arc::new(load_directory(
            store,
            self.inner.settings.insecure_no_auth,
        )));
        let snap = Snapshot::load(store)?;
        let n = snap.table.len();
        // a publication that cannot be read (or fails the rule) is not served
        let publication = store
            .latest_publication()
            .inspect_err(|e| tracing::error!(error = %e, "cannot read the latest publication: the public routes answer 404"))
            .ok()
            .flatten()
            .map(|p| Arc::new(Published::new(p)));
        self.inner.publication.store(publication);
        self.inner.snapshot.store(Some(Arc::new(snap)));
        self.inner.loaded_version.store(version, Ordering::Release);
        // entries are keyed by data version: the old ones can never be hit again
        self.inner.stats.invalidate_all();
        self.inner.emerging.invalidate_all();
        self.inner.kde.invalidate_all();
        self.inner.backtests.invalidate_all();
        self.inner.evaluations.invalidate_all();
        self.inner.tiles.invalidate_all();
        self.inner.comparisons.invalidate_all();
        Ok(n)
    }

    /// Reloads the snapshot if another process has written to the database since it was
    /// read (an import or a boundary set from the CLI beside a running server). Returns
    /// the number of incidents when it reloaded; `None` when nothing changed or the
    /// store is busy (an upload being imported, or the first load), to be checked again.
    ///
    /// # Errors
    /// [`DataError`] when the database cannot be read; the old snapshot stays.
    pub fn reload_if_changed(&self) -> Result<Option<usize>, DataError> {
        let store = match self.inner.store.try_lock() {
            Ok(s) => s,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(None),
        };
        if store.data_version()? == self.inner.loaded_version.load(Ordering::Acquire) {
            return Ok(None);
        }
        self.reload(&store).map(Some)
    }

    /// Checks every `every` for writes by other processes and reloads the snapshot when
    /// there are (see [`AppState::reload_if_changed`]); runs until the runtime stops.
    pub fn watch_store(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let state = self.clone();
        tokio::spawn(async move {
            // the first check one interval on, after the first load has taken the store
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let s = state.clone();
                match tokio::task::spawn_blocking(move || s.reload_if_changed()).await {
                    Ok(Ok(Some(n))) => tracing::info!(
                        incidents = n,
                        "the database was changed by another process: snapshot reloaded"
                    ),
                    Ok(Ok(None)) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "cannot reload the snapshot; keeping the old one");
                    }
                    Err(e) => tracing::error!(error = %e, "the reload task failed"),
                }
            }
        })
    }

    /// The publication the public routes serve, if any.
    #[must_use]
    pub fn published(&self) -> Option<Arc<Published>> {
        self.inner.publication.load_full()
    }

    /// The current snapshot, or 503 while it loads.
    ///
    /// # Errors
    /// [`ApiError::not_ready`].
    pub fn snapshot(&self) -> Result<Arc<Snapshot>, ApiError> {
        self.inner
            .snapshot
            .load_full()
            .ok_or_else(ApiError::not_ready)
    }

    /// Takes one of the slots for new statistics until the permit is dropped (`None`
    /// when all are taken): for tests of the limit, and for an operator's tooling that
    /// must keep the server from starting new work.
    #[must_use]
    pub fn hold_computation_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        Arc::clone(&self.inner.computations)
            .try_acquire_owned()
            .ok()
    }

    /// The users, and whether authentication is on.
    #[must_use]
    pub fn directory(&self) -> Arc<Directory> {
        self.inner.directory.load_full()
    }

    /// The audit log's writer.
    #[must_use]
    pub fn audit(&self) -> Option<&AuditWriter> {
        self.inner.audit.as_ref()
    }

    /// Re-reads the users (after `users add` or `revoke` on this state's store).
    pub fn reload_users(&self) {
        let store = self.inner.store.lock().unwrap_or_else(|p| p.into_inner());
        self.inner.directory.store(Arc::new(load_directory(
            &store,
            self.inner.settings.insecure_no_auth,
        )));
    }

    /// The settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The harm table queries use.
    #[must_use]
    pub fn harm(&self) -> &HarmTable {
        &self.inner.harm
    }

    /// Statistics for every cell of `query`'s study region, from the cache or computed
    /// once (concurrent requests for the same query wait for one computation).
    ///
    /// # Errors
    /// 400 for a query the engine refuses.
    pub async fn stats(
        &self,
        snap: &Arc<Snapshot>,
        query: &HotspotQuery,
    ) -> Result<Arc<QueryStats>, ApiError> {
        // one entry per query whatever its limit: the statistics cover every cell, and
        // the tiles (all), the list (top N) and the cells route share them
        let query = &HotspotQuery {
            limit: hexspot_engine::Limit::All,
            ..query.clone()
        };
        let state = self.clone();
        cached(
            &self.inner.stats,
            &self.inner,
            snap,
            query,
            move |snap, q, cancel| {
                QueryStats::compute(&snap.table, q, state.harm(), cancel).map_err(ApiError::from)
            },
        )
        .await
    }

    /// An emerging hot spot query's answer, from the cache or computed once.
    ///
    /// # Errors
    /// 400 for a query the engine refuses (gaps, too few slices, …).
    pub async fn emerging(
        &self,
        snap: &Arc<Snapshot>,
        query: &EmergingQuery,
    ) -> Result<Arc<EmergingStats>, ApiError> {
        let state = self.clone();
        cached(
            &self.inner.emerging,
            &self.inner,
            snap,
            query,
            move |snap, q, cancel| {
                EmergingStats::compute(&snap.table, q, state.harm(), cancel).map_err(ApiError::from)
            },
        )
        .await
    }

    /// A kernel density query's answer, from the cache or computed once.
    ///
    /// # Errors
    /// 400 for a query the engine refuses.
    pub async fn kde(
        &self,
        snap: &Arc<Snapshot>,
        query: &KdeQuery,
    ) -> Result<Arc<KdeStats>, ApiError> {
        let state = self.clone();
        cached(
            &self.inner.kde,
            &self.inner,
            snap,
            query,
            move |snap, q, cancel| {
                KdeStats::compute(&snap.table, q, state.harm(), cancel).map_err(ApiError::from)
            },
        )
        .await
    }

    /// A backtest's answer, from the cache or computed once. It takes `slots` of the
    /// room for new computations while it runs (see `query::backtest_slots`).
    ///
    /// # Errors
    /// 400 for a query the engine refuses (a fold outside the data, a gap month, …).
    pub async fn backtest(
        &self,
        snap: &Arc<Snapshot>,
        query: &BacktestQuery,
        slots: u32,
    ) -> Result<Arc<BacktestResult>, ApiError> {
        let state = self.clone();
        cached_with(
            &self.inner.backtests,
            &self.inner,
            snap,
            query,
            slots,
            move |snap, q, cancel| {
                // the engine's backtest looks at no flag yet: stop before starting at least
                if cancel.is_cancelled() {
                    return Err(ApiError::cancelled());
                }
                hexspot_engine::backtest(&snap.table, q, state.harm()).map_err(ApiError::from)
            },
        )
        .await
    }

    /// An evaluation's answer, from the cache or computed once.
    ///
    /// # Errors
    /// 400 for a query the engine refuses.
    pub async fn evaluation(
        &self,
        snap: &Arc<Snapshot>,
        query: &EvaluateQuery,
    ) -> Result<Arc<Evaluation>, ApiError> {
        let state = self.clone();
        cached(
            &self.inner.evaluations,
            &self.inner,
            snap,
            query,
            move |snap, q, cancel| {
                if cancel.is_cancelled() {
                    return Err(ApiError::cancelled());
                }
                hexspot_engine::evaluate(&snap.table, q, state.harm()).map_err(ApiError::from)
            },
        )
        .await
    }

    /// A cached encoded tile (empty bytes: an empty tile).
    #[must_use]
    pub fn cached_tile(&self, etag: &str) -> Option<Bytes> {
        self.inner.tiles.get(etag)
    }

    /// Keeps an encoded tile.
    pub fn cache_tile(&self, etag: String, tile: Bytes) {
        self.inner.tiles.insert(etag, tile);
    }

    /// The comparison of `set`'s areas by rank for `filter` (blocking), from the cache
    /// or computed and kept: the tiles and profiles of one map view all ask for the
    /// same comparison.
    ///
    /// # Errors
    /// 400 for a filter the data cannot answer.
    pub fn comparison(
        &self,
        snap: &Snapshot,
        set: &AreaSet,
        filter: &Filter,
    ) -> Result<Arc<Comparison>, ApiError> {
        let key = format!("{}|{}|{filter:?}", snap.version, set.info.name);
        if let Some(c) = self.inner.comparisons.get(&key) {
            return Ok(c);
        }
        let c = Arc::new(set.compare(
            &snap.table,
            filter,
            &self.inner.harm,
            hexspot_engine::SortKey::Rank,
            false,
        )?);
        self.inner.comparisons.insert(key, c.clone());
        Ok(c)
    }

    /// Imports a file (blocking) and, if it added rows, swaps in a new snapshot before
    /// returning. Imports run one at a time; readers keep the old snapshot meanwhile.
    ///
    /// # Errors
    /// [`DataError`] when the file cannot be read or the database written.
    pub fn import(
        &self,
        path: &Path,
        name: &str,
        options: &ImportOptions,
    ) -> Result<ImportOutcome, DataError> {
        let mut store = self.inner.store.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = store.import_file(path, name, options, &mut |_| {})?;
        if matches!(outcome, ImportOutcome::Imported { .. }) {
            self.reload(&store)?;
        }
        Ok(outcome)
    }
}

/// Bytes a backtest's answer holds, about: its key, and per fold and method the chosen
/// cells and the curve, per method the mean curve.
fn backtest_weight(key: &str, r: &BacktestResult) -> u32 {
    let folds: usize = r
        .folds
        .iter()
        .flat_map(|f| &f.methods)
        .map(|m| 96 + m.chosen.len() * 8 + m.curve.len() * 32)
        .sum();
    let means: usize = r.summaries.iter().map(|s| 160 + s.curve.len() * 56).sum();
    u32::try_from(key.len() + 256 + folds + means).unwrap_or(u32::MAX)
}

/// Bytes an evaluation's answer holds, about: its key and its areas' cells.
fn evaluation_weight(key: &str, e: &Evaluation) -> u32 {
    let cells = e.treated.cells.len()
        + e.control.cells.len()
        + e.displacement.cells.len()
        + e.displacement_control.cells.len();
    u32::try_from(key.len() + 1024 + cells * 8 + e.crime_types.len() * 256).unwrap_or(u32::MAX)
}

/// [`cached_with`] taking one slot.
async fn cached<Q, T>(
    cache: &moka::sync::Cache<String, Arc<T>>,
    inner: &Inner,
    snap: &Arc<Snapshot>,
    query: &Q,
    compute: impl Fn(&Snapshot, &Q, &Cancel) -> Result<T, ApiError> + Send + Sync + 'static,
) -> Result<Arc<T>, ApiError>
where
    Q: std::fmt::Debug + Clone + Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    cached_with(cache, inner, snap, query, 1, compute).await
}

/// `query`'s answer from `cache` (keyed by data version and query), or computed by
/// `compute` off the async threads when there is room (503 at once when there is not);
/// concurrent requests for the same key wait for one computation, and when every one of
/// them has gone (client left, timeout) the computation is cancelled. A request that
/// joined just as an abandoned computation gave up starts it again. The computation
/// holds `slots` of the room for new ones while it runs.
async fn cached_with<Q, T>(
    cache: &moka::sync::Cache<String, Arc<T>>,
    inner: &Inner,
    snap: &Arc<Snapshot>,
    query: &Q,
    slots: u32,
    compute: impl Fn(&Snapshot, &Q, &Cancel) -> Result<T, ApiError> + Send + Sync + 'static,
) -> Result<Arc<T>, ApiError>
where
    Q: std::fmt::Debug + Clone + Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    let key = format!("{}|{query:?}", snap.version);
    if let Some(s) = cache.get(&key) {
        return Ok(s);
    }
    let waiting = inner.inflight.join(&key);
    let compute = Arc::new(compute);
    let mut attempt = 0;
    loop {
        let (cache, snap, query, key) =
            (cache.clone(), Arc::clone(snap), query.clone(), key.clone());
        let (room, cancel, compute) = (
            Arc::clone(&inner.computations),
            waiting.cancel().clone(),
            Arc::clone(&compute),
        );
        let answer = tokio::task::spawn_blocking(move || {
            cache.try_get_with(key, || {
                let _permit = room.try_acquire_many(slots.max(1)).map_err(|_| {
                    ApiError::overloaded(
                        "the server is computing as many new analyses as it has room for; try again shortly (answers already computed are served meanwhile)",
                    )
                })?;
                let answer = compute(&snap, &query, &cancel);
                if matches!(&answer, Err(e) if e.is_cancelled()) {
                    tracing::info!(query = ?query, "stopped a computation nobody waits for any more");
                }
                answer.map(Arc::new)
            })
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(Arc::unwrap_or_clone);
        attempt += 1;
        match answer {
            Err(e) if e.is_cancelled() && !waiting.cancel().is_cancelled() && attempt < 3 => {}
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn empty_state() -> (AppState, Arc<Snapshot>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let state = AppState::new(store, HarmTable::default(), Settings::default());
        state.load_snapshot().unwrap();
        let snap = state.snapshot().unwrap();
        (state, snap, dir)
    }

    /// A computation that says when it starts, then waits for its flag (10 s at most)
    /// and says whether it saw it.
    fn watcher(
        started: mpsc::Sender<()>,
        saw: mpsc::Sender<bool>,
    ) -> impl Fn(&Snapshot, &u32, &Cancel) -> Result<u32, ApiError> + Send + Sync + 'static {
        let (started, saw) = (Mutex::new(started), Mutex::new(saw));
        move |_, q, cancel| {
            started.lock().unwrap().send(()).unwrap();
            let until = std::time::Instant::now() + Duration::from_secs(10);
            while !cancel.is_cancelled() && std::time::Instant::now() < until {
                std::thread::sleep(Duration::from_millis(1));
            }
            saw.lock().unwrap().send(cancel.is_cancelled()).unwrap();
            if cancel.is_cancelled() {
                Err(ApiError::cancelled())
            } else {
                Ok(*q)
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_computation_nobody_waits_for_is_cancelled_and_frees_its_slot() {
        let (state, snap, _dir) = empty_state();
        let cache: moka::sync::Cache<String, Arc<u32>> = moka::sync::Cache::new(8);
        let (started_tx, started) = mpsc::channel();
        let (saw_tx, saw) = mpsc::channel();
        let request = {
            let (state, snap, cache) = (state.clone(), Arc::clone(&snap), cache.clone());
            tokio::spawn(async move {
                cached(
                    &cache,
                    &state.inner,
                    &snap,
                    &7u32,
                    watcher(started_tx, saw_tx),
                )
                .await
            })
        };
        tokio::task::spawn_blocking(move || started.recv().unwrap())
            .await
            .unwrap();
        // the client goes away (a timeout drops the request the same way)
        request.abort();
        let seen = tokio::task::spawn_blocking(move || saw.recv().unwrap())
            .await
            .unwrap();
        assert!(seen, "the computation saw its flag");
        // the slot comes back and nothing was cached
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while state.hold_computation_slot().is_none() && std::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(state.hold_computation_slot().is_some());
        cache.run_pending_tasks();
        assert_eq!(cache.entry_count(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_computation_goes_on_while_one_request_still_waits() {
        let (state, snap, _dir) = empty_state();
        let cache: moka::sync::Cache<String, Arc<u32>> = moka::sync::Cache::new(8);
        let key = format!("{}|7", snap.version);
        let (started_tx, started) = mpsc::channel();
        let (saw_tx, saw) = mpsc::channel();
        let compute = Arc::new(watcher(started_tx, saw_tx));
        let spawn = || {
            let (state, snap, cache) = (state.clone(), Arc::clone(&snap), cache.clone());
            let compute = Arc::clone(&compute);
            tokio::spawn(async move {
                let c = move |s: &Snapshot, q: &u32, c: &Cancel| compute(s, q, c);
                cached(&cache, &state.inner, &snap, &7u32, c).await
            })
        };
        let first = spawn();
        tokio::task::spawn_blocking(move || started.recv().unwrap())
            .await
            .unwrap();
        let second = spawn();
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while state.inner.inflight.waiters(&key) < 2 && std::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(state.inner.inflight.waiters(&key), 2);
        first.abort();
        let _ = first.await;
        assert_eq!(state.inner.inflight.waiters(&key), 1);
        assert!(saw.try_recv().is_err(), "the work goes on for the second");
        second.abort();
        let seen = tokio::task::spawn_blocking(move || saw.recv().unwrap())
            .await
            .unwrap();
        assert!(seen, "cancelled once the second left too");
    }
}
