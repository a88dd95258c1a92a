//! `/api/v1/meta`: what the server holds.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use hexspot_engine::BBox;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::http::{REVALIDATE, etag, json_representation, matches, not_modified};
use crate::state::AppState;
use crate::tiles;

/// One import.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetaImport {
    /// Store id.
    pub id: u32,
    /// File name as imported (the name alone, without the folders of a path).
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// How it was read.
    pub format: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows imported.
    pub rows_imported: u64,
    /// Rows rejected (see `hexspot rejected`).
    pub rows_rejected: u64,
    /// When (UTC).
    pub imported_at: String,
}

/// A crime type and its incidents.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrimeTypeCount {
    /// As in the data.
    pub name: String,
    /// Incidents.
    pub count: usize,
}

/// A row of the zoom → resolution table.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZoomRes {
    /// First zoom.
    pub min_zoom: u8,
    /// Last zoom.
    pub max_zoom: u8,
    /// H3 resolution drawn.
    pub res: u8,
}

/// What the server holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meta {
    /// Software and version.
    pub software: &'static str,
    /// Identifies the data (changes with each import).
    pub data_version: String,
    /// Incidents held.
    pub incidents: usize,
    /// Incidents with a date and a time of day: those a time window (`days`, `hours`)
    /// can select. police.uk files give months only.
    pub timed_incidents: usize,
    /// First month present (`YYYY-MM`).
    pub first_month: Option<String>,
    /// Last month present.
    pub last_month: Option<String>,
    /// `[west, south, east, north]` of the incidents.
    pub bounds: Option<[f64; 4]>,
    /// Crime types with counts, most first.
    pub crime_types: Vec<CrimeTypeCount>,
    /// Imports, oldest first.
    pub imports: Vec<MetaImport>,
    /// Resolutions queries accept.
    pub resolutions: Vec<u8>,
    /// The default resolution.
    pub default_res: u8,
    /// Tiles: the resolution drawn at each zoom when `res` is not given.
    pub tile_resolution_by_zoom: Vec<ZoomRes>,
    /// How cells are derived.
    pub binning: &'static str,
    /// The statistics.
    pub method: &'static str,
    /// A MapLibre style URL to draw beneath the cells, when the server was given one
    /// (`--basemap-style`); otherwise maps draw `/api/v1/outline` on a plain background.
    pub basemap_style: Option<String>,
}

/// Imports, crime types with counts, the period covered and the resolutions.
#[utoipa::path(get, path = "/api/v1/meta", tag = "data", responses(
    (status = 200, description = "what the server holds", body = Meta),
    (status = 503, description = "still loading", body = ErrorBody)))]
pub async fn meta(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let snap = state.snapshot()?;
    let tag = etag(&["meta", &snap.version]);
    if matches(&headers, &tag) {
        return Ok(not_modified(&tag, REVALIDATE));
    }
    let t = &snap.table;
    let mut crime_types: Vec<CrimeTypeCount> = t
        .crime_type_counts()
        .into_iter()
        .map(|(name, count)| CrimeTypeCount {
            name: name.to_owned(),
            count,
        })
        .collect();
    crime_types.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    let months = t.month_range();
    let body = Meta {
        software: hexspot_export::SOFTWARE,
        data_version: snap.version.clone(),
        incidents: t.len(),
        timed_incidents: t.timed_count(),
        first_month: months.map(|m| m.0.to_string()),
        last_month: months.map(|m| m.1.to_string()),
        bounds: snap.bounds.map(BBox::to_array),
        crime_types,
        imports: snap
            .imports
            .iter()
            .map(|i| MetaImport {
                id: i.id,
                // the name alone: a CLI import records the path it was given, which
                // says where the analyst keeps files
                file: i
                    .file_name
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or("")
                    .to_owned(),
                sha256: i.sha256.clone(),
                format: i.format.clone(),
                rows_read: i.rows_read,
                rows_imported: i.rows_imported,
                rows_rejected: i.rows_rejected,
                imported_at: i.imported_at.clone(),
            })
            .collect(),
        resolutions: (hexspot_engine::Resolution::MIN..=hexspot_engine::Resolution::MAX).collect(),
        default_res: hexspot_engine::params::DEFAULT_RES,
        tile_resolution_by_zoom: tiles::zoom_table()
            .into_iter()
            .map(|(min_zoom, max_zoom, res)| ZoomRes {
                min_zoom,
                max_zoom,
                res,
            })
            .collect(),
        binning: hexspot_export::BINNING,
        method: hexspot_export::METHOD,
        basemap_style: state.settings().basemap_style.clone(),
    };
    json_representation(&headers, &tag, &body)
}
