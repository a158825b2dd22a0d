// The diesel schema, as `diesel print-schema` writes it for the PostgreSQL
// migrations, with the two portable types of `crate::dialect` in place of
// `Uuid`/`Timestamptz`. Change it only together with the migrations; the test
// `schema_matches_migrations` checks the two agree on both backends.

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::PortableTimestamp;

    regions (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
        full_name -> Text,
        children_count -> Integer,
        townships_count -> Integer,
        villages_count -> Integer,
        key_county -> Nullable<Text>,
        border_county -> Bool,
        tags -> Text,
        version -> Integer,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    users (id) {
        id -> PortableUuid,
        username -> Text,
        display_name -> Text,
        role -> Text,
        region_code -> Nullable<Text>,
        organization_id -> Nullable<PortableUuid>,
        department -> Nullable<Text>,
        password_hash -> Text,
        active -> Bool,
        session_epoch -> Integer,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    revoked_tokens (jti) {
        jti -> PortableUuid,
        expires_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    login_failures (id) {
        id -> PortableUuid,
        username -> Text,
        client_ip -> Text,
        at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    audit_log (id) {
        id -> PortableUuid,
        at -> PortableTimestamp,
        actor_id -> Nullable<PortableUuid>,
        actor_role -> Nullable<Text>,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        changes -> Text,
        request_id -> Nullable<Text>,
        client_ip -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::PortableTimestamp;

    events (seq) {
        seq -> BigInt,
        at -> PortableTimestamp,
        entity -> Text,
        entity_id -> Text,
        action -> Text,
    }
}

diesel::table! {
    event_sequence (id) {
        id -> Integer,
        last_seq -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    organizations (id) {
        id -> PortableUuid,
        name -> Text,
        credit_code -> Text,
        org_type -> Text,
        level -> Text,
        sector -> Nullable<Text>,
        registration_region_code -> Text,
        supervising_unit -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        address -> Nullable<Text>,
        has_party_organization -> Bool,
        evaluation_grade -> Nullable<Text>,
        status -> Text,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    pairings (id) {
        id -> PortableUuid,
        organization_id -> PortableUuid,
        county_code -> Text,
        batch -> Integer,
        status -> Text,
        established_on -> Date,
        agreement_deadline -> Date,
        agreement_no -> Nullable<Text>,
        agreement_signed_on -> Nullable<Date>,
        terminated_on -> Nullable<Date>,
        termination_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    pairing_requests (id) {
        id -> PortableUuid,
        organization_id -> PortableUuid,
        kind -> Text,
        county_code -> Text,
        from_pairing_id -> Nullable<PortableUuid>,
        document_no -> Text,
        reason -> Nullable<Text>,
        status -> Text,
        decided_by -> Nullable<PortableUuid>,
        decided_at -> Nullable<PortableTimestamp>,
        decision_note -> Nullable<Text>,
        pairing_id -> Nullable<PortableUuid>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    projects (id) {
        id -> PortableUuid,
        organization_id -> PortableUuid,
        county_code -> Text,
        village_code -> Nullable<Text>,
        title -> Text,
        description -> Nullable<Text>,
        category -> Text,
        dimension -> Text,
        status -> Text,
        start_on -> Date,
        end_on -> Nullable<Date>,
        committed_fen -> BigInt,
        disbursed_fen -> BigInt,
        beneficiaries -> BigInt,
        enterprise_name -> Nullable<Text>,
        enterprise_credit_code -> Nullable<Text>,
        in_county_library -> Bool,
        brand -> Bool,
        cancel_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    village_pairings (id) {
        id -> PortableUuid,
        organization_id -> PortableUuid,
        village_code -> Text,
        county_code -> Text,
        enterprise_name -> Nullable<Text>,
        enterprise_credit_code -> Nullable<Text>,
        focus -> Text,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        status -> Text,
        note -> Nullable<Text>,
        end_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::joinable!(users -> regions (region_code));
diesel::joinable!(projects -> organizations (organization_id));
diesel::joinable!(projects -> regions (county_code));
diesel::joinable!(village_pairings -> organizations (organization_id));
diesel::joinable!(village_pairings -> regions (village_code));
diesel::joinable!(pairings -> organizations (organization_id));
diesel::joinable!(pairings -> regions (county_code));

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    party_organizations (id) {
        id -> PortableUuid,
        organization_id -> PortableUuid,
        name -> Text,
        kind -> Text,
        members -> Integer,
        secretary_name -> Text,
        established_on -> Date,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    party_pairings (id) {
        id -> PortableUuid,
        party_organization_id -> PortableUuid,
        organization_id -> PortableUuid,
        village_code -> Text,
        county_code -> Text,
        branch_name -> Text,
        signed_on -> Date,
        status -> Text,
        ended_on -> Nullable<Date>,
        goals -> Nullable<Text>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    party_activities (id) {
        id -> PortableUuid,
        party_pairing_id -> PortableUuid,
        kind -> Text,
        held_on -> Date,
        title -> Text,
        participants -> Integer,
        summary -> Nullable<Text>,
        created_by -> Nullable<PortableUuid>,
        created_at -> PortableTimestamp,
    }
}

diesel::joinable!(party_pairings -> party_organizations (party_organization_id));
diesel::joinable!(party_pairings -> regions (village_code));
diesel::joinable!(party_pairings -> organizations (organization_id));
diesel::joinable!(party_activities -> party_pairings (party_pairing_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    cases (id) {
        id -> PortableUuid,
        organization_id -> PortableUuid,
        title -> Text,
        summary -> Text,
        body -> Text,
        county_code -> Text,
        project_id -> Nullable<PortableUuid>,
        status -> Text,
        published_on -> Nullable<Date>,
        channel -> Nullable<Text>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    supervision_records (id) {
        id -> PortableUuid,
        organization_id -> PortableUuid,
        kind -> Text,
        document_no -> Text,
        decided_on -> Date,
        description -> Text,
        suspend -> Bool,
        created_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    reports (id) {
        id -> PortableUuid,
        kind -> Text,
        subject -> Text,
        period -> Text,
        status -> Text,
        sections -> Text,
        submitted_at -> Nullable<PortableTimestamp>,
        due_on -> Date,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    regions,
    users,
    revoked_tokens,
    login_failures,
    audit_log,
    events,
    event_sequence,
    organizations,
    pairings,
    pairing_requests,
    projects,
    village_pairings,
    liaisons,
    party_organizations,
    party_pairings,
    party_activities,
    cases,
    supervision_records,
    reports,
    households,
    wishes,
    assistance_records,
    evaluation_weights,
    idempotency_keys,
);

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    liaisons (id) {
        id -> PortableUuid,
        region_code -> Text,
        department -> Text,
        name -> Text,
        position -> Nullable<Text>,
        phone -> Text,
        email -> Nullable<Text>,
        active -> Bool,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::joinable!(liaisons -> regions (region_code));

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    households (id) {
        id -> PortableUuid,
        village_code -> Text,
        county_code -> Text,
        head_name_sealed -> Text,
        head_name_masked -> Text,
        id_number_sealed -> Text,
        id_number_masked -> Text,
        id_number_index -> Text,
        phone_sealed -> Nullable<Text>,
        phone_masked -> Nullable<Text>,
        members -> Integer,
        category -> Text,
        special_groups -> Text,
        risk_eliminated -> Bool,
        note -> Nullable<Text>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    wishes (id) {
        id -> PortableUuid,
        household_id -> PortableUuid,
        county_code -> Text,
        village_code -> Text,
        description -> Text,
        estimated_fen -> BigInt,
        status -> Text,
        claimed_by -> Nullable<PortableUuid>,
        claimed_at -> Nullable<PortableTimestamp>,
        fulfilled_on -> Nullable<Date>,
        fulfilment_note -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    assistance_records (id) {
        id -> PortableUuid,
        household_id -> PortableUuid,
        organization_id -> PortableUuid,
        kind -> Text,
        given_on -> Date,
        value_fen -> BigInt,
        description -> Text,
        wish_id -> Nullable<PortableUuid>,
        created_by -> Nullable<PortableUuid>,
        created_at -> PortableTimestamp,
        updated_at -> PortableTimestamp,
    }
}

diesel::joinable!(households -> regions (village_code));
diesel::joinable!(wishes -> households (household_id));
diesel::joinable!(assistance_records -> households (household_id));
diesel::joinable!(assistance_records -> organizations (organization_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::PortableTimestamp;

    evaluation_weights (indicator) {
        indicator -> Text,
        weight -> Integer,
        updated_at -> PortableTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::dialect::{PortableTimestamp, PortableUuid};

    idempotency_keys (user_id, key) {
        user_id -> PortableUuid,
        key -> Text,
        fingerprint -> Text,
        status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Text>,
        created_at -> PortableTimestamp,
    }
}
