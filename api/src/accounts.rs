//! Creating and changing accounts: shared by `POST /users`, the first start's
//! bootstrap admin, and `zhenxing create-user`.

use domain::identity::{check_password, Account, Department, Role, Scope, Username};
use domain::Rule;
use domain::{Changes, FieldError, RegionCode, Violation};
use persistence::dialect::{DbTimestamp, DbUuid};
use persistence::journal::{self, Entry, WriteContext, Written};
use persistence::users::{self as store, UserRow};
use persistence::DbConnection;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

pub const DISPLAY_NAME_MAX: usize = 100;

/// An account. Its password is never shown.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserBody {
    pub id: uuid::Uuid,
    #[schema(example = "kunming.wuhua")]
    pub username: String,
    #[schema(example = "五华区民政局 张三")]
    pub display_name: String,
    pub role: Role,
    /// The prefecture (prefecture officers) or county (county officers) the account
    /// is scoped to; null for other roles.
    #[schema(example = "530102")]
    pub region_code: Option<String>,
    /// The organization of an `org_user`; null for other roles.
    pub organization_id: Option<uuid::Uuid>,
    pub department: Option<Department>,
    /// An inactive account cannot log in, and its tokens stop working.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Account> for UserBody {
    fn from(a: Account) -> Self {
        UserBody {
            id: a.id,
            username: a.username,
            display_name: a.display_name,
            role: a.role,
            region_code: a.region_code.map(|c| c.to_string()),
            organization_id: a.organization_id,
            department: a.department,
            active: a.active,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// An account to create, as asked.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_code: Option<String>,
    pub organization_id: Option<uuid::Uuid>,
    pub department: Option<Department>,
    pub password: String,
}

/// Checks what needs no database: username, display name, password policy.
pub fn check_new(new: &NewAccount) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    match Username::parse(&new.username) {
        Ok(username) => {
            if let Err(v) = check_password(&new.password, &username) {
                errors.push(FieldError::new("password", v));
            }
        }
        Err(v) => errors.push(FieldError::new("username", v)),
    }
    if let Err(e) = check_display_name(&new.display_name) {
        errors.push(e);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub fn check_display_name(name: &str) -> Result<(), FieldError> {
    let len = name.trim().chars().count();
    if len == 0 {
        Err(FieldError::new("display_name", Violation::Required))
    } else if len > DISPLAY_NAME_MAX {
        Err(FieldError::new(
            "display_name",
            Violation::TooLong {
                max: DISPLAY_NAME_MAX,
            },
        ))
    } else {
        Ok(())
    }
}

/// The scope an account would have, checking its region exists at the right level.
pub fn resolve_scope(
    conn: &mut DbConnection,
    role: Role,
    region_code: Option<&str>,
    organization_id: Option<uuid::Uuid>,
) -> Result<(Option<RegionCode>, Scope), ApiError> {
    let region = match region_code {
        None => None,
        Some(raw) => {
            let code = RegionCode::parse(raw)
                .map_err(|v| ApiError::Validation(vec![FieldError::new("region_code", v)]))?;
            let region = persistence::regions::find_region(conn, &code)?.ok_or_else(|| {
                ApiError::Validation(vec![FieldError::rule("region_code", Rule::UnknownRegion)])
            })?;
            Some(region)
        }
    };
    let code = region.as_ref().map(|r| r.code.clone());
    let scope = Scope::for_role(
        role,
        code.as_ref(),
        region.as_ref().map(|r| r.level),
        organization_id,
    )
    .map_err(ApiError::Validation)?;
    if let Scope::Organization(id) = scope {
        if persistence::organizations::find_organization(conn, id)?.is_none() {
            return Err(ApiError::Validation(vec![FieldError::rule(
                "organization_id",
                Rule::UnknownOrganization,
            )]));
        }
    }
    Ok((code, scope))
}

/// Creates an account (already checked with `check_new`, password already hashed),
/// journaled as `user`/`create`.
pub fn create(
    conn: &mut DbConnection,
    context: &WriteContext,
    new: &NewAccount,
    password_hash: String,
) -> Result<Account, ApiError> {
    journal::write(conn, context, |conn| {
        let (region_code, _) = resolve_scope(
            conn,
            new.role,
            new.region_code.as_deref(),
            new.organization_id,
        )?;
        if store::username_taken(conn, &new.username)? {
            return Err(ApiError::Conflict(vec![FieldError::new(
                "username",
                Violation::Taken,
            )]));
        }
        let now = DbTimestamp(persistence::now());
        let row = UserRow {
            id: DbUuid(uuid::Uuid::now_v7()),
            username: new.username.clone(),
            display_name: new.display_name.trim().to_owned(),
            role: new.role.as_str().to_owned(),
            region_code: region_code.map(|c| c.as_str().to_owned()),
            organization_id: new.organization_id.map(DbUuid),
            department: new.department.map(|d| d.as_str().to_owned()),
            password_hash,
            active: true,
            session_epoch: 1,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let account = store::insert_user(conn, &row)?;
        let mut changes = Changes::new();
        changes.created("username", &account.username);
        changes.created("display_name", &account.display_name);
        changes.created("role", &account.role);
        changes.created(
            "region_code",
            &account.region_code.as_ref().map(|c| c.to_string()),
        );
        changes.created("organization_id", &account.organization_id);
        changes.created("department", &account.department);
        changes.created("active", &account.active);
        let entry = Entry {
            entity: "user",
            entity_id: account.id.to_string(),
            action: "create",
            changes,
        };
        Ok(Written::new(account, vec![entry]))
    })
}

/// On a database without accounts, creates `admin` (province admin) with the given
/// password, or a generated one that is logged once. Returns the password when it
/// was generated.
pub fn bootstrap_admin(
    conn: &mut DbConnection,
    password: Option<&str>,
) -> Result<Option<String>, String> {
    if store::any_user_exists(conn).map_err(|e| e.to_string())? {
        return Ok(None);
    }
    let generated = password.is_none().then(|| crate::auth::random_text(20));
    let password = password
        .or(generated.as_deref())
        .unwrap_or_default()
        .to_owned();
    let new = NewAccount {
        username: "admin".to_owned(),
        display_name: "省级管理员".to_owned(),
        role: Role::ProvinceAdmin,
        region_code: None,
        organization_id: None,
        department: None,
        password,
    };
    check_new(&new).map_err(|e| {
        let problem = e.problem(domain::Lang::En, "", "");
        let why: Vec<String> = problem.errors.iter().map(|e| e.message.clone()).collect();
        format!("BOOTSTRAP_ADMIN_PASSWORD: {}", why.join("; "))
    })?;
    let hash = crate::auth::hash_password(&new.password).map_err(|e| e.to_string())?;
    let context = WriteContext {
        actor_role: Some("system".to_owned()),
        ..WriteContext::default()
    };
    match create(conn, &context, &new, hash) {
        Ok(_) => Ok(generated),
        // Another replica starting at the same moment made it first.
        Err(ApiError::Conflict(_)) => Ok(None),
        Err(e) => Err(format!("creating the first admin: {e}")),
    }
}
