//! `hexspot users …` and `hexspot audit …` through the built binary.

use serde_json::Value;

mod common;
use common::{fails, hexspot, ok};

/// `hexspot users add`: the token on standard output, the notice on standard error.
fn add(db: &str, name: &str, role: &str) -> String {
    let out = hexspot(&["users", "add", name, "--role", role, "--db", db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shown only once"), "{err}");
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("hxs_") && token.len() == 47, "{token}");
    token
}

#[test]
fn users_are_added_listed_and_revoked_without_showing_a_token_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let db = db.to_str().unwrap();
    let alice = add(db, "alice", "analyst");
    let bob = add(db, "bob", "partner");
    assert_ne!(alice, bob);
    fails(
        &["users", "add", "alice", "--role", "public", "--db", db],
        "already a user named alice",
    );
    fails(
        &["users", "add", "carol", "--role", "admin", "--db", db],
        "unknown role",
    );
    fails(
        &["users", "add", "no body", "--role", "public", "--db", db],
        "invalid user name",
    );

    let list = ok(&["users", "list", "--db", db]);
    assert!(list.contains("alice") && list.contains("analyst"), "{list}");
    assert!(list.contains("bob") && list.contains("partner"), "{list}");
    assert!(!list.contains(&alice[4..]) && !list.contains(&bob[4..]));

    let revoked = ok(&["users", "revoke", "alice", "--db", db]);
    assert!(
        revoked.contains("revoked alice (analyst) at 20"),
        "{revoked}"
    );
    fails(&["users", "revoke", "alice", "--db", db], "already revoked");
    fails(
        &["users", "revoke", "carol", "--db", db],
        "no user named carol",
    );
    let list = ok(&["users", "list", "--db", db]);
    let alice_line = list.lines().find(|l| l.contains("alice")).unwrap();
    // added and revoked times both shown
    assert_eq!(alice_line.matches("Z").count(), 2, "{alice_line}");

    // the changes are in the audit log, which verifies
    let v = ok(&["audit", "verify", "--db", db]);
    assert!(v.contains("intact: 3 records"), "{v}");
}

#[test]
fn the_audit_log_exports_as_csv_and_json_by_day() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let db = db.to_str().unwrap();
    add(db, "alice", "analyst");
    add(db, "bob", "public");

    let json = ok(&["audit", "export", "--db", db, "--format", "json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    let records = v.as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["seq"], 1);
    assert_eq!(records[0]["action"], "users add");
    assert_eq!(records[0]["query"], "name=alice role=analyst");
    assert_eq!(records[0]["prev_hash"], "0".repeat(64));
    assert_eq!(records[1]["prev_hash"], records[0]["hash"]);
    assert!(records[0]["user"].is_null());
    let today = &records[0]["time"].as_str().unwrap()[..10];

    let csv = ok(&[
        "audit", "export", "--db", db, "--from", today, "--to", today, "--format", "csv",
    ]);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "seq",
            "time",
            "user",
            "role",
            "action",
            "query",
            "rows",
            "recipient",
            "purpose",
            "client",
            "prev_hash",
            "hash"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[1][5], "name=bob role=public");
    assert_eq!(&rows[1][11], records[1]["hash"].as_str().unwrap());

    // another period: the header only
    let csv = ok(&[
        "audit",
        "export",
        "--db",
        db,
        "--from",
        "2001-01-01",
        "--to",
        "2001-12-31",
    ]);
    assert_eq!(csv.lines().count(), 1, "{csv}");
    fails(
        &[
            "audit",
            "export",
            "--db",
            db,
            "--from",
            "2001-02-01",
            "--to",
            "2001-01-01",
        ],
        "after --to",
    );
    fails(
        &["audit", "export", "--db", db, "--from", "1 May"],
        "--from",
    );
}

#[test]
fn audit_verify_fails_and_names_a_tampered_record() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let path = db.to_str().unwrap();
    for n in ["a", "b", "c", "d"] {
        add(path, n, "partner");
    }
    assert!(ok(&["audit", "verify", "--db", path]).contains("intact: 4 records"));
    // someone with the file: a plain connection, the append-only trigger dropped
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET query = 'name=x' WHERE seq = 2;",
    )
    .unwrap();
    drop(conn);
    let out = hexspot(&["audit", "verify", "--db", path]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("audit log broken at record 2") && err.contains("edited"),
        "{err}"
    );
}
