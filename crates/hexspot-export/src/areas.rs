//! Area comparisons (wards, districts) as files: JSON (areas, district roll-ups and the
//! query), RFC 7946 GeoJSON (one Feature per area) and CSV (one row per area), each
//! stating the filters, the periods compared, the test and where the population came from.

use std::io::Write;

use hexspot_engine::{
    Alpha, AreaProfile, AreaRow, Comparison, DistrictRow, Filter, HarmTable, Month, trend_of,
};
use serde_json::{Value, json};

use crate::{SOFTWARE, describe_window, multipolygon_coordinates};

/// The test behind `change_p`, for outputs.
pub const CHANGE_TEST: &str = "exact test for two Poisson counts of equal exposure: conditional on \
their sum, the current count is binomial(n, 1/2); two-sided p as scipy.stats.binomtest \
(outcomes no more likely than the one observed)";

/// How incidents are assigned to areas, for outputs.
pub const ASSIGNMENT_RULE: &str = "point in polygon (R-tree over the polygons, then an exact test); \
a point on an edge two areas share goes to the first of them in the set's order; points in no \
area are counted as outside";

/// The boundary set and its population, as outputs state them.
#[derive(Debug, Clone, Copy)]
pub struct AreaSetMeta<'a> {
    /// The set's name, e.g. `wards`.
    pub name: &'a str,
    /// Where its boundaries came from (file names).
    pub source: &'a str,
    /// The properties read for code and name.
    pub code_property: &'a str,
    /// See [`AreaSetMeta::code_property`].
    pub name_property: &'a str,
    /// Where the population came from, and how it was estimated, if it was.
    pub population_source: Option<&'a str>,
}

/// The filters of a comparison, as outputs state them.
#[must_use]
pub fn filter_json(f: &Filter) -> Value {
    json!({
        "crime_types": f.crime_types,
        "offences": f.offences,
        "from": f.period.map(|p| p.from().to_string()),
        "to": f.period.map(|p| p.to().to_string()),
        "time_window": f.window.as_ref().map(describe_window),
        "flags": f.flags.iter().map(|(k, v)| json!({ k.name(): v })).collect::<Vec<_>>(),
        "bbox": f.bbox.map(|b| b.to_array().to_vec()),
    })
}

/// One area's fields (the names, plus `harm_per_1000`, `district_share` and
/// `change_pct`).
#[must_use]
pub fn area_json(r: &AreaRow) -> Value {
    json!({
        "code": r.code,
        "name": r.name,
        "district": r.district,
        "count": r.count,
        "harm": r.harm,
        "population": r.population,
        "population_estimated": r.population_estimated,
        "rate_per_1000": r.rate_per_1000,
        "harm_per_1000": r.harm_per_1000,
        "rank": r.rank,
        "district_share": r.district_share,
        "previous_count": r.previous_count,
        "change": r.change,
        "change_pct": r.change_pct,
        "change_p": r.change_p,
    })
}

fn district_json(d: &DistrictRow) -> Value {
    json!({
        "name": d.name,
        "areas": d.areas,
        "count": d.count,
        "harm": d.harm,
        "population": d.population,
        "population_estimated": d.population_estimated,
        "rate_per_1000": d.rate_per_1000,
        "harm_per_1000": d.harm_per_1000,
        "rank": d.rank,
        "previous_count": d.previous_count,
        "change": d.change,
        "change_pct": d.change_pct,
        "change_p": d.change_p,
    })
}

/// The `hexspot` member: the set, the query, the periods, the rules and the totals.
#[must_use]
pub fn comparison_meta(
    set: &AreaSetMeta<'_>,
    f: &Filter,
    c: &Comparison,
    harm: &HarmTable,
    sort: &str,
) -> Value {
    json!({
        "software": SOFTWARE,
        "set": {
            "name": set.name,
            "source": set.source,
            "code_property": set.code_property,
            "name_property": set.name_property,
            "areas": c.rows.len(),
            "population_source": set.population_source,
            "population_estimated": c.rows.iter().any(|r| r.population_estimated),
        },
        "query": filter_json(f),
        "sort": sort,
        "rank_by": c.rank_by.name(),
        "district_rank_by": c.district_rank_by.name(),
        "periods": {
            "current": { "from": c.period.from().to_string(), "to": c.period.to().to_string() },
            "previous": c.previous_period.map(|p| json!({ "from": p.from().to_string(), "to": p.to().to_string() })),
            "previous_covered": c.previous_covered,
            "previous_note": c.previous_note,
            "rule": c.previous_period_rule,
        },
        "change_test": CHANGE_TEST,
        "assignment": ASSIGNMENT_RULE,
        "rate_rule": "incidents per 1,000 residents; null where the population is not known",
        "incidents": {
            "rule": "counted: incidents the filters keep that lie in an area of the set (the areas' counts add up to it); outside_every_area: those that lie in none",
            "counted": c.total_count,
            "harm_total": c.total_harm,
            "outside_every_area": c.outside,
            "previous_counted": c.previous_total,
            "previous_outside_every_area": c.previous_outside,
            "left_out": crate::left_out(&c.exclusions, false),
            "harm_weights": if harm.is_empty() { Value::Null } else { Value::from(harm.source()) },
        },
    })
}

/// The comparison as JSON: `{hexspot, areas, districts}`, areas in `c.rows`' order.
#[must_use]
pub fn comparison_json(
    set: &AreaSetMeta<'_>,
    f: &Filter,
    c: &Comparison,
    harm: &HarmTable,
    sort: &str,
) -> Value {
    json!({
        "hexspot": comparison_meta(set, f, c, harm, sort),
        "areas": c.rows.iter().map(area_json).collect::<Vec<_>>(),
        "districts": c.districts.iter().map(district_json).collect::<Vec<_>>(),
    })
}

/// The comparison as an RFC 7946 FeatureCollection: one MultiPolygon Feature per area
/// (`shapes[row.index]`), the `hexspot` member as in [`comparison_json`] plus `districts`.
#[must_use]
pub fn comparison_geojson(
    set: &AreaSetMeta<'_>,
    f: &Filter,
    c: &Comparison,
    harm: &HarmTable,
    sort: &str,
    shapes: &[&geo::MultiPolygon<f64>],
) -> Value {
    let features: Vec<Value> = c
        .rows
        .iter()
        .map(|r| {
            json!({
                "type": "Feature",
                "id": r.code,
                "properties": area_json(r),
                "geometry": { "type": "MultiPolygon", "coordinates": multipolygon_coordinates(shapes[r.index]) },
            })
        })
        .collect();
    let mut meta = comparison_meta(set, f, c, harm, sort);
    meta["districts"] = c.districts.iter().map(district_json).collect();
    json!({ "type": "FeatureCollection", "hexspot": meta, "features": features })
}

/// Columns of the comparison CSV: the area's fields; then come the set and its
/// population source, the filters ([`crate::FILTER_COLUMNS`]) and the previous period
/// ([`AREA_CSV_TAIL`]).
pub const AREA_CSV_COLUMNS: [&str; 15] = [
    "code",
    "name",
    "district",
    "count",
    "harm",
    "population",
    "population_estimated",
    "rate_per_1000",
    "harm_per_1000",
    "rank",
    "district_share",
    "previous_count",
    "change",
    "change_pct",
    "change_p",
];

/// The comparison CSV's last columns: the previous period compared.
pub const AREA_CSV_TAIL: [&str; 2] = ["previous_from", "previous_to"];

/// Writes the comparison as CSV, one row per area in `c.rows`' order; empty where a
/// value is not known.
///
/// # Errors
/// [`csv::Error`] when writing fails.
pub fn write_comparison_csv<W: Write>(
    set: &AreaSetMeta<'_>,
    f: &Filter,
    c: &Comparison,
    out: W,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(
        AREA_CSV_COLUMNS
            .iter()
            .chain(&["set", "population_source"])
            .chain(&crate::FILTER_COLUMNS)
            .chain(&AREA_CSV_TAIL),
    )?;
    let text = |v: Option<String>| v.unwrap_or_default();
    let query = crate::filter_columns(f);
    let (pf, pt) = c
        .previous_period
        .filter(|_| c.previous_covered)
        .map(|p| (p.from().to_string(), p.to().to_string()))
        .unwrap_or_default();
    for r in &c.rows {
        let mut rec = vec![
            r.code.clone(),
            r.name.clone(),
            r.district.clone().unwrap_or_default(),
            r.count.to_string(),
            r.harm.to_string(),
            text(r.population.map(|p| p.to_string())),
            r.population_estimated.to_string(),
            text(r.rate_per_1000.map(|v| v.to_string())),
            text(r.harm_per_1000.map(|v| v.to_string())),
            r.rank.to_string(),
            text(r.district_share.map(|v| v.to_string())),
            text(r.previous_count.map(|v| v.to_string())),
            text(r.change.map(|v| v.to_string())),
            text(r.change_pct.map(|v| v.to_string())),
            text(r.change_p.map(|v| v.to_string())),
            set.name.to_owned(),
            set.population_source.unwrap_or_default().to_owned(),
        ];
        rec.extend(query.iter().cloned());
        rec.extend([pf.clone(), pt.clone()]);
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}

/// The Mann-Kendall trend of a profile's monthly counts (gaps left out) at α = 0.05.
fn profile_trend(p: &AreaProfile) -> Value {
    let months: Vec<Month> = p
        .monthly
        .iter()
        .map(|m| Month {
            month: m.month,
            count: m.in_data.then_some(m.count),
            harm: m.in_data.then_some(m.harm),
        })
        .collect();
    let alpha = Alpha::default();
    let (mk, trend) = trend_of(&months, alpha);
    crate::monthly::trend_json(mk, trend, alpha)
}

/// One area's profile: its row, the monthly series, its trend and the crime-type mix.
#[must_use]
pub fn profile_json(row: &AreaRow, p: &AreaProfile) -> Value {
    json!({
        "area": area_json(row),
        "monthly": p.monthly.iter().map(|m| json!({
            "month": m.month.to_string(),
            "count": m.in_data.then_some(m.count),
            "harm": m.in_data.then_some(m.harm),
            "in_data": m.in_data,
        })).collect::<Vec<_>>(),
        "monthly_rule": "every month from the data's first to its last, the filters applied except the period; \
            a month in which none of the set's areas holds an incident is a gap (in_data false, count and harm null), not a zero",
        "trend": profile_trend(p),
        "crime_types": p.crime_types.iter().map(|(t, n)| json!({ "crime_type": t, "count": n })).collect::<Vec<_>>(),
        "left_out": crate::left_out(&p.exclusions, false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hexspot_engine::{Exclusions, MonthPoint, YearMonth};

    #[test]
    fn a_profile_gives_gap_months_as_null_not_zero() {
        let row = AreaRow {
            index: 0,
            code: "E05000001".into(),
            name: "Ward".into(),
            district: None,
            count: 3,
            harm: 3.0,
            population: None,
            population_estimated: false,
            rate_per_1000: None,
            harm_per_1000: None,
            rank: 1,
            district_share: None,
            previous_count: None,
            change: None,
            change_pct: None,
            change_p: None,
        };
        let month = |s: &str, count, in_data| MonthPoint {
            month: s.parse::<YearMonth>().unwrap(),
            count,
            harm: count as f64,
            in_data,
        };
        let p = AreaProfile {
            area: 0,
            monthly: vec![
                month("2025-01", 3, true),
                month("2025-02", 0, false),
                month("2025-03", 0, true),
            ],
            crime_types: vec![],
            exclusions: Exclusions::default(),
        };
        let v = profile_json(&row, &p);
        let m = v["monthly"].as_array().unwrap();
        assert_eq!(
            m[0],
            json!({ "month": "2025-01", "count": 3, "harm": 3.0, "in_data": true })
        );
        assert_eq!(
            m[1],
            json!({ "month": "2025-02", "count": null, "harm": null, "in_data": false })
        );
        assert_eq!(
            m[2],
            json!({ "month": "2025-03", "count": 0, "harm": 0.0, "in_data": true })
        );
        assert!(v["monthly_rule"].as_str().unwrap().contains("gap"));
        // two months that are not gaps: too few for Mann-Kendall, said as nulls
        assert_eq!(v["trend"]["n"], Value::Null);
        assert_eq!(v["trend"]["trend"], Value::Null);
        assert!(
            v["trend"]["test"]
                .as_str()
                .unwrap()
                .contains("gap months left out")
        );
    }
}
