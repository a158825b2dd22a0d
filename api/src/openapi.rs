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

/// Every `POST` but logging in and out takes `Idempotency-Key` (see `crate::idempotency`),
/// with the answers that brings.
struct IdempotencyKey;

impl utoipa::Modify for IdempotencyKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{
            ContentBuilder, ObjectBuilder, Ref, Required, ResponseBuilder, Type,
        };
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let Some(post) = item.post.as_mut() else {
                continue;
            };
            if path.starts_with("/api/v1/auth/") {
                continue;
            }
            post.parameters.get_or_insert_with(Vec::new).push(
                ParameterBuilder::new()
                    .name("Idempotency-Key")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(
                        "Makes a retry safe: the same key from the same account with the same request \
                         within 24 hours gets the first successful answer again (marked \
                         `Idempotent-Replayed: true`) without a second write; with another request it is \
                         a 422. 1–128 visible ASCII characters.",
                    ))
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .min_length(Some(1))
                            .max_length(Some(128))
                            .pattern(Some("^[!-~]+$")),
                    ))
                    .build(),
            );
            let responses = &mut post.responses.responses;
            for (status, description) in [
                (
                    "400",
                    "The `Idempotency-Key` is malformed, or a parameter cannot be read",
                ),
                (
                    "409",
                    "A request with this `Idempotency-Key` is still being handled, or a conflict",
                ),
                (
                    "422",
                    "This `Idempotency-Key` was used for another request, or a field is invalid",
                ),
            ] {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description).into());
            }
        }
    }
}

/// The complete document, as served at `/api/v1/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    // The paths exist only now that the routes are registered.
    let mut api = api;
    utoipa::Modify::modify(&IdempotencyKey, &mut api);
    api
}

/// The document as pretty JSON with a trailing newline, as committed in
/// `openapi/openapi.json`.
pub fn document_json() -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(&document())?;
    json.push('\n');
    Ok(json)
}
