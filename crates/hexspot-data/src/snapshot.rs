//! The snapshot: the incidents and what is known about them, as of one load.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use hexspot_engine::{BBox, IncidentTable, Resolution};
use hexspot_export::SourceImport;
use hexspot_store::{ImportInfo, Store};
use sha2::{Digest, Sha256};

use crate::areas::AreaSet;
use crate::error::DataError;

/// The incidents and what is known about them, as of one load.
#[derive(Debug)]
pub struct Snapshot {
    /// The incidents.
    pub table: IncidentTable,
    /// The imports, as stored.
    pub imports: Vec<ImportInfo>,
    /// The imports as outputs cite them.
    pub sources: Vec<SourceImport>,
    /// Identifies the data: changes whenever an import adds rows or a boundary set or
    /// its population is replaced (16 hex digits).
    pub version: String,
    /// The incidents' extent.
    pub bounds: Option<BBox>,
    /// The boundary sets (wards, districts…), each assigned on first use.
    pub area_sets: Vec<Arc<AreaSet>>,
    /// The data outline, drawn on first request.
    outline: OnceLock<Arc<Outline>>,
}

/// The outline of the data: the union of the cells holding incidents' locations.
#[derive(Debug)]
pub struct Outline {
    /// As polygons (for the briefing's base map).
    pub shape: geo::MultiPolygon<f64>,
    /// As GeoJSON ([`hexspot_export::outline_geojson`]), serialised.
    pub geojson: Bytes,
}

impl Snapshot {
    /// Loads the incidents, the import list and the boundary sets with their
    /// populations.
    ///
    /// # Errors
    /// [`DataError::Store`] when the database cannot be read.
    ///
    /// # Examples
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = hexspot_store::Store::open(&dir.path().join("empty.db"))?;
    /// let snap = hexspot_data::Snapshot::load(&store)?;
    /// assert!(snap.table.is_empty());
    /// assert_eq!(snap.version.len(), 16);
    /// // the same data, the same version
    /// assert_eq!(hexspot_data::Snapshot::load(&store)?.version, snap.version);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(store: &Store) -> Result<Self, DataError> {
        Self::from_table(store, store.load_table()?)
    }

    /// [`Snapshot::load`] with the stored cells of `resolutions` only (the others are
    /// located on first use): what a command answering at one resolution needs.
    ///
    /// # Errors
    /// [`DataError::Store`] when the database cannot be read.
    pub fn load_with(store: &Store, resolutions: &[Resolution]) -> Result<Self, DataError> {
        Self::from_table(store, store.load_table_with(resolutions)?)
    }

    fn from_table(store: &Store, table: IncidentTable) -> Result<Self, DataError> {
        let imports = store.imports()?;
        let sources = imports
            .iter()
            .map(|i| SourceImport {
                id: i.id,
                file_name: i.file_name.clone(),
                sha256: i.sha256.clone(),
                imported_at: i.imported_at.clone(),
            })
            .collect();
        let mut h = Sha256::new();
        for i in &imports {
            h.update(i.id.to_le_bytes());
            h.update(i.sha256.as_bytes());
        }
        h.update((table.len() as u64).to_le_bytes());
        let area_sets = AreaSet::load_all(store)?;
        for s in &area_sets {
            // a set or its population replaced changes the data version
            h.update(s.info.name.as_bytes());
            h.update(s.info.imported_at.as_bytes());
            h.update((s.info.with_population as u64).to_le_bytes());
            h.update(s.population_source.as_deref().unwrap_or("").as_bytes());
        }
        let version = h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Self {
            bounds: table.bounds(),
            table,
            imports,
            sources,
            version,
            area_sets,
            outline: OnceLock::new(),
        })
    }

    /// The boundary set named `name`.
    ///
    /// # Errors
    /// [`DataError::UnknownSet`], naming the sets there are.
    ///
    /// # Examples
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = hexspot_store::Store::open(&dir.path().join("empty.db"))?;
    /// let snap = hexspot_data::Snapshot::load(&store)?;
    /// let err = snap.area_set("wards").unwrap_err();
    /// assert!(matches!(err, hexspot_data::DataError::UnknownSet { .. }));
    /// assert!(err.to_string().contains("none has been imported"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn area_set(&self, name: &str) -> Result<&Arc<AreaSet>, DataError> {
        self.area_sets
            .iter()
            .find(|s| s.info.name == name)
            .ok_or_else(|| DataError::UnknownSet {
                name: name.to_owned(),
                known: self.area_sets.iter().map(|s| s.info.name.clone()).collect(),
            })
    }

    /// The outline of the data, drawn once (a few hundred ms for a million incidents).
    ///
    /// # Errors
    /// [`DataError::Outline`] if the cells cannot be dissolved, which the snapshot's
    /// cells (all of one resolution) never cause.
    pub fn outline(&self) -> Result<Arc<Outline>, DataError> {
        if let Some(o) = self.outline.get() {
            return Ok(o.clone());
        }
        let res = Resolution::try_from(hexspot_export::OUTLINE_RESOLUTION)
            .expect("the outline's resolution is a valid one");
        let cells = self.table.point_cells(res);
        let shape = hexspot_engine::outline(&cells).map_err(DataError::Outline)?;
        let json = hexspot_export::outline_geojson(&shape, cells.len());
        // a `Value` always serialises: its map keys are strings
        let geojson = Bytes::from(serde_json::to_vec(&json).expect("a JSON value serialises"));
        Ok(self
            .outline
            .get_or_init(|| Arc::new(Outline { shape, geojson }))
            .clone())
    }
}
