//! Users, tokens and the hash-chained audit log.
//!
//! Tampering is simulated the way someone with the file would do it: a second, plain
//! SQLite connection drops the append-only triggers (`untriggered`) and edits, deletes
//! or renumbers rows directly.

use std::path::Path;

use hexspot_store::{
    AuditCheck, AuditEntry, ChainBreak, GENESIS, Role, Store, StoreError, TokenHash, UserName,
};

fn name(s: &str) -> UserName {
    UserName::try_from(s).unwrap()
}

fn entry(i: u32) -> AuditEntry {
    AuditEntry {
        user: Some(name("alice")),
        role: Some(Role::Analyst),
        action: "GET /api/v1/hotspots".into(),
        query: format!("res=9&from=2024-0{}", i % 9 + 1),
        rows: Some(u64::from(i)),
        recipient: i.is_multiple_of(2).then(|| "CSP board".to_owned()),
        purpose: Some("tasking".into()),
        client: Some("127.0.0.1".into()),
    }
}

/// A store with `n` appended records (and no users).
fn store_with(db: &Path, n: u32) -> Store {
    let mut store = Store::open(db).unwrap();
    for i in 1..=n {
        store.append_audit(&entry(i)).unwrap();
    }
    store
}

/// A plain connection to the file with the append-only triggers dropped.
fn untriggered(db: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .unwrap();
    conn
}

fn broken(store: &Store) -> (u64, ChainBreak) {
    match store.verify_audit().unwrap() {
        AuditCheck::Broken { seq, problem } => (seq, problem),
        intact => panic!("expected a broken chain, got {intact:?}"),
    }
}

#[test]
fn users_are_added_listed_looked_up_by_token_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let mut store = Store::open(&db).unwrap();
    assert!(!store.has_users().unwrap());
    let (alice, token) = store.add_user(&name("alice"), Role::Analyst).unwrap();
    let (_, partner_token) = store.add_user(&name("bob"), Role::Partner).unwrap();
    assert!(store.has_users().unwrap());
    assert_eq!(alice.role, Role::Analyst);
    assert!(alice.is_active());
    assert!(token.expose().starts_with("hxs_"));
    assert_ne!(token.expose(), partner_token.expose());

    let listed = store.users().unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|u| (u.name.as_str(), u.role))
            .collect::<Vec<_>>(),
        [("alice", Role::Analyst), ("bob", Role::Partner)]
    );
    assert_eq!(
        store.user_by_token(token.expose()).unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store
            .user_by_token(partner_token.expose())
            .unwrap()
            .map(|u| u.role),
        Some(Role::Partner)
    );
    assert_eq!(store.user_by_token("hxs_wrong").unwrap(), None);
    assert_eq!(store.user_by_token("").unwrap(), None);
    assert_eq!(store.active_users().unwrap().len(), 2);

    // a taken name is refused, revoked or not
    assert!(matches!(
        store.add_user(&name("alice"), Role::Public),
        Err(StoreError::UserExists(_))
    ));
    let revoked = store.revoke_user(&name("alice")).unwrap();
    assert!(!revoked.is_active());
    assert_eq!(store.user_by_token(token.expose()).unwrap(), None);
    assert!(matches!(
        store.revoke_user(&name("alice")),
        Err(StoreError::AlreadyRevoked(..))
    ));
    assert!(matches!(
        store.revoke_user(&name("carol")),
        Err(StoreError::NoSuchUser(_))
    ));
    assert!(matches!(
        store.add_user(&name("alice"), Role::Public),
        Err(StoreError::UserExists(_))
    ));
    assert_eq!(store.active_users().unwrap().len(), 1);
    assert!(store.has_users().unwrap());

    // every change is in the audit log, in order, and the chain holds
    let log = store.audit_records(None, None).unwrap();
    assert_eq!(
        log.iter()
            .map(|r| (r.action.as_str(), r.query.as_str()))
            .collect::<Vec<_>>(),
        [
            ("users add", "name=alice role=analyst"),
            ("users add", "name=bob role=partner"),
            ("users revoke", "name=alice role=analyst"),
        ]
    );
    assert!(matches!(
        store.verify_audit().unwrap(),
        AuditCheck::Intact { records: 3, .. }
    ));
}

#[test]
fn the_store_keeps_only_the_tokens_hash() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let mut store = Store::open(&db).unwrap();
    let (_, token) = store.add_user(&name("alice"), Role::Analyst).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored: String = conn
        .query_row("SELECT token_sha256 FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, TokenHash::of(token.expose()).to_hex());
    // nowhere in the file, in any table or page (WAL checkpointed on close)
    drop(conn);
    let bytes = std::fs::read(&db).unwrap();
    let needle = token.expose().as_bytes();
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    let body = &needle[4..];
    assert!(!bytes.windows(body.len()).any(|w| w == body));
}

#[test]
fn an_intact_chain_verifies_and_links_each_record_to_the_one_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let store = Store::open(&db).unwrap();
    assert_eq!(
        store.verify_audit().unwrap(),
        AuditCheck::Intact {
            records: 0,
            head: GENESIS.to_owned()
        }
    );
    drop(store);
    let store = store_with(&db, 5);
    let log = store.audit_records(None, None).unwrap();
    assert_eq!(log.len(), 5);
    assert_eq!(log[0].prev_hash, GENESIS);
    assert_eq!(log[0].seq, 1);
    for w in log.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
        assert_eq!(w[1].seq, w[0].seq + 1);
    }
    for r in &log {
        assert_eq!(r.hash, r.expected_hash());
        assert_eq!(r.hash.len(), 64);
        // RFC 3339, UTC, milliseconds
        assert_eq!(r.time.len(), 24, "{}", r.time);
        assert!(r.time.ends_with('Z') && &r.time[10..11] == "T");
    }
    assert_eq!(log[1].rows, Some(2));
    assert_eq!(log[1].recipient.as_deref(), Some("CSP board"));
    assert_eq!(log[0].recipient, None);
    assert_eq!(
        store.verify_audit().unwrap(),
        AuditCheck::Intact {
            records: 5,
            head: log[4].hash.clone()
        }
    );
}

#[test]
fn the_triggers_refuse_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    drop(store_with(&db, 2));
    let conn = rusqlite::Connection::open(&db).unwrap();
    for sql in [
        "UPDATE audit SET rows = 0 WHERE seq = 1",
        "DELETE FROM audit WHERE seq = 2",
        "DELETE FROM audit",
    ] {
        let err = conn.execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn an_edited_record_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    drop(store_with(&db, 5));
    untriggered(&db)
        .execute("UPDATE audit SET rows = 0 WHERE seq = 3", [])
        .unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(broken(&store), (3, ChainBreak::Edited));
}

#[test]
fn an_edited_record_with_its_hash_recomputed_breaks_the_next_link() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let store = store_with(&db, 5);
    let mut rec = store.audit_records(None, None).unwrap().remove(2);
    drop(store);
    rec.user = Some("mallory".into());
    rec.hash = rec.expected_hash();
    untriggered(&db)
        .execute(
            "UPDATE audit SET user_name = ?1, hash = ?2 WHERE seq = 3",
            rusqlite::params![rec.user, rec.hash],
        )
        .unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(broken(&store), (4, ChainBreak::PrevMismatch));
}

#[test]
fn a_deleted_record_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    drop(store_with(&db, 6));
    untriggered(&db)
        .execute("DELETE FROM audit WHERE seq IN (3, 4)", [])
        .unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(broken(&store), (5, ChainBreak::Missing { from: 3, to: 4 }));

    // the first record
    let db = dir.path().join("first.db");
    drop(store_with(&db, 3));
    untriggered(&db)
        .execute("DELETE FROM audit WHERE seq = 1", [])
        .unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(broken(&store), (2, ChainBreak::Missing { from: 1, to: 1 }));

    // deleted and the rest renumbered to hide the gap
    let db = dir.path().join("renumbered.db");
    drop(store_with(&db, 4));
    untriggered(&db)
        .execute_batch(
            "DELETE FROM audit WHERE seq = 2; UPDATE audit SET seq = seq - 1 WHERE seq > 2;",
        )
        .unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(broken(&store), (2, ChainBreak::PrevMismatch));
}

#[test]
fn a_reordered_record_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    drop(store_with(&db, 5));
    // records 2 and 3 swap places
    untriggered(&db)
        .execute_batch(
            "UPDATE audit SET seq = -2 WHERE seq = 2;
             UPDATE audit SET seq = 2 WHERE seq = 3;
             UPDATE audit SET seq = 3 WHERE seq = -2;",
        )
        .unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(broken(&store), (2, ChainBreak::Reordered { follows: 3 }));
}

#[test]
fn records_are_read_by_day() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let store = store_with(&db, 3);
    let today: hexspot_engine::Day = store.audit_records(None, None).unwrap()[0].time[..10]
        .parse()
        .unwrap();
    let day = |s: &str| Some(s.parse::<hexspot_engine::Day>().unwrap());
    assert_eq!(
        store.audit_records(Some(today), Some(today)).unwrap().len(),
        3
    );
    assert_eq!(store.audit_records(Some(today), None).unwrap().len(), 3);
    assert_eq!(store.audit_records(None, Some(today)).unwrap().len(), 3);
    assert!(
        store
            .audit_records(day("2000-01-01"), day("2000-12-31"))
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .audit_records(day("2099-01-01"), None)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn concurrent_appenders_each_extend_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    drop(Store::open(&db).unwrap());
    std::thread::scope(|s| {
        for t in 0..4 {
            let db = &db;
            s.spawn(move || {
                // each its own connection, as separate processes would have
                let mut store = Store::open(db).unwrap();
                for i in 0..25 {
                    store.append_audit(&entry(t * 100 + i)).unwrap();
                }
            });
        }
    });
    let store = Store::open(&db).unwrap();
    assert!(matches!(
        store.verify_audit().unwrap(),
        AuditCheck::Intact { records: 100, .. }
    ));
}
