//! `/api/v1/trend`: the monthly series of a cell or a patrol area and its trend.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hexspot_engine::{Limit, monthly_series};

use crate::error::{ApiError, ErrorBody};
use crate::http::{REVALIDATE, blocking, etag, json_representation, matches, not_modified};
use crate::query::{FilterParams, TrendParams, build_query, parse};
use crate::state::AppState;

/// The monthly counts (and harm) of the selected incidents in one cell or a set of
/// cells of one resolution (a patrol area), over the period or every month of the
/// data, with gap months as nulls, and their Mann-Kendall trend. The filters are the
/// hotspot filters; `res` must be the cells' resolution when given, and `k`, `alpha`,
/// `measure` and `rank_by` do not apply (the map sends its whole view).
#[utoipa::path(get, path = "/api/v1/trend", tag = "data",
    params(FilterParams, TrendParams),
    responses(
        (status = 200, description = "JSON `{hexspot, months: [{month, count, harm}], total, trend: {test, alpha, n, s, z, p, trend}}`", body = Object),
        (status = 304, description = "not modified"),
        (status = 400, description = "no cell, a bad cell or parameter", body = ErrorBody)))]
pub async fn trend(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [FilterParams::names(), TrendParams::names()];
    let filters = FilterParams::parse(raw.as_deref(), &known)?;
    let extra: TrendParams = parse(raw.as_deref(), &known)?;
    let cells = extra.cells()?;
    let alpha = extra.alpha()?;
    let res = u8::from(cells[0].resolution());
    if let Some(r) = filters.query.res.filter(|&r| r != res) {
        return Err(ApiError::bad_parameter(format!(
            "res={r} but the cells are at resolution {res}: leave res out or give the cells' own"
        )));
    }
    let snap = state.snapshot()?;
    // the hotspot query checks the filters as every other route does
    let query = build_query(&state, &snap, &filters, Limit::All)?;
    let mut key: Vec<String> = cells.iter().map(ToString::to_string).collect();
    key.sort_unstable();
    let tag = etag(&[
        "trend",
        &snap.version,
        &format!("{}|{alpha:?}|{:?}", key.join(","), query.filter),
    ]);
    if matches(&headers, &tag) {
        return Ok(not_modified(&tag, REVALIDATE));
    }
    let state2 = state.clone();
    let body = blocking(move || {
        let s = monthly_series(&snap.table, &cells, &query.filter, state2.harm(), alpha)?;
        Ok(hexspot_export::monthly::series_json(
            &cells,
            &query.filter,
            &s,
            alpha,
        ))
    })
    .await?;
    json_representation(&headers, &tag, &body)
}
