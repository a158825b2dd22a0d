//! Who acts: accounts' roles and scopes (DESIGN.md §5), usernames and the password
//! policy, and the login throttle.

use crate::code_enum;
use crate::region::{RegionCode, RegionLevel};
use crate::rules::{Inapplicable, Rule};
use crate::validation::{FieldError, Violation};

code_enum! {
    /// What an account may do; see DESIGN.md §5.
    pub enum Role {
        /// 省民政厅、省乡村振兴局: everything.
        ProvinceAdmin => "province_admin",
        /// A prefecture's officer: reads its prefecture.
        PrefectureOfficer => "prefecture_officer",
        /// A county's officer: reads its county, tags its villages.
        CountyOfficer => "county_officer",
        /// A social organization's user.
        OrgUser => "org_user",
        /// Reads everything except personal data.
        Viewer => "viewer",
        /// A provincial system: reads everything except personal data, and the change feed.
        Integration => "integration",
    }
}

code_enum! {
    /// The department an officer belongs to.
    pub enum Department {
        /// 民政
        CivilAffairs => "civil_affairs",
        /// 乡村振兴
        RuralRevitalization => "rural_revitalization",
    }
}

/// What part of the programme an account's role applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Province,
    Prefecture(RegionCode),
    County(RegionCode),
    Organization(uuid::Uuid),
}

impl Scope {
    /// The scope a role takes from an account's region and organization, or what is
    /// wrong with them. `region_level` is the level of `region_code` as stored.
    pub fn for_role(
        role: Role,
        region_code: Option<&RegionCode>,
        region_level: Option<RegionLevel>,
        organization_id: Option<uuid::Uuid>,
    ) -> Result<Scope, Vec<FieldError>> {
        let mut errors = Vec::new();
        let needs_region = match role {
            Role::PrefectureOfficer => Some(RegionLevel::Prefecture),
            Role::CountyOfficer => Some(RegionLevel::County),
            _ => None,
        };
        match (needs_region, region_code) {
            (Some(_), None) => errors.push(FieldError::new("region_code", Violation::Required)),
            (Some(level), Some(_)) if region_level != Some(level) => errors.push(FieldError::rule(
                "region_code",
                Rule::WrongLevel {
                    allowed: vec![level],
                },
            )),
            (None, Some(_)) => errors.push(FieldError::rule(
                "region_code",
                Rule::NotApplicable(Inapplicable::RoleRegion(role)),
            )),
            _ => {}
        }
        match (role == Role::OrgUser, organization_id) {
            (true, None) => errors.push(FieldError::new("organization_id", Violation::Required)),
            (false, Some(_)) => errors.push(FieldError::rule(
                "organization_id",
                Rule::NotApplicable(Inapplicable::RoleOrganization(role)),
            )),
            _ => {}
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(match (role, region_code, organization_id) {
            (Role::PrefectureOfficer, Some(code), _) => Scope::Prefecture(code.clone()),
            (Role::CountyOfficer, Some(code), _) => Scope::County(code.clone()),
            (Role::OrgUser, _, Some(id)) => Scope::Organization(id),
            _ => Scope::Province,
        })
    }

    /// The form carried in tokens: `province`, `prefecture:5301`, `county:530102`,
    /// `organization:<uuid>`.
    pub fn claim(&self) -> String {
        match self {
            Scope::Province => "province".to_owned(),
            Scope::Prefecture(code) => format!("prefecture:{code}"),
            Scope::County(code) => format!("county:{code}"),
            Scope::Organization(id) => format!("organization:{id}"),
        }
    }

    /// True when a region lies within this scope (the province holds every region; a
    /// prefecture or county holds the regions whose codes start with its own).
    pub fn covers_region(&self, code: &RegionCode) -> bool {
        match self {
            Scope::Province => true,
            Scope::Prefecture(own) | Scope::County(own) => code.is_within(own),
            Scope::Organization(_) => false,
        }
    }
}

pub(crate) fn role_zh(role: Role) -> &'static str {
    match role {
        Role::ProvinceAdmin => "省级管理员",
        Role::PrefectureOfficer => "州市工作人员",
        Role::CountyOfficer => "县级工作人员",
        Role::OrgUser => "社会组织用户",
        Role::Viewer => "查看用户",
        Role::Integration => "系统对接账号",
    }
}

pub(crate) fn level_zh(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "省",
        RegionLevel::Prefecture => "州（市）",
        RegionLevel::County => "县（市、区）",
        RegionLevel::Township => "乡（镇、街道）",
        RegionLevel::Village => "村（社区）",
    }
}

/// Someone acting through the API: an account, with its role and scope as stored now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: uuid::Uuid,
    pub role: Role,
    pub scope: Scope,
}

/// A login name: 3–32 of `a-z 0-9 _ . -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, Violation> {
        let len = raw.chars().count();
        if len < 3 {
            return Err(Violation::TooShort { min: 3 });
        }
        if len > 32 {
            return Err(Violation::TooLong { max: 32 });
        }
        if !raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
        {
            return Err(Violation::InvalidFormat {
                expected: "a-z, 0-9, _ . -".to_owned(),
            });
        }
        Ok(Username(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
/// Bounds the work of hashing a hostile input.
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Checks a new password against the policy: 10–128 characters, not containing the
/// username (in any case).
pub fn check_password(password: &str, username: &Username) -> Result<(), Violation> {
    let len = password.chars().count();
    if len < PASSWORD_MIN_CHARS {
        return Err(Violation::TooShort {
            min: PASSWORD_MIN_CHARS,
        });
    }
    if len > PASSWORD_MAX_CHARS {
        return Err(Violation::TooLong {
            max: PASSWORD_MAX_CHARS,
        });
    }
    if password.to_lowercase().contains(username.as_str()) {
        return Err(Violation::Rule(Rule::ContainsUsername));
    }
    Ok(())
}

/// Failed logins within the throttle window, and how long ago the latest was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    pub count: i64,
    pub latest_age_seconds: Option<i64>,
}

/// An exponential delay: the first `free` failures cost nothing; then each attempt
/// must wait `first_seconds`, twice that, four times … after the latest failure, at
/// most `max_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: i64,
    pub first_seconds: i64,
    pub max_seconds: i64,
}

impl Backoff {
    /// Seconds still to wait before another attempt, if any.
    pub fn wait(&self, failures: Failures) -> Option<i64> {
        if failures.count < self.free {
            return None;
        }
        let doublings = (failures.count - self.free).min(40) as u32;
        let delay = 1i64
            .checked_shl(doublings)
            .and_then(|factor| factor.checked_mul(self.first_seconds))
            .unwrap_or(i64::MAX)
            .min(self.max_seconds);
        let waited = failures.latest_age_seconds.unwrap_or(0).max(0);
        (delay > waited).then(|| delay - waited)
    }
}

/// How failed logins slow further attempts down. There is no hard lock: a lock is a
/// weapon (five wrong passwords from anywhere would shut `admin` out), so each key
/// only earns a delay, and the delay is long only where the guessing happens.
/// - one username from one address (someone guessing a password): from the 6th
///   failure, 1, 2, 4, … seconds, up to 15 minutes;
/// - one username from all addresses (guessing spread over many): from the 21st,
///   up to 1 minute, so that strangers can slow an account's logins but never stop them;
/// - one address across usernames (password spraying): from the 51st, up to 1 minute,
///   so that colleagues behind the same NAT are slowed, never locked out.
///
/// Failures older than the window are forgotten; a successful login forgets the
/// username's; `zhenxing unlock-login` forgets them at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    pub per_username_and_client: Backoff,
    pub per_username: Backoff,
    pub per_client: Backoff,
    pub window_seconds: i64,
}

impl LoginThrottle {
    pub const DEFAULT: LoginThrottle = LoginThrottle {
        per_username_and_client: Backoff {
            free: 5,
            first_seconds: 1,
            max_seconds: 15 * 60,
        },
        per_username: Backoff {
            free: 20,
            first_seconds: 1,
            max_seconds: 60,
        },
        per_client: Backoff {
            free: 50,
            first_seconds: 1,
            max_seconds: 60,
        },
        window_seconds: 15 * 60,
    };

    /// Given the failures within the window for the username from this address, for
    /// the username from anywhere and for this address, returns `Err(seconds to wait)`
    /// when this attempt must be refused.
    pub fn check(&self, pair: Failures, username: Failures, client: Failures) -> Result<(), i64> {
        [
            self.per_username_and_client.wait(pair),
            self.per_username.wait(username),
            self.per_client.wait(client),
        ]
        .into_iter()
        .flatten()
        .max()
        .map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> RegionCode {
        RegionCode::parse(raw).unwrap()
    }

    #[test]
    fn code_names_match_serde() {
        Role::assert_codes_match_serde();
        Department::assert_codes_match_serde();
    }

    #[test]
    fn usernames() {
        for ok in ["abc", "zhang.san", "county_530102", "a-b", &"a".repeat(32)] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
        for (bad, code) in [
            ("ab", "too_short"),
            (&"a".repeat(33) as &str, "too_long"),
            ("Admin", "invalid_format"),
            ("zhang san", "invalid_format"),
            ("张三丰", "invalid_format"),
        ] {
            assert_eq!(Username::parse(bad).unwrap_err().code(), code, "{bad}");
        }
    }

    #[test]
    fn password_policy() {
        let user = Username::parse("zhangsan").unwrap();
        assert!(check_password("correct horse battery", &user).is_ok());
        assert_eq!(
            check_password("short", &user).unwrap_err().code(),
            "too_short"
        );
        assert_eq!(
            check_password("xxZhangSan-2024", &user).unwrap_err().code(),
            "contains_username"
        );
        assert_eq!(
            check_password(&"x".repeat(129), &user).unwrap_err().code(),
            "too_long"
        );
        // Characters, not bytes: ten Chinese characters are enough.
        assert!(check_password("乡村振兴社会组织助力", &user).is_ok());
    }

    #[test]
    fn scopes_follow_roles() {
        let pref = code("5301");
        let county = code("530102");
        let org = uuid::Uuid::nil();
        assert_eq!(
            Scope::for_role(
                Role::PrefectureOfficer,
                Some(&pref),
                Some(RegionLevel::Prefecture),
                None
            )
            .unwrap(),
            Scope::Prefecture(pref.clone())
        );
        assert_eq!(
            Scope::for_role(
                Role::CountyOfficer,
                Some(&county),
                Some(RegionLevel::County),
                None
            )
            .unwrap(),
            Scope::County(county.clone())
        );
        assert_eq!(
            Scope::for_role(Role::OrgUser, None, None, Some(org)).unwrap(),
            Scope::Organization(org)
        );
        for role in [Role::ProvinceAdmin, Role::Viewer, Role::Integration] {
            assert_eq!(
                Scope::for_role(role, None, None, None).unwrap(),
                Scope::Province
            );
        }
        let fields = |r: Result<Scope, Vec<FieldError>>| {
            r.unwrap_err()
                .into_iter()
                .map(|e| format!("{}:{}", e.field, e.violation.code()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(Scope::for_role(Role::CountyOfficer, None, None, None)),
            ["region_code:required"]
        );
        assert_eq!(
            fields(Scope::for_role(
                Role::CountyOfficer,
                Some(&pref),
                Some(RegionLevel::Prefecture),
                None
            )),
            ["region_code:wrong_level"]
        );
        assert_eq!(
            fields(Scope::for_role(Role::OrgUser, None, None, None)),
            ["organization_id:required"]
        );
        assert_eq!(
            fields(Scope::for_role(
                Role::Viewer,
                Some(&county),
                Some(RegionLevel::County),
                Some(org)
            )),
            [
                "region_code:not_applicable",
                "organization_id:not_applicable"
            ]
        );
    }

    #[test]
    fn scopes_cover_regions_by_code_prefix() {
        let village = code("530102001001");
        assert!(Scope::Province.covers_region(&village));
        assert!(Scope::Prefecture(code("5301")).covers_region(&village));
        assert!(Scope::County(code("530102")).covers_region(&village));
        assert!(!Scope::County(code("530103")).covers_region(&village));
        assert!(!Scope::Prefecture(code("5303")).covers_region(&village));
        assert!(!Scope::Organization(uuid::Uuid::nil()).covers_region(&village));
        assert_eq!(Scope::County(code("530102")).claim(), "county:530102");
    }

    #[test]
    fn throttle_backs_off_and_never_locks() {
        let t = LoginThrottle::DEFAULT;
        let f = |count, age| Failures {
            count,
            latest_age_seconds: age,
        };
        let none = Failures::default();
        // Five free failures for a username from one address, then 1, 2, 4 … seconds
        // after the latest, at most 15 minutes.
        assert!(t.check(f(4, Some(0)), f(4, Some(0)), f(4, Some(0))).is_ok());
        assert_eq!(t.check(f(5, Some(0)), none, none), Err(1));
        assert!(t.check(f(5, Some(1)), none, none).is_ok());
        assert_eq!(t.check(f(8, Some(3)), none, none), Err(5));
        assert_eq!(t.check(f(60, Some(0)), none, none), Err(900));
        // The same username from elsewhere: slowed at most a minute, never locked.
        assert!(t.check(none, f(19, Some(0)), none).is_ok());
        assert_eq!(t.check(none, f(20, Some(0)), none), Err(1));
        assert_eq!(t.check(none, f(500, Some(0)), none), Err(60));
        assert!(t.check(none, f(500, Some(60)), none).is_ok());
        // One address spraying many usernames: the same, from the 51st failure.
        assert!(t.check(none, none, f(49, Some(0))).is_ok());
        assert_eq!(t.check(none, none, f(10_000, Some(30))), Err(30));
        // The longest wait wins.
        assert_eq!(t.check(f(7, Some(0)), f(30, Some(0)), none), Err(60));
        // A slower start, as a deployment (or a test) may set.
        let slow = Backoff {
            free: 5,
            first_seconds: 60,
            max_seconds: 900,
        };
        assert_eq!(slow.wait(f(5, Some(10))), Some(50));
        assert_eq!(slow.wait(f(7, Some(0))), Some(240));
        assert_eq!(slow.wait(f(i64::MAX, Some(0))), Some(900));
    }
}

/// An account as the programme sees it (never with its password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_code: Option<RegionCode>,
    pub organization_id: Option<uuid::Uuid>,
    pub department: Option<Department>,
    pub active: bool,
    /// Tokens issued in an earlier epoch are no longer accepted.
    pub session_epoch: i32,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Account {
    /// The account acting, or `None` when its role lacks the region or organization
    /// it needs (which the database's checks and `Scope::for_role` prevent).
    pub fn actor(&self) -> Option<Actor> {
        let scope = match self.role {
            Role::PrefectureOfficer => Scope::Prefecture(self.region_code.clone()?),
            Role::CountyOfficer => Scope::County(self.region_code.clone()?),
            Role::OrgUser => Scope::Organization(self.organization_id?),
            Role::ProvinceAdmin | Role::Viewer | Role::Integration => Scope::Province,
        };
        Some(Actor {
            user_id: self.id,
            role: self.role,
            scope,
        })
    }
}
