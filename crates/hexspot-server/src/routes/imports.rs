//! `POST /api/v1/imports`: a file uploaded, streamed and imported as `hexspot import`
//! does.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use hexspot_data::{DataError, Snapshot};
use hexspot_store::{ImportOptions, ImportOutcome};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::http::{Binary, blocking};
use crate::query::{ImportParams, parse};
use crate::state::AppState;

/// A rejected row.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedRow {
    /// Line (or feature) number in the file.
    pub line: u64,
    /// Reason code.
    pub code: &'static str,
    /// Why, for a person.
    pub reason: String,
}

/// What an import did: the CLI's report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// `imported`, `already_imported` or `refused`.
    pub outcome: &'static str,
    /// The import's id (the earlier one when already imported).
    pub import_id: Option<u32>,
    /// The import this one replaced (`replace=`), now gone with its rows.
    pub replaced_import_id: Option<u32>,
    /// The file name recorded.
    pub file: String,
    /// How the file was read.
    pub format: Option<String>,
    /// SHA-256 of the bytes.
    pub sha256: Option<String>,
    /// Physical lines of a CSV file, the header's included (0 for GeoJSON).
    pub lines: u64,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows imported.
    pub rows_imported: u64,
    /// Rows rejected.
    pub rows_rejected: usize,
    /// Rejected rows per reason code.
    pub rejected_by_reason: std::collections::BTreeMap<String, usize>,
    /// The first rejected rows (all are kept in the store).
    pub rejected: Vec<RejectedRow>,
    /// Notes on kept rows (repeated IDs, far points).
    pub notes: Vec<String>,
    /// Incidents now held.
    pub incidents: Option<usize>,
    /// The data version now served.
    pub data_version: Option<String>,
}

/// Rejected rows listed in a report.
const SHOW_REJECTED: usize = 100;

impl ImportReport {
    /// A report that wrote nothing, stating what the server now holds.
    fn new(file: String, snap: Option<&Snapshot>) -> Self {
        Self {
            outcome: "refused",
            import_id: None,
            replaced_import_id: None,
            file,
            format: None,
            sha256: None,
            lines: 0,
            rows_read: 0,
            rows_imported: 0,
            rows_rejected: 0,
            rejected_by_reason: std::collections::BTreeMap::new(),
            rejected: Vec::new(),
            notes: Vec::new(),
            incidents: snap.map(|s| s.table.len()),
            data_version: snap.map(|s| s.version.clone()),
        }
    }

    /// With what reading the file found.
    fn with_summary(self, s: &hexspot_ingest::ReadSummary) -> Self {
        Self {
            format: Some(s.format.name().to_owned()),
            sha256: Some(s.sha256.clone()),
            lines: s.lines,
            rows_read: s.rows_read,
            rows_rejected: s.rejected.len(),
            rejected_by_reason: s
                .rejections_by_reason()
                .into_iter()
                .map(|(c, n)| (c.to_owned(), n))
                .collect(),
            rejected: s
                .rejected
                .iter()
                .take(SHOW_REJECTED)
                .map(|r| RejectedRow {
                    line: r.line,
                    code: r.reason.code(),
                    reason: r.reason.to_string(),
                })
                .collect(),
            notes: s.notes.clone(),
            ..self
        }
    }
}

/// The name every upload's temporary file starts with (the folder is cleaned of them
/// at start, see [`clean_upload_dir`]).
pub const UPLOAD_PREFIX: &str = "hexspot-upload-";

/// 408: a body too slow to be worth a slot.
fn slow_upload(message: String) -> ApiError {
    ApiError::new(StatusCode::REQUEST_TIMEOUT, "slow_upload", message)
}

/// Removes the temporary files of uploads a killed server left in `dir` (creating the
/// folder if need be); returns how many were removed.
///
/// # Errors
/// When the folder cannot be made or read.
pub fn clean_upload_dir(dir: &std::path::Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let leftover = entry
            .file_name()
            .to_string_lossy()
            .starts_with(UPLOAD_PREFIX)
            && entry.file_type()?.is_file();
        if leftover && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

fn file_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.contains(['/', '\\', '\0'])
        && name != "."
        && name != ".."
}

/// Uploads a CSV (or GeoJSON) file, streamed, and imports it as `hexspot import` does:
/// bad rows are reported with their line and reason and kept aside; `strict=true`
/// refuses the whole file instead. The new data is served as soon as this answers.
#[utoipa::path(post, path = "/api/v1/imports", tag = "data",
    params(ImportParams),
    request_body(content = Binary, content_type = "text/csv", description = "the file's bytes"),
    responses(
        (status = 201, description = "imported", body = ImportReport),
        (status = 200, description = "the same bytes were imported before; nothing written", body = ImportReport),
        (status = 400, description = "a bad parameter", body = ErrorBody),
        (status = 403, description = "sent by a page from another origin (not allowed by --cors-origin)", body = ErrorBody),
        (status = 404, description = "replace names an import that is not in the store; nothing written", body = ErrorBody),
        (status = 408, description = "the body arrived too slowly (nothing for the idle limit, or under the minimum rate after the grace time)", body = ErrorBody),
        (status = 413, description = "larger than the upload limit", body = ErrorBody),
        (status = 415, description = "no Content-Type, or one a page may send cross-site unasked (text/plain, a form)", body = ErrorBody),
        (status = 421, description = "the Host header does not name this server (DNS rebinding)", body = ErrorBody),
        (status = 422, description = "the file cannot be read, or strict=true and some rows are bad; nothing written", body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let p: ImportParams = parse(raw.as_deref(), &[ImportParams::names()])?;
    let name = p.name.unwrap_or_else(|| "upload.csv".to_owned());
    if !file_name_ok(&name) {
        return Err(ApiError::bad_parameter(format!(
            "name {name:?} must be a plain file name (no slashes), 1–200 characters"
        )));
    }
    let mut columns = hexspot_ingest::ColumnMap::default();
    for pair in &p.map {
        columns
            .add_pair(pair)
            .map_err(|e| ApiError::bad_parameter(format!("map: {e}")))?;
    }
    let options = ImportOptions {
        read: hexspot_ingest::ReadOptions { columns },
        strict: p.strict.unwrap_or(false),
        replace: p.replace,
    };
    let suffix = std::path::Path::new(&name)
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let settings = state.settings();
    let mut builder = tempfile::Builder::new();
    builder.prefix(UPLOAD_PREFIX).suffix(&suffix);
    let tmp = match &settings.upload_dir {
        Some(dir) => builder.tempfile_in(dir),
        None => builder.tempfile(),
    }
    .map_err(ApiError::internal)?;
    let mut file = tokio::fs::File::from_std(tmp.reopen().map_err(ApiError::internal)?);
    let mut stream = body.into_data_stream();
    let started = tokio::time::Instant::now();
    let mut received: u64 = 0;
    loop {
        let next = tokio::time::timeout(settings.upload_idle_timeout, stream.next())
            .await
            .map_err(|_| {
                slow_upload(format!(
                    "no bytes of the upload arrived for {} s",
                    settings.upload_idle_timeout.as_secs()
                ))
            })?;
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| {
            let limit = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if limit {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!(
                        "the upload exceeds the limit of {} bytes",
                        settings.max_upload_bytes
                    ),
                )
            } else {
                ApiError::bad_parameter(format!("the upload broke off: {e}"))
            }
        })?;
        received += chunk.len() as u64;
        let elapsed = started.elapsed();
        if elapsed > settings.upload_rate_grace
            && (received as f64) < settings.min_upload_rate as f64 * elapsed.as_secs_f64()
        {
            return Err(slow_upload(format!(
                "the upload arrives at {:.0} bytes/s, under the minimum of {} bytes/s",
                received as f64 / elapsed.as_secs_f64(),
                settings.min_upload_rate
            )));
        }
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    file.flush().await.map_err(ApiError::internal)?;
    drop(file);
    let st = state.clone();
    let name2 = name.clone();
    let outcome = blocking(move || {
        let tmp_path = tmp.path().display().to_string();
        st.import(tmp.path(), &name2, &options).map_err(|e| {
            // the temporary path means nothing to the client: name the upload
            let msg = e.to_string().replace(&tmp_path, &name2);
            match e {
                DataError::Store(hexspot_store::StoreError::Ingest(_)) => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable_file", msg)
                }
                DataError::Store(s) if s.is_busy() => ApiError::busy(),
                DataError::Store(hexspot_store::StoreError::NoSuchImport(_)) => {
                    ApiError::new(StatusCode::NOT_FOUND, "no_such_import", msg)
                }
                _ => ApiError::internal(msg),
            }
        })
    })
    .await?;
    let snap = state.snapshot().ok();
    let base = ImportReport::new(name, snap.as_deref());
    let (status, report) = match outcome {
        ImportOutcome::Imported {
            info,
            summary,
            replaced,
        } => (
            StatusCode::CREATED,
            ImportReport {
                outcome: "imported",
                import_id: Some(info.id),
                replaced_import_id: replaced.map(|r| r.id),
                rows_imported: info.rows_imported,
                ..base.with_summary(&summary)
            },
        ),
        ImportOutcome::AlreadyImported { existing } => (
            StatusCode::OK,
            ImportReport {
                outcome: "already_imported",
                import_id: Some(existing.id),
                format: Some(existing.format.clone()),
                sha256: Some(existing.sha256.clone()),
                rows_read: existing.rows_read,
                notes: vec![if existing.rows_rejected > 0 {
                    format!(
                        "the same bytes were imported before as {} (import #{}, {} rows rejected); nothing was written; to import them again, send replace={}",
                        existing.file_name, existing.id, existing.rows_rejected, existing.id
                    )
                } else {
                    format!(
                        "the same bytes were imported before as {} (import #{}); nothing was written",
                        existing.file_name, existing.id
                    )
                }],
                ..base
            },
        ),
        ImportOutcome::Refused { summary } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ImportReport {
                outcome: "refused",
                ..base.with_summary(&summary)
            },
        ),
    };
    Ok((
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(report),
    )
        .into_response())
}
