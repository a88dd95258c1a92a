//! `/api/v1/plan` and its printable briefing: patrol areas within a budget.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use hexspot_data::Snapshot;
use hexspot_engine::{HotspotQuery, Limit};
use hexspot_export::Context;

use crate::error::{ApiError, ErrorBody};
use crate::http::{Binary, REVALIDATE, blocking, download, etag, matches, not_modified};
use crate::query::{BriefingParams, FilterParams, FormatParam, PlanParams, build_query, parse};
use crate::state::AppState;

/// A patrol plan: the hotspot filters, a budget, exclusions; the CLI's GeoJSON (or CSV).
#[utoipa::path(get, path = "/api/v1/plan", tag = "data",
    params(FilterParams, PlanParams),
    responses(
        (status = 200, description = "RFC 7946 FeatureCollection, one MultiPolygon Feature per patrol area (`area_rank`, `cells`, `area_m2`, `count`, `harm`, `harm_share`, `cumulative_harm_share`, `significant`, `peak_windows`, `dose`, `weekly_profile`); its `hexspot` member states the query and the `plan` (budget, totals, concentration). The same bytes as `hexspot plan --format geojson`. `rank_by` defaults to `harm` here.",
            content((Object = "application/geo+json"), (String = "text/csv"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [FilterParams::names(), PlanParams::names()];
    let PlanRequest {
        snap,
        query,
        extra,
        budget,
        exclude,
    } = plan_request(&state, raw.as_deref(), &known)?;
    let format = extra.format.unwrap_or_default();
    let tag = etag(&[
        "plan",
        &snap.version,
        &format!("{format:?}|{budget:?}|{exclude:?}|{query:?}"),
    ]);
    let (content_type, file) = format.content_type_and_file("hexspot-plan");
    download(&headers, &tag, content_type, file, async move {
        let state2 = state.clone();
        blocking(move || {
            let pq = hexspot_engine::PlanQuery {
                query: query.clone(),
                budget,
                exclude,
            };
            let planned = hexspot_engine::plan(&snap.table, &pq, state2.harm())?;
            let ctx = Context {
                query: &query,
                result: &planned.result,
                harm: state2.harm(),
                imports: &snap.sources,
                region_source: None,
            };
            let mut out = Vec::new();
            match format {
                FormatParam::Geojson => {
                    let v = hexspot_export::plan::plan_geojson(&ctx, &planned, budget);
                    hexspot_export::write_json_line(&v, &mut out).map_err(ApiError::internal)?;
                }
                FormatParam::Csv => {
                    hexspot_export::plan::write_plan_csv(&ctx, &planned, &mut out)
                        .map_err(ApiError::internal)?;
                }
            }
            Ok(Bytes::from(out))
        })
        .await
    })
    .await
}

/// A plan request's parts.
struct PlanRequest {
    snap: Arc<Snapshot>,
    /// Ranked by harm unless `rank_by` is given.
    query: HotspotQuery,
    extra: PlanParams,
    budget: hexspot_engine::Budget,
    exclude: Vec<h3o::CellIndex>,
}

fn plan_request(
    state: &AppState,
    raw: Option<&str>,
    known: &[&[String]],
) -> Result<PlanRequest, ApiError> {
    let filters = FilterParams::parse(raw, known)?;
    let extra: PlanParams = parse(raw, known)?;
    let budget = extra.budget()?;
    let exclude = extra.excluded()?;
    let snap = state.snapshot()?;
    let mut query = build_query(state, &snap, &filters, Limit::All)?;
    if filters.rank_by.is_none() {
        query.rank_by = hexspot_engine::RankBy::Harm;
    }
    Ok(PlanRequest {
        snap,
        query,
        extra,
        budget,
        exclude,
    })
}

/// A printable briefing of a plan: a PNG map of the patrol areas over the outline of
/// the data, with the table of areas, their peak windows and the dose.
#[utoipa::path(get, path = "/api/v1/plan/briefing.png", tag = "data",
    params(FilterParams, PlanParams, BriefingParams),
    responses(
        (status = 200, description = "PNG image of the plan `/api/v1/plan` gives for the same parameters", content_type = "image/png", body = Binary),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn briefing(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [
        FilterParams::names(),
        PlanParams::names(),
        BriefingParams::names(),
    ];
    let PlanRequest {
        snap,
        query,
        extra,
        budget,
        exclude,
    } = plan_request(&state, raw.as_deref(), &known)?;
    if extra.format.is_some() {
        return Err(ApiError::bad_parameter(
            "format: the briefing is always a PNG; use /api/v1/plan for GeoJSON or CSV",
        ));
    }
    let size: BriefingParams = parse(raw.as_deref(), &known)?;
    let (width, height) = (size.width.unwrap_or(1600), size.height.unwrap_or(1131));
    let tag = etag(&[
        "briefing",
        &snap.version,
        &format!("{width}x{height}|{budget:?}|{exclude:?}|{query:?}"),
    ]);
    if matches(&headers, &tag) {
        return Ok(not_modified(&tag, REVALIDATE));
    }
    let state2 = state.clone();
    let png = blocking(move || {
        let pq = hexspot_engine::PlanQuery {
            query: query.clone(),
            budget,
            exclude,
        };
        let planned = hexspot_engine::plan(&snap.table, &pq, state2.harm())?;
        let outline = snap.outline()?;
        let b = hexspot_briefing::Briefing {
            title: briefing_title(&query),
            summary: briefing_summary(&query, &planned, budget),
            plan: &planned,
            base: Some(&outline.shape),
            footer: format!(
                "{} · data version {} · base map: the outline of the data (H3 res-7 cells holding incidents) · the same plan as GET /api/v1/plan with these parameters",
                hexspot_export::SOFTWARE,
                snap.version
            ),
        };
        hexspot_briefing::render(&b, width, height)
            .map(Bytes::from)
            .map_err(ApiError::from)
    })
    .await?;
    Ok(crate::http::png(
        &headers,
        &tag,
        "hexspot-briefing.png",
        png,
    ))
}

fn briefing_title(q: &HotspotQuery) -> String {
    let f = &q.filter;
    let types = if f.crime_types.is_empty() {
        "all crime types".to_owned()
    } else {
        f.crime_types.join(", ")
    };
    let window = f
        .window
        .as_ref()
        .map(|w| format!(", {}", hexspot_export::describe_window(w)))
        .unwrap_or_default();
    format!("Patrol plan: {types}{window}")
}

fn briefing_summary(
    q: &HotspotQuery,
    p: &hexspot_engine::Plan,
    budget: hexspot_engine::Budget,
) -> Vec<String> {
    let f = &q.filter;
    let pct = |x: f64| format!("{:.1} %", 100.0 * x);
    let budget = match budget {
        hexspot_engine::Budget::Cells(n) => format!("{n} cells"),
        hexspot_engine::Budget::AreaKm2(a) => format!("{a} km²"),
    };
    vec![
        format!(
            "Period: {}",
            f.period.map_or("all months".to_owned(), |p| format!(
                "{} to {}",
                p.from(),
                p.to()
            ))
        ),
        format!(
            "Budget {budget}, ranked by {}; H3 res {} (≈ {:.3} km² a cell), Gi* on {} with k = {}",
            q.rank_by.name(),
            q.resolution,
            q.resolution.average_cell_area_m2() / 1e6,
            q.measure.name(),
            q.k
        ),
        format!(
            "{} areas, {:.2} km² ({} of the study region), hold {} of the harm of {} incidents",
            p.areas.len(),
            p.area_m2 / 1e6,
            pct(p.share_of_region_area()),
            pct(p.harm_share),
            p.result.incidents
        ),
        format!(
            "Half the harm lies in {} of the study region's cells (Gini {:.2})",
            pct(p.concentration.share_of_cells_for_half_harm),
            p.concentration.gini
        ),
    ]
}
