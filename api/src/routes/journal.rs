//! `/audit-log` (province admins) and `/events`, the change feed provincial systems
//! poll to stay in sync (integrations and province admins).

use actix_web::{get, web, FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use domain::listing::{Sort, SortField};
use domain::policy::{authorize, Action, Resource};
use persistence::journal::{self as store, AuditFilter};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::extract::{ListFilter, ListQuery, PageParams, Paged, QueryReader};
use crate::state::AppState;

/// Who changed what, when.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    /// The account that acted; null for the system (first start, command line) and
    /// for failed logins.
    pub actor_id: Option<uuid::Uuid>,
    pub actor_role: Option<String>,
    /// `create`, `update`, `set_password`, `login`, `login_failed`, `logout`, …
    #[schema(example = "update")]
    pub action: String,
    /// The resource's singular snake_case name.
    #[schema(example = "region")]
    pub entity: String,
    /// Its id (or code, for regions; the attempted username for a failed login).
    #[schema(example = "530102")]
    pub entity_id: String,
    /// `{field: {before, after}}` for each changed field; passwords show only that
    /// they changed.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub request_id: Option<String>,
    pub client_ip: Option<String>,
}

impl From<store::AuditRow> for AuditEntry {
    fn from(row: store::AuditRow) -> Self {
        AuditEntry {
            id: row.id.0,
            at: row.at.0,
            actor_id: row.actor_id.map(|id| id.0),
            actor_role: row.actor_role,
            action: row.action,
            entity: row.entity,
            entity_id: row.entity_id,
            changes: serde_json::from_str(&row.changes).unwrap_or(serde_json::Value::Null),
            request_id: row.request_id,
            client_ip: row.client_ip,
        }
    }
}

/// Filters of the audit log.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `region`, `user`.
    entity: Option<String>,
    entity_id: Option<String>,
    actor_id: Option<uuid::Uuid>,
    /// From this instant (inclusive), RFC 3339.
    from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive), RFC 3339.
    to: Option<DateTime<Utc>>,
}

/// The audit log is always newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditSort {
    At,
}

impl SortField for AuditSort {
    const NAMES: &'static [&'static str] = &[];
    const DEFAULT: Sort<Self> = Sort {
        field: AuditSort::At,
        descending: true,
    };

    fn from_name(_: &str) -> Option<Self> {
        None
    }
}

impl ListFilter for AuditQuery {
    type Sort = AuditSort;

    fn read(q: &mut QueryReader) -> Self {
        AuditQuery {
            entity: q.text("entity"),
            entity_id: q.text("entity_id"),
            actor_id: q.uuid("actor_id"),
            from: q.timestamp("from"),
            to: q.timestamp("to"),
        }
    }
}

/// Read the audit log, newest first (province admins).
#[utoipa::path(
    tag = "audit",
    params(AuditQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of entries", body = Paged<AuditEntry>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a province admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-log")]
pub async fn list_audit_log(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ListQuery<AuditQuery>,
) -> Result<web::Json<Paged<AuditEntry>>, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ReadAuditLog,
        &Resource::AuditLog,
    ))?;
    let ListQuery { filter, page, .. } = query;
    let filter = AuditFilter {
        entity: filter.entity,
        entity_id: filter.entity_id,
        actor_id: filter.actor_id,
        from: filter.from,
        to: filter.to,
    };
    let listed = state
        .db(move |conn| Ok(store::list_audit(conn, &filter, page)?))
        .await?;
    Ok(web::Json(Paged::new(listed, page, AuditEntry::from)))
}

/// One change in the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    /// Increasing without gaps, in commit order.
    pub seq: i64,
    pub at: DateTime<Utc>,
    #[schema(example = "region")]
    pub entity: String,
    #[schema(example = "530102")]
    pub entity_id: String,
    #[schema(example = "update")]
    pub action: String,
}

/// A batch of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<Event>,
    /// Pass as `after` to get the next batch (equal to `after` when there was nothing new).
    pub next_after: i64,
}

/// Where to read the change feed from.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// The last `seq` already seen (0 to start from the beginning).
    #[param(minimum = 0, default = 0)]
    after: Option<i64>,
    /// At most this many events.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<i64>,
}

impl FromRequest for EventQuery {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let mut reader = QueryReader::parse(req.query_string());
        let query = EventQuery {
            after: reader.integer("after", 0, i64::MAX),
            limit: reader.integer("limit", 1, 1000),
        };
        std::future::ready(reader.finish().map(|()| query))
    }
}

/// Read the change feed: every write, in order (integrations and province admins).
///
/// Poll with the `next_after` of the previous answer. An event never appears after
/// one with a higher `seq`, so nothing is skipped.
#[utoipa::path(
    tag = "events",
    params(EventQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Events after `after`", body = EventPage),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an integration or province admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: EventQuery,
) -> Result<web::Json<EventPage>, ApiError> {
    ApiError::from_decision(authorize(
        Some(&auth.actor),
        Action::ReadEvents,
        &Resource::EventFeed,
    ))?;
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(100);
    let rows = state
        .db(move |conn| Ok(store::events_after(conn, after, limit)?))
        .await?;
    let next_after = rows.last().map_or(after, |e| e.seq);
    let items = rows
        .into_iter()
        .map(|e| Event {
            seq: e.seq,
            at: e.at.0,
            entity: e.entity,
            entity_id: e.entity_id,
            action: e.action,
        })
        .collect();
    Ok(web::Json(EventPage { items, next_after }))
}
