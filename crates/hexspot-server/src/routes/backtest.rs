//! `/api/v1/backtest` and its chart: how well each way of ranking cells would have
//! forecast the following months, the CLI's JSON or CSV, and the curves as a PNG.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use hexspot_data::Snapshot;
use hexspot_engine::{BacktestParams, BacktestQuery, BacktestResult, Budget};
use hexspot_export::backtest::BacktestContext;

use crate::error::{ApiError, ErrorBody};
use crate::http::{Binary, REVALIDATE, blocking, download, etag, matches, not_modified};
use crate::query::{
    BacktestFileParams, ChartParams, FilterParams, backtest_names, backtest_query, backtest_slots,
    parse,
};
use crate::state::AppState;

/// A backtest (PRODUCT.md): rolling-origin folds, each ranking the cells of its study
/// region by every method over its training months and scoring the best `cells` (or
/// `area_km2`) on its test months — hit rate, PAI, PEI, RRI, harm capture — with the
/// means, each method's curve, a plain-words recommendation and its caveats. `to` is
/// the last test month (default: the data's last); `from` does not apply. The same
/// bytes as `hexspot backtest --format json|csv`. A backtest is folds × methods
/// analyses: at most 96 in one request, and it holds more of the server's room for
/// new computations the more it runs.
#[utoipa::path(get, path = "/api/v1/backtest", tag = "data",
    params(FilterParams, BacktestParams, BacktestFileParams),
    responses(
        (status = 200, description = "JSON `{hexspot, folds, means, ranking, recommendation, caveats}`: per fold its windows, region and each method's figures and chosen cells; per method the means and the mean curve (`cells`, `area_share`, `hit_rate`, `pai`); or CSV, one row per fold and method then one per method's means",
            content((Object = "application/json"), (String = "text/csv"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used, a fold outside the data or over a gap month, or more work than one request may ask for", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn backtest(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [
        FilterParams::names(),
        backtest_names(),
        BacktestFileParams::names(),
    ];
    let file: BacktestFileParams = parse(raw.as_deref(), &known)?;
    let (snap, query) = request(&state, raw.as_deref(), &known)?;
    let format = file.format.unwrap_or_default();
    let tag = etag(&["backtest", &snap.version, &format!("{format:?}|{query:?}")]);
    let (content_type, name) = format.content_type_and_file("hexspot-backtest");
    download(&headers, &tag, content_type, name, async move {
        let slots = backtest_slots(&query, state.settings().max_computations);
        let result = state.backtest(&snap, &query, slots).await?;
        blocking(move || {
            let ctx = BacktestContext {
                query: &query,
                result: &result,
                imports: &snap.sources,
            };
            let mut out = Vec::new();
            hexspot_export::backtest::write(&ctx, format.file(), &mut out)
                .map_err(ApiError::internal)?;
            Ok(Bytes::from(out))
        })
        .await
    })
    .await
}

fn request(
    state: &AppState,
    raw: Option<&str>,
    known: &[&[String]],
) -> Result<(Arc<Snapshot>, BacktestQuery), ApiError> {
    let filters = FilterParams::parse(raw, known)?;
    let extra: BacktestParams = parse(raw, known)?;
    let snap = state.snapshot()?;
    let query = backtest_query(state, &snap, &filters, &extra)?;
    Ok((snap, query))
}

/// A backtest's mean curves as a PNG: hit rate and PAI against the share of the study
/// region's area, one line per method, for the backtest `/api/v1/backtest` gives with
/// the same parameters.
#[utoipa::path(get, path = "/api/v1/backtest/curves.png", tag = "data",
    params(FilterParams, BacktestParams, ChartParams),
    responses(
        (status = 200, description = "PNG image: hit rate (left) and PAI (right) against the area share, one line per method, with a legend and the folds' period in the title", content_type = "image/png", body = Binary),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used, or a backtest that cannot run", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn curves(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [
        FilterParams::names(),
        backtest_names(),
        ChartParams::names(),
    ];
    let size: ChartParams = parse(raw.as_deref(), &known)?;
    let (width, height) = (size.width.unwrap_or(1200), size.height.unwrap_or(800));
    // checked before any work
    let sides = hexspot_briefing::MIN_SIDE..=hexspot_briefing::MAX_SIDE;
    if !sides.contains(&width) || !sides.contains(&height) {
        return Err(ApiError::bad_parameter(
            hexspot_briefing::BriefingError::Size(width, height).to_string(),
        ));
    }
    let (snap, query) = request(&state, raw.as_deref(), &known)?;
    let tag = etag(&[
        "backtest-curves",
        &snap.version,
        &format!("{width}x{height}|{query:?}"),
    ]);
    if matches(&headers, &tag) {
        return Ok(not_modified(&tag, REVALIDATE));
    }
    let slots = backtest_slots(&query, state.settings().max_computations);
    let result = state.backtest(&snap, &query, slots).await?;
    let version = snap.version.clone();
    let png = blocking(move || {
        let chart = chart(&query, &result, &version);
        hexspot_briefing::render_curves(&chart, width, height)
            .map(Bytes::from)
            .map_err(ApiError::from)
    })
    .await?;
    Ok(crate::http::png(
        &headers,
        &tag,
        "hexspot-backtest-curves.png",
        png,
    ))
}

/// The chart of `r`'s mean curves: a line per method, the folds' months in the title.
fn chart(q: &BacktestQuery, r: &BacktestResult, version: &str) -> hexspot_briefing::CurveChart {
    let first = r.folds.first().map(|f| f.window.test.0);
    let last = r.folds.last().map(|f| f.window.test.1);
    let period = match (first, last) {
        (Some(a), Some(b)) if a == b => format!("tested on {a}"),
        (Some(a), Some(b)) => format!("tested on {a} to {b}"),
        _ => "no folds".to_owned(),
    };
    let types = if q.filter.crime_types.is_empty() {
        "all crime types".to_owned()
    } else {
        q.filter.crime_types.join(", ")
    };
    let budget = match q.budget {
        Budget::Cells(n) => format!("{n} cells"),
        Budget::AreaKm2(a) => format!("{a} km²"),
    };
    hexspot_briefing::CurveChart {
        title: format!("Backtest: {types}, {period}"),
        subtitle: format!(
            "{} fold(s), each ranking on the {} month(s) before and testing on the next {}; H3 res {}, k = {}; budget {budget}; mean curves over the top 1 … {} cells",
            r.folds.len(),
            q.train_months,
            q.test_months,
            q.resolution,
            q.k,
            q.curve_cells
        ),
        series: r
            .summaries
            .iter()
            .map(|s| hexspot_briefing::CurveSeries {
                name: s.method.label().to_owned(),
                points: s
                    .curve
                    .iter()
                    .map(|p| hexspot_briefing::CurvePoint {
                        area_share: p.area_share,
                        hit_rate: p.hit_rate.mean,
                        pai: p.pai.mean,
                    })
                    .collect(),
            })
            .collect(),
        footer: format!(
            "{} · data version {version} · the same backtest as GET /api/v1/backtest with these parameters",
            hexspot_export::SOFTWARE
        ),
    }
}
