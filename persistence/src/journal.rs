//! Every write goes through `write`: one transaction that makes the change, appends
//! what changed to the audit log, and appends an event to the change feed.
//!
//! The feed's `seq` must look gap-free to a reader polling `after=N`: an event with a
//! lower `seq` must never become visible after one with a higher `seq`. So each write
//! transaction first locks the single row of `event_sequence` (an `UPDATE` that
//! changes nothing) and holds it until commit: writers queue on it, and each takes its
//! numbers only when the one before has committed. On SQLite the same statement takes
//! the database's write lock before the transaction reads anything, which also spares
//! it the "database is locked" upgrade failure of a read-then-write transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::Changes;

use crate::db::DbConnection;
use crate::dialect::{DbTimestamp, DbUuid};
use crate::schema::{audit_log, event_sequence, events};

/// Who is writing, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct WriteContext {
    pub actor_id: Option<uuid::Uuid>,
    pub actor_role: Option<String>,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

/// One entity changed by a write.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The resource's singular snake_case name: `region`, `user`, …
    pub entity: &'static str,
    /// Its id (or code, for regions).
    pub entity_id: String,
    /// `create`, `update`, `delete`, or an action's name (`sign`, `set_password`, …).
    pub action: &'static str,
    pub changes: Changes,
}

/// What a write reports back: its result and the entries to journal.
pub struct Written<T> {
    pub value: T,
    pub entries: Vec<Entry>,
}

impl<T> Written<T> {
    pub fn new(value: T, entries: Vec<Entry>) -> Self {
        Written { value, entries }
    }

    /// A write that turned out to change nothing: nothing is journaled.
    pub fn unchanged(value: T) -> Self {
        Written {
            value,
            entries: Vec::new(),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewAuditRow<'a> {
    id: DbUuid,
    at: DbTimestamp,
    actor_id: Option<DbUuid>,
    actor_role: Option<&'a str>,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
    changes: String,
    request_id: Option<&'a str>,
    client_ip: Option<&'a str>,
}

#[derive(Insertable)]
#[diesel(table_name = events)]
struct NewEventRow<'a> {
    seq: i64,
    at: DbTimestamp,
    entity: &'a str,
    entity_id: &'a str,
    action: &'a str,
}

/// Runs `work` in a write transaction and journals what it reports. Any error rolls
/// everything back, journal included.
pub fn write<T, E, F>(conn: &mut DbConnection, context: &WriteContext, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<Written<T>, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        lock_writes(conn)?;
        let written = work(conn)?;
        if !written.entries.is_empty() {
            journal(conn, context, &written.entries)?;
        }
        Ok(written.value)
    })
}

/// Takes the writers' lock for the rest of the transaction (see the module comment).
/// Anything that must read and then write without another writer in between takes
/// it first.
pub fn lock_writes(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::update(event_sequence::table.find(1))
        .set(event_sequence::last_seq.eq(event_sequence::last_seq))
        .execute(conn)
        .map(|_| ())
}

fn journal(conn: &mut DbConnection, context: &WriteContext, entries: &[Entry]) -> QueryResult<()> {
    let now = crate::now();
    let audit_rows: Vec<NewAuditRow<'_>> = entries
        .iter()
        .map(|entry| audit_row(context, entry, now))
        .collect();
    // Large writes (imports) journal thousands of entries: in chunks, one statement
    // each on PostgreSQL.
    for chunk in audit_rows.chunks(JOURNAL_CHUNK) {
        crate::insert_all!(conn, audit_log::table, chunk)?;
    }
    let count = entries.len() as i64;
    diesel::update(event_sequence::table.find(1))
        .set(event_sequence::last_seq.eq(event_sequence::last_seq + count))
        .execute(conn)?;
    let last: i64 = event_sequence::table
        .find(1)
        .select(event_sequence::last_seq)
        .first(conn)?;
    let event_rows: Vec<NewEventRow<'_>> = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| NewEventRow {
            seq: last - count + 1 + i as i64,
            at: DbTimestamp(now),
            entity: entry.entity,
            entity_id: &entry.entity_id,
            action: entry.action,
        })
        .collect();
    for chunk in event_rows.chunks(JOURNAL_CHUNK) {
        crate::insert_all!(conn, events::table, chunk)?;
    }
    Ok(())
}

/// Rows per statement when journaling many entries (10 columns: far below the
/// bind-parameter limits of both backends).
const JOURNAL_CHUNK: usize = 500;

fn audit_row<'a>(
    context: &'a WriteContext,
    entry: &'a Entry,
    at: DateTime<Utc>,
) -> NewAuditRow<'a> {
    NewAuditRow {
        id: DbUuid(uuid::Uuid::now_v7()),
        at: DbTimestamp(at),
        actor_id: context.actor_id.map(DbUuid),
        actor_role: context.actor_role.as_deref(),
        action: entry.action,
        entity: entry.entity,
        entity_id: &entry.entity_id,
        changes: entry.changes.to_json().to_string(),
        request_id: context.request_id.as_deref(),
        client_ip: context.client_ip.as_deref(),
    }
}

/// Appends to the audit log alone, outside any write: events that change no
/// resource (a failed or successful login, a logout).
pub fn audit_only(
    conn: &mut DbConnection,
    context: &WriteContext,
    entry: &Entry,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(audit_row(context, entry, crate::now()))
        .execute(conn)
        .map(|_| ())
}

// --- Reading ------------------------------------------------------------------

/// An audit-log entry as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: DbUuid,
    pub at: DbTimestamp,
    pub actor_id: Option<DbUuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub changes: String,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

/// Filters of `GET /audit-log`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<uuid::Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn filtered_audit(filter: &AuditFilter) -> audit_log::BoxedQuery<'static, crate::db::MultiBackend> {
    let mut query = audit_log::table.into_boxed();
    if let Some(entity) = &filter.entity {
        query = query.filter(audit_log::entity.eq(entity.clone()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(entity_id.clone()));
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(DbUuid(actor)));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::at.ge(DbTimestamp(from)));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::at.lt(DbTimestamp(to)));
    }
    query
}

/// A page of the audit log, newest first.
pub fn list_audit(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    page: domain::PageRequest,
) -> QueryResult<crate::Listed<AuditRow>> {
    let total = filtered_audit(filter).count().get_result::<i64>(conn)?;
    let items = filtered_audit(filter)
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .select(AuditRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load(conn)?;
    Ok(crate::Listed { items, total })
}

/// An event of the change feed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub seq: i64,
    pub at: DbTimestamp,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
}

/// Events after `after`, oldest first, at most `limit`.
pub fn events_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<EventRow>> {
    events::table
        .filter(events::seq.gt(after))
        .order(events::seq.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}
