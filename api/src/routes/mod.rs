//! The routes, registered through utoipa-actix-web so that every route is in the
//! OpenAPI document and nothing is in the document that is not routed.

use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::scope;

pub mod counties;
pub mod operations;
pub mod regions;

pub const API_BASE: &str = "/api/v1";

/// Registers every route of the API.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(operations::healthz)
        .service(operations::readyz)
        .service(operations::metrics)
        .service(
            scope(API_BASE)
                .service(regions::list_regions)
                .service(regions::get_region)
                .service(regions::list_region_children)
                .service(counties::list_counties)
                .service(counties::get_county),
        );
}
