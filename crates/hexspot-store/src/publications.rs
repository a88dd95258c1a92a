//! Publications of the public product: the files exactly as `hexspot publish` wrote
//! them, and each (cell, month) value for the server's tiles, appended with an audit
//! record in one transaction and never updated or deleted (triggers refuse it). The
//! server serves the latest, byte for byte.

use h3o::CellIndex;
use hexspot_engine::publish::{Disclosed, check};
use hexspot_engine::{Publication, YearMonth};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::audit::{self, AuditEntry};
use crate::{Store, StoreError};

/// A publication to record: the product and its files as written.
#[derive(Debug, Clone, Copy)]
pub struct NewPublication<'a> {
    /// The product.
    pub publication: &'a Publication,
    /// When it was made (UTC, RFC 3339), as its files state.
    pub made_at: &'a str,
    /// The filters as stated (for the list of publications and the audit record).
    pub query: &'a str,
    /// The GeoJSON file's bytes.
    pub geojson: &'a [u8],
    /// The CSV file's bytes.
    pub csv: &'a [u8],
    /// The metadata document's bytes.
    pub metadata: &'a [u8],
}

/// One stored (cell, month).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredValue {
    /// The cell.
    pub cell: CellIndex,
    /// The month.
    pub month: YearMonth,
    /// Its published value.
    pub value: Disclosed,
}

/// A recorded publication, as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPublication {
    /// Its id (1, 2, …).
    pub id: i64,
    /// When it was made.
    pub made_at: String,
    /// The resolution.
    pub resolution: u8,
    /// The GeoJSON file's bytes.
    pub geojson: Vec<u8>,
    /// The CSV file's bytes.
    pub csv: Vec<u8>,
    /// The metadata document's bytes.
    pub metadata: Vec<u8>,
    /// Every (cell, month), by cell then month.
    pub values: Vec<StoredValue>,
}

impl Store {
    /// The time now by the database's clock (UTC, RFC 3339 to the second), as the
    /// store stamps its records.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn now_utc(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", [], |r| {
                r.get(0)
            })?)
    }

    /// Records a publication and its audit record (`publish`, the values counted as
    /// rows) in one transaction. Returns its id.
    ///
    /// # Errors
    /// [`StoreError::Sql`]; nothing is written.
    pub fn record_publication(&mut self, p: &NewPublication<'_>) -> Result<i64, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let q = &p.publication.query;
        tx.execute(
            "INSERT INTO publications (made_at, resolution, first_month, last_month, query, geojson, csv, metadata)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                p.made_at,
                q.resolution.get().get(),
                q.from.to_string(),
                q.to.to_string(),
                p.query,
                p.geojson,
                p.csv,
                p.metadata
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut ins = tx.prepare(
                "INSERT INTO publication_values (publication_id, cell, month, count) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for v in &p.publication.values {
                ins.execute(params![
                    id,
                    u64::from(v.cell) as i64,
                    v.month.index(),
                    v.value.count().map(|c| c as i64)
                ])?;
            }
        }
        audit::append_in(
            &tx,
            &AuditEntry {
                action: "publish".into(),
                query: format!("publication={id} {}", p.query),
                rows: Some(p.publication.values.len() as u64),
                recipient: Some("public".into()),
                ..AuditEntry::default()
            },
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The latest publication, if any. Every stored value is checked against the rule
    /// again on the way out.
    ///
    /// # Errors
    /// [`StoreError::Sql`], or [`StoreError::CorruptPublication`] for a value the rule
    /// could not have made.
    pub fn latest_publication(&self) -> Result<Option<StoredPublication>, StoreError> {
        let head = self
            .conn
            .query_row(
                "SELECT id, made_at, resolution, geojson, csv, metadata FROM publications ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(StoredPublication {
                        id: r.get(0)?,
                        made_at: r.get(1)?,
                        resolution: r.get(2)?,
                        geojson: r.get(3)?,
                        csv: r.get(4)?,
                        metadata: r.get(5)?,
                        values: Vec::new(),
                    })
                },
            )
            .optional()?;
        let Some(mut p) = head else {
            return Ok(None);
        };
        let mut q = self.conn.prepare(
            "SELECT cell, month, count FROM publication_values WHERE publication_id = ?1 ORDER BY cell, month",
        )?;
        let rows = q.query_map([p.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i32>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })?;
        for row in rows {
            let (cell, month, count) = row?;
            let corrupt = |reason: String| StoreError::CorruptPublication { id: p.id, reason };
            let cell = CellIndex::try_from(cell as u64)
                .map_err(|e| corrupt(format!("cell {cell}: {e}")))?;
            let month =
                YearMonth::from_index(month).map_err(|e| corrupt(format!("month {month}: {e}")))?;
            let count = count
                .map(u64::try_from)
                .transpose()
                .map_err(|_| corrupt(format!("{cell} {month}: a negative count")))?;
            let value = check(count, count.is_none())
                .map_err(|f| corrupt(format!("{cell} {month}: {f}")))?;
            p.values.push(StoredValue { cell, month, value });
        }
        Ok(Some(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hexspot_engine::publication::{PublishParams, PublishedCell};
    use hexspot_engine::publish::disclose;

    fn product() -> Publication {
        let query = PublishParams {
            res: 9,
            from: Some("2024-01".into()),
            to: Some("2024-02".into()),
            ..PublishParams::default()
        }
        .query()
        .unwrap();
        let cell = h3o::LatLng::new(53.8, -1.55)
            .unwrap()
            .to_cell(h3o::Resolution::Nine);
        let values = vec![
            PublishedCell {
                cell,
                month: query.from,
                value: disclose(42),
            },
            PublishedCell {
                cell,
                month: query.to,
                value: disclose(3),
            },
        ];
        Publication {
            query,
            cells: vec![cell],
            values,
        }
    }

    #[test]
    fn the_latest_publication_comes_back_as_recorded_and_is_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.latest_publication().unwrap(), None);
        let p = product();
        let made_at = store.now_utc().unwrap();
        let rec = |geojson: &'static [u8]| NewPublication {
            publication: &p,
            made_at: &made_at,
            query: "res=9 from=2024-01 to=2024-02",
            geojson,
            csv: b"cell,month\n",
            metadata: b"{}",
        };
        assert_eq!(store.record_publication(&rec(b"{\"first\":1}")).unwrap(), 1);
        assert_eq!(
            store.record_publication(&rec(b"{\"second\":2}")).unwrap(),
            2
        );
        let got = store.latest_publication().unwrap().unwrap();
        assert_eq!(got.id, 2);
        assert_eq!(got.geojson, b"{\"second\":2}");
        assert_eq!(got.resolution, 9);
        assert_eq!(got.made_at, made_at);
        let values: Vec<Disclosed> = got.values.iter().map(|v| v.value).collect();
        assert_eq!(values, [disclose(42), Disclosed::Suppressed]);
        assert_eq!(got.values[0].cell, p.cells[0]);
        // each recorded with its audit record
        let audit = store.audit_records(None, None).unwrap();
        assert_eq!(audit.iter().filter(|r| r.action == "publish").count(), 2);
        // nothing published is changed afterwards
        let conn = rusqlite::Connection::open(&path).unwrap();
        assert!(
            conn.execute("UPDATE publication_values SET count = 7", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM publications", []).is_err());
    }

    #[test]
    fn a_stored_value_the_rule_could_not_make_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = Store::open(&path).unwrap();
        let p = product();
        store
            .record_publication(&NewPublication {
                publication: &p,
                made_at: "2026-01-01T00:00:00Z",
                query: "",
                geojson: b"",
                csv: b"",
                metadata: b"",
            })
            .unwrap();
        // planted by someone with the file, past the triggers
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TRIGGER publication_values_no_update; UPDATE publication_values SET count = 7 WHERE count IS NULL;",
        )
        .unwrap();
        let e = store.latest_publication().unwrap_err();
        assert!(e.to_string().contains("count 7 is published"), "{e}");
    }
}
