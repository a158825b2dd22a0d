//! The authorization policy (DESIGN.md §5): one pure function from (actor, action,
//! resource) to a decision. Handlers ask it; they never decide by themselves.

use crate::identity::{Actor, Role};
use crate::region::{RegionCode, RegionLevel};

/// What someone wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the division tree (public).
    ReadRegion,
    /// Set a county's `key_county` or `border_county`.
    DesignateCounty,
    /// Set a village's `tags`.
    TagVillage,
    /// List or create accounts.
    ManageUsers,
    /// Read one account.
    ReadUser,
    /// Change an account's profile, role, scope or `active`.
    UpdateUser,
    /// Set an account's password.
    SetPassword,
    /// Read the audit log.
    ReadAuditLog,
    /// Read the change feed.
    ReadEvents,
}

/// What it is done to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource<'a> {
    Region {
        code: &'a RegionCode,
        level: RegionLevel,
    },
    Users,
    User {
        id: uuid::Uuid,
    },
    AuditLog,
    EventFeed,
}

/// The answer. `NotFound` hides a resource outside the actor's sight, so that a
/// refusal does not reveal that it exists; `Forbidden` is for what the actor may see
/// but not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// No identity where one is needed: 401.
    Unauthenticated,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// The policy. `actor` is `None` for a request without a token.
pub fn authorize(actor: Option<&Actor>, action: Action, resource: &Resource<'_>) -> Decision {
    use Decision::{Allow, Forbidden, NotFound};

    if action == Action::ReadRegion {
        return Allow;
    }
    let Some(actor) = actor else {
        return Decision::Unauthenticated;
    };
    let admin = actor.role == Role::ProvinceAdmin;
    match (action, resource) {
        (Action::DesignateCounty, Resource::Region { .. }) => allow_if(admin, Forbidden),
        (Action::TagVillage, Resource::Region { code, .. }) => allow_if(
            admin || (actor.role == Role::CountyOfficer && actor.scope.covers_region(code)),
            Forbidden,
        ),
        (Action::ManageUsers, Resource::Users) => allow_if(admin, Forbidden),
        (Action::ReadUser, Resource::User { id }) => {
            allow_if(admin || *id == actor.user_id, NotFound)
        }
        (Action::UpdateUser, Resource::User { id }) => {
            if admin {
                Allow
            } else if *id == actor.user_id {
                // One's own account is visible, but role, scope and status are the
                // province's to set.
                Forbidden
            } else {
                NotFound
            }
        }
        (Action::SetPassword, Resource::User { id }) => {
            allow_if(admin || *id == actor.user_id, NotFound)
        }
        (Action::ReadAuditLog, Resource::AuditLog) => allow_if(admin, Forbidden),
        (Action::ReadEvents, Resource::EventFeed) => {
            allow_if(admin || actor.role == Role::Integration, Forbidden)
        }
        // An action asked of a resource it does not apply to is a bug in the caller:
        // refuse it.
        _ => Forbidden,
    }
}

fn allow_if(condition: bool, otherwise: Decision) -> Decision {
    if condition {
        Decision::Allow
    } else {
        otherwise
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Scope;
    use Decision::{Allow, Forbidden, NotFound, Unauthenticated};

    fn code(raw: &str) -> RegionCode {
        RegionCode::parse(raw).unwrap()
    }

    const ME: uuid::Uuid = uuid::Uuid::from_u128(1);
    const OTHER: uuid::Uuid = uuid::Uuid::from_u128(2);

    fn actor(role: Role, scope: Scope) -> Actor {
        Actor {
            user_id: ME,
            role,
            scope,
        }
    }

    /// Every role, with a scope: the county officer and prefecture officer sit over
    /// 530102 (in scope) and not over 530103's villages.
    fn everyone() -> Vec<(&'static str, Option<Actor>)> {
        vec![
            ("anonymous", None),
            (
                "province_admin",
                Some(actor(Role::ProvinceAdmin, Scope::Province)),
            ),
            (
                "prefecture_officer",
                Some(actor(
                    Role::PrefectureOfficer,
                    Scope::Prefecture(code("5301")),
                )),
            ),
            (
                "county_officer",
                Some(actor(Role::CountyOfficer, Scope::County(code("530102")))),
            ),
            (
                "org_user",
                Some(actor(Role::OrgUser, Scope::Organization(OTHER))),
            ),
            ("viewer", Some(actor(Role::Viewer, Scope::Province))),
            (
                "integration",
                Some(actor(Role::Integration, Scope::Province)),
            ),
        ]
    }

    /// The expected decision for each role, in the order of `everyone()`.
    fn check(action: Action, resource: Resource<'_>, expected: [Decision; 7]) {
        for ((name, actor), want) in everyone().iter().zip(expected) {
            assert_eq!(
                authorize(actor.as_ref(), action, &resource),
                want,
                "{name} {action:?} {resource:?}"
            );
        }
    }

    #[test]
    fn the_role_table() {
        let county = code("530102");
        let village_in = code("530102001001");
        let village_out = code("530103001001");
        let county_level = RegionLevel::County;
        let village = RegionLevel::Village;
        //           anonymous        admin  prefecture county     org        viewer     integration
        check(
            Action::ReadRegion,
            Resource::Region {
                code: &village_in,
                level: village,
            },
            [Allow, Allow, Allow, Allow, Allow, Allow, Allow],
        );
        check(
            Action::DesignateCounty,
            Resource::Region {
                code: &county,
                level: county_level,
            },
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
            ],
        );
        check(
            Action::TagVillage,
            Resource::Region {
                code: &village_in,
                level: village,
            },
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Allow,
                Forbidden,
                Forbidden,
                Forbidden,
            ],
        );
        check(
            Action::TagVillage,
            Resource::Region {
                code: &village_out,
                level: village,
            },
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
            ],
        );
        check(
            Action::ManageUsers,
            Resource::Users,
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
            ],
        );
        check(
            Action::ReadUser,
            Resource::User { id: ME },
            [Unauthenticated, Allow, Allow, Allow, Allow, Allow, Allow],
        );
        check(
            Action::ReadUser,
            Resource::User { id: OTHER },
            [
                Unauthenticated,
                Allow,
                NotFound,
                NotFound,
                NotFound,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::UpdateUser,
            Resource::User { id: ME },
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
            ],
        );
        check(
            Action::UpdateUser,
            Resource::User { id: OTHER },
            [
                Unauthenticated,
                Allow,
                NotFound,
                NotFound,
                NotFound,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::SetPassword,
            Resource::User { id: ME },
            [Unauthenticated, Allow, Allow, Allow, Allow, Allow, Allow],
        );
        check(
            Action::SetPassword,
            Resource::User { id: OTHER },
            [
                Unauthenticated,
                Allow,
                NotFound,
                NotFound,
                NotFound,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::ReadAuditLog,
            Resource::AuditLog,
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
            ],
        );
        check(
            Action::ReadEvents,
            Resource::EventFeed,
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
                Allow,
            ],
        );
    }

    #[test]
    fn a_prefecture_officer_tags_nothing_even_in_its_prefecture() {
        let village = code("530102001001");
        let officer = actor(Role::PrefectureOfficer, Scope::Prefecture(code("5301")));
        let resource = Resource::Region {
            code: &village,
            level: RegionLevel::Village,
        };
        assert_eq!(
            authorize(Some(&officer), Action::TagVillage, &resource),
            Forbidden
        );
    }

    #[test]
    fn mismatched_pairs_are_refused() {
        let admin = actor(Role::ProvinceAdmin, Scope::Province);
        assert_eq!(
            authorize(Some(&admin), Action::ReadAuditLog, &Resource::Users),
            Forbidden
        );
    }
}
