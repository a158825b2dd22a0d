//! The request context: every request gets an id (the caller's `X-Request-Id` or a
//! new one), a language, an access-log line, metrics, and — for any error — a
//! problem+json body in that language, whatever part of the stack produced it.

use std::rc::Rc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use domain::Lang;

use crate::error::{ApiError, PROBLEM_JSON};
use crate::metrics::Metrics;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, as echoed in `X-Request-Id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub Rc<str>);

impl RequestId {
    /// Accepts the caller's id when it is short and plain; otherwise makes one.
    fn from_header(value: Option<&HeaderValue>) -> RequestId {
        let given = value
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| {
                !v.is_empty()
                    && v.len() <= 128
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
            });
        match given {
            Some(id) => RequestId(Rc::from(id)),
            None => RequestId(Rc::from(uuid::Uuid::now_v7().to_string())),
        }
    }
}

impl FromRequest for RequestId {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId::from_header(None));
        std::future::ready(Ok(id))
    }
}

/// The caller's language, from `Accept-Language`.
pub fn request_lang(req: &HttpRequest) -> Lang {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// The middleware itself; wrap the whole app with `from_fn(request_context)`.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = RequestId::from_header(req.headers().get(REQUEST_ID));
    req.extensions_mut().insert(request_id.clone());
    // The request itself must not be cloned before routing (actix needs it unshared),
    // so keep what an escaping error needs.
    let lang = request_lang(req.request());
    let method = req.method().clone();
    let path = req.path().to_owned();
    let private = is_private(&path, req.headers().contains_key(header::AUTHORIZATION));
    if let Some(error) = oversized_head(&req) {
        return Err(Rendered::from_error(error, lang, &request_id, &path, private).into());
    }
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();

    let mut res = match next.call(req).await {
        Ok(res) => render_problem(res.map_into_boxed_body(), &request_id),
        Err(e) => {
            // An error escaping the inner services: answer it ourselves.
            log::warn!("request_id={} {method} {path}: {e}", request_id.0);
            let error = fallback_error(e.as_response_error().status_code());
            return Err(Rendered::from_error(error, lang, &request_id, &path, private).into());
        }
    };
    if let Ok(value) = HeaderValue::from_str(&request_id.0) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    security_headers(res.headers_mut(), &path, private);

    let status = res.status();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.observe(method.as_str(), &route, status.as_u16(), elapsed);
    }
    log::info!(
        target: "zhenxing::access",
        "request_id={} method={} path={} route={} status={} duration_ms={:.1}",
        request_id.0,
        method,
        path,
        route,
        status.as_u16(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(res)
}

/// The longest request target (path and query) served, in bytes. Far below the
/// transport's own limits (64 KiB for a URI, 128 KiB for the whole head), so that a
/// client that sends too much hears it as problem+json rather than a bare status.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Header fields read, and their bytes in all (names and values).
pub const MAX_HEADER_FIELDS: usize = 64;
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// 414 or 431 for a request head beyond the ceilings above.
fn oversized_head(req: &ServiceRequest) -> Option<ApiError> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        return Some(ApiError::UriTooLong { max: MAX_URI_BYTES });
    }
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    (headers.len() > MAX_HEADER_FIELDS || bytes > MAX_HEADER_BYTES).then_some(
        ApiError::HeadersTooLarge {
            max_bytes: MAX_HEADER_BYTES,
            max_fields: MAX_HEADER_FIELDS,
        },
    )
}

/// True when the answer to this request must not be kept by any cache: anything
/// asked with a token (scoped data, personal data) and the token endpoints themselves.
fn is_private(path: &str, authenticated: bool) -> bool {
    authenticated || path.starts_with("/api/v1/auth/")
}

/// The headers every response carries, where the handler has not set its own:
/// browsers must not sniff a JSON answer into HTML or frame it, and private answers
/// (tokens, personal data, anything scoped to the caller) must not be stored by any
/// cache. Swagger UI (`/docs`) is the one HTML page and gets a policy that lets its
/// own scripts and styles load; everything else may load nothing.
fn security_headers(headers: &mut actix_web::http::header::HeaderMap, path: &str, private: bool) {
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    if path == "/docs" || path.starts_with("/docs/") {
        set(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        );
    } else {
        set(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        );
    }
    if private {
        set(header::CACHE_CONTROL, "no-store");
    }
}

/// A problem already rendered for its request, handed back to actix as an error.
#[derive(Debug)]
struct Rendered {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Vec<u8>,
}

impl Rendered {
    fn from_error(
        error: ApiError,
        lang: domain::Lang,
        request_id: &RequestId,
        path: &str,
        private: bool,
    ) -> Rendered {
        let problem = error.problem(lang, &request_id.0, path);
        let mut headers = vec![(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))];
        if let Ok(value) = HeaderValue::from_str(&request_id.0) {
            headers.push((REQUEST_ID, value));
        }
        // The same security headers as every other answer.
        let mut security = actix_web::http::header::HeaderMap::new();
        security_headers(&mut security, path, private);
        headers.extend(security);
        Rendered {
            status: error.status(),
            headers,
            body: serde_json::to_vec(&problem).unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "problem {}", self.status)
    }
}

impl actix_web::ResponseError for Rendered {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let mut builder = actix_web::HttpResponse::build(self.status);
        for header in &self.headers {
            builder.insert_header(header.clone());
        }
        builder.body(self.body.clone())
    }
}

/// Turns any error response into problem+json in the caller's language: our own
/// `ApiError`s, actix's extractor and routing errors, anything else with a 4xx/5xx.
fn render_problem(
    res: ServiceResponse<BoxBody>,
    request_id: &RequestId,
) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if status.as_u16() < 400 {
        return res;
    }
    let req = res.request();
    let lang = request_lang(req);
    let api_error = match res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
    {
        Some(e) => {
            if let ApiError::Internal(cause) = e {
                log::error!("request_id={} internal error: {cause}", request_id.0);
            }
            if let ApiError::Unavailable(cause) = e {
                log::warn!("request_id={} database unavailable: {cause}", request_id.0);
            }
            e.to_response(lang, &request_id.0, req.path())
        }
        None => {
            let already_problem = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
            if already_problem {
                return res;
            }
            if let Some(e) = res.response().error() {
                log::warn!("request_id={} {status}: {e}", request_id.0);
            }
            fallback_error(status).to_response(lang, &request_id.0, req.path())
        }
    };
    let mut fresh = api_error;
    // Keep headers the inner response set for a reason (Allow, WWW-Authenticate, …).
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE
            && name != header::CONTENT_LENGTH
            && !fresh.headers().contains_key(name)
        {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    res.into_response(fresh)
}

fn fallback_error(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge { limit: None },
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
        StatusCode::INTERNAL_SERVER_ERROR => {
            ApiError::Internal("unexpected error response".to_owned())
        }
        other => ApiError::Status(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_are_kept_and_others_replaced() {
        let keep = HeaderValue::from_static("abc-123_X.y:z");
        assert_eq!(&*RequestId::from_header(Some(&keep)).0, "abc-123_X.y:z");
        for bad in ["", "has space", "semi;colon"] {
            let v = HeaderValue::from_str(bad).unwrap();
            let id = RequestId::from_header(Some(&v));
            assert_ne!(&*id.0, bad);
            assert!(uuid::Uuid::parse_str(&id.0).is_ok());
        }
        let long = HeaderValue::from_str(&"a".repeat(129)).unwrap();
        assert_eq!(RequestId::from_header(Some(&long)).0.len(), 36);
    }
}
