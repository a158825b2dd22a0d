//! Accounts, revoked tokens and the login throttle's memory.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::identity::{Account, Department, Failures, LoginThrottle, Role};
use domain::{PageRequest, RegionCode, Sort, SortField};

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::{DbTimestamp, DbUuid};
use crate::schema::{login_failures, revoked_tokens, users};
use crate::Listed;

/// A row of `users`, column for column (read and inserted alike).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: DbUuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: Option<String>,
    pub organization_id: Option<DbUuid>,
    pub department: Option<String>,
    pub password_hash: String,
    pub active: bool,
    pub session_epoch: i32,
    pub version: i32,
    pub created_at: DbTimestamp,
    pub updated_at: DbTimestamp,
}

/// The columns an account update may change.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserChangeset {
    pub display_name: String,
    pub role: String,
    pub region_code: Option<String>,
    pub organization_id: Option<DbUuid>,
    pub department: Option<String>,
    pub active: bool,
    pub session_epoch: i32,
    pub version: i32,
    pub updated_at: DbTimestamp,
}

fn corrupt(what: String) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(what.into())
}

impl TryFrom<UserRow> for Account {
    type Error = diesel::result::Error;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        let role = row
            .role
            .parse::<Role>()
            .map_err(|_| corrupt(format!("user {} role {:?}", row.id.0, row.role)))?;
        let region_code = row
            .region_code
            .as_deref()
            .map(RegionCode::parse)
            .transpose()
            .map_err(|_| corrupt(format!("user {} region", row.id.0)))?;
        let department = row
            .department
            .as_deref()
            .map(str::parse::<Department>)
            .transpose()
            .map_err(|_| corrupt(format!("user {} department", row.id.0)))?;
        Ok(Account {
            id: row.id.0,
            username: row.username,
            display_name: row.display_name,
            role,
            region_code,
            organization_id: row.organization_id.map(|id| id.0),
            department,
            active: row.active,
            session_epoch: row.session_epoch,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

impl UserChangeset {
    /// The row that makes `account` current, one version on.
    pub fn from_account(account: &Account, now: DateTime<Utc>) -> Self {
        UserChangeset {
            display_name: account.display_name.clone(),
            role: account.role.as_str().to_owned(),
            region_code: account.region_code.as_ref().map(|c| c.as_str().to_owned()),
            organization_id: account.organization_id.map(DbUuid),
            department: account.department.map(|d| d.as_str().to_owned()),
            active: account.active,
            session_epoch: account.session_epoch,
            version: account.version,
            updated_at: DbTimestamp(now),
        }
    }
}

pub fn any_user_exists(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.select(users::id))).get_result(conn)
}

pub fn username_taken(conn: &mut DbConnection, username: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::username.eq(username)),
    ))
    .get_result(conn)
}

pub fn insert_user(conn: &mut DbConnection, row: &UserRow) -> QueryResult<Account> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)?;
    find_user(conn, row.id.0)?.ok_or(diesel::result::Error::NotFound)
}

pub fn find_user(conn: &mut DbConnection, id: uuid::Uuid) -> QueryResult<Option<Account>> {
    users::table
        .find(DbUuid(id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(Account::try_from)
        .transpose()
}

/// An account and its password hash, by username (for logging in).
pub fn find_credentials(
    conn: &mut DbConnection,
    username: &str,
) -> QueryResult<Option<(Account, String)>> {
    let row = users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|row| {
        let hash = row.password_hash.clone();
        Account::try_from(row).map(|account| (account, hash))
    })
    .transpose()
}

/// The password hash of one account.
pub fn password_hash(conn: &mut DbConnection, id: uuid::Uuid) -> QueryResult<Option<String>> {
    users::table
        .find(DbUuid(id))
        .select(users::password_hash)
        .first(conn)
        .optional()
}

pub fn update_user(
    conn: &mut DbConnection,
    account: &Account,
    now: DateTime<Utc>,
) -> QueryResult<Account> {
    diesel::update(users::table.find(DbUuid(account.id)))
        .set(UserChangeset::from_account(account, now))
        .execute(conn)?;
    find_user(conn, account.id)?.ok_or(diesel::result::Error::NotFound)
}

/// Sets a new password hash, ending every session of the account.
pub fn set_password(
    conn: &mut DbConnection,
    id: uuid::Uuid,
    hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(DbUuid(id)))
        .set((
            users::password_hash.eq(hash),
            users::session_epoch.eq(users::session_epoch + 1),
            users::version.eq(users::version + 1),
            users::updated_at.eq(DbTimestamp(now)),
        ))
        .execute(conn)
}

/// Active province admins other than `except`.
pub fn other_active_admins(conn: &mut DbConnection, except: uuid::Uuid) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::ProvinceAdmin.as_str()))
        .filter(users::active.eq(true))
        .filter(users::id.ne(DbUuid(except)))
        .count()
        .get_result(conn)
}

/// Filters of `GET /users`.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub region_code: Option<RegionCode>,
    pub active: Option<bool>,
    pub q: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    Username,
    CreatedAt,
}

impl SortField for UserSort {
    const NAMES: &'static [&'static str] = &["username", "created_at"];
    const DEFAULT: Sort<Self> = Sort {
        field: UserSort::Username,
        descending: false,
    };

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "username" => Some(UserSort::Username),
            "created_at" => Some(UserSort::CreatedAt),
            _ => None,
        }
    }
}

fn filtered_users(filter: &UserFilter) -> users::BoxedQuery<'static, MultiBackend> {
    let mut query = users::table.into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    if let Some(code) = &filter.region_code {
        query = query.filter(users::region_code.eq(code.as_str().to_owned()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(needle) = &filter.q {
        query = query.filter(
            crate::contains_text!(users::username, needle)
                .or(crate::contains_text!(users::display_name, needle)),
        );
    }
    query
}

pub fn list_users(
    conn: &mut DbConnection,
    filter: &UserFilter,
    sort: Sort<UserSort>,
    page: PageRequest,
) -> QueryResult<Listed<Account>> {
    let total = filtered_users(filter).count().get_result::<i64>(conn)?;
    let query = filtered_users(filter);
    let query = match (sort.field, sort.descending) {
        (UserSort::Username, false) => query.order(users::username.asc()),
        (UserSort::Username, true) => query.order(users::username.desc()),
        (UserSort::CreatedAt, false) => query.order((users::created_at.asc(), users::id.asc())),
        (UserSort::CreatedAt, true) => query.order((users::created_at.desc(), users::id.asc())),
    };
    let items = query
        .select(UserRow::as_select())
        .limit(page.page_size())
        .offset(page.offset())
        .load::<UserRow>(conn)?
        .into_iter()
        .map(Account::try_from)
        .collect::<QueryResult<Vec<_>>>()?;
    Ok(Listed { items, total })
}

// --- Tokens -------------------------------------------------------------------

/// Records a logged-out token until it would expire; forgets expired ones.
pub fn revoke_token(
    conn: &mut DbConnection,
    jti: uuid::Uuid,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    let now = crate::now();
    diesel::delete(revoked_tokens::table.filter(revoked_tokens::expires_at.lt(DbTimestamp(now))))
        .execute(conn)?;
    crate::insert_or_ignore!(
        conn,
        revoked_tokens::table,
        &[(
            revoked_tokens::jti.eq(DbUuid(jti)),
            revoked_tokens::expires_at.eq(DbTimestamp(expires_at))
        )][..]
    )?;
    Ok(())
}

/// The account behind a token, if the token was not revoked.
pub fn session_account(
    conn: &mut DbConnection,
    user_id: uuid::Uuid,
    jti: uuid::Uuid,
) -> QueryResult<Option<Account>> {
    let revoked: bool =
        diesel::select(diesel::dsl::exists(revoked_tokens::table.find(DbUuid(jti))))
            .get_result(conn)?;
    if revoked {
        return Ok(None);
    }
    find_user(conn, user_id)
}

// --- Login throttle ----------------------------------------------------------

/// Failures within the window for the username from this address, for the username
/// from anywhere, and from this address for any username.
fn recent_failures(
    conn: &mut DbConnection,
    username: &str,
    client_ip: &str,
    window_seconds: i64,
) -> QueryResult<(Failures, Failures, Failures)> {
    let now = crate::now();
    let since = DbTimestamp(now - chrono::Duration::seconds(window_seconds));
    Ok((
        failures_since(conn, since, Some(username), Some(client_ip), now)?,
        failures_since(conn, since, Some(username), None, now)?,
        failures_since(conn, since, None, Some(client_ip), now)?,
    ))
}

/// Failures after `since` for a username, an address, or both.
fn failures_since(
    conn: &mut DbConnection,
    since: DbTimestamp,
    username: Option<&str>,
    client_ip: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<Failures> {
    let mut query = login_failures::table
        .filter(login_failures::at.gt(since))
        .into_boxed::<MultiBackend>();
    if let Some(username) = username {
        query = query.filter(login_failures::username.eq(username.to_owned()));
    }
    if let Some(client_ip) = client_ip {
        query = query.filter(login_failures::client_ip.eq(client_ip.to_owned()));
    }
    let (count, latest): (i64, Option<DbTimestamp>) = query
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(login_failures::at),
        ))
        .first(conn)?;
    Ok(Failures {
        count,
        latest_age_seconds: latest.map(|t| (now - t.0).num_seconds()),
    })
}

/// What the throttle says of a login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Go ahead and check the password. The attempt is already counted as a failure;
    /// a successful login forgets it (`record_login`).
    Allowed,
    /// Refused: too many failures; retry after this many seconds.
    Throttled { retry_after: i64 },
}

/// Counts a login attempt against the throttle before its password is checked, under
/// the writers' lock, so that parallel guesses cannot all slip past the count.
pub fn begin_login_attempt(
    conn: &mut DbConnection,
    throttle: &LoginThrottle,
    username: &str,
    client_ip: &str,
) -> QueryResult<Attempt> {
    conn.transaction(|conn| {
        crate::journal::lock_writes(conn)?;
        let (by_pair, by_user, by_client) =
            recent_failures(conn, username, client_ip, throttle.window_seconds)?;
        if let Err(retry_after) = throttle.check(by_pair, by_user, by_client) {
            return Ok(Attempt::Throttled { retry_after });
        }
        let now = crate::now();
        diesel::delete(
            login_failures::table.filter(login_failures::at.lt(DbTimestamp(
                now - chrono::Duration::seconds(throttle.window_seconds),
            ))),
        )
        .execute(conn)?;
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::id.eq(DbUuid(uuid::Uuid::now_v7())),
                login_failures::username.eq(username),
                login_failures::client_ip.eq(client_ip),
                login_failures::at.eq(DbTimestamp(now)),
            ))
            .execute(conn)?;
        Ok(Attempt::Allowed)
    })
}

/// Forgets the failed logins of a username (every address), or of every username
/// from one address, at once: `zhenxing unlock-login`. Returns how many were
/// forgotten.
pub fn unlock_login(
    conn: &mut DbConnection,
    username: Option<&str>,
    client_ip: Option<&str>,
) -> QueryResult<usize> {
    let mut query = diesel::delete(login_failures::table).into_boxed();
    if let Some(username) = username {
        query = query.filter(login_failures::username.eq(username.to_owned()));
    }
    if let Some(client_ip) = client_ip {
        query = query.filter(login_failures::client_ip.eq(client_ip.to_owned()));
    }
    query.execute(conn)
}

/// Forgets a username's failures after it logs in.
fn clear_failures(conn: &mut DbConnection, username: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::username.eq(username)))
        .execute(conn)
        .map(|_| ())
}

// --- Sessions, journaled ----------------------------------------------------

fn session_entry(entity_id: String, action: &'static str) -> crate::journal::Entry {
    crate::journal::Entry {
        entity: "user",
        entity_id,
        action,
        changes: domain::Changes::new(),
    }
}

/// A failed login (already counted by `begin_login_attempt`): audited under the
/// attempted username.
pub fn record_login_failure(
    conn: &mut DbConnection,
    context: &crate::journal::WriteContext,
    username: &str,
) -> QueryResult<()> {
    crate::journal::audit_only(
        conn,
        context,
        &session_entry(username.to_owned(), "login_failed"),
    )
}

/// A successful login: the username's failures forgotten, the login audited.
pub fn record_login(
    conn: &mut DbConnection,
    context: &crate::journal::WriteContext,
    account: &Account,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        clear_failures(conn, &account.username)?;
        crate::journal::audit_only(
            conn,
            context,
            &session_entry(account.id.to_string(), "login"),
        )
    })
}

/// A logout: the token revoked until it expires, the logout audited.
pub fn record_logout(
    conn: &mut DbConnection,
    context: &crate::journal::WriteContext,
    user_id: uuid::Uuid,
    jti: uuid::Uuid,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        revoke_token(conn, jti, expires_at)?;
        crate::journal::audit_only(conn, context, &session_entry(user_id.to_string(), "logout"))
    })
}
