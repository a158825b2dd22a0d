//! Idempotency keys: the first successful answer to a (user, `Idempotency-Key`) pair,
//! kept so that a retry gets it again instead of writing twice.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::dialect::{DbTimestamp, DbUuid};
use crate::schema::idempotency_keys;

/// A stored key.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub user_id: DbUuid,
    pub key: String,
    /// A hash of the request (method, path, query and body).
    pub fingerprint: String,
    /// `None` while the first request is being handled.
    pub status: Option<i32>,
    /// The answer's headers worth repeating, as a JSON object.
    pub response_headers: Option<String>,
    pub response_body: Option<String>,
    pub created_at: DbTimestamp,
}

/// What claiming a key found.
#[derive(Debug, Clone)]
pub enum Claim {
    /// The key is new: this request is the first, and now holds it.
    First,
    /// The key was claimed before (possibly still in progress).
    Seen(IdempotencyRow),
}

/// Claims `key` for `user` with this request's fingerprint. Keys older than
/// `expired_before` no longer count: they are replaced.
pub fn claim(
    conn: &mut DbConnection,
    user: uuid::Uuid,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
    expired_before: DateTime<Utc>,
) -> QueryResult<Claim> {
    conn.transaction(|conn| {
        diesel::delete(
            idempotency_keys::table
                .filter(idempotency_keys::user_id.eq(DbUuid(user)))
                .filter(idempotency_keys::key.eq(key))
                .filter(idempotency_keys::created_at.lt(DbTimestamp(expired_before))),
        )
        .execute(conn)?;
        let row = IdempotencyRow {
            user_id: DbUuid(user),
            key: key.to_owned(),
            fingerprint: fingerprint.to_owned(),
            status: None,
            response_headers: None,
            response_body: None,
            created_at: DbTimestamp(now),
        };
        let inserted = crate::insert_or_ignore!(conn, idempotency_keys::table, vec![row])?;
        if inserted == 1 {
            return Ok(Claim::First);
        }
        find(conn, user, key)?
            .map(Claim::Seen)
            .ok_or(diesel::result::Error::NotFound)
    })
}

pub fn find(
    conn: &mut DbConnection,
    user: uuid::Uuid,
    key: &str,
) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(DbUuid(user)))
        .filter(idempotency_keys::key.eq(key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

/// Keeps the first request's answer.
pub fn complete(
    conn: &mut DbConnection,
    user: uuid::Uuid,
    key: &str,
    status: i32,
    headers: &str,
    body: &str,
) -> QueryResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(DbUuid(user)))
            .filter(idempotency_keys::key.eq(key)),
    )
    .set((
        idempotency_keys::status.eq(Some(status)),
        idempotency_keys::response_headers.eq(Some(headers)),
        idempotency_keys::response_body.eq(Some(body)),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Lets go of a key whose first request wrote nothing (it failed): a retry runs again.
pub fn release(conn: &mut DbConnection, user: uuid::Uuid, key: &str) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(DbUuid(user)))
            .filter(idempotency_keys::key.eq(key)),
    )
    .execute(conn)
    .map(|_| ())
}

/// Removes keys created before `before`; returns how many.
pub fn purge(conn: &mut DbConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table.filter(idempotency_keys::created_at.lt(DbTimestamp(before))),
    )
    .execute(conn)
}
