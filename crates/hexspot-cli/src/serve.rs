//! `hexspot serve`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::Args;
use hexspot_engine::HarmTable;
use hexspot_server::{AppState, Settings};
use hexspot_store::Store;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Database file.
    #[arg(long, default_value = hexspot_store::DEFAULT_DB)]
    db: PathBuf,
    /// Address to listen on. The default answers this machine only.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Harm weights CSV (name,weight) for every query.
    #[arg(long, value_name = "FILE.csv")]
    weights: Option<PathBuf>,
    /// The URL users reach this server by, when it is not the listening address (a
    /// DNS name, a reverse proxy): `https://host[:port]`. Requests must name this
    /// server in their Host header (against DNS rebinding); this adds that name, and
    /// TileJSON builds its tile URLs from it.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Allow browser pages from this origin (repeat for several); none by default.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origin: Vec<String>,
    /// Largest upload to POST /api/v1/imports, in MiB.
    #[arg(long, default_value_t = 256)]
    max_upload_mib: usize,
    /// Time limit for a read request, in seconds.
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
    /// Requests handled at once; more are answered 503.
    #[arg(long, default_value_t = 256)]
    max_concurrency: usize,
    /// New analyses (statistics, emerging hot spot cubes, densities not yet cached)
    /// computed at once; a request needing another is answered 503 with Retry-After at
    /// once, while cached answers keep flowing. Default: the number of cores.
    #[arg(long)]
    max_computations: Option<usize>,
    /// Connections open at once; one beyond them is closed at once (keep it under the
    /// process's file limit, `ulimit -n`).
    #[arg(long, default_value_t = 768)]
    max_connections: usize,
    /// Seconds a client has to send a request's headers; a slower one is disconnected.
    #[arg(long, default_value_t = 5)]
    header_timeout_secs: u64,
    /// On SIGTERM or Ctrl-C, seconds to let requests in flight finish before closing
    /// what is left.
    #[arg(long, default_value_t = 30)]
    shutdown_secs: u64,
    /// Largest study region a query may have, in cells; larger ones are refused with 400
    /// (each cell takes roughly 100 bytes while its query is computed and cached).
    #[arg(long, default_value_t = 3_000_000)]
    max_region_cells: usize,
    /// A ceiling for the whole process's memory, in MiB: the caches get what the
    /// incidents (twice: served and next), an import and the computations in progress
    /// leave, and the largest study region is lowered if the computations would take
    /// more than 40 % of it. Refused at start when too small. Default: no ceiling
    /// (caches of 384 + 96 + 96 MiB for analyses and 128 MiB for tiles).
    #[arg(long, value_name = "MIB")]
    max_memory_mib: Option<u64>,
    /// A MapLibre style URL for the map to draw beneath the cells, where the network
    /// has a basemap server. Without it the map needs nothing beyond this server: it
    /// draws the outline of the data on a plain background.
    #[arg(long, value_name = "URL")]
    basemap_style: Option<String>,
    /// How often to check whether another process (`hexspot import`, `hexspot
    /// boundaries import`…) has written to the database, and reload if so, in seconds;
    /// 0 never checks (then restart to see such changes).
    #[arg(long, default_value_t = 2)]
    watch_secs: u64,
    /// Serve without authentication even when listening beyond this machine, or when
    /// the store has users. Without it, a non-loopback address needs a user first
    /// (`hexspot users add`), and any user turns tokens on.
    #[arg(long)]
    insecure_no_auth: bool,
    /// Log one JSON object per line instead of text.
    #[arg(long)]
    log_json: bool,
}

pub fn run(a: &ServeArgs) -> Result<ExitCode> {
    hexspot_server::cors_origins(&a.cors_origin).map_err(anyhow::Error::msg)?;
    if a.max_concurrency == 0
        || a.timeout_secs == 0
        || a.max_upload_mib == 0
        || a.max_connections == 0
        || a.header_timeout_secs == 0
        || a.max_computations == Some(0)
    {
        bail!(
            "--max-concurrency, --timeout-secs, --max-upload-mib, --max-connections, --header-timeout-secs and --max-computations must be at least 1"
        );
    }
    if let Some(u) = &a.basemap_style
        && !(u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
    {
        bail!("--basemap-style: expected an http(s) URL or a path on this server, got {u:?}");
    }
    let public_origin = a
        .public_url
        .as_deref()
        .map(hexspot_server::guard::Origin::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--public-url: {e}"))?;
    let harm = match &a.weights {
        Some(p) => hexspot_ingest::read_harm_table(p)?,
        None => HarmTable::default(),
    };
    let fresh = !a.db.exists();
    let store = Store::open(&a.db).with_context(|| format!("cannot open {}", a.db.display()))?;
    let has_users = store.has_users()?;
    if !a.addr.ip().is_loopback() && !has_users && !a.insecure_no_auth {
        bail!(
            "refusing to listen on {} without authentication: add a user first (`hexspot users add NAME --role analyst`), or pass --insecure-no-auth",
            a.addr
        );
    }
    // uploads are spooled beside the database (same disk, the same access rules), in a
    // folder of their own that is cleaned of a killed server's leftovers now
    let mut uploads = a.db.as_os_str().to_owned();
    uploads.push(".uploads");
    let upload_dir = PathBuf::from(uploads);
    let removed = hexspot_server::clean_upload_dir(&upload_dir)
        .with_context(|| format!("cannot prepare the upload folder {}", upload_dir.display()))?;
    let settings = Settings {
        upload_dir: Some(upload_dir.clone()),
        max_upload_bytes: a.max_upload_mib << 20,
        request_timeout: Duration::from_secs(a.timeout_secs),
        max_concurrency: a.max_concurrency,
        max_region_cells: a.max_region_cells,
        cors_origins: a.cors_origin.clone(),
        basemap_style: a.basemap_style.clone(),
        public_origin,
        max_computations: a
            .max_computations
            .unwrap_or(Settings::default().max_computations),
        connections: hexspot_server::connections::ConnectionLimits {
            max_connections: a.max_connections,
            header_timeout: Duration::from_secs(a.header_timeout_secs),
            shutdown_deadline: Duration::from_secs(a.shutdown_secs),
        },
        insecure_no_auth: a.insecure_no_auth,
        ..Settings::default()
    };
    let (settings, memory) = match a.max_memory_mib {
        Some(mib) => {
            let incidents = store.incident_count()?;
            let (s, plan) = settings
                .within_memory(mib << 20, incidents)
                .map_err(|e| anyhow::anyhow!("--max-memory-mib: {e}"))?;
            (s, Some(plan))
        }
        None => (settings, None),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        hexspot_server::init_logging(a.log_json);
        let listener = tokio::net::TcpListener::bind(a.addr)
            .await
            .with_context(|| format!("cannot listen on {}", a.addr))?;
        let local = listener.local_addr()?;
        if let Some(p) = memory {
            let mib = |b: u64| b >> 20;
            tracing::info!(
                ceiling_mib = mib(p.ceiling),
                snapshots_mib = mib(p.snapshots),
                import_mib = mib(p.import),
                computations_mib = mib(p.computations),
                max_region_cells = p.max_region_cells,
                stats_cache_mib = mib(p.stats_cache),
                tile_cache_mib = mib(p.tile_cache),
                emerging_cache_mib = mib(p.emerging_cache),
                kde_cache_mib = mib(p.kde_cache),
                analysis_cache_mib = mib(p.analysis_cache),
                "memory ceiling shared out"
            );
        }
        if removed > 0 {
            tracing::info!(removed, dir = %upload_dir.display(), "removed the temporary files of uploads an earlier server left");
        }
        if fresh {
            tracing::warn!(db = %a.db.display(), "new, empty database: upload files to POST /api/v1/imports or run `hexspot import`");
        }
        if a.insecure_no_auth {
            tracing::warn!(%local, "--insecure-no-auth: every route is open to anyone who can reach this address");
        } else if has_users {
            tracing::info!("authentication on: requests need `Authorization: Bearer TOKEN`");
        }
        eprintln!(
            "hexspot: serving {} at http://{local}/ (API description: http://{local}/api/v1/openapi.json)",
            a.db.display()
        );
        if !hexspot_server::web::available() {
            tracing::warn!("{}", hexspot_server::web::BUILD_HINT);
        }
        let settings = Settings {
            listen: Some(local),
            ..settings
        };
        let state = AppState::new(store, harm, settings);
        let loading = state.clone();
        tokio::task::spawn_blocking(move || match loading.load_snapshot() {
            Ok(n) => tracing::info!(incidents = n, "snapshot loaded: ready"),
            Err(e) => tracing::error!(error = %e, "cannot load the snapshot"),
        });
        if a.watch_secs > 0 {
            state.watch_store(Duration::from_secs(a.watch_secs));
        }
        hexspot_server::serve(listener, state, hexspot_server::shutdown_signal()).await?;
        eprintln!("hexspot: stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
