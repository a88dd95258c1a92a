//! Boundary sets: named sets of areas (code, name, district, shape) and each set's
//! population by area code.
//!
//! *Invariant*: a set's areas keep the order they were saved in (`ordinal`), their codes
//! are unique within the set, and every population code is an area of its set.
//! Shapes are stored as GeoJSON MultiPolygon text and read back bit for bit.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use hexspot_engine::areas::Area;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rustc_hash::FxHashSet;
use serde_json::Value;

use crate::{Store, StoreError};

/// A stored boundary set, as listed: where it came from and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundarySetInfo {
    /// Its name (unique in the store).
    pub name: String,
    /// The feature property the codes were read from, e.g. `WD13CD`.
    pub code_property: String,
    /// The feature property the names were read from, e.g. `WD13NM`.
    pub name_property: String,
    /// Where it came from: file names, or e.g. `dissolved from wards by district`.
    pub source: String,
    /// The set it was derived from, if any.
    pub derived_from: Option<String>,
    /// When it was saved (UTC, ISO 8601).
    pub imported_at: String,
    /// Number of areas.
    pub areas: usize,
    /// Number of distinct districts named by its areas (0 when none is known).
    pub districts: usize,
    /// Number of areas with a stored population.
    pub with_population: usize,
    /// Whether any stored population is an estimate (e.g. apportioned).
    pub population_estimated: bool,
}

/// One area's population, as given to [`Store::save_population`].
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationRecord {
    /// The area's code (an area of the set).
    pub code: String,
    /// Residents (a finite number ≥ 0; fractional when estimated).
    pub population: f64,
    /// Whether the value is an estimate rather than a published count.
    pub estimated: bool,
}

/// One area's population as stored, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPopulation {
    /// The area's code.
    pub code: String,
    /// Residents.
    pub population: f64,
    /// Whether the value is an estimate.
    pub estimated: bool,
    /// Where it came from (as given to [`Store::save_population`]).
    pub source: String,
}

/// At most this many unknown codes are named in [`StoreError::UnknownAreaCodes`].
const MAX_CODES_NAMED: usize = 5;

const SELECT_SET: &str =
    "SELECT s.name, s.code_property, s.name_property, s.source, s.derived_from, s.imported_at,
        (SELECT COUNT(*) FROM areas a WHERE a.set_id = s.id),
        (SELECT COUNT(DISTINCT a.district) FROM areas a WHERE a.set_id = s.id),
        (SELECT COUNT(*) FROM populations p WHERE p.set_id = s.id),
        (SELECT COALESCE(MAX(p.estimated), 0) FROM populations p WHERE p.set_id = s.id)
    FROM boundary_sets s";

fn set_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BoundarySetInfo> {
    Ok(BoundarySetInfo {
        name: r.get(0)?,
        code_property: r.get(1)?,
        name_property: r.get(2)?,
        source: r.get(3)?,
        derived_from: r.get(4)?,
        imported_at: r.get(5)?,
        areas: r.get::<_, i64>(6)? as usize,
        districts: r.get::<_, i64>(7)? as usize,
        with_population: r.get::<_, i64>(8)? as usize,
        population_estimated: r.get::<_, i64>(9)? != 0,
    })
}

fn find_set(conn: &Connection, name: &str) -> Result<Option<BoundarySetInfo>, StoreError> {
    Ok(conn
        .query_row(
            &format!("{SELECT_SET} WHERE s.name = ?1"),
            [name],
            set_from_row,
        )
        .optional()?)
}

fn set_id(conn: &Connection, name: &str) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM boundary_sets WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?)
}

fn set_names(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut q = conn.prepare("SELECT name FROM boundary_sets ORDER BY name")?;
    let rows = q.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// [`StoreError::UnknownBoundarySet`] for `set`, listing the stored sets.
fn unknown_set(conn: &Connection, set: &str) -> StoreError {
    match set_names(conn) {
        Ok(known) => StoreError::UnknownBoundarySet {
            set: set.to_owned(),
            known,
        },
        Err(e) => e,
    }
}

impl Store {
    /// Saves a boundary set under `name`, replacing any set of that name (and its
    /// population), in one transaction: all of it is written or none. The areas keep
    /// their order.
    ///
    /// # Errors
    /// [`StoreError::InvalidBoundarySet`] for an empty name, no areas, a code used twice
    /// or a non-finite coordinate; [`StoreError::Sql`] when SQLite fails (the
    /// transaction is rolled back and any earlier set of that name is kept).
    pub fn save_boundary_set(
        &mut self,
        name: &str,
        code_property: &str,
        name_property: &str,
        source: &str,
        derived_from: Option<&str>,
        areas: &[Area],
    ) -> Result<BoundarySetInfo, StoreError> {
        let invalid = |reason: String| StoreError::InvalidBoundarySet {
            set: name.to_owned(),
            reason,
        };
        if name.trim().is_empty() {
            return Err(invalid("the name is empty".to_owned()));
        }
        if areas.is_empty() {
            return Err(invalid("it has no areas".to_owned()));
        }
        let mut seen = FxHashSet::default();
        let mut geometries = Vec::with_capacity(areas.len());
        for a in areas {
            if a.code.trim().is_empty() {
                return Err(invalid(format!("an area ({:?}) has an empty code", a.name)));
            }
            if !seen.insert(a.code.as_str()) {
                return Err(invalid(format!("the code {} is used twice", a.code)));
            }
            geometries.push(
                geometry_to_json(&a.shape).map_err(|r| invalid(format!("area {}: {r}", a.code)))?,
            );
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(old) = set_id(&tx, name)? {
            // children first, so this works with or without PRAGMA foreign_keys
            tx.execute("DELETE FROM populations WHERE set_id = ?1", [old])?;
            tx.execute("DELETE FROM areas WHERE set_id = ?1", [old])?;
            tx.execute("DELETE FROM boundary_sets WHERE id = ?1", [old])?;
        }
        tx.execute(
            "INSERT INTO boundary_sets (name, code_property, name_property, source, derived_from, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![name, code_property, name_property, source, derived_from],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO areas (set_id, ordinal, code, name, district, geometry) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (i, (a, g)) in areas.iter().zip(&geometries).enumerate() {
                insert.execute(params![id, i as i64, a.code, a.name, a.district, g])?;
            }
        }
        let info = find_set(&tx, name)?.expect("just inserted");
        tx.commit()?;
        Ok(info)
    }

    /// Every stored boundary set, by name.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn boundary_sets(&self) -> Result<Vec<BoundarySetInfo>, StoreError> {
        let mut q = self
            .conn
            .prepare(&format!("{SELECT_SET} ORDER BY s.name"))?;
        let rows = q.query_map([], set_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One boundary set and its areas in their saved order, or `None` when no set has
    /// this name.
    ///
    /// # Errors
    /// [`StoreError::Sql`]; [`StoreError::CorruptArea`] when a stored geometry cannot be
    /// read.
    pub fn load_boundary_set(
        &self,
        name: &str,
    ) -> Result<Option<(BoundarySetInfo, Vec<Area>)>, StoreError> {
        let Some(info) = find_set(&self.conn, name)? else {
            return Ok(None);
        };
        let mut q = self.conn.prepare(
            "SELECT a.code, a.name, a.district, a.geometry FROM areas a
             JOIN boundary_sets s ON s.id = a.set_id WHERE s.name = ?1 ORDER BY a.ordinal",
        )?;
        let mut rows = q.query([name])?;
        let mut areas = Vec::with_capacity(info.areas);
        while let Some(r) = rows.next()? {
            let code: String = r.get(0)?;
            let text: String = r.get(3)?;
            let shape = geometry_from_json(&text).map_err(|reason| StoreError::CorruptArea {
                set: name.to_owned(),
                code: code.clone(),
                reason,
            })?;
            areas.push(Area {
                code,
                name: r.get(1)?,
                district: r.get(2)?,
                shape,
            });
        }
        Ok(Some((info, areas)))
    }

    /// Replaces the population of boundary set `set` with `records`, in one
    /// transaction: all of it is written or none. Every record gets `source`. An empty
    /// `records` removes the set's population. Areas without a record have no
    /// population.
    ///
    /// Returns the number of records written.
    ///
    /// # Errors
    /// [`StoreError::UnknownBoundarySet`] (listing the stored sets) when there is no such
    /// set; [`StoreError::UnknownAreaCodes`] (naming up to 5) when a code is not an area
    /// of the set; [`StoreError::InvalidPopulation`] for a repeated code or a value that
    /// is not a finite number ≥ 0; [`StoreError::Sql`].
    pub fn save_population(
        &mut self,
        set: &str,
        records: &[PopulationRecord],
        source: &str,
    ) -> Result<usize, StoreError> {
        let invalid = |reason: String| StoreError::InvalidPopulation {
            set: set.to_owned(),
            reason,
        };
        let mut seen = FxHashSet::default();
        for r in records {
            if !seen.insert(r.code.as_str()) {
                return Err(invalid(format!("the code {} is given twice", r.code)));
            }
            if !(r.population.is_finite() && r.population >= 0.0) {
                return Err(invalid(format!(
                    "{}: population {} is not a finite number ≥ 0",
                    r.code, r.population
                )));
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(id) = set_id(&tx, set)? else {
            return Err(unknown_set(&tx, set));
        };
        let codes: FxHashSet<String> = {
            let mut q = tx.prepare("SELECT code FROM areas WHERE set_id = ?1")?;
            let rows = q.query_map([id], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let unknown: Vec<&str> = records
            .iter()
            .map(|r| r.code.as_str())
            .filter(|c| !codes.contains(*c))
            .collect();
        if !unknown.is_empty() {
            return Err(StoreError::UnknownAreaCodes {
                set: set.to_owned(),
                codes: unknown
                    .iter()
                    .take(MAX_CODES_NAMED)
                    .map(|&c| c.to_owned())
                    .collect(),
                count: unknown.len(),
            });
        }
        tx.execute("DELETE FROM populations WHERE set_id = ?1", [id])?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO populations (set_id, code, population, estimated, source) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for r in records {
                insert.execute(params![id, r.code, r.population, r.estimated, source])?;
            }
        }
        tx.commit()?;
        Ok(records.len())
    }

    /// The stored population of boundary set `set`, in the set's area order (empty when
    /// none is stored).
    ///
    /// # Errors
    /// [`StoreError::UnknownBoundarySet`] when there is no such set; [`StoreError::Sql`].
    pub fn load_population(&self, set: &str) -> Result<Vec<StoredPopulation>, StoreError> {
        let Some(id) = set_id(&self.conn, set)? else {
            return Err(unknown_set(&self.conn, set));
        };
        let mut q = self.conn.prepare(
            "SELECT p.code, p.population, p.estimated, p.source FROM populations p
             JOIN areas a ON a.set_id = p.set_id AND a.code = p.code
             WHERE p.set_id = ?1 ORDER BY a.ordinal",
        )?;
        let rows = q.query_map([id], |r| {
            Ok(StoredPopulation {
                code: r.get(0)?,
                population: r.get(1)?,
                estimated: r.get(2)?,
                source: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Writes `shape` as a GeoJSON MultiPolygon geometry. serde_json writes each `f64` as
/// the shortest text that reads back to the same value.
fn geometry_to_json(shape: &MultiPolygon<f64>) -> Result<String, String> {
    let ring = |ls: &LineString<f64>| -> Result<Value, String> {
        ls.0.iter()
            .map(|c| {
                if c.x.is_finite() && c.y.is_finite() {
                    Ok(Value::from(vec![c.x, c.y]))
                } else {
                    Err(format!("the coordinate ({}, {}) is not finite", c.x, c.y))
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    };
    let polygons = shape
        .0
        .iter()
        .map(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(ring)
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut g = serde_json::Map::new();
    g.insert("type".to_owned(), Value::from("MultiPolygon"));
    g.insert("coordinates".to_owned(), Value::Array(polygons));
    Ok(Value::Object(g).to_string())
}

/// Reads a GeoJSON MultiPolygon geometry written by [`geometry_to_json`].
fn geometry_from_json(text: &str) -> Result<MultiPolygon<f64>, String> {
    let mut v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if v.get("type").and_then(Value::as_str) != Some("MultiPolygon") {
        return Err("not a GeoJSON MultiPolygon".to_owned());
    }
    let coords: Vec<Vec<Vec<[f64; 2]>>> =
        serde_json::from_value(v["coordinates"].take()).map_err(|e| e.to_string())?;
    let ring =
        |r: Vec<[f64; 2]>| LineString::new(r.into_iter().map(|[x, y]| Coord { x, y }).collect());
    Ok(MultiPolygon::new(
        coords
            .into_iter()
            .map(|rings| {
                let mut it = rings.into_iter();
                let exterior = it.next().map_or_else(|| LineString::new(vec![]), ring);
                Polygon::new(exterior, it.map(ring).collect())
            })
            .collect(),
    ))
}
