//! The routes, registered through utoipa-actix-web so that every route is in the
//! OpenAPI document and nothing is in the document that is not routed.

use actix_web::{web, HttpRequest, HttpResponse};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;

pub mod auth;
pub mod counties;
pub mod exchange;
pub mod households;
pub mod journal;
pub mod liaisons;
pub mod operations;
pub mod organizations;
pub mod pairing_requests;
pub mod pairings;
pub mod party;
pub mod projects;
pub mod regions;
pub mod reports;
pub mod stats;
pub mod supervision;
pub mod users;
pub mod village_pairings;
pub mod wishes;

pub const API_BASE: &str = "/api/v1";

/// Registers every route of the API.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(operations::healthz)
        .service(operations::readyz)
        .service(operations::metrics)
        .service(
            scope(API_BASE)
                .route("/openapi.json", web::get().to(get_openapi))
                .default_service(web::to(unrouted))
                .service(regions::list_regions)
                .service(regions::get_region)
                .service(regions::list_region_children)
                .service(regions::update_region)
                .service(auth::login)
                .service(auth::logout)
                .service(auth::me)
                .service(users::list_users)
                .service(users::create_user)
                .service(users::get_user)
                .service(users::update_user)
                .service(users::set_user_password)
                .service(journal::list_audit_log)
                .service(journal::list_events)
                .service(organizations::list_organizations)
                .service(organizations::create_organization)
                .service(organizations::get_organization)
                .service(organizations::update_organization)
                .service(stats::get_overview)
                .service(stats::get_prefecture_stats)
                .service(stats::get_county_stats)
                .service(stats::export_stats_xlsx)
                .service(stats::get_indicators)
                .service(stats::rank_organizations)
                .service(stats::get_weights)
                .service(stats::set_weights)
                .service(households::list_households)
                .service(households::create_household)
                .service(households::get_household)
                .service(households::update_household)
                .service(households::reveal_personal_data)
                .service(households::list_assistance)
                .service(households::create_assistance)
                .service(households::get_household_stats)
                .service(exchange::import_households)
                .service(wishes::list_wishes)
                .service(wishes::create_wish)
                .service(wishes::get_wish)
                .service(wishes::claim_wish)
                .service(wishes::release_wish)
                .service(wishes::fulfil_wish)
                .service(wishes::cancel_wish)
                .service(pairings::list_pairings)
                .service(pairings::create_pairing)
                .service(pairings::get_pairing)
                .service(pairings::sign_pairing)
                .service(pairings::terminate_pairing)
                .service(pairings::get_county_pairing_summary)
                .service(pairing_requests::list_pairing_requests)
                .service(pairing_requests::create_pairing_request)
                .service(pairing_requests::get_pairing_request)
                .service(pairing_requests::approve_pairing_request)
                .service(pairing_requests::reject_pairing_request)
                .service(projects::list_projects)
                .service(projects::create_project)
                .service(projects::get_project)
                .service(projects::update_project)
                .service(projects::start_project)
                .service(projects::complete_project)
                .service(projects::cancel_project)
                .service(village_pairings::list_village_pairings)
                .service(village_pairings::create_village_pairing)
                .service(village_pairings::get_village_pairing)
                .service(village_pairings::end_village_pairing)
                .service(village_pairings::get_village_stats)
                .service(liaisons::list_liaisons)
                .service(liaisons::create_liaison)
                .service(liaisons::list_missing_liaisons)
                .service(liaisons::get_liaison)
                .service(liaisons::update_liaison)
                .service(party::list_party_organizations)
                .service(party::create_party_organization)
                .service(party::get_party_organization)
                .service(party::update_party_organization)
                .service(party::list_party_pairings)
                .service(party::create_party_pairing)
                .service(party::get_party_pairing)
                .service(party::end_party_pairing)
                .service(party::create_party_activity)
                .service(party::list_party_activities)
                .service(party::get_party_stats)
                .service(supervision::list_cases)
                .service(supervision::create_case)
                .service(supervision::get_case)
                .service(supervision::publish_case)
                .service(supervision::list_supervision_records)
                .service(supervision::create_supervision_record)
                .service(reports::list_reports)
                .service(reports::create_report)
                .service(reports::list_outstanding_reports)
                .service(reports::get_report)
                .service(reports::update_report)
                .service(reports::submit_report)
                .service(exchange::import_pairings)
                .service(pairings::export::export_pairings_csv)
                .service(pairings::export::export_pairings_xlsx)
                .service(counties::list_counties)
                .service(counties::get_county),
        );
}

/// The OpenAPI document, computed once at start.
pub struct OpenApiJson(pub utoipa::openapi::OpenApi);

async fn get_openapi(spec: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok().json(&spec.0)
}

/// What no route answers: 405 when the path exists for another method, else 404.
pub async fn unrouted(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if req.resource_map().has_resource(req.path()) {
        Err(ApiError::MethodNotAllowed)
    } else {
        Err(ApiError::NotFound)
    }
}
