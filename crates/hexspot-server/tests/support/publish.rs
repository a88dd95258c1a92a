//! A publication made as `hexspot publish` makes one, for the route tests.

use hexspot_engine::{PublishParams, publication};
use hexspot_export::publish::{Files, PublicationContext};
use hexspot_store::{NewPublication, Store};

/// Publishes February 2025 at resolution 8, as `hexspot publish` does; returns the files.
pub fn publish(store: &mut Store) -> Files {
    let snap = hexspot_data::Snapshot::load(store).unwrap();
    let query = PublishParams {
        res: 8,
        from: Some("2025-02".into()),
        to: Some("2025-02".into()),
        ..PublishParams::default()
    }
    .query()
    .unwrap();
    let p = publication(&snap.table, &query).unwrap();
    let made_at = store.now_utc().unwrap();
    let files = Files::of(&PublicationContext {
        publication: &p,
        made_at: &made_at,
        imports: &snap.sources,
    })
    .unwrap();
    store
        .record_publication(&NewPublication {
            publication: &p,
            made_at: &made_at,
            query: "res=8 from=2025-02 to=2025-02",
            geojson: &files.geojson,
            csv: &files.csv,
            metadata: &files.metadata,
        })
        .unwrap();
    files
}
