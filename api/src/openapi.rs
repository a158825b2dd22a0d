//! The OpenAPI document, assembled from the routes themselves.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::error::{Problem, ProblemField};
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Zhenxing 振兴 API",
        description = "The API of Yunnan's programme 社会组织助力乡村振兴三年行动方案 (2023–2025): \
social organizations pair with counties, run assistance projects, help villages and households, \
pair party branches, and report.\n\n\
Conventions: JSON in UTF-8 with snake_case fields; lists take `page` (from 1), `page_size` (1–100, \
default 20) and `sort` (a field, `-` for descending) and answer `{items, page, page_size, total}`; \
unknown query parameters are refused; every error is `application/problem+json` with a stable `code`, \
`request_id` and, for invalid input, `errors[]` of `{field, code, message}`. Messages are Chinese by \
default and English with `Accept-Language: en`. Send `X-Request-Id` to trace a request; it is echoed.",
        license(name = "MIT", identifier = "MIT"),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Logging in and out: `POST /auth/login` gives a bearer token"),
        (name = "users", description = "Accounts, roles and scopes (province admins)"),
        (name = "audit", description = "Who changed what, when (province admins)"),
        (name = "events", description = "The ordered change feed provincial systems poll"),
        (name = "organizations", description = "Social organizations (社会组织)"),
        (name = "pairings", description = "百会结百县: organizations paired with counties, and their written agreements"),
        (name = "pairing-requests", description = "Requests to add or adjust a pairing, decided by the province"),
        (name = "projects", description = "百会助千村: assistance projects in paired counties"),
        (name = "village-pairings", description = "百会助千村: organizations and member enterprises helping villages"),
        (name = "households", description = "百会兴万户: monitored households (personal data masked; full values only with a reason, audited) and the help given"),
        (name = "wishes", description = "小心愿: households' small wishes, claimed and fulfilled by organizations"),
        (name = "liaisons", description = "联络员: the liaison officers of prefectures and counties"),
        (name = "party", description = "双百结对共建: party organizations paired with village party branches"),
        (name = "cases", description = "典型案例: typical cases, published by the province"),
        (name = "supervision", description = "表扬通报、查处: commendations and violations"),
        (name = "reports", description = "Half-year and annual reports, their due dates and who still owes one"),
        (name = "stats", description = "Progress against the plan's targets"),
        (name = "exchange", description = "The pairing list as spreadsheets: import and export"),
        (name = "regions", description = "Yunnan's administrative divisions (行政区划), province to village"),
        (name = "counties", description = "The 129 county-level divisions, the unit of pairing"),
        (name = "operations", description = "Liveness, readiness and metrics"),
    ),
    components(schemas(Problem, ProblemField, domain::KeyCountyFilter))
)]
pub struct ApiDoc;

/// The `bearer` security scheme that protected operations name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
    }
}

/// The complete document, as served at `/api/v1/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    api
}

/// The document as pretty JSON with a trailing newline, as committed in
/// `openapi/openapi.json`.
pub fn document_json() -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(&document())?;
    json.push('\n');
    Ok(json)
}
