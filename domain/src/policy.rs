//! The authorization policy (DESIGN.md §5): one pure function from (actor, action,
//! resource) to a decision. Handlers ask it; they never decide by themselves.

use crate::identity::{Actor, Role, Scope};
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
    /// Register an organization.
    CreateOrganization,
    /// See an organization's contact person, phone and address (others see its
    /// public profile).
    ReadOrganizationContacts,
    /// Change an organization's contact fields and `has_party_organization`.
    UpdateOrganizationContacts,
    /// Change an organization's registration profile (name, credit code, type, …).
    UpdateOrganizationProfile,
    /// Set an organization's `status` or `evaluation_grade`.
    SetOrganizationStatus,
    /// Create a pairing (and import the pairing list).
    CreatePairing,
    /// See a pairing's agreement number (the pairing list itself is public).
    ReadPairingDetails,
    /// Record a pairing's signed agreement.
    SignPairing,
    /// End a pairing.
    TerminatePairing,
    /// Read an add/adjust request.
    ReadPairingRequest,
    /// File an add/adjust request.
    FilePairingRequest,
    /// Approve or reject an add/adjust request.
    DecidePairingRequest,
    /// Read an organization's work in a county: a project, a village pairing, a party
    /// pairing and its activities.
    ReadProject,
    /// Create or change that work (a project and its status, a village pairing, a
    /// party pairing, an activity).
    WriteProject,
    /// Put a project in (or out of) the county project library (县级项目库).
    SetCountyLibrary,
    /// Mark a project as a brand project (品牌项目).
    SetBrand,
    /// End a village pairing.
    EndVillagePairing,
    /// Read liaison officers (any signed-in account).
    ReadLiaisons,
    /// Name, change or retire the liaison of a region.
    WriteLiaison,
    /// Read party organizations (any signed-in account).
    ReadPartyOrganizations,
    /// Register an organization's party organization.
    WritePartyOrganization,
    /// Submit a typical case for an organization.
    SubmitCase,
    /// Publish a typical case.
    PublishCase,
    /// Record a commendation or a violation.
    WriteSupervision,
    /// List monitored households (viewers and integrations see counts instead).
    ListHouseholds,
    /// See a household, masked, with its assistance records and wishes.
    ReadHousehold,
    /// Register or edit a household; post or cancel its wishes.
    WriteHousehold,
    /// Read a household's personal data in full (audited, with a reason).
    RevealPersonalData,
    /// Record help given to a household.
    RecordAssistance,
    /// Claim a household's wish (organization users, for their own organization).
    ClaimWish,
    /// Fulfil a claimed wish: only the organization holding the claim.
    FulfilWish,
    /// Return a claim: the organization holding it, the county officer, province admins.
    ReleaseWish,
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
    Liaisons,
    Organizations,
    Organization {
        id: uuid::Uuid,
    },
    Pairings,
    Pairing {
        organization_id: uuid::Uuid,
        county_code: &'a RegionCode,
    },
    PairingRequest {
        organization_id: uuid::Uuid,
        county_code: &'a RegionCode,
    },
    /// A project or a village pairing: whose it is, and in which county.
    Project {
        organization_id: uuid::Uuid,
        county_code: &'a RegionCode,
    },
    Households,
    /// A household's wish, with the organization holding its claim (if any).
    Wish {
        county_code: &'a RegionCode,
        organization_paired: bool,
        claimed_by: Option<uuid::Uuid>,
    },
    /// A monitored household (or one of its wishes): its county, and whether the
    /// acting organization user's organization has a non-terminated pairing there.
    Household {
        county_code: &'a RegionCode,
        organization_paired: bool,
    },
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
        (Action::CreateOrganization, Resource::Organizations) => allow_if(admin, Forbidden),
        (Action::ReadOrganizationContacts, Resource::Organization { id }) => {
            allow_if(!is_other_organization(actor, *id), Forbidden)
        }
        (Action::UpdateOrganizationContacts, Resource::Organization { id }) => {
            allow_if(admin || is_own_organization(actor, *id), Forbidden)
        }
        (
            Action::UpdateOrganizationProfile | Action::SetOrganizationStatus,
            Resource::Organization { .. },
        ) => allow_if(admin, Forbidden),
        (Action::CreatePairing, Resource::Pairings) => allow_if(admin, Forbidden),
        (
            Action::ReadPairingDetails,
            Resource::Pairing {
                organization_id,
                county_code,
            },
        ) => allow_if(
            sees_pairing_details(actor, *organization_id, county_code),
            Forbidden,
        ),
        (
            Action::SignPairing,
            Resource::Pairing {
                organization_id, ..
            },
        ) => allow_if(
            admin || is_own_organization(actor, *organization_id),
            Forbidden,
        ),
        (Action::TerminatePairing, Resource::Pairing { .. }) => allow_if(admin, Forbidden),
        (
            Action::ReadPairingRequest,
            Resource::PairingRequest {
                organization_id,
                county_code,
            },
        ) => allow_if(
            sees_pairing_details(actor, *organization_id, county_code),
            NotFound,
        ),
        (
            Action::FilePairingRequest,
            Resource::PairingRequest {
                organization_id, ..
            },
        ) => allow_if(
            admin || is_own_organization(actor, *organization_id),
            Forbidden,
        ),
        (
            Action::DecidePairingRequest,
            Resource::PairingRequest {
                organization_id,
                county_code,
            },
        ) => {
            if admin {
                Allow
            } else if sees_pairing_details(actor, *organization_id, county_code) {
                Forbidden
            } else {
                NotFound
            }
        }
        (
            Action::ReadProject,
            Resource::Project {
                organization_id,
                county_code,
            },
        ) => allow_if(
            sees_pairing_details(actor, *organization_id, county_code),
            NotFound,
        ),
        (
            Action::WriteProject,
            Resource::Project {
                organization_id,
                county_code,
            },
        ) => {
            if admin || is_own_organization(actor, *organization_id) {
                Allow
            } else if sees_pairing_details(actor, *organization_id, county_code) {
                Forbidden
            } else {
                NotFound
            }
        }
        (Action::SetCountyLibrary, Resource::Project { county_code, .. }) => allow_if(
            admin || (actor.role == Role::CountyOfficer && actor.scope.covers_region(county_code)),
            Forbidden,
        ),
        (Action::SetBrand, Resource::Project { .. }) => allow_if(admin, Forbidden),
        (
            Action::EndVillagePairing,
            Resource::Project {
                organization_id,
                county_code,
            },
        ) => {
            let county_officer =
                actor.role == Role::CountyOfficer && actor.scope.covers_region(county_code);
            if admin || county_officer || is_own_organization(actor, *organization_id) {
                Allow
            } else if sees_pairing_details(actor, *organization_id, county_code) {
                Forbidden
            } else {
                NotFound
            }
        }
        (Action::ReadLiaisons, Resource::Liaisons) => Allow,
        (Action::ReadPartyOrganizations, Resource::Organizations) => Allow,
        (Action::SubmitCase, Resource::Organization { id }) => {
            allow_if(admin || is_own_organization(actor, *id), Forbidden)
        }
        (Action::PublishCase, Resource::Project { .. }) => allow_if(admin, Forbidden),
        (Action::WriteSupervision, Resource::Organizations) => allow_if(admin, Forbidden),
        (Action::WritePartyOrganization, Resource::Organization { id }) => {
            allow_if(admin || is_own_organization(actor, *id), Forbidden)
        }
        // A prefecture officer names its prefecture's liaisons and its counties'; a
        // county officer its county's.
        (Action::WriteLiaison, Resource::Region { code, level }) => allow_if(
            admin
                || (actor.role == Role::PrefectureOfficer && actor.scope.covers_region(code))
                || (actor.role == Role::CountyOfficer
                    && *level == RegionLevel::County
                    && actor.scope.covers_region(code)),
            Forbidden,
        ),
        (Action::ListHouseholds, Resource::Households) => allow_if(
            !matches!(actor.role, Role::Viewer | Role::Integration),
            Forbidden,
        ),
        (
            Action::ReadHousehold,
            Resource::Household {
                county_code,
                organization_paired,
            },
        ) => allow_if(
            sees_household(actor, county_code, *organization_paired),
            NotFound,
        ),
        (
            Action::WriteHousehold | Action::RevealPersonalData,
            Resource::Household {
                county_code,
                organization_paired,
            },
        ) => {
            if admin || is_county_officer_of(actor, county_code) {
                Allow
            } else if sees_household(actor, county_code, *organization_paired) {
                Forbidden
            } else {
                NotFound
            }
        }
        (
            Action::RecordAssistance,
            Resource::Household {
                county_code,
                organization_paired,
            },
        ) => {
            let helper = actor.role == Role::OrgUser && *organization_paired;
            if admin || is_county_officer_of(actor, county_code) || helper {
                Allow
            } else if sees_household(actor, county_code, *organization_paired) {
                Forbidden
            } else {
                NotFound
            }
        }
        (
            Action::ClaimWish,
            Resource::Household {
                county_code,
                organization_paired,
            },
        ) => {
            // Organizations claim and fulfil, for themselves.
            if actor.role == Role::OrgUser && *organization_paired {
                Allow
            } else if sees_household(actor, county_code, *organization_paired) {
                Forbidden
            } else {
                NotFound
            }
        }
        (
            Action::FulfilWish | Action::ReleaseWish,
            Resource::Wish {
                county_code,
                organization_paired,
                claimed_by,
            },
        ) => {
            // Unclaimed, any paired organization asks (and the wish's state refuses it).
            let holder = match claimed_by {
                Some(org) => is_own_organization(actor, *org),
                None => {
                    action == Action::FulfilWish
                        && actor.role == Role::OrgUser
                        && *organization_paired
                }
            };
            let manager = action == Action::ReleaseWish
                && (admin || is_county_officer_of(actor, county_code));
            if holder || manager {
                Allow
            } else if sees_household(actor, county_code, *organization_paired) {
                Forbidden
            } else {
                NotFound
            }
        }
        // An action asked of a resource it does not apply to is a bug in the caller:
        // refuse it.
        _ => Forbidden,
    }
}

fn is_own_organization(actor: &Actor, id: uuid::Uuid) -> bool {
    actor.role == Role::OrgUser && actor.scope == Scope::Organization(id)
}

/// An organization user looking at another organization.
fn is_other_organization(actor: &Actor, id: uuid::Uuid) -> bool {
    actor.role == Role::OrgUser && actor.scope != Scope::Organization(id)
}

/// The province-wide roles see everything; officers what lies in their region; an
/// organization its own.
fn sees_pairing_details(actor: &Actor, organization_id: uuid::Uuid, county: &RegionCode) -> bool {
    match actor.role {
        Role::ProvinceAdmin | Role::Viewer | Role::Integration => true,
        Role::PrefectureOfficer | Role::CountyOfficer => actor.scope.covers_region(county),
        Role::OrgUser => is_own_organization(actor, organization_id),
    }
}

fn is_county_officer_of(actor: &Actor, county: &RegionCode) -> bool {
    actor.role == Role::CountyOfficer && actor.scope.covers_region(county)
}

/// Who sees a household at all (masked): the officers over its county, province
/// admins, and users of an organization paired with its county. Viewers and
/// integrations see counts, never a household.
fn sees_household(actor: &Actor, county: &RegionCode, organization_paired: bool) -> bool {
    match actor.role {
        Role::ProvinceAdmin => true,
        Role::PrefectureOfficer | Role::CountyOfficer => actor.scope.covers_region(county),
        Role::OrgUser => organization_paired,
        Role::Viewer | Role::Integration => false,
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
        // Households: the county officer of 530102 and the prefecture officer above it
        // see one there; an organization only if paired with the county.
        let paired = |organization_paired| Resource::Household {
            county_code: &county,
            organization_paired,
        };
        check(
            Action::ListHouseholds,
            Resource::Households,
            [
                Unauthenticated,
                Allow,
                Allow,
                Allow,
                Allow,
                Forbidden,
                Forbidden,
            ],
        );
        check(
            Action::ReadHousehold,
            paired(true),
            [
                Unauthenticated,
                Allow,
                Allow,
                Allow,
                Allow,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::ReadHousehold,
            paired(false),
            [
                Unauthenticated,
                Allow,
                Allow,
                Allow,
                NotFound,
                NotFound,
                NotFound,
            ],
        );
        let elsewhere = code("530103");
        check(
            Action::ReadHousehold,
            Resource::Household {
                county_code: &elsewhere,
                organization_paired: false,
            },
            [
                Unauthenticated,
                Allow,
                Allow,
                NotFound,
                NotFound,
                NotFound,
                NotFound,
            ],
        );
        for action in [Action::WriteHousehold, Action::RevealPersonalData] {
            check(
                action,
                paired(true),
                [
                    Unauthenticated,
                    Allow,
                    Forbidden,
                    Allow,
                    Forbidden,
                    NotFound,
                    NotFound,
                ],
            );
            check(
                action,
                paired(false),
                [
                    Unauthenticated,
                    Allow,
                    Forbidden,
                    Allow,
                    NotFound,
                    NotFound,
                    NotFound,
                ],
            );
            check(
                action,
                Resource::Household {
                    county_code: &elsewhere,
                    organization_paired: false,
                },
                [
                    Unauthenticated,
                    Allow,
                    Forbidden,
                    NotFound,
                    NotFound,
                    NotFound,
                    NotFound,
                ],
            );
        }
        check(
            Action::RecordAssistance,
            paired(true),
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Allow,
                Allow,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::RecordAssistance,
            paired(false),
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Allow,
                NotFound,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::ClaimWish,
            paired(true),
            [
                Unauthenticated,
                Forbidden,
                Forbidden,
                Forbidden,
                Allow,
                NotFound,
                NotFound,
            ],
        );
        // The organization holding a claim (OTHER is the org user's) fulfils it; the
        // county officer and province admins may also return it.
        let wish = |claimed_by| Resource::Wish {
            county_code: &county,
            organization_paired: true,
            claimed_by,
        };
        check(
            Action::FulfilWish,
            wish(Some(OTHER)),
            [
                Unauthenticated,
                Forbidden,
                Forbidden,
                Forbidden,
                Allow,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::FulfilWish,
            wish(Some(ME)),
            [
                Unauthenticated,
                Forbidden,
                Forbidden,
                Forbidden,
                Forbidden,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::FulfilWish,
            wish(None),
            [
                Unauthenticated,
                Forbidden,
                Forbidden,
                Forbidden,
                Allow,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::ReleaseWish,
            wish(Some(OTHER)),
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Allow,
                Allow,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::ReleaseWish,
            wish(None),
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Allow,
                Forbidden,
                NotFound,
                NotFound,
            ],
        );
        check(
            Action::ClaimWish,
            paired(false),
            [
                Unauthenticated,
                Forbidden,
                Forbidden,
                Forbidden,
                NotFound,
                NotFound,
                NotFound,
            ],
        );
    }

    #[test]
    fn the_role_table_for_organizations_and_pairings() {
        // The org user of `everyone()` belongs to OTHER; MINE is someone else's.
        const MINE: uuid::Uuid = uuid::Uuid::from_u128(3);
        let county = code("530102");
        let far = code("530302");
        let own = Resource::Organization { id: OTHER };
        let foreign = Resource::Organization { id: MINE };
        //           anonymous        admin  prefecture county     org        viewer     integration
        check(
            Action::CreateOrganization,
            Resource::Organizations,
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
            Action::ReadOrganizationContacts,
            own.clone(),
            [Unauthenticated, Allow, Allow, Allow, Allow, Allow, Allow],
        );
        check(
            Action::ReadOrganizationContacts,
            foreign.clone(),
            [
                Unauthenticated,
                Allow,
                Allow,
                Allow,
                Forbidden,
                Allow,
                Allow,
            ],
        );
        check(
            Action::UpdateOrganizationContacts,
            own.clone(),
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Forbidden,
                Allow,
                Forbidden,
                Forbidden,
            ],
        );
        check(
            Action::UpdateOrganizationContacts,
            foreign.clone(),
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
        for action in [
            Action::UpdateOrganizationProfile,
            Action::SetOrganizationStatus,
        ] {
            check(
                action,
                own.clone(),
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
        }
        check(
            Action::CreatePairing,
            Resource::Pairings,
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
        let own_pairing = Resource::Pairing {
            organization_id: OTHER,
            county_code: &county,
        };
        let foreign_far = Resource::Pairing {
            organization_id: MINE,
            county_code: &far,
        };
        check(
            Action::ReadPairingDetails,
            own_pairing.clone(),
            [Unauthenticated, Allow, Allow, Allow, Allow, Allow, Allow],
        );
        check(
            Action::ReadPairingDetails,
            foreign_far.clone(),
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Forbidden,
                Forbidden,
                Allow,
                Allow,
            ],
        );
        check(
            Action::SignPairing,
            own_pairing.clone(),
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Forbidden,
                Allow,
                Forbidden,
                Forbidden,
            ],
        );
        check(
            Action::SignPairing,
            foreign_far.clone(),
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
            Action::TerminatePairing,
            own_pairing,
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
        let own_request = Resource::PairingRequest {
            organization_id: OTHER,
            county_code: &county,
        };
        let foreign_request = Resource::PairingRequest {
            organization_id: MINE,
            county_code: &far,
        };
        check(
            Action::ReadPairingRequest,
            own_request.clone(),
            [Unauthenticated, Allow, Allow, Allow, Allow, Allow, Allow],
        );
        check(
            Action::ReadPairingRequest,
            foreign_request.clone(),
            [
                Unauthenticated,
                Allow,
                NotFound,
                NotFound,
                NotFound,
                Allow,
                Allow,
            ],
        );
        check(
            Action::FilePairingRequest,
            own_request.clone(),
            [
                Unauthenticated,
                Allow,
                Forbidden,
                Forbidden,
                Allow,
                Forbidden,
                Forbidden,
            ],
        );
        check(
            Action::FilePairingRequest,
            foreign_request.clone(),
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
            Action::DecidePairingRequest,
            own_request,
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
            Action::DecidePairingRequest,
            foreign_request,
            [
                Unauthenticated,
                Allow,
                NotFound,
                NotFound,
                NotFound,
                Forbidden,
                Forbidden,
            ],
        );
    }

    #[test]
    #[rustfmt::skip]
    fn the_role_table_for_projects_and_village_pairings() {
        const MINE: uuid::Uuid = uuid::Uuid::from_u128(3);
        let county = code("530102");
        let far = code("530302");
        let own = Resource::Project { organization_id: OTHER, county_code: &county };
        let foreign_near = Resource::Project { organization_id: MINE, county_code: &county };
        let foreign_far = Resource::Project { organization_id: MINE, county_code: &far };
        //           anonymous        admin  prefecture county     org        viewer     integration
        check(Action::ReadProject, own.clone(),
            [Unauthenticated, Allow, Allow, Allow, Allow, Allow, Allow]);
        check(Action::ReadProject, foreign_far.clone(),
            [Unauthenticated, Allow, NotFound, NotFound, NotFound, Allow, Allow]);
        check(Action::WriteProject, own.clone(),
            [Unauthenticated, Allow, Forbidden, Forbidden, Allow, Forbidden, Forbidden]);
        check(Action::WriteProject, foreign_near.clone(),
            [Unauthenticated, Allow, Forbidden, Forbidden, NotFound, Forbidden, Forbidden]);
        check(Action::WriteProject, foreign_far.clone(),
            [Unauthenticated, Allow, NotFound, NotFound, NotFound, Forbidden, Forbidden]);
        check(Action::SetCountyLibrary, own.clone(),
            [Unauthenticated, Allow, Forbidden, Allow, Forbidden, Forbidden, Forbidden]);
        check(Action::SetCountyLibrary, foreign_far.clone(),
            [Unauthenticated, Allow, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]);
        check(Action::SetBrand, own.clone(),
            [Unauthenticated, Allow, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]);
        check(Action::EndVillagePairing, own,
            [Unauthenticated, Allow, Forbidden, Allow, Allow, Forbidden, Forbidden]);
        check(Action::EndVillagePairing, foreign_far,
            [Unauthenticated, Allow, NotFound, NotFound, NotFound, Forbidden, Forbidden]);
    }

    #[test]
    #[rustfmt::skip]
    fn the_role_table_for_liaisons() {
        let prefecture = code("5301");
        let county = code("530102");
        let far = code("530302");
        //           anonymous        admin  prefecture county     org        viewer     integration
        check(Action::ReadLiaisons, Resource::Liaisons,
            [Unauthenticated, Allow, Allow, Allow, Allow, Allow, Allow]);
        check(Action::ReadPartyOrganizations, Resource::Organizations,
            [Unauthenticated, Allow, Allow, Allow, Allow, Allow, Allow]);
        check(Action::WritePartyOrganization, Resource::Organization { id: OTHER },
            [Unauthenticated, Allow, Forbidden, Forbidden, Allow, Forbidden, Forbidden]);
        check(Action::WritePartyOrganization, Resource::Organization { id: ME },
            [Unauthenticated, Allow, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]);
        check(Action::SubmitCase, Resource::Organization { id: OTHER },
            [Unauthenticated, Allow, Forbidden, Forbidden, Allow, Forbidden, Forbidden]);
        check(Action::PublishCase, Resource::Project { organization_id: OTHER, county_code: &county },
            [Unauthenticated, Allow, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]);
        check(Action::WriteSupervision, Resource::Organizations,
            [Unauthenticated, Allow, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]);
        check(Action::WriteLiaison, Resource::Region { code: &prefecture, level: RegionLevel::Prefecture },
            [Unauthenticated, Allow, Allow, Forbidden, Forbidden, Forbidden, Forbidden]);
        check(Action::WriteLiaison, Resource::Region { code: &county, level: RegionLevel::County },
            [Unauthenticated, Allow, Allow, Allow, Forbidden, Forbidden, Forbidden]);
        check(Action::WriteLiaison, Resource::Region { code: &far, level: RegionLevel::County },
            [Unauthenticated, Allow, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden]);
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
