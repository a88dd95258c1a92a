//! The publication the public routes serve: the latest one recorded in the store
//! (`hexspot publish`), read with each snapshot, its files kept as bytes and its
//! (cell, month) values indexed for the tiles. A leaf: it imports no route module.
//!
//! *Invariant*: the public routes serve only this — the files byte for byte as
//! written, and tiles cut from the same recorded values — never a query of their own.

use bytes::Bytes;
use h3o::CellIndex;
use hexspot_engine::Resolution;
use hexspot_store::StoredPublication;
use hexspot_tiles::{LayerBuilder, TileValue, ValueReuse};

use crate::stats::CentreIndex;
use crate::tiles::{LAYER, TileId};

/// The properties of a published tile feature, in the layer's key order. `count` is
/// absent where suppressed.
pub const PROPERTIES: [&str; 4] = ["cell", "month", "count", "suppressed"];

/// A recorded publication, ready to serve.
#[derive(Debug)]
pub struct Published {
    /// The store's id.
    pub id: i64,
    /// When it was made.
    pub made_at: String,
    /// The GeoJSON file.
    pub geojson: Bytes,
    /// The CSV file.
    pub csv: Bytes,
    /// The metadata document.
    pub metadata: Bytes,
    /// Each distinct cell, and where its values start and end in `values`.
    cells: Vec<(CellIndex, usize, usize)>,
    values: Vec<hexspot_store::StoredValue>,
    index: CentreIndex,
}

impl Published {
    /// Indexes `p`'s cells for the tiles.
    #[must_use]
    pub fn new(p: StoredPublication) -> Self {
        let mut cells: Vec<(CellIndex, usize, usize)> = Vec::new();
        for (i, v) in p.values.iter().enumerate() {
            match cells.last_mut() {
                Some((c, _, end)) if *c == v.cell => *end = i + 1,
                _ => cells.push((v.cell, i, i + 1)),
            }
        }
        let res = Resolution::try_from(p.resolution).unwrap_or_else(|_| {
            Resolution::try_from(hexspot_engine::publish::DEFAULT_PUBLISH_RES).expect("8")
        });
        let index = CentreIndex::build(cells.len(), |i| cells[i].0, res);
        Self {
            id: p.id,
            made_at: p.made_at,
            geojson: p.geojson.into(),
            csv: p.csv.into(),
            metadata: p.metadata.into(),
            cells,
            values: p.values,
            index,
        }
    }

    /// The tile at `tile`: layer [`LAYER`], one hexagon a (cell, month) — a cell's
    /// months lie on top of each other, for the map to filter by `month` — with
    /// [`PROPERTIES`]. `None` for an empty tile.
    #[must_use]
    pub fn tile(&self, tile: TileId) -> Option<Vec<u8>> {
        let coord = tile.coord();
        let [cell, month, count, suppressed] = PROPERTIES;
        let keys = [
            (cell, ValueReuse::Shared),
            (month, ValueReuse::Shared),
            (count, ValueReuse::Shared),
            (suppressed, ValueReuse::Shared),
        ];
        let mut layer = LayerBuilder::new(LAYER, coord).with_keys(keys);
        for i in self.index.near(coord.buffered_unit_bounds()) {
            let (c, start, end) = self.cells[i];
            let boundary = c.boundary();
            let name = c.to_string();
            for v in &self.values[start..end] {
                let ring = boundary.iter().map(|ll| [ll.lng(), ll.lat()]);
                let props = [
                    Some((cell, TileValue::Str(name.clone()))),
                    Some((month, TileValue::Str(v.month.to_string()))),
                    v.value.count().map(|n| (count, TileValue::Uint(n))),
                    Some((suppressed, TileValue::Bool(v.value.is_suppressed()))),
                ];
                layer.add_ring(ring, props.into_iter().flatten());
            }
        }
        layer.encode()
    }
}
