//! Every error the API answers with, as RFC 9457 `application/problem+json`.
//!
//! An `ApiError` knows its status and stable `code`; the request-context middleware
//! renders it in the caller's language with the request id, so handlers only ever
//! return `Err(ApiError::…)`. Database causes are logged, never sent.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use domain::limits::ERRORS_LISTED_MAX;
use domain::{FieldError, Lang, Violation};
use persistence::PersistenceError;
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying while the database is unavailable.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// One invalid field in a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field or query parameter, e.g. `page_size`.
    #[schema(example = "page_size")]
    pub field: String,
    /// A stable machine code: `required`, `invalid_format`, `not_allowed`,
    /// `out_of_range`, `unknown_field`, `too_short`, `too_long`, `too_many_items`,
    /// `invalid_character`, `too_deep`, `duplicate_field`, `forbidden`, `taken`, or
    /// a rule of the programme (`not_paired`, `organization_not_active`, …).
    #[schema(schema_with = field_code_schema)]
    pub code: String,
    /// What is wrong, in the response's language.
    #[schema(example = "取值应在 1 到 100 之间")]
    pub message: String,
}

/// Every code a field error can carry: the generic violations, then the rules of the
/// programme (`domain::rules`), each once.
pub fn field_codes() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = Violation::GENERIC_CODES.to_vec();
    for code in domain::Rule::codes() {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// Every code a problem can carry (`ApiError::code`, and the names of the statuses
/// answered without an `ApiError`).
pub const PROBLEM_CODES: [&str; 23] = [
    "malformed_query",
    "malformed_body",
    "validation_failed",
    "unauthorized",
    "invalid_credentials",
    "forbidden",
    "not_found",
    "conflict",
    "rate_limited",
    "method_not_allowed",
    "precondition_required",
    "precondition_failed",
    "payload_too_large",
    "unsupported_media_type",
    "uri_too_long",
    "request_header_fields_too_large",
    "service_unavailable",
    "internal_error",
    "bad_request",
    "not_acceptable",
    "request_timeout",
    "length_required",
    "gateway_timeout",
];

// `example` (not `examples`) keeps these two schemas worded as every other field's.
#[allow(deprecated)]
fn code_schema(
    description: &str,
    codes: Vec<&'static str>,
    example: &str,
) -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(codes))
        .example(Some(serde_json::json!(example)))
        .build()
}

/// The schema of `ProblemField.code`: an enum of `field_codes()`.
fn field_code_schema() -> utoipa::openapi::Object {
    code_schema(
        "A stable machine code: one of the generic codes (`required`, `invalid_format`, \
         `not_allowed`, `out_of_range`, `unknown_field`, `too_short`, `too_long`, \
         `forbidden`, `taken`) or a rule of the programme (`not_paired`, \
         `organization_not_active`, …). The list may grow; treat an unknown code as a \
         generic validation failure.",
        field_codes(),
        "out_of_range",
    )
}

/// The schema of `Problem.code`: an enum of `PROBLEM_CODES`.
fn problem_code_schema() -> utoipa::openapi::Object {
    code_schema(
        "A stable machine code to switch on; never changes meaning.",
        PROBLEM_CODES.to_vec(),
        "validation_failed",
    )
}

/// An error response (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:zhenxing:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:zhenxing:problem:validation_failed")]
    pub type_: String,
    /// A short summary of the kind of problem, in the response's language.
    #[schema(example = "请求参数校验失败")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong with this request, in the response's language.
    pub detail: String,
    /// A stable machine code to switch on; never changes meaning.
    #[schema(schema_with = problem_code_schema)]
    pub code: String,
    /// The request's id (also in the `X-Request-Id` header); quote it when reporting a problem.
    pub request_id: String,
    /// The request path.
    #[schema(example = "/api/v1/regions")]
    pub instance: String,
    /// Per-field errors, for `malformed_query`, `malformed_body` and `validation_failed`.
    /// At most the first 200 (`ERRORS_LISTED_MAX`); `errors_total` counts them all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// How many problems there were in all, when more than `errors` lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors_total: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The query string is malformed: a value of the wrong type, an unknown parameter.
    #[error("malformed query")]
    MalformedQuery(Vec<FieldError>),
    /// The body is not valid JSON, or not the shape expected.
    #[error("malformed body: {0}")]
    MalformedBody(String),
    /// Well-formed input that breaks a rule.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// No token, or one that is not (or no longer) valid. `token_given` adds
    /// `error="invalid_token"` to `WWW-Authenticate`.
    #[error("unauthorized")]
    Unauthorized { token_given: bool },
    /// Wrong username or password (one answer for both).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Authenticated, but not allowed; `fields` names the fields the caller may not set.
    #[error("forbidden")]
    Forbidden { fields: Vec<String> },
    /// No such resource, or not within the caller's scope.
    #[error("not found")]
    NotFound,
    /// A duplicate, or a change the resource's state does not allow.
    #[error("conflict")]
    Conflict(Vec<FieldError>),
    /// Too many attempts; retry after the given seconds.
    #[error("rate limited for {retry_after}s")]
    RateLimited { retry_after: i64 },
    #[error("method not allowed")]
    MethodNotAllowed,
    /// `If-Match` is needed to change this resource.
    #[error("precondition required")]
    PreconditionRequired,
    /// `If-Match` names a version that is no longer current.
    #[error("precondition failed: current version {current}")]
    PreconditionFailed { current: i32 },
    #[error("payload too large (limit {limit:?} bytes)")]
    PayloadTooLarge { limit: Option<usize> },
    /// An upload within the byte limit that exceeds another ceiling (rows, columns,
    /// unpacked size); each error names the ceiling.
    #[error("upload exceeds a ceiling")]
    TooLarge(Vec<FieldError>),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The request target is longer than `max` bytes.
    #[error("uri too long")]
    UriTooLong { max: usize },
    /// More header bytes or fields than the server reads.
    #[error("headers too large")]
    HeadersTooLarge { max_bytes: usize, max_fields: usize },
    /// The database cannot be reached; retry later.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; the cause is logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// Any other status actix produced without a body of ours (used by the
    /// middleware to turn plain-text errors into problems).
    #[error("http status {0}")]
    Status(StatusCode),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MalformedQuery(_) | ApiError::MalformedBody(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized { .. } | ApiError::InvalidCredentials => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge { .. } | ApiError::TooLarge(_) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Status(status) => *status,
        }
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedQuery(_) => "malformed_query",
            ApiError::MalformedBody(_) => "malformed_body",
            ApiError::Validation(_) => "validation_failed",
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::PreconditionRequired => "precondition_required",
            ApiError::PreconditionFailed { .. } => "precondition_failed",
            ApiError::PayloadTooLarge { .. } | ApiError::TooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::UriTooLong { .. } => "uri_too_long",
            ApiError::HeadersTooLarge { .. } => "request_header_fields_too_large",
            ApiError::Unavailable(_) => "service_unavailable",
            ApiError::Internal(_) => "internal_error",
            ApiError::Status(status) => status_code_name(*status),
        }
    }

    fn title(&self, lang: Lang) -> String {
        let (zh, en) = match self {
            ApiError::MalformedQuery(_) => ("查询参数格式错误", "Malformed query"),
            ApiError::MalformedBody(_) => ("请求体格式错误", "Malformed request body"),
            ApiError::Validation(_) => ("请求参数校验失败", "Validation failed"),
            ApiError::Unauthorized { .. } => ("未登录或登录已失效", "Unauthorized"),
            ApiError::InvalidCredentials => ("用户名或密码错误", "Invalid credentials"),
            ApiError::Forbidden { .. } => ("无权执行此操作", "Forbidden"),
            ApiError::NotFound => ("资源不存在", "Not found"),
            ApiError::Conflict(_) => ("与现有数据冲突", "Conflict"),
            ApiError::RateLimited { .. } => ("尝试次数过多", "Too many attempts"),
            ApiError::MethodNotAllowed => ("不支持该请求方法", "Method not allowed"),
            ApiError::PreconditionRequired => ("缺少 If-Match 请求头", "Precondition required"),
            ApiError::PreconditionFailed { .. } => ("资源已被修改", "Precondition failed"),
            ApiError::PayloadTooLarge { .. } | ApiError::TooLarge(_) => {
                ("请求体过大", "Payload too large")
            }
            ApiError::UnsupportedMediaType => ("不支持的内容类型", "Unsupported media type"),
            ApiError::UriTooLong { .. } => ("请求地址过长", "URI too long"),
            ApiError::HeadersTooLarge { .. } => ("请求头过大", "Request headers too large"),
            ApiError::Unavailable(_) => ("服务暂不可用", "Service unavailable"),
            ApiError::Internal(_) => ("服务器内部错误", "Internal server error"),
            ApiError::Status(status) => {
                return status.canonical_reason().unwrap_or("Error").to_owned()
            }
        };
        lang.pick(zh, en).to_owned()
    }

    fn detail(&self, lang: Lang) -> String {
        match (self, lang) {
            (ApiError::MalformedQuery(_), Lang::Zh) => "查询参数无法解析，详见 errors。".to_owned(),
            (ApiError::MalformedQuery(_), Lang::En) => {
                "The query string could not be read; see errors.".to_owned()
            }
            (ApiError::MalformedBody(cause), Lang::Zh) => format!("请求体不是有效的 JSON：{cause}"),
            (ApiError::MalformedBody(cause), Lang::En) => {
                format!("The request body is not valid JSON: {cause}")
            }
            (ApiError::Validation(_), Lang::Zh) => {
                "请求中有字段不符合要求，详见 errors。".to_owned()
            }
            (ApiError::Validation(_), Lang::En) => {
                "Some fields are invalid; see errors.".to_owned()
            }
            (ApiError::Unauthorized { token_given: false }, Lang::Zh) => {
                "请先登录，并在 Authorization 请求头中携带 Bearer 令牌。".to_owned()
            }
            (ApiError::Unauthorized { token_given: false }, Lang::En) => {
                "Log in and send the token as `Authorization: Bearer <token>`.".to_owned()
            }
            (ApiError::Unauthorized { token_given: true }, Lang::Zh) => {
                "令牌无效、已过期或已注销，请重新登录。".to_owned()
            }
            (ApiError::Unauthorized { token_given: true }, Lang::En) => {
                "The token is invalid, expired or revoked; log in again.".to_owned()
            }
            (ApiError::InvalidCredentials, Lang::Zh) => "用户名或密码错误。".to_owned(),
            (ApiError::InvalidCredentials, Lang::En) => {
                "The username or password is wrong.".to_owned()
            }
            (ApiError::Forbidden { fields }, Lang::Zh) if fields.is_empty() => {
                "您的角色或权限范围不允许此操作。".to_owned()
            }
            (ApiError::Forbidden { fields }, Lang::En) if fields.is_empty() => {
                "Your role or scope does not allow this.".to_owned()
            }
            (ApiError::Forbidden { fields }, Lang::Zh) => {
                format!("您无权设置以下字段：{}。", fields.join("、"))
            }
            (ApiError::Forbidden { fields }, Lang::En) => {
                format!("You may not set: {}.", fields.join(", "))
            }
            (ApiError::Conflict(_), Lang::Zh) => "请求与现有数据冲突，详见 errors。".to_owned(),
            (ApiError::Conflict(_), Lang::En) => {
                "The request conflicts with the current data; see errors.".to_owned()
            }
            (ApiError::RateLimited { retry_after }, Lang::Zh) => {
                format!("失败次数过多，请 {retry_after} 秒后再试。")
            }
            (ApiError::RateLimited { retry_after }, Lang::En) => {
                format!("Too many failed attempts; retry in {retry_after} seconds.")
            }
            (ApiError::NotFound, Lang::Zh) => "请求的资源不存在，或不在您的权限范围内。".to_owned(),
            (ApiError::NotFound, Lang::En) => {
                "The resource does not exist or is outside your scope.".to_owned()
            }
            (ApiError::MethodNotAllowed, Lang::Zh) => "该地址不支持此请求方法。".to_owned(),
            (ApiError::MethodNotAllowed, Lang::En) => {
                "This resource does not support the request method.".to_owned()
            }
            (ApiError::PreconditionRequired, Lang::Zh) => {
                "修改资源时须携带 If-Match 请求头（值为资源的 ETag）。".to_owned()
            }
            (ApiError::PreconditionRequired, Lang::En) => {
                "Send If-Match with the resource's ETag to change it.".to_owned()
            }
            (ApiError::PreconditionFailed { current }, Lang::Zh) => {
                format!("资源已被他人修改，当前版本为 {current}，请重新获取后再试。")
            }
            (ApiError::PreconditionFailed { current }, Lang::En) => format!(
                "The resource has changed (current version {current}); fetch it again and retry."
            ),
            (ApiError::PayloadTooLarge { limit: Some(limit) }, Lang::Zh) => {
                format!("请求体超过 {limit} 字节的上限。")
            }
            (ApiError::PayloadTooLarge { limit: Some(limit) }, Lang::En) => {
                format!("The request body exceeds the limit of {limit} bytes.")
            }
            (ApiError::PayloadTooLarge { limit: None }, Lang::Zh) => "请求体超过上限。".to_owned(),
            (ApiError::PayloadTooLarge { limit: None }, Lang::En) => {
                "The request body is too large.".to_owned()
            }
            (ApiError::TooLarge(_), Lang::Zh) => "上传的文件超出上限，详见 errors。".to_owned(),
            (ApiError::TooLarge(_), Lang::En) => {
                "The upload exceeds a ceiling; see errors.".to_owned()
            }
            (ApiError::UriTooLong { max }, Lang::Zh) => {
                format!("请求地址（路径与查询参数）超过 {max} 字节的上限。")
            }
            (ApiError::UriTooLong { max }, Lang::En) => {
                format!("The request target (path and query) exceeds {max} bytes.")
            }
            (ApiError::HeadersTooLarge { max_bytes, max_fields }, Lang::Zh) => {
                format!("请求头超过上限（最多 {max_fields} 个、共 {max_bytes} 字节）。")
            }
            (ApiError::HeadersTooLarge { max_bytes, max_fields }, Lang::En) => format!(
                "The request headers exceed the limit ({max_fields} fields, {max_bytes} bytes in all)."
            ),
            (ApiError::UnsupportedMediaType, Lang::Zh) => {
                "请求体须为 application/json。".to_owned()
            }
            (ApiError::UnsupportedMediaType, Lang::En) => {
                "The request body must be application/json.".to_owned()
            }
            (ApiError::Unavailable(_), Lang::Zh) => {
                format!("数据库暂时无法访问，请 {RETRY_AFTER_SECONDS} 秒后重试。")
            }
            (ApiError::Unavailable(_), Lang::En) => {
                format!("The database is unavailable; retry in {RETRY_AFTER_SECONDS} seconds.")
            }
            (ApiError::Internal(_), Lang::Zh) => {
                "服务器内部错误，已记录。请提供 request_id 联系管理员。".to_owned()
            }
            (ApiError::Internal(_), Lang::En) => {
                "An internal error occurred and was logged; quote the request_id when reporting it."
                    .to_owned()
            }
            (ApiError::Status(status), _) => {
                status.canonical_reason().unwrap_or("Error").to_owned()
            }
        }
    }

    fn field_errors(&self) -> Vec<FieldError> {
        match self {
            ApiError::MalformedQuery(errors)
            | ApiError::Validation(errors)
            | ApiError::Conflict(errors)
            | ApiError::TooLarge(errors) => errors.clone(),
            ApiError::Forbidden { fields } => fields
                .iter()
                .map(|f| FieldError::new(f.clone(), Violation::Forbidden))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self, lang: Lang, request_id: &str, instance: &str) -> Problem {
        let errors = self.field_errors();
        let errors_total = (errors.len() > ERRORS_LISTED_MAX).then_some(errors.len());
        Problem {
            type_: format!("urn:zhenxing:problem:{}", self.code()),
            title: self.title(lang),
            status: self.status().as_u16(),
            detail: self.detail(lang),
            code: self.code().to_owned(),
            request_id: request_id.to_owned(),
            instance: instance.to_owned(),
            errors: errors
                .into_iter()
                .take(ERRORS_LISTED_MAX)
                .map(|e| ProblemField {
                    field: e.field.clone(),
                    code: e.violation.code().to_owned(),
                    message: e.violation.message(lang),
                })
                .collect(),
            errors_total,
        }
    }

    /// The complete response, headers included.
    pub fn to_response(&self, lang: Lang, request_id: &str, instance: &str) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status());
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let ApiError::Unavailable(_) = self {
            builder.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
        }
        match self {
            ApiError::Unauthorized { token_given: true } => {
                builder.insert_header((
                    header::WWW_AUTHENTICATE,
                    r#"Bearer realm="zhenxing", error="invalid_token""#,
                ));
            }
            ApiError::Unauthorized { token_given: false } | ApiError::InvalidCredentials => {
                builder.insert_header((header::WWW_AUTHENTICATE, r#"Bearer realm="zhenxing""#));
            }
            ApiError::RateLimited { retry_after } => {
                builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        let body =
            serde_json::to_vec(&self.problem(lang, request_id, instance)).unwrap_or_default();
        builder.body(body)
    }

    /// Chooses 400 or 422 for a list of field errors: a value that cannot be read at
    /// all is malformed; a readable value that breaks a rule is a validation failure.
    pub fn from_field_errors(errors: Vec<FieldError>) -> ApiError {
        let malformed = errors.iter().any(|e| {
            matches!(
                e.violation,
                Violation::InvalidFormat { .. }
                    | Violation::NotAllowed { .. }
                    | Violation::UnknownField
            )
        });
        if malformed {
            ApiError::MalformedQuery(errors)
        } else {
            ApiError::Validation(errors)
        }
    }
}

fn status_code_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        406 => "not_acceptable",
        408 => "request_timeout",
        409 => "conflict",
        411 => "length_required",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        429 => "rate_limited",
        431 => "request_header_fields_too_large",
        503 => "service_unavailable",
        504 => "gateway_timeout",
        s if s >= 500 => "internal_error",
        _ => "bad_request",
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    /// Without the request at hand this renders in Chinese with no request id; the
    /// request-context middleware replaces it with the caller's language and id.
    fn error_response(&self) -> HttpResponse {
        self.to_response(Lang::Zh, "", "")
    }
}

impl From<PersistenceError> for ApiError {
    fn from(e: PersistenceError) -> Self {
        if e.is_unavailable() {
            ApiError::Unavailable(e.to_string())
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        ApiError::from(PersistenceError::from(e))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl ApiError {
    /// Turns a policy decision into the error it calls for (or nothing).
    pub fn from_decision(decision: domain::policy::Decision) -> Result<(), ApiError> {
        use domain::policy::Decision;
        match decision {
            Decision::Allow => Ok(()),
            Decision::Unauthenticated => Err(ApiError::Unauthorized { token_given: false }),
            Decision::Forbidden => Err(ApiError::Forbidden { fields: Vec::new() }),
            Decision::NotFound => Err(ApiError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OpenAPI enums list every code an answer can carry.
    #[test]
    fn documented_codes_cover_every_answer() {
        let errors = [
            ApiError::MalformedQuery(vec![]),
            ApiError::MalformedBody(String::new()),
            ApiError::Validation(vec![]),
            ApiError::Unauthorized { token_given: true },
            ApiError::InvalidCredentials,
            ApiError::Forbidden { fields: vec![] },
            ApiError::NotFound,
            ApiError::Conflict(vec![]),
            ApiError::RateLimited { retry_after: 1 },
            ApiError::MethodNotAllowed,
            ApiError::PreconditionRequired,
            ApiError::PreconditionFailed { current: 1 },
            ApiError::PayloadTooLarge { limit: None },
            ApiError::TooLarge(vec![]),
            ApiError::UnsupportedMediaType,
            ApiError::UriTooLong { max: 1 },
            ApiError::HeadersTooLarge {
                max_bytes: 1,
                max_fields: 1,
            },
            ApiError::Unavailable(String::new()),
            ApiError::Internal(String::new()),
        ];
        for error in &errors {
            assert!(PROBLEM_CODES.contains(&error.code()), "{}", error.code());
        }
        for status in 400..600 {
            let Ok(status) = StatusCode::from_u16(status) else {
                continue;
            };
            let code = status_code_name(status);
            assert!(PROBLEM_CODES.contains(&code), "{code}");
        }
        let unique: std::collections::BTreeSet<_> = PROBLEM_CODES.iter().collect();
        assert_eq!(unique.len(), PROBLEM_CODES.len());
        let fields = field_codes();
        for code in [
            "required",
            "too_many_items",
            "invalid_character",
            "too_deep",
        ] {
            assert!(fields.contains(&code), "{code}");
        }
        for rule in domain::Rule::all() {
            assert!(fields.contains(&rule.code()), "{}", rule.code());
        }
    }

    #[test]
    fn unreadable_values_are_400_and_rule_breaks_422() {
        let format = FieldError::new(
            "page_size",
            Violation::InvalidFormat {
                expected: "integer".into(),
            },
        );
        let range = FieldError::new("page", Violation::OutOfRange { min: 1, max: 5 });
        assert_eq!(
            ApiError::from_field_errors(vec![range.clone()])
                .status()
                .as_u16(),
            422
        );
        assert_eq!(
            ApiError::from_field_errors(vec![range, format])
                .status()
                .as_u16(),
            400
        );
    }

    #[test]
    fn problems_carry_code_and_localized_fields() {
        let err = ApiError::Validation(vec![FieldError::new(
            "page",
            Violation::OutOfRange { min: 1, max: 5 },
        )]);
        let p = err.problem(Lang::En, "req-1", "/api/v1/regions");
        assert_eq!(p.type_, "urn:zhenxing:problem:validation_failed");
        assert_eq!(p.status, 422);
        assert_eq!(p.request_id, "req-1");
        assert_eq!(p.errors[0].message, "must be between 1 and 5");
        let zh = err.problem(Lang::Zh, "req-1", "/");
        assert_eq!(zh.title, "请求参数校验失败");
    }

    #[test]
    fn internal_causes_are_not_sent() {
        let err = ApiError::Internal("relation \"secrets\" does not exist".into());
        let p = err.problem(Lang::En, "r", "/");
        assert!(!p.detail.contains("secrets"));
    }
}
