//! The public product as files: an RFC 7946 GeoJSON FeatureCollection (one hexagon a
//! (cell, month)), CSV, and the metadata document beside them, each stating the rule,
//! the resolution, the period, the filters, the licence and when it was made; and the
//! readers the differencing audit reads them back with.
//!
//! Per feature or row exactly `cell`, `month` (YYYY-MM), `count` (null when
//! suppressed) and `suppressed`; no points, no incident ids, no location text, no
//! totals.

use std::io::Write;

use h3o::CellIndex;
use hexspot_engine::publish::{PublishedValue, ROUND_TO, SUPPRESS_MAX};
use hexspot_engine::{Publication, YearMonth};
use serde_json::{Value, json};
use thiserror::Error;

use crate::{Format, SOFTWARE, SourceImport, cell_ring, describe_window};

/// The disclosure rule, as every file states it.
pub const RULE: &str = "counts of 1 to 9 incidents are suppressed (count null, suppressed \
true); every other count is rounded to the nearest multiple of 5 (remainders 1-2 down, 3-4 up; \
an integer count is never halfway between two multiples); 0 is published as 0";

/// What the product publishes, and what it does not.
pub const TOTALS: &str = "none: only (cell, month) values are published, no total over \
cells, months or anything else, so no total can be differenced against its parts";

/// The study region rule.
pub const STUDY_REGION: &str = "every cell holding at least one selected incident in \
the period, each published for every month of the period (0 where none); a cell not \
published had no selected incident in any month";

/// The licence attribution of the source data.
pub const LICENCE: &str = "Contains police.uk data (data.police.uk), licensed under \
the Open Government Licence v3.0: https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/";

/// Properties of a feature and the first columns of a row, in order.
pub const PROPERTIES: [&str; 4] = ["cell", "month", "count", "suppressed"];

/// CSV columns: [`PROPERTIES`], then the settings each row repeats.
pub const CSV_COLUMNS: [&str; 14] = [
    "cell",
    "month",
    "count",
    "suppressed",
    "res",
    "from",
    "to",
    "crime_types",
    "offences",
    "flags",
    "bbox",
    "rule",
    "licence",
    "made_at",
];

/// The members of the `hexspot` member (and of `publication.json`). None is a count
/// of incidents: the number of study-region cells, the resolution and the rule's own
/// numbers are the only numbers in it.
pub const META_KEYS: [&str; 18] = [
    "software",
    "product",
    "rule",
    "suppressed_from",
    "suppressed_to",
    "rounded_to",
    "totals",
    "resolution",
    "average_cell_area_km2",
    "period",
    "months",
    "filters",
    "study_region",
    "binning",
    "licence",
    "made_at",
    "files",
    "data",
];

/// The file names a publication is written as, in its directory and under
/// `/public/v1/`.
pub const GEOJSON_FILE: &str = "cells.geojson";
/// See [`GEOJSON_FILE`].
pub const CSV_FILE: &str = "cells.csv";
/// See [`GEOJSON_FILE`].
pub const META_FILE: &str = "publication.json";

/// A publication and what its files state beside it.
#[derive(Debug, Clone, Copy)]
pub struct PublicationContext<'a> {
    /// The product.
    pub publication: &'a Publication,
    /// When it was made: UTC, RFC 3339.
    pub made_at: &'a str,
    /// The imports it was made from.
    pub imports: &'a [SourceImport],
}

/// The `hexspot` member of the GeoJSON, and the metadata document.
#[must_use]
pub fn metadata(ctx: &PublicationContext<'_>) -> Value {
    let p = ctx.publication;
    let q = &p.query;
    let f = &q.filter;
    let res = q.resolution.get();
    json!({
        "software": SOFTWARE,
        "product": "public_cell_counts",
        "rule": RULE,
        "suppressed_from": 1,
        "suppressed_to": SUPPRESS_MAX,
        "rounded_to": ROUND_TO,
        "totals": TOTALS,
        "resolution": res.get(),
        "average_cell_area_km2": res.average_cell_area_m2() / 1e6,
        "period": { "from": q.from.to_string(), "to": q.to.to_string() },
        "months": q.months().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "filters": {
            "crime_types": f.crime_types,
            "offences": f.offences,
            "time_window": f.window.as_ref().map(describe_window),
            "flags": f.flags.iter().map(|(k, v)| json!({ k.name(): v })).collect::<Vec<_>>(),
            "bbox": f.bbox.map(|b| b.to_array().to_vec()),
        },
        "study_region": { "rule": STUDY_REGION, "cells": p.cells.len(), "bounds": bounds(p) },
        "binning": crate::BINNING,
        "licence": LICENCE,
        "made_at": ctx.made_at,
        "files": {
            "geojson": GEOJSON_FILE,
            "csv": CSV_FILE,
            "tiles": "/public/v1/tiles/{z}/{x}/{y}",
        },
        "data": {
            "imports": ctx.imports.iter()
                .map(|i| json!({ "file": i.file_name, "sha256": i.sha256, "imported_at": i.imported_at }))
                .collect::<Vec<_>>(),
        },
    })
}

/// The box around the published hexagons, `[west, south, east, north]` at 7
/// decimals (`null` with no cells), for a map to open on.
fn bounds(p: &Publication) -> Value {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for ll in p
        .cells
        .iter()
        .flat_map(|c| c.boundary().iter().copied().collect::<Vec<_>>())
    {
        b = [
            b[0].min(ll.lng()),
            b[1].min(ll.lat()),
            b[2].max(ll.lng()),
            b[3].max(ll.lat()),
        ];
    }
    if p.cells.is_empty() {
        Value::Null
    } else {
        json!(b.map(seven))
    }
}

/// Degrees at 7 decimals (about 1 cm).
fn seven(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// A cell's hexagon, closed and counter-clockwise, at 7 decimals.
fn ring(cell: CellIndex) -> Vec<[f64; 2]> {
    cell_ring(cell)
        .into_iter()
        .map(|[x, y]| [seven(x), seven(y)])
        .collect()
}

/// The GeoJSON FeatureCollection: one Feature a (cell, month), id `cell/month`.
#[must_use]
pub fn geojson(ctx: &PublicationContext<'_>) -> Value {
    let mut last: Option<(CellIndex, Value)> = None;
    let features: Vec<Value> = ctx
        .publication
        .values
        .iter()
        .map(|v| {
            // one ring per cell, reused for its months
            let geometry = match &last {
                Some((c, g)) if *c == v.cell => g.clone(),
                _ => {
                    let g = json!({ "type": "Polygon", "coordinates": [ring(v.cell)] });
                    last = Some((v.cell, g.clone()));
                    g
                }
            };
            json!({
                "type": "Feature",
                "id": format!("{}/{}", v.cell, v.month),
                "geometry": geometry,
                "properties": {
                    "cell": v.cell.to_string(),
                    "month": v.month.to_string(),
                    "count": v.value.count(),
                    "suppressed": v.value.is_suppressed(),
                },
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "hexspot": metadata(ctx),
        "features": features,
    })
}

/// Writes the CSV: one row a (cell, month), `count` empty when suppressed, each row
/// repeating the resolution, period, filters, rule, licence and time made.
///
/// # Errors
/// [`csv::Error`] when writing fails.
pub fn write_csv<W: Write>(ctx: &PublicationContext<'_>, out: W) -> Result<(), csv::Error> {
    let p = ctx.publication;
    let q = &p.query;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS)?;
    // the product's filters as every CSV states them (it has no time window, and its
    // period is `from`/`to`)
    let [crime_types, offences, _, _, _, flags, bbox] = crate::filter_columns(&q.filter);
    let settings = [
        q.resolution.get().get().to_string(),
        q.from.to_string(),
        q.to.to_string(),
        crime_types,
        offences,
        flags,
        bbox,
        RULE.to_owned(),
        LICENCE.to_owned(),
        ctx.made_at.to_owned(),
    ];
    for v in &p.values {
        w.write_record(
            [
                v.cell.to_string(),
                v.month.to_string(),
                v.value.count().map(|c| c.to_string()).unwrap_or_default(),
                v.value.is_suppressed().to_string(),
            ]
            .iter()
            .chain(&settings),
        )?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the product in `format` (the CLI and the server serve the same bytes).
///
/// # Errors
/// [`std::io::Error`] when writing fails.
pub fn write<W: Write>(
    ctx: &PublicationContext<'_>,
    format: Format,
    mut out: W,
) -> std::io::Result<()> {
    match format {
        Format::Geojson => crate::write_json_line(&geojson(ctx), out),
        Format::Csv => write_csv(ctx, &mut out).map_err(std::io::Error::other),
    }
}

/// The three files of a publication, as written and served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    /// `cells.geojson`
    pub geojson: Vec<u8>,
    /// `cells.csv`
    pub csv: Vec<u8>,
    /// `publication.json`: the metadata ([`metadata`]) on its own
    pub metadata: Vec<u8>,
}

impl Files {
    /// Renders the three files of `ctx`.
    ///
    /// # Errors
    /// [`std::io::Error`] when a writer fails (never, into memory).
    pub fn of(ctx: &PublicationContext<'_>) -> std::io::Result<Self> {
        let mut geojson = Vec::new();
        write(ctx, Format::Geojson, &mut geojson)?;
        let mut csv = Vec::new();
        write(ctx, Format::Csv, &mut csv)?;
        let mut meta = Vec::new();
        crate::write_json_line(&metadata(ctx), &mut meta)?;
        Ok(Self {
            geojson,
            csv,
            metadata: meta,
        })
    }

    /// The files by name, in the order they are written.
    #[must_use]
    pub fn named(&self) -> [(&'static str, &[u8]); 3] {
        [
            (GEOJSON_FILE, &self.geojson),
            (CSV_FILE, &self.csv),
            (META_FILE, &self.metadata),
        ]
    }
}

/// A published file that cannot be read as this hexspot writes the product: the audit
/// cannot account for every number in it, so it does not pass.
#[derive(Debug, Error)]
pub enum ReadError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Not CSV.
    #[error("not CSV: {0}")]
    Csv(#[from] csv::Error),
    /// A part that is not the product's (a member, property or column it does not
    /// have, a value of the wrong kind), at this feature or line.
    #[error("{at}: {reason}")]
    Shape {
        /// where (`feature 3`, `line 12`, `hexspot member`)
        at: String,
        /// what
        reason: String,
    },
}

fn shape(at: impl Into<String>, reason: impl Into<String>) -> ReadError {
    ReadError::Shape {
        at: at.into(),
        reason: reason.into(),
    }
}

fn parse_cell(at: &str, s: &str) -> Result<u64, ReadError> {
    s.parse::<CellIndex>()
        .map(u64::from)
        .map_err(|_| shape(at, format!("cell {s:?} is not an H3 cell")))
}

fn parse_month(at: &str, s: &str) -> Result<YearMonth, ReadError> {
    s.parse()
        .map_err(|_| shape(at, format!("month {s:?} is not YYYY-MM")))
}

/// Reads a published GeoJSON back: every feature's value. Refused: a top-level member,
/// a `hexspot` member or feature property the product does not have (it could carry a
/// total), a `totals` statement other than [`TOTALS`].
///
/// # Errors
/// [`ReadError`] as above.
pub fn read_geojson(bytes: &[u8]) -> Result<Vec<PublishedValue>, ReadError> {
    let doc: Value = serde_json::from_slice(bytes)?;
    let obj = doc
        .as_object()
        .ok_or_else(|| shape("document", "not an object"))?;
    for k in obj.keys() {
        if !matches!(k.as_str(), "type" | "hexspot" | "features") {
            return Err(shape(
                "document",
                format!("member {k:?} is not the product's"),
            ));
        }
    }
    let meta = obj
        .get("hexspot")
        .ok_or_else(|| shape("document", "no hexspot member: the rule is not stated"))?;
    let members = meta
        .as_object()
        .ok_or_else(|| shape("hexspot member", "not an object"))?;
    if let Some(k) = members.keys().find(|k| !META_KEYS.contains(&k.as_str())) {
        return Err(shape(
            "hexspot member",
            format!("member {k:?} is not the product's: it may carry a count"),
        ));
    }
    if meta.get("totals").and_then(Value::as_str) != Some(TOTALS) {
        return Err(shape(
            "hexspot member",
            "its `totals` is not the product's (none): a total may be published",
        ));
    }
    let features = obj
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| shape("document", "no features array"))?;
    features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let at = format!("feature {}", i + 1);
            let props = f
                .get("properties")
                .and_then(Value::as_object)
                .ok_or_else(|| shape(&at, "no properties"))?;
            if let Some(k) = props.keys().find(|k| !PROPERTIES.contains(&k.as_str())) {
                return Err(shape(&at, format!("property {k:?} is not the product's")));
            }
            let text = |k: &str| {
                props
                    .get(k)
                    .and_then(Value::as_str)
                    .ok_or_else(|| shape(&at, format!("no {k} text")))
            };
            let count = match props.get("count") {
                Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_u64()
                        .ok_or_else(|| shape(&at, format!("count {v} is not a whole number")))?,
                ),
                None => return Err(shape(&at, "no count (null when suppressed)")),
            };
            Ok(PublishedValue {
                cell: parse_cell(&at, text("cell")?)?,
                month: parse_month(&at, text("month")?)?,
                count,
                suppressed: props
                    .get("suppressed")
                    .and_then(Value::as_bool)
                    .ok_or_else(|| shape(&at, "no suppressed true/false"))?,
            })
        })
        .collect()
}

/// Reads a published CSV back: every row's value. Refused: columns other than
/// [`CSV_COLUMNS`] (one could carry a total).
///
/// # Errors
/// [`ReadError`] as above.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<PublishedValue>, ReadError> {
    let mut r = csv::Reader::from_reader(bytes);
    let header: Vec<String> = r.headers()?.iter().map(str::to_owned).collect();
    if header != CSV_COLUMNS {
        return Err(shape(
            "line 1",
            format!("the columns are not the product's: {}", header.join(",")),
        ));
    }
    r.records()
        .map(|rec| {
            let rec = rec?;
            let line = rec.position().map_or(0, csv::Position::line);
            let at = format!("line {line}");
            let count = match &rec[2] {
                "" => None,
                s => Some(
                    s.parse::<u64>()
                        .map_err(|_| shape(&at, format!("count {s:?} is not a whole number")))?,
                ),
            };
            let suppressed = match &rec[3] {
                "true" => true,
                "false" => false,
                s => return Err(shape(&at, format!("suppressed {s:?} is not true/false"))),
            };
            Ok(PublishedValue {
                cell: parse_cell(&at, &rec[0])?,
                month: parse_month(&at, &rec[1])?,
                count,
                suppressed,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hexspot_engine::publication::{PublishParams, PublishedCell};
    use hexspot_engine::publish::disclose;

    fn publication() -> Publication {
        let q = PublishParams {
            res: 8,
            from: Some("2024-01".into()),
            to: Some("2024-02".into()),
            crime_type: vec!["Violence and sexual offences".into()],
            ..PublishParams::default()
        }
        .query()
        .unwrap();
        let cell = h3o::LatLng::new(53.8, -1.55)
            .unwrap()
            .to_cell(h3o::Resolution::Eight);
        let values = vec![
            PublishedCell {
                cell,
                month: q.from,
                value: disclose(23),
            },
            PublishedCell {
                cell,
                month: q.to,
                value: disclose(4),
            },
        ];
        Publication {
            query: q,
            cells: vec![cell],
            values,
        }
    }

    const MADE: &str = "2026-12-02T01:00:00Z";

    #[test]
    fn the_geojson_states_the_rule_and_holds_only_the_four_properties() {
        let p = publication();
        let ctx = PublicationContext {
            publication: &p,
            made_at: MADE,
            imports: &[],
        };
        let mut out = Vec::new();
        write(&ctx, Format::Geojson, &mut out).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        let h = &doc["hexspot"];
        let keys: Vec<&str> = h.as_object().unwrap().keys().map(String::as_str).collect();
        let mut known = META_KEYS.to_vec();
        known.sort_unstable();
        assert_eq!(keys, known, "every member is one the audit knows");
        assert_eq!(h["rule"], RULE);
        assert_eq!(h["resolution"], 8);
        assert_eq!(h["period"], json!({ "from": "2024-01", "to": "2024-02" }));
        assert_eq!(
            h["filters"]["crime_types"][0],
            "Violence and sexual offences"
        );
        assert_eq!(h["licence"], LICENCE);
        assert!(LICENCE.contains("Open Government Licence v3.0"));
        assert_eq!(h["made_at"], MADE);
        let f = &doc["features"][0];
        assert_eq!(
            f["properties"],
            json!({ "cell": p.cells[0].to_string(), "month": "2024-01", "count": 25, "suppressed": false })
        );
        assert_eq!(doc["features"][1]["properties"]["count"], Value::Null);
        assert_eq!(doc["features"][1]["properties"]["suppressed"], true);
        // coordinates at 7 decimals at most, the ring closed
        let ring = f["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.len(), 7);
        assert_eq!(ring[0], ring[6]);
        for c in ring.iter().flat_map(|c| c.as_array().unwrap()) {
            let text = c.to_string();
            let decimals = text.split_once('.').map_or(0, |(_, d)| d.len());
            assert!(decimals <= 7, "{text}");
        }
        let back = read_geojson(&out).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].count, Some(25));
        assert_eq!((back[1].count, back[1].suppressed), (None, true));
    }

    #[test]
    fn the_csv_repeats_the_rule_and_reads_back() {
        let p = publication();
        let ctx = PublicationContext {
            publication: &p,
            made_at: MADE,
            imports: &[],
        };
        let mut out = Vec::new();
        write(&ctx, Format::Csv, &mut out).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), CSV_COLUMNS.join(","));
        let row = lines.next().unwrap();
        assert!(
            row.starts_with(&format!(
                "{},2024-01,25,false,8,2024-01,2024-02,Violence and sexual offences,,,,",
                p.cells[0]
            )),
            "{row}"
        );
        assert!(row.contains(RULE) && row.contains(MADE));
        assert!(lines.next().unwrap().contains(",2024-02,,true,"));
        let back = read_csv(&out).unwrap();
        assert_eq!(
            back,
            read_geojson(&{
                let mut g = Vec::new();
                write(&ctx, Format::Geojson, &mut g).unwrap();
                g
            })
            .unwrap()
        );
    }

    #[test]
    fn a_file_with_anything_more_is_refused() {
        let p = publication();
        let ctx = PublicationContext {
            publication: &p,
            made_at: MADE,
            imports: &[],
        };
        let mut doc = geojson(&ctx);
        doc["features"][0]["properties"]["total"] = json!(27);
        let bytes = serde_json::to_vec(&doc).unwrap();
        assert!(matches!(read_geojson(&bytes), Err(ReadError::Shape { .. })));
        let mut doc = geojson(&ctx);
        doc["hexspot"]["incidents"] = json!(27);
        let bytes = serde_json::to_vec(&doc).unwrap();
        assert!(
            read_geojson(&bytes)
                .unwrap_err()
                .to_string()
                .contains("\"incidents\"")
        );
        let mut doc = geojson(&ctx);
        doc["hexspot"]["totals"] = json!({ "all": 27 });
        let bytes = serde_json::to_vec(&doc).unwrap();
        assert!(read_geojson(&bytes).is_err());
        let csv = b"cell,month,count,suppressed,total\n";
        assert!(read_csv(csv).is_err());
    }
}
