//! Reading incident files: data.police.uk street CSVs (with every quirk seen in real
//! files), force extracts as CSV with a column mapping, and GeoJSON Point features.
//!
//! Rows stream to a sink one at a time, so the store can write them inside one
//! transaction; rows that cannot be read are collected, with file line and reason, in
//! the [`ReadSummary`]. The file's SHA-256 is computed while it is read.

pub mod columns;
mod csv_lines;
pub mod error;
pub mod population;
pub mod query_files;
mod topojson;
pub mod values;

use std::collections::BTreeMap;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, Read};
use std::path::Path;

use hexspot_engine::{Flag, Flags, IncidentRow, LonLat};
use rustc_hash::{FxHashMap, FxHasher};
use sha2::{Digest, Sha256};

use columns::Resolved;
pub use columns::{ColumnMap, Field, normalise};
pub use error::{IngestError, MappingError, RejectReason};
pub use population::{PopulationFile, read_population};
pub use query_files::{
    AuxFileError, BoundaryFeature, BoundaryProperties, PlanFileError, plan_cells, read_boundaries,
    read_harm_table, read_region,
};
use values::{When, parse_date, parse_datetime, parse_flag, parse_month, parse_time};

/// How a file was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// data.police.uk street-level CSV.
    PoliceUk,
    /// A CSV read through column names (hexspot's own, or a force extract).
    Csv,
    /// GeoJSON FeatureCollection of Points.
    GeoJson,
}

impl Format {
    /// Name for reports and the store.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::PoliceUk => "police.uk street CSV",
            Format::Csv => "CSV",
            Format::GeoJson => "GeoJSON",
        }
    }
}

/// One readable incident, borrowed from the row it came from.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// Line (CSV, 1-based, the header is line 1) or feature number (GeoJSON, 1-based).
    pub line: u64,
    /// Crime ID / reference, where given (police.uk leaves it empty for ASB).
    pub crime_id: Option<&'a str>,
    /// When.
    pub when: When,
    /// Where, WGS84.
    pub location: LonLat,
    /// The resolution-15 H3 cell of `location`.
    pub fine_cell: h3o::CellIndex,
    /// Crime type (the offence where the file gives only an offence).
    pub crime_type: &'a str,
    /// Offence name or code.
    pub offence: Option<&'a str>,
    /// Flags.
    pub flags: Flags,
    /// Harm weight from the data.
    pub weight: Option<f64>,
    /// The remaining police.uk text fields, kept for the record.
    pub extra: Extra<'a>,
}

impl<'a> Record<'a> {
    /// The engine's row for this record, as import `import_id`.
    #[must_use]
    pub fn incident_row(&self, import_id: u32) -> IncidentRow<'a> {
        IncidentRow {
            location: self.location,
            fine_cell: self.fine_cell,
            month: self.when.month,
            day: self.when.day,
            time: self.when.time,
            crime_type: self.crime_type,
            offence: self.offence,
            flags: self.flags,
            weight: self.weight,
            import_id,
        }
    }
}

/// police.uk's descriptive fields.
#[derive(Debug, Clone, Default)]
pub struct Extra<'a> {
    /// `Location`.
    pub location: Option<&'a str>,
    /// `LSOA code`.
    pub lsoa_code: Option<&'a str>,
    /// `LSOA name`.
    pub lsoa_name: Option<&'a str>,
    /// `Last outcome category`.
    pub outcome: Option<&'a str>,
    /// `Context`.
    pub context: Option<&'a str>,
    /// `Falls within`.
    pub falls_within: Option<&'a str>,
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// Line or feature number.
    pub line: u64,
    /// Why.
    pub reason: RejectReason,
    /// The row's text (fields joined by commas), cut to 500 characters.
    pub raw: String,
}

/// What reading a file found.
#[derive(Debug, Clone)]
pub struct ReadSummary {
    /// How it was recognised.
    pub format: Format,
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Physical lines read, the header's included (for a CSV file; 0 for GeoJSON). A
    /// quoted field may span lines, so this can exceed `rows_read` + 1.
    pub lines: u64,
    /// Data rows read (not counting the header).
    pub rows_read: u64,
    /// Rows handed to the sink.
    pub rows_accepted: u64,
    /// Rows not imported, in file order.
    pub rejected: Vec<Rejection>,
    /// Things worth knowing that did not stop a row (all such rows were kept).
    pub notes: Vec<String>,
    /// Which column each field was read from.
    pub columns: Vec<(Field, String)>,
}

impl ReadSummary {
    fn new(format: Format, columns: Vec<(Field, String)>) -> Self {
        Self {
            format,
            sha256: String::new(),
            bytes: 0,
            lines: 0,
            rows_read: 0,
            rows_accepted: 0,
            rejected: Vec::new(),
            notes: Vec::new(),
            columns,
        }
    }

    /// Rejections grouped by reason code, with counts, most common first.
    #[must_use]
    pub fn rejections_by_reason(&self) -> Vec<(&'static str, usize)> {
        let mut m: BTreeMap<&'static str, usize> = BTreeMap::new();
        for r in &self.rejected {
            *m.entry(r.reason.code()).or_default() += 1;
        }
        let mut v: Vec<_> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }
}

/// How to read files.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The user's column mapping (empty: recognise columns by name).
    pub columns: ColumnMap,
}

/// Distance beyond which a point is noted as far from the file's other points (km).
pub const FAR_POINT_KM: f64 = 50.0;

/// Wraps a reader to hash the bytes and report progress.
struct Tap<'p, R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    progress: &'p mut dyn FnMut(u64),
}

impl<R: Read> Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        (self.progress)(self.bytes);
        Ok(n)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Tracks notes about kept rows: points far from the rest, repeated Crime IDs.
#[derive(Default)]
struct Notes {
    points: Vec<(f64, f64, u64)>,
    /// (hash of the Crime ID, line): sorted once at the end, cheaper than a set grown
    /// row by row
    ids: Vec<(u64, u64)>,
}

impl Notes {
    fn see(&mut self, r: &Record<'_>) {
        self.points
            .push((r.location.lon(), r.location.lat(), r.line));
        if let Some(id) = r.crime_id {
            let mut h = FxHasher::default();
            id.hash(&mut h);
            self.ids.push((h.finish(), r.line));
        }
    }

    fn finish(mut self) -> Vec<String> {
        let mut notes = Vec::new();
        self.ids.sort_unstable();
        // each run of one ID: its first line, and the lines that repeat it
        let (mut repeated, mut first) = (0usize, None::<(u64, u64)>);
        for run in self.ids.chunk_by(|a, b| a.0 == b.0) {
            if let [(_, seen), (_, again), ..] = run {
                repeated += run.len() - 1;
                if first.is_none_or(|(l, _)| *again < l) {
                    first = Some((*again, *seen));
                }
            }
        }
        if let Some((again, seen)) = first {
            notes.push(format!(
                "{repeated} rows repeat a Crime ID seen earlier in the file (first: line {again} \
                 repeats line {seen}); police.uk publishes distinct records this way, so all \
                 were kept"
            ));
        }
        if self.points.len() >= 3 {
            let mid = |mut v: Vec<f64>| {
                let half = v.len() / 2;
                *v.select_nth_unstable_by(half, f64::total_cmp).1
            };
            let lon0 = mid(self.points.iter().map(|p| p.0).collect());
            let lat0 = mid(self.points.iter().map(|p| p.1).collect());
            let cos0 = lat0.to_radians().cos();
            let far_m = FAR_POINT_KM * 1000.0;
            let far: Vec<u64> = self
                .points
                .iter()
                .filter(|p| {
                    // the flat-earth distance is within 2 % of the great-circle one this
                    // close (the cosine is taken at the median, not the midpoint), so
                    // only points near the limit need the exact test
                    let dx = (p.0 - lon0).to_radians() * cos0;
                    let dy = (p.1 - lat0).to_radians();
                    let flat_m = hexspot_engine::EARTH_RADIUS_M * dx.hypot(dy);
                    flat_m >= 0.95 * far_m
                        && hexspot_engine::haversine_m(lon0, lat0, p.0, p.1) > far_m
                })
                .map(|p| p.2)
                .collect();
            if !far.is_empty() {
                let lines: Vec<String> = far.iter().take(10).map(u64::to_string).collect();
                notes.push(format!(
                    "{} points lie more than {FAR_POINT_KM} km from the file's median point \
                     ({lon0:.4}, {lat0:.4}) — police.uk places some crimes outside the force \
                     area; they were kept (lines {}{})",
                    far.len(),
                    lines.join(", "),
                    if far.len() > 10 { ", …" } else { "" }
                ));
            }
        }
        notes
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(values::trim).filter(|s| !s.is_empty())
}

fn parse_coord(s: &str) -> Option<f64> {
    values::trim(s)
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// WGS84 longitude and latitude of a British National Grid easting and northing (OSGB36,
/// through OSTN15).
#[cfg(feature = "bng")]
fn grid_to_lonlat(e: &str, n: &str) -> Result<(f64, f64), RejectReason> {
    let txt = format!("{e}, {n}");
    let (Some(e), Some(n)) = (parse_coord(e), parse_coord(n)) else {
        return Err(RejectReason::BadCoordinates(txt));
    };
    if !(0.0..=700_000.0).contains(&e) || !(0.0..=1_250_000.0).contains(&n) {
        return Err(RejectReason::OutsideGrid(txt));
    }
    lonlat_bng::convert_osgb36_to_ll(e, n).map_err(|_| RejectReason::OutsideGrid(txt))
}

/// Built without the `bng` feature: a row placed only by easting and northing (in a file
/// that also has longitude/latitude columns; one with only eastings/northings is refused
/// when its header is mapped) cannot be placed.
#[cfg(not(feature = "bng"))]
fn grid_to_lonlat(_e: &str, _n: &str) -> Result<(f64, f64), RejectReason> {
    Err(RejectReason::NoGridSupport)
}

/// Turns one row's fields into a record, or says why not.
/// Each point's resolution-15 cell, located once: police.uk snaps a file's incidents to
/// a few tens of thousands of shared map points, and locating one costs far more than
/// looking it up.
#[derive(Default)]
struct FineCells(FxHashMap<(u64, u64), h3o::CellIndex>);

impl FineCells {
    /// Points remembered at most (then it starts again).
    const MAX: usize = 1 << 20;

    fn get(&mut self, at: LonLat) -> h3o::CellIndex {
        let key = (at.lon().to_bits(), at.lat().to_bits());
        if let Some(&c) = self.0.get(&key) {
            return c;
        }
        if self.0.len() >= Self::MAX {
            self.0.clear();
        }
        let c = at.fine_cell();
        self.0.insert(key, c);
        c
    }
}

fn extract<'a>(
    line: u64,
    get: impl Fn(Field) -> Option<&'a str>,
    point: Option<(f64, f64)>,
    cells: &mut FineCells,
) -> Result<Record<'a>, RejectReason> {
    let field = |f| non_empty(get(f));
    // where
    let (lon, lat) = if let Some(p) = point {
        p
    } else if let (Some(lon), Some(lat)) = (field(Field::Longitude), field(Field::Latitude)) {
        match (parse_coord(lon), parse_coord(lat)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(RejectReason::BadCoordinates(format!("{lon}, {lat}"))),
        }
    } else if let (Some(e), Some(n)) = (field(Field::Easting), field(Field::Northing)) {
        grid_to_lonlat(e, n)?
    } else if field(Field::Longitude).is_some()
        || field(Field::Latitude).is_some()
        || field(Field::Easting).is_some()
        || field(Field::Northing).is_some()
    {
        return Err(RejectReason::BadCoordinates(
            "only one of the pair given".into(),
        ));
    } else {
        return Err(RejectReason::NoCoordinates);
    };
    let location =
        LonLat::new(lon, lat).map_err(|_| RejectReason::BadCoordinates(format!("{lon}, {lat}")))?;
    // when
    let when = if let Some(dt) = field(Field::DateTime) {
        let mut w = parse_datetime(dt).ok_or_else(|| RejectReason::BadDateTime(dt.to_owned()))?;
        if w.time.is_none()
            && let Some(t) = field(Field::Time)
        {
            w.time = Some(parse_time(t).ok_or_else(|| RejectReason::BadTime(t.to_owned()))?);
        }
        w
    } else if let Some(d) = field(Field::Date) {
        let day = parse_date(d).ok_or_else(|| RejectReason::BadDateTime(d.to_owned()))?;
        let time = match field(Field::Time) {
            Some(t) => Some(parse_time(t).ok_or_else(|| RejectReason::BadTime(t.to_owned()))?),
            None => None,
        };
        When {
            month: day.year_month(),
            day: Some(day),
            time,
        }
    } else if let Some(m) = field(Field::Month) {
        When {
            month: parse_month(m).ok_or_else(|| RejectReason::BadMonth(m.to_owned()))?,
            day: None,
            time: None,
        }
    } else {
        return Err(RejectReason::NoDate);
    };
    // what
    let offence = field(Field::Offence);
    let crime_type = field(Field::CrimeType)
        .or(offence)
        .ok_or(RejectReason::NoCrimeType)?;
    let flag = |f: Field| -> Result<Flag, RejectReason> {
        match get(f) {
            None => Ok(Flag::Unknown),
            Some(v) => parse_flag(v)
                .map(Flag::from)
                .map_err(|value| RejectReason::BadFlag {
                    field: f.name(),
                    value,
                }),
        }
    };
    let flags = Flags::new(
        flag(Field::Knife)?,
        flag(Field::Domestic)?,
        flag(Field::VictimUnder25)?,
    );
    let weight = match field(Field::Weight) {
        None => None,
        Some(w) => Some(
            w.parse::<f64>()
                .ok()
                .filter(|&v| hexspot_engine::valid_weight(v))
                .ok_or_else(|| RejectReason::BadWeight(w.to_owned()))?,
        ),
    };
    Ok(Record {
        line,
        crime_id: field(Field::Id),
        when,
        location,
        fine_cell: cells.get(location),
        crime_type,
        offence,
        flags,
        weight,
        extra: Extra {
            location: field(Field::Location),
            lsoa_code: field(Field::LsoaCode),
            lsoa_name: field(Field::LsoaName),
            outcome: field(Field::Outcome),
            context: field(Field::Context),
            falls_within: field(Field::FallsWithin),
        },
    })
}

fn raw_text(fields: impl Iterator<Item = String>) -> String {
    let mut s = fields.collect::<Vec<_>>().join(",");
    if s.len() > 500 {
        let mut cut = 500;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

/// Reads one file, handing each good row to `sink` and collecting the bad ones.
/// GeoJSON is recognised by the extension `.geojson` or `.json`; anything else is CSV.
///
/// # Errors
/// [`IngestError`] when the file cannot be opened or read, its header cannot be mapped,
/// or the sink fails. Bad rows are not errors: they are in [`ReadSummary::rejected`].
pub fn read_file<E: std::error::Error + 'static>(
    path: &Path,
    options: &ReadOptions,
    progress: &mut dyn FnMut(u64),
    sink: &mut dyn FnMut(&Record<'_>) -> Result<(), E>,
) -> Result<ReadSummary, IngestError<E>> {
    let io_err = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut tap = Tap {
        inner: file,
        hasher: Sha256::new(),
        bytes: 0,
        progress,
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let mut summary = if matches!(ext.as_deref(), Some("geojson" | "json")) {
        read_geojson(path, &mut tap, options, sink)?
    } else {
        read_csv(path, &mut tap, options, sink)?
    };
    // drain anything the parser did not read so the hash covers the whole file
    io::copy(&mut tap, &mut io::sink()).map_err(io_err)?;
    summary.sha256 = hex(&tap.hasher.finalize());
    summary.bytes = tap.bytes;
    Ok(summary)
}

fn read_csv<E: std::error::Error + 'static, R: Read>(
    path: &Path,
    input: R,
    options: &ReadOptions,
    sink: &mut dyn FnMut(&Record<'_>) -> Result<(), E>,
) -> Result<ReadSummary, IngestError<E>> {
    let io_err = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let mut input = io::BufReader::with_capacity(1 << 16, input);
    if let Some(encoding) = utf16(input.fill_buf().map_err(io_err)?) {
        return Err(IngestError::Encoding {
            path: path.to_owned(),
            encoding,
        });
    }
    let mut lines = csv_lines::Lines::new(input);
    let mut rec = csv::ByteRecord::new();
    let mut cells = FineCells::default();
    let header: Vec<String> = match lines.next(&mut rec, 0).map_err(io_err)? {
        Some(csv_lines::Item::Record { .. }) => rec
            .iter()
            .map(|f| {
                String::from_utf8_lossy(f)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_owned()
            })
            .collect(),
        Some(item) => {
            return Err(IngestError::Header {
                path: path.to_owned(),
                reason: damage(&item).to_string(),
            });
        }
        None => return Err(IngestError::Empty(path.to_owned())),
    };
    let resolved =
        Resolved::new(&header, &options.columns).map_err(|source| IngestError::Mapping {
            path: path.to_owned(),
            source,
        })?;
    let norm: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    let is_police = ["crimeid", "month", "fallswithin", "crimetype", "lsoacode"]
        .iter()
        .all(|h| norm.iter().any(|n| n == h));
    let format = if is_police {
        Format::PoliceUk
    } else {
        Format::Csv
    };
    let mut summary = ReadSummary::new(format, resolved.describe(&header));
    let mut notes = Notes::default();
    let want = header.len();
    // index by field for fast lookup
    let mut pos = [usize::MAX; Field::ALL.len()];
    for (f, &i) in &resolved.index {
        pos[f.index()] = i;
    }
    loop {
        let line = match lines.next(&mut rec, want).map_err(io_err)? {
            None => break,
            Some(csv_lines::Item::Record { line }) => line,
            Some(item) => {
                summary.rows_read += 1;
                let (line, raw) = match &item {
                    csv_lines::Item::OpenQuote { line, raw } => {
                        (*line, raw_text([raw.clone()].into_iter()))
                    }
                    csv_lines::Item::TooLong { line, .. } => (*line, String::new()),
                    csv_lines::Item::Record { .. } => unreachable!("matched above"),
                };
                summary.rejected.push(Rejection {
                    line,
                    reason: damage(&item),
                    raw,
                });
                continue;
            }
        };
        // a blank line at the very end (or in the middle) is not a row
        if rec.len() == 1 && rec[0].is_empty() {
            continue;
        }
        summary.rows_read += 1;
        let raw = || raw_text(rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()));
        if rec.len() != want {
            summary.rejected.push(Rejection {
                line,
                reason: RejectReason::FieldCount {
                    got: rec.len(),
                    want,
                },
                raw: raw(),
            });
            continue;
        }
        let srec = match csv::StringRecord::from_byte_record(std::mem::take(&mut rec)) {
            Ok(s) => s,
            Err(e) => {
                rec = e.into_byte_record();
                let reason = RejectReason::NotUtf8;
                let raw = raw_text(rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()));
                summary.rejected.push(Rejection { line, reason, raw });
                continue;
            }
        };
        let get = |f: Field| {
            let i = pos[f.index()];
            (i != usize::MAX).then(|| &srec[i])
        };
        match extract(line, get, None, &mut cells) {
            Ok(r) => {
                notes.see(&r);
                sink(&r).map_err(IngestError::Sink)?;
                summary.rows_accepted += 1;
            }
            Err(reason) => {
                let raw = raw_text(srec.iter().map(str::to_owned));
                summary.rejected.push(Rejection { line, reason, raw });
            }
        }
        rec = srec.into_byte_record();
    }
    summary.notes = notes.finish();
    summary.lines = lines.lines();
    Ok(summary)
}

/// Why a line that is not a record was rejected.
fn damage(item: &csv_lines::Item) -> RejectReason {
    match item {
        csv_lines::Item::OpenQuote { .. } => RejectReason::OpenQuote {
            max_lines: csv_lines::MAX_RECORD_LINES,
        },
        csv_lines::Item::TooLong { bytes, .. } => RejectReason::TooLong {
            bytes: *bytes,
            max: csv_lines::MAX_RECORD_BYTES,
        },
        csv_lines::Item::Record { .. } => unreachable!("a record is not damage"),
    }
}

/// The name of a UTF-16 or UTF-32 encoding the file's first bytes show (a byte-order
/// mark, or the zero bytes of ASCII text written in UTF-16), which would otherwise read
/// as a header of garbage and no rows.
fn utf16(start: &[u8]) -> Option<&'static str> {
    match start {
        [0xFF, 0xFE, 0, 0, ..] => Some("UTF-32 (little-endian)"),
        [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32 (big-endian)"),
        [0xFF, 0xFE, ..] => Some("UTF-16 (little-endian)"),
        [0xFE, 0xFF, ..] => Some("UTF-16 (big-endian)"),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => {
            Some("UTF-16 (little-endian, no byte-order mark)")
        }
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => Some("UTF-16 (big-endian, no byte-order mark)"),
        _ => None,
    }
}

fn read_geojson<E: std::error::Error + 'static, R: Read>(
    path: &Path,
    mut input: R,
    options: &ReadOptions,
    sink: &mut dyn FnMut(&Record<'_>) -> Result<(), E>,
) -> Result<ReadSummary, IngestError<E>> {
    let mut cells = FineCells::default();
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|source| IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
    let bad = |message: String| IngestError::GeoJson {
        path: path.to_owned(),
        message,
    };
    let gj: geojson::GeoJson = text
        .trim_start_matches('\u{feff}')
        .parse()
        .map_err(|e: geojson::Error| bad(e.to_string()))?;
    let geojson::GeoJson::FeatureCollection(fc) = gj else {
        return Err(bad("the top level is not a FeatureCollection".into()));
    };
    let mut summary = ReadSummary::new(Format::GeoJson, Vec::new());
    let mut notes = Notes::default();
    let mut used: BTreeMap<Field, String> = BTreeMap::new();
    for (i, feature) in fc.features.iter().enumerate() {
        let line = i as u64 + 1;
        summary.rows_read += 1;
        let props: Vec<(String, String)> = feature
            .properties
            .iter()
            .flatten()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect();
        let raw = || {
            raw_text(
                serde_json::to_string(feature)
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_owned),
            )
        };
        let point = match feature.geometry.as_ref().map(|g| &g.value) {
            Some(geojson::GeometryValue::Point { coordinates: c }) if c.len() >= 2 => (c[0], c[1]),
            Some(other) => {
                let reason = RejectReason::NotAPoint(other.type_name().to_owned());
                summary.rejected.push(Rejection {
                    line,
                    reason,
                    raw: raw(),
                });
                continue;
            }
            None => {
                let reason = RejectReason::NoCoordinates;
                summary.rejected.push(Rejection {
                    line,
                    reason,
                    raw: raw(),
                });
                continue;
            }
        };
        let keys: Vec<String> = props.iter().map(|p| p.0.clone()).collect();
        // every feature may carry different properties; coordinates come from the
        // geometry, so map as if the header had longitude/latitude columns
        let mut header = keys.clone();
        header.push("longitude".into());
        header.push("latitude".into());
        let resolved = match Resolved::new(&header, &options.columns) {
            Ok(r) => r,
            Err(e) => {
                let reason = RejectReason::Csv(e.to_string());
                summary.rejected.push(Rejection {
                    line,
                    reason,
                    raw: raw(),
                });
                continue;
            }
        };
        for (f, c) in resolved.describe(&header) {
            used.entry(f).or_insert(c);
        }
        let get = |f: Field| {
            resolved
                .index
                .get(&f)
                .and_then(|&i| props.get(i))
                .map(|p| p.1.as_str())
        };
        match extract(line, get, Some(point), &mut cells) {
            Ok(r) => {
                notes.see(&r);
                sink(&r).map_err(IngestError::Sink)?;
                summary.rows_accepted += 1;
            }
            Err(reason) => summary.rejected.push(Rejection {
                line,
                reason,
                raw: raw(),
            }),
        }
    }
    summary.columns = used.into_iter().collect();
    summary.notes = notes.finish();
    Ok(summary)
}
