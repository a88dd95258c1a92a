//! Every real incident, bundled (`data/`) and beside the checkout (`../shared/data`),
//! lies inside the hexagon it is counted in, at every query resolution: checked by point
//! in polygon on h3o's own cell boundary, in a gnomonic projection centred on the cell
//! (where the boundary's great-circle edges are straight lines, so the test is exact).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use h3o::{CellIndex, LatLng};
use hexspot_engine::{IncidentTableBuilder, Resolution};
use hexspot_ingest::{ReadOptions, Record, read_file};

type V3 = [f64; 3];

fn unit(ll: LatLng) -> V3 {
    let (la, lo) = (ll.lat_radians(), ll.lng_radians());
    [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn normalise(a: V3) -> V3 {
    let n = dot(a, a).sqrt();
    [a[0] / n, a[1] / n, a[2] / n]
}

/// A cell's boundary in the gnomonic projection centred on its centre.
struct Hexagon {
    c: V3,
    e: V3,
    n: V3,
    ring: Vec<(f64, f64)>,
}

impl Hexagon {
    fn new(cell: CellIndex) -> Self {
        let c = unit(LatLng::from(cell));
        let e = normalise(cross([0.0, 0.0, 1.0], c));
        let n = cross(c, e);
        let mut h = Self {
            c,
            e,
            n,
            ring: Vec::new(),
        };
        h.ring = cell
            .boundary()
            .iter()
            .map(|v| h.project(unit(*v)))
            .collect();
        h
    }

    fn project(&self, v: V3) -> (f64, f64) {
        let d = dot(v, self.c);
        (dot(v, self.e) / d, dot(v, self.n) / d)
    }

    /// Crossing-number point in polygon.
    fn holds(&self, ll: LatLng) -> bool {
        let (x, y) = self.project(unit(ll));
        let mut inside = false;
        let k = self.ring.len();
        for i in 0..k {
            let (xi, yi) = self.ring[i];
            let (xj, yj) = self.ring[(i + k - 1) % k];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
        }
        inside
    }
}

fn police_uk_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    let mut walk = vec![
        root.join("data/police-uk"),
        root.join("../shared/data/crime"),
    ];
    while let Some(dir) = walk.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk.push(p);
            } else if p.extension().is_some_and(|x| x == "csv") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_real_incident_lies_in_the_hexagon_that_counts_it() {
    let files = police_uk_files();
    assert!(files.len() >= 5, "the bundled police.uk files are there");
    let mut b = IncidentTableBuilder::default();
    for f in &files {
        let mut sink = |r: &Record<'_>| b.push(&r.incident_row(1));
        read_file(f, &ReadOptions::default(), &mut |_| {}, &mut sink)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
    let table = b.build();
    let cols = table.to_columns();
    eprintln!("{} incidents from {} files", table.len(), files.len());
    assert!(table.len() > 30_000);
    for r in Resolution::MIN..=Resolution::MAX {
        let res = Resolution::try_from(r).unwrap();
        let col = table.cells_at(res);
        let mut hexagons: HashMap<u64, Hexagon> = HashMap::new();
        let mut ancestor_elsewhere = 0usize;
        for i in 0..table.len() {
            let ll = LatLng::new(cols.lat[i], cols.lon[i]).unwrap();
            let cell = CellIndex::try_from(col.cell(i)).unwrap();
            let hex = hexagons
                .entry(col.cell(i))
                .or_insert_with(|| Hexagon::new(cell));
            assert!(
                hex.holds(ll),
                "({}, {}) is not inside {cell} at res {r}",
                cols.lon[i],
                cols.lat[i]
            );
            let fine = CellIndex::try_from(cols.cell[i]).unwrap();
            let ancestor = fine.parent(res.h3()).unwrap();
            if ancestor != cell {
                ancestor_elsewhere += 1;
                // the test can tell: the ancestor's hexagon does not hold the point
                assert!(!Hexagon::new(ancestor).holds(ll));
            }
        }
        eprintln!(
            "res {r}: all {} inside; the resolution-15 ancestor rule would put {:.2} % elsewhere",
            table.len(),
            100.0 * ancestor_elsewhere as f64 / table.len() as f64
        );
    }
}
