//! Routes for areas (wards, districts): the boundary sets, the comparison, one area's
//! profile and the area tiles for a choropleth.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use geo::Intersects;
use hexspot_engine::{Comparison, Filter, HotspotQuery, Limit};
use hexspot_export::areas::{comparison_geojson, comparison_json, profile_json};
use serde_json::{Value, json};

use hexspot_data::{AreaSet, Snapshot, sort_order, with_period};

use crate::error::{ApiError, ErrorBody};
use crate::http::{
    GEOJSON, REVALIDATE, blocking, download, etag, json_representation, matches, not_modified,
    representation, tile_response,
};
use crate::query::{AreasFormatParam, AreasParams, FilterParams, TileParams, build_query, parse};
use crate::state::AppState;
use crate::tiles::{AreaFeature, Prop, TileId, encode_areas};

/// Hotspot cells listed in an area's profile.
const PROFILE_HOTSPOTS: usize = 5;

/// The boundary sets the store holds.
#[utoipa::path(get, path = "/api/v1/areas", tag = "areas", responses(
    (status = 200, description = "`{\"sets\": [{name, source, code_property, name_property, derived_from, imported_at, areas, districts, with_population, population_estimated}]}`", body = Object),
    (status = 503, description = "still loading", body = ErrorBody)))]
pub async fn area_sets(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let snap = state.snapshot()?;
    let tag = etag(&["area-sets", &snap.version]);
    if matches(&headers, &tag) {
        return Ok(not_modified(&tag, REVALIDATE));
    }
    let sets: Vec<Value> = snap
        .area_sets
        .iter()
        .map(|s| {
            let i = &s.info;
            json!({
                "name": i.name,
                "source": i.source,
                "code_property": i.code_property,
                "name_property": i.name_property,
                "derived_from": i.derived_from,
                "imported_at": i.imported_at,
                "areas": i.areas,
                "districts": i.districts,
                "with_population": i.with_population,
                "population_estimated": i.population_estimated,
                "population_source": s.population_source,
            })
        })
        .collect();
    json_representation(&headers, &tag, &json!({ "sets": sets }))
}

/// A comparison request's parts.
struct Request {
    snap: Arc<Snapshot>,
    set: Arc<AreaSet>,
    query: HotspotQuery,
    filter: Filter,
}

fn request(
    state: &AppState,
    name: &str,
    raw: Option<&str>,
    known: &[&[String]],
) -> Result<Request, ApiError> {
    let filters = FilterParams::parse(raw, known)?;
    let snap = state.snapshot()?;
    let set = snap.area_set(name)?.clone();
    let query = build_query(state, &snap, &filters, Limit::All)?;
    let filter = with_period(&query.filter, &snap.table);
    Ok(Request {
        snap,
        set,
        query,
        filter,
    })
}

/// Compares the areas of a set: count, harm, rate per 1,000 residents, rank, district
/// share, change against the previous period of equal length with its exact test, and
/// district roll-ups, for the hotspot filters.
#[utoipa::path(get, path = "/api/v1/areas/{set}", tag = "areas",
    params(("set" = String, Path, description = "boundary set, e.g. `wards`"), FilterParams, AreasParams),
    responses(
        (status = 200, description = "JSON `{hexspot, areas, districts}`; per area `code`, `name`, `district`, `count`, `harm`, `population`, `population_estimated`, `rate_per_1000`, `harm_per_1000`, `rank`, `district_share`, `previous_count`, `change`, `change_pct`, `change_p`. The same bytes as `hexspot areas --format json` (or `geojson`, `csv`).",
            content((Object = "application/json"), (Object = "application/geo+json"), (String = "text/csv"))),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used", body = ErrorBody),
        (status = 404, description = "no such boundary set", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn areas(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [FilterParams::names(), AreasParams::names()];
    let extra: AreasParams = parse(raw.as_deref(), &known)?;
    let (sort, descending) = sort_order(extra.sort.as_deref(), extra.order.as_deref())?;
    let Request {
        snap, set, filter, ..
    } = request(&state, &name, raw.as_deref(), &known)?;
    let format = extra.format.unwrap_or_default();
    let tag = etag(&[
        "areas",
        &snap.version,
        &name,
        &format!("{format:?}|{sort}|{descending}|{filter:?}"),
    ]);
    let (content_type, ext) = match format {
        AreasFormatParam::Json => ("application/json", "json"),
        AreasFormatParam::Geojson => (GEOJSON, "geojson"),
        AreasFormatParam::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let file = format!("hexspot-areas-{name}.{ext}");
    download(&headers, &tag, content_type, file, async move {
        let state2 = state.clone();
        blocking(move || {
            let c = set.compare(&snap.table, &filter, state2.harm(), sort, descending)?;
            let sort_name = format!("{sort} {}", if descending { "desc" } else { "asc" });
            let meta = set.meta();
            let mut out = Vec::new();
            match format {
                AreasFormatParam::Json => {
                    let v = comparison_json(&meta, &filter, &c, state2.harm(), &sort_name);
                    hexspot_export::write_json_line(&v, &mut out).map_err(ApiError::internal)?;
                }
                AreasFormatParam::Geojson => {
                    let shapes: Vec<&geo::MultiPolygon<f64>> =
                        set.index.areas().iter().map(|a| &a.shape).collect();
                    let v =
                        comparison_geojson(&meta, &filter, &c, state2.harm(), &sort_name, &shapes);
                    hexspot_export::write_json_line(&v, &mut out).map_err(ApiError::internal)?;
                }
                AreasFormatParam::Csv => {
                    hexspot_export::areas::write_comparison_csv(&meta, &filter, &c, &mut out)
                        .map_err(ApiError::internal)?;
                }
            }
            Ok(Bytes::from(out))
        })
        .await
    })
    .await
}

/// One area: its row of the comparison, its monthly series over the whole data, its
/// crime-type mix and the top hotspot cells (by the hotspot ranking) inside it.
#[utoipa::path(get, path = "/api/v1/areas/{set}/{code}", tag = "areas",
    params(("set" = String, Path, description = "boundary set"), ("code" = String, Path, description = "area code"), FilterParams),
    responses(
        (status = 200, description = "JSON `{area, monthly, monthly_rule, crime_types, top_hotspots, top_hotspots_rule, left_out}`", body = Object),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "a parameter that cannot be used", body = ErrorBody),
        (status = 404, description = "no such set or area", body = ErrorBody),
        (status = 503, description = "still loading, overloaded or timed out", body = ErrorBody)))]
pub async fn area_profile(
    State(state): State<AppState>,
    Path((name, code)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let known = [FilterParams::names()];
    let Request {
        snap,
        set,
        query,
        filter,
    } = request(&state, &name, raw.as_deref(), &known)?;
    let Some(area) = set.area(&code) else {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "unknown_area",
            format!("boundary set {name:?} has no area {code:?}"),
        ));
    };
    let tag = etag(&["area", &snap.version, &name, &code, &format!("{query:?}")]);
    if matches(&headers, &tag) {
        return Ok(not_modified(&tag, REVALIDATE));
    }
    let stats = state.stats(&snap, &query).await?;
    let state2 = state.clone();
    let body = blocking(move || {
        let harm = state2.harm();
        // the same comparison as the view's tiles: usually already computed
        let c = state2.comparison(&snap, &set, &filter)?;
        let row = c
            .rows
            .iter()
            .find(|r| r.index == area)
            .ok_or_else(|| ApiError::internal("an area missing from its comparison"))?;
        let profile = hexspot_engine::area_profile(
            &snap.table,
            &set.assignment(&snap.table),
            area,
            &filter,
            harm,
        )
        .map_err(ApiError::internal)?;
        let shape = &set.index.areas()[area].shape;
        let top: Vec<Value> = stats
            .result
            .cells
            .iter()
            .filter(|c| c.count > 0)
            .filter(|c| {
                let ll = h3o::LatLng::from(c.cell);
                shape.intersects(&geo::Point::new(ll.lng(), ll.lat()))
            })
            .take(PROFILE_HOTSPOTS)
            .map(|c| {
                json!({
                    "cell": c.cell.to_string(),
                    "count": c.count,
                    "harm": c.harm,
                    "gi_star_z": c.z,
                    "significant": c.significant,
                    "rank": c.rank,
                })
            })
            .collect();
        let mut v = profile_json(row, &profile);
        v["top_hotspots"] = Value::from(top);
        v["top_hotspots_rule"] = Value::from(format!(
            "the best-ranked cells (by {}, H3 res {}) with incidents whose centres lie inside the area, at most {PROFILE_HOTSPOTS}",
            query.rank_by.name(),
            query.resolution.get()
        ));
        serde_json::to_vec(&v)
            .map(Bytes::from)
            .map_err(ApiError::internal)
    })
    .await?;
    Ok(representation(
        &headers,
        &tag,
        REVALIDATE,
        "application/json",
        Some(body),
    ))
}

/// The tile properties of one area (absent values left out).
fn area_props(r: &hexspot_engine::AreaRow) -> Vec<(&'static str, Prop)> {
    let mut p = vec![
        ("code", Prop::Text(r.code.clone())),
        ("name", Prop::Text(r.name.clone())),
        ("count", Prop::Uint(r.count)),
        ("harm", Prop::Double(r.harm)),
        ("rank", Prop::Uint(r.rank as u64)),
        ("population_estimated", Prop::Bool(r.population_estimated)),
    ];
    let mut opt = |k: &'static str, v: Option<Prop>| {
        if let Some(v) = v {
            p.push((k, v));
        }
    };
    opt("district", r.district.clone().map(Prop::Text));
    opt("population", r.population.map(Prop::Double));
    opt("rate_per_1000", r.rate_per_1000.map(Prop::Double));
    opt("harm_per_1000", r.harm_per_1000.map(Prop::Double));
    opt("district_share", r.district_share.map(Prop::Double));
    opt("previous_count", r.previous_count.map(Prop::Uint));
    opt("change", r.change.map(Prop::Int));
    opt("change_pct", r.change_pct.map(Prop::Double));
    opt("change_p", r.change_p.map(Prop::Double));
    p
}

/// Mapbox Vector Tiles of a set's areas for a choropleth: layer `areas`, one polygon
/// per area with the comparison's fields as properties, for the hotspot filters.
#[utoipa::path(get, path = "/tiles/areas/{set}/{z}/{x}/{y}", tag = "tiles",
    params(("set" = String, Path, description = "boundary set"),
        ("z" = u8, Path, description = "zoom 0–22"), ("x" = u32, Path), ("y" = String, Path, description = "row, optionally ending in .mvt or .pbf"),
        FilterParams, TileParams),
    responses(
        (status = 200, description = "an MVT 2.1 tile; empty when no area reaches it", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 400, description = "bad tile address or parameter", body = ErrorBody),
        (status = 404, description = "no such boundary set", body = ErrorBody)))]
pub async fn area_tile(
    State(state): State<AppState>,
    Path((name, z, x, y)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = TileId::parse(&z, &x, &y)?;
    let known = [FilterParams::names(), TileParams::names()];
    let extra: TileParams = parse(raw.as_deref(), &known)?;
    let Request {
        snap, set, filter, ..
    } = request(&state, &name, raw.as_deref(), &known)?;
    let cache = extra.cache_rule(&snap.version);
    let tag = etag(&[
        "area-tile",
        &snap.version,
        &name,
        &format!("{id}|{filter:?}"),
    ]);
    let state2 = state.clone();
    tile_response(&state, &headers, tag, cache, async move {
        blocking(move || {
            let c: Arc<Comparison> = state2.comparison(&snap, &set, &filter)?;
            let areas = set.index.areas();
            let features: Vec<AreaFeature<'_>> = c
                .rows
                .iter()
                .map(|r| AreaFeature {
                    shape: &areas[r.index].shape,
                    properties: area_props(r),
                })
                .collect();
            Ok(Bytes::from(encode_areas(&features, id).unwrap_or_default()))
        })
        .await
    })
    .await
}
