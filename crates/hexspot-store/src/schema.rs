//! The versioned schema. Each migration runs once, in order, in one transaction, and
//! sets `PRAGMA user_version` to its number.

use std::path::Path;

use rusqlite::Connection;

use crate::StoreError;

/// Migrations, oldest first; the schema version is the number applied.
const MIGRATIONS: &[&str] = &[
    // 1: imports, incidents, rejected rows
    "CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        format TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        rows_read INTEGER NOT NULL,
        rows_imported INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL,
        imported_at TEXT NOT NULL
    );
    CREATE TABLE crime_types (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id) DEFERRABLE INITIALLY DEFERRED,
        line INTEGER NOT NULL,
        crime_id TEXT,
        month INTEGER NOT NULL,      -- year * 12 + month - 1
        day INTEGER,                 -- days since 1970-01-01, NULL when only the month is known
        minute INTEGER,              -- minute of the day, NULL when no time is known
        lon REAL NOT NULL,
        lat REAL NOT NULL,
        cell INTEGER NOT NULL,       -- H3 cell at resolution 15
        crime_type_id INTEGER NOT NULL REFERENCES crime_types(id),
        offence TEXT,
        flags INTEGER NOT NULL,      -- 2 bits each: knife, domestic, victim under 25 (0 unknown, 1 no, 2 yes)
        weight REAL,
        location TEXT,
        lsoa_code TEXT,
        lsoa_name TEXT,
        outcome TEXT,
        context TEXT,
        falls_within TEXT
    );
    CREATE TABLE rejected_rows (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        line INTEGER NOT NULL,
        reason_code TEXT NOT NULL,
        reason TEXT NOT NULL,
        raw TEXT
    );
    CREATE INDEX rejected_rows_import ON rejected_rows(import_id);",
    // 2: boundary sets, their areas and their populations
    "CREATE TABLE boundary_sets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        code_property TEXT NOT NULL,
        name_property TEXT NOT NULL,
        source TEXT NOT NULL,        -- file names, or e.g. 'dissolved from wards by district'
        derived_from TEXT,           -- the set it was made from, if any
        imported_at TEXT NOT NULL
    );
    CREATE TABLE areas (
        set_id INTEGER NOT NULL REFERENCES boundary_sets(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,    -- position in the set, from 0
        code TEXT NOT NULL,
        name TEXT NOT NULL,
        district TEXT,
        geometry TEXT NOT NULL,      -- GeoJSON MultiPolygon, WGS84 lon/lat
        PRIMARY KEY (set_id, ordinal),
        UNIQUE (set_id, code)
    );
    CREATE TABLE populations (
        set_id INTEGER NOT NULL REFERENCES boundary_sets(id) ON DELETE CASCADE,
        code TEXT NOT NULL,
        population REAL NOT NULL,
        estimated INTEGER NOT NULL,  -- 1 when apportioned or otherwise estimated
        source TEXT NOT NULL,
        PRIMARY KEY (set_id, code)
    );",
    // 3: the engine's columnar snapshot and each import's record, as column blobs
    "CREATE TABLE snapshot_columns (
        name TEXT NOT NULL,          -- a column, e.g. 'lon', 'cells_9', 'slots_9', or 'meta'
        part INTEGER NOT NULL,       -- parts of at most 2^20 values, from 0
        data BLOB NOT NULL,          -- little-endian values
        PRIMARY KEY (name, part)
    );
    -- every imported row's fields, per import, as column blobs (incidents keeps the
    -- rows of imports made before this migration)
    CREATE TABLE import_columns (
        import_id INTEGER NOT NULL REFERENCES imports(id) DEFERRABLE INITIALLY DEFERRED,
        name TEXT NOT NULL,          -- e.g. 'lon', 'location.names', 'location.codes'
        part INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (import_id, name, part)
    );",
    // 4: no new tables; the blobs written from here on lead with a tag saying how they
    // are packed (codec.rs), so a hexspot that reads them untagged must refuse the file
    "-- blobs are tagged (plain or run-length; 32-byte Crime IDs)",
    // 5: users with their tokens' hashes, and the hash-chained audit log (audit.rs)
    "CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('analyst', 'partner', 'public')),
        token_sha256 TEXT NOT NULL UNIQUE, -- hex SHA-256 of the token; never the token
        created_at TEXT NOT NULL,    -- UTC, RFC 3339
        revoked_at TEXT              -- NULL while the token is accepted
    );
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,     -- 1, 2, 3, ... with no gaps
        time TEXT NOT NULL,          -- UTC, RFC 3339 with milliseconds
        user_name TEXT,              -- NULL: anonymous, failed, or the operator
        role TEXT,
        action TEXT NOT NULL,        -- route or command
        query TEXT NOT NULL,         -- normalised query text
        rows INTEGER,                -- rows or cells returned, when counted
        recipient TEXT,
        purpose TEXT,
        client TEXT,                 -- client address
        prev_hash TEXT NOT NULL,     -- hex SHA-256 of the previous record, 64 zeros first
        hash TEXT NOT NULL           -- hex SHA-256 of this record (audit::canonical)
    );
    CREATE INDEX audit_time ON audit(time);
    -- append-only, as defence in depth (verify_audit is the proof)
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    // 6: publications of the public product (publications.rs): the files as written
    // and each (cell, month) for the tiles; append-only, like the audit log
    "CREATE TABLE publications (
        id INTEGER PRIMARY KEY,
        made_at TEXT NOT NULL,       -- UTC, RFC 3339, as the files state it
        resolution INTEGER NOT NULL CHECK (resolution IN (8, 9)),
        first_month TEXT NOT NULL,   -- YYYY-MM
        last_month TEXT NOT NULL,
        query TEXT NOT NULL,         -- the filters as stated
        geojson BLOB NOT NULL,       -- the files, byte for byte
        csv BLOB NOT NULL,
        metadata BLOB NOT NULL
    );
    CREATE TABLE publication_values (
        publication_id INTEGER NOT NULL REFERENCES publications(id),
        cell INTEGER NOT NULL,       -- H3 cell at the publication's resolution
        month INTEGER NOT NULL,      -- year * 12 + month - 1
        count INTEGER,               -- the published count; NULL when suppressed
        PRIMARY KEY (publication_id, cell, month)
    ) WITHOUT ROWID;
    CREATE TRIGGER publications_no_update BEFORE UPDATE ON publications
    BEGIN SELECT RAISE(ABORT, 'publications are append-only'); END;
    CREATE TRIGGER publications_no_delete BEFORE DELETE ON publications
    BEGIN SELECT RAISE(ABORT, 'publications are append-only'); END;
    CREATE TRIGGER publication_values_no_update BEFORE UPDATE ON publication_values
    BEGIN SELECT RAISE(ABORT, 'publications are append-only'); END;
    CREATE TRIGGER publication_values_no_delete BEFORE DELETE ON publication_values
    BEGIN SELECT RAISE(ABORT, 'publications are append-only'); END;",
];

/// The schema version this build writes.
pub const CURRENT: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > CURRENT {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found,
            supported: CURRENT,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
