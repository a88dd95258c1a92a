//! Users, their roles and their access tokens.
//!
//! A token is 32 bytes from the operating system's random number generator, shown
//! to its user once as `hxs_` and 43 base64url characters. The store keeps only its
//! SHA-256 ([`TokenHash`]). A fast hash is the right one here, not a password hash
//! such as argon2: a password hash slows down guessing a secret chosen by a person,
//! which has little entropy; a token has 256 bits of entropy, so no amount of guessing
//! at SHA-256 speed finds one, and looking a token up costs one hash per request.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;

use crate::audit::{self, AuditEntry};
use crate::{Store, StoreError};

/// What a user may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Everything, including imports and the records behind a cell.
    Analyst,
    /// Aggregates only: no imports, no incident records.
    Partner,
    /// Only the published product.
    Public,
}

impl Role {
    /// Every role, most trusted first.
    pub const ALL: [Role; 3] = [Role::Analyst, Role::Partner, Role::Public];

    /// The role's name as stored and as typed: `analyst`, `partner`, `public`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Partner => "partner",
            Role::Public => "public",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not `analyst`, `partner` or `public`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown role {0:?} (expected analyst, partner or public)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A user's name: 1 to 64 characters, ASCII letters, digits, `.`, `_`, `-` and `@`,
/// starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserName(String);

/// Why a user name was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid user name {name:?}: {reason}")]
pub struct InvalidUserName {
    /// the name as given
    pub name: String,
    /// what was wrong
    pub reason: &'static str,
}

impl UserName {
    /// The longest name accepted.
    pub const MAX_LEN: usize = 64;

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for UserName {
    type Error = InvalidUserName;

    fn try_from(name: &str) -> Result<Self, Self::Error> {
        let bad = |reason| InvalidUserName {
            name: name.to_owned(),
            reason,
        };
        if name.is_empty() {
            return Err(bad("it is empty"));
        }
        if name.len() > Self::MAX_LEN {
            return Err(bad("it is longer than 64 characters"));
        }
        if !name.as_bytes()[0].is_ascii_alphanumeric() {
            return Err(bad("it must start with a letter or a digit"));
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
        {
            return Err(bad(
                "only ASCII letters, digits, '.', '_', '-' and '@' are allowed",
            ));
        }
        Ok(Self(name.to_owned()))
    }
}

impl FromStr for UserName {
    type Err = InvalidUserName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::try_from(s)
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A token in clear, as handed to its user once. Its `Debug` does not show it.
#[derive(Clone)]
pub struct Token(String);

/// The prefix of every token, so one found in a log or a file can be recognised.
pub const TOKEN_PREFIX: &str = "hxs_";

impl Token {
    /// A new token: 32 bytes from the OS random number generator.
    ///
    /// # Errors
    /// [`getrandom::Error`] when the OS cannot provide randomness.
    pub(crate) fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(format!(
            "{TOKEN_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(bytes)
        )))
    }

    /// The token's text, to show its user (once).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Its hash, as stored.
    #[must_use]
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

/// The SHA-256 of a token's text: all the store keeps of it.
#[derive(Clone, Copy)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The hash of a presented token (whatever its text: a wrong one simply finds no
    /// user).
    #[must_use]
    pub fn of(presented: &str) -> Self {
        Self(Sha256::digest(presented.as_bytes()).into())
    }

    /// As lower-case hex, as stored.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub(crate) fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Self(out))
    }
}

/// Compared in constant time, so the time taken says nothing about how much of two
/// hashes agree.
impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for TokenHash {}

/// Hashes the bytes, agreeing with the constant-time `==` (equal hashes, equal bytes).
impl std::hash::Hash for TokenHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // a hash is not a secret, but there is no reason to print it either
        f.write_str("TokenHash(…)")
    }
}

/// A user as stored (never with the token's hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The name.
    pub name: UserName,
    /// The role.
    pub role: Role,
    /// When the user was added (UTC, RFC 3339).
    pub created_at: String,
    /// When the user's token was revoked (UTC, RFC 3339); `None` while active.
    pub revoked_at: Option<String>,
}

impl UserInfo {
    /// Whether the user's token is still accepted.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

const SELECT_USER: &str = "SELECT name, role, created_at, revoked_at FROM users";

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserInfo> {
    let corrupt = |i, e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e)
    };
    let name: String = r.get(0)?;
    let role: String = r.get(1)?;
    Ok(UserInfo {
        name: UserName::try_from(name.as_str()).map_err(|e| corrupt(0, Box::new(e)))?,
        role: role
            .parse()
            .map_err(|e: UnknownRole| corrupt(1, Box::new(e)))?,
        created_at: r.get(2)?,
        revoked_at: r.get(3)?,
    })
}

fn find_user(conn: &Connection, name: &UserName) -> Result<Option<UserInfo>, StoreError> {
    Ok(conn
        .query_row(
            &format!("{SELECT_USER} WHERE name = ?1"),
            [name.as_str()],
            user_from_row,
        )
        .optional()?)
}

impl Store {
    /// Adds a user with a new token, and records it in the audit log, in one
    /// transaction. The token is returned here and nowhere else: only its hash is kept.
    ///
    /// # Errors
    /// [`StoreError::UserExists`] when the name is taken (revoked users keep their
    /// names); [`StoreError::Random`] when the OS has no randomness to give;
    /// [`StoreError::Sql`].
    pub fn add_user(
        &mut self,
        name: &UserName,
        role: Role,
    ) -> Result<(UserInfo, Token), StoreError> {
        let token = Token::generate().map_err(StoreError::Random)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if find_user(&tx, name)?.is_some() {
            return Err(StoreError::UserExists(name.clone()));
        }
        tx.execute(
            "INSERT INTO users (name, role, token_sha256, created_at)
             VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![name.as_str(), role.as_str(), token.hash().to_hex()],
        )?;
        audit::append_in(
            &tx,
            &AuditEntry {
                action: "users add".into(),
                query: format!("name={name} role={role}"),
                ..AuditEntry::default()
            },
        )?;
        let info = find_user(&tx, name)?.expect("just inserted");
        tx.commit()?;
        Ok((info, token))
    }

    /// Every user, active or revoked, by name.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn users(&self) -> Result<Vec<UserInfo>, StoreError> {
        let mut q = self.conn.prepare(&format!("{SELECT_USER} ORDER BY name"))?;
        let rows = q.query_map([], user_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether any user, active or revoked, exists (a server then asks for tokens).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn has_users(&self) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0))?)
    }

    /// Revokes a user's token from now on, and records it in the audit log, in one
    /// transaction.
    ///
    /// # Errors
    /// [`StoreError::NoSuchUser`], [`StoreError::AlreadyRevoked`], [`StoreError::Sql`].
    pub fn revoke_user(&mut self, name: &UserName) -> Result<UserInfo, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(user) = find_user(&tx, name)? else {
            return Err(StoreError::NoSuchUser(name.clone()));
        };
        if let Some(at) = user.revoked_at {
            return Err(StoreError::AlreadyRevoked(name.clone(), at));
        }
        tx.execute(
            "UPDATE users SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE name = ?1",
            [name.as_str()],
        )?;
        audit::append_in(
            &tx,
            &AuditEntry {
                action: "users revoke".into(),
                query: format!("name={name} role={}", user.role),
                ..AuditEntry::default()
            },
        )?;
        let info = find_user(&tx, name)?.expect("still there");
        tx.commit()?;
        Ok(info)
    }

    /// The active user whose token this is, if any.
    ///
    /// The token's hash is looked up by SQLite's index: how long that takes can say
    /// something about the stored hashes, but not about any token (SHA-256 cannot be
    /// run backwards), and the hash found is compared again in constant time.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn user_by_token(&self, presented: &str) -> Result<Option<UserInfo>, StoreError> {
        let hash = TokenHash::of(presented);
        let found = self
            .conn
            .query_row(
                "SELECT name, role, created_at, revoked_at, token_sha256 FROM users
                     WHERE token_sha256 = ?1 AND revoked_at IS NULL",
                [hash.to_hex()],
                |r| Ok((user_from_row(r)?, r.get::<_, String>(4)?)),
            )
            .optional()?;
        Ok(found.and_then(|(user, stored)| {
            (TokenHash::from_hex(&stored) == Some(hash)).then_some(user)
        }))
    }

    /// Every active user with their token's hash: what a server keeps in memory to
    /// check tokens without a query each.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn active_users(&self) -> Result<Vec<(TokenHash, UserInfo)>, StoreError> {
        let mut q = self.conn.prepare(
            "SELECT name, role, created_at, revoked_at, token_sha256 FROM users
             WHERE revoked_at IS NULL ORDER BY name",
        )?;
        let rows = q.query_map([], |r| Ok((user_from_row(r)?, r.get::<_, String>(4)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (user, stored) = row?;
            let hash = TokenHash::from_hex(&stored).ok_or_else(|| StoreError::CorruptUser {
                name: user.name.to_string(),
                reason: "the stored token hash is not 64 hex digits".into(),
            })?;
            out.push((hash, user));
        }
        Ok(out)
    }
}

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
