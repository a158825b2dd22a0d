//! Extractors every endpoint shares: the list query (filters, `page`, `page_size`,
//! `sort`), `If-Match` for optimistic concurrency, and the JSON body (`json`) with
//! the ceilings request bodies are held to (`limits`).

mod json;
pub mod limits;

pub use json::{invalid_character, nullable, parse_json, JsonBody};

use std::collections::HashMap;
use std::future::{ready, Ready};
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use domain::listing::{PageRequest, Sort, SortField};
use domain::{FieldError, RegionCode, Violation};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// The query string, read once, handing out typed values and collecting every
/// problem so the caller hears about all of them at once.
pub struct QueryReader {
    values: HashMap<String, String>,
    errors: Vec<FieldError>,
}

impl QueryReader {
    pub fn parse(query: &str) -> QueryReader {
        let mut values = HashMap::new();
        let mut errors = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            // `%00` decodes to U+0000, which PostgreSQL cannot take in a parameter.
            if key.contains('\0') || value.contains('\0') {
                errors.push(FieldError::new(
                    key.replace('\0', "\\u0000"),
                    invalid_character(),
                ));
                continue;
            }
            if values.insert(key.to_string(), value.to_string()).is_some() {
                errors.push(FieldError::new(
                    key.to_string(),
                    Violation::InvalidFormat {
                        expected: "a single value".to_owned(),
                    },
                ));
            }
        }
        QueryReader { values, errors }
    }

    /// The raw value; an empty value counts as absent.
    pub fn text(&mut self, name: &str) -> Option<String> {
        self.values
            .remove(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A value parsed by its `FromStr` (enums of the glossary report their allowed values).
    pub fn parse_with<T: FromStr<Err = Violation>>(&mut self, name: &str) -> Option<T> {
        let raw = self.text(name)?;
        match raw.parse() {
            Ok(v) => Some(v),
            Err(violation) => {
                self.errors.push(FieldError::new(name, violation));
                None
            }
        }
    }

    pub fn region_code(&mut self, name: &str) -> Option<RegionCode> {
        let raw = self.text(name)?;
        match RegionCode::parse(&raw) {
            Ok(code) => Some(code),
            Err(violation) => {
                self.errors.push(FieldError::new(name, violation));
                None
            }
        }
    }

    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        match self.text(name)?.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => {
                self.errors.push(FieldError::new(
                    name,
                    Violation::InvalidFormat {
                        expected: "boolean".to_owned(),
                    },
                ));
                None
            }
        }
    }

    /// An integer within `min..=max`.
    pub fn integer(&mut self, name: &str, min: i64, max: i64) -> Option<i64> {
        let raw = self.text(name)?;
        match raw.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            Ok(_) => {
                self.errors
                    .push(FieldError::new(name, Violation::OutOfRange { min, max }));
                None
            }
            Err(_) => {
                self.errors.push(FieldError::new(
                    name,
                    Violation::InvalidFormat {
                        expected: "integer".to_owned(),
                    },
                ));
                None
            }
        }
    }

    pub fn uuid(&mut self, name: &str) -> Option<uuid::Uuid> {
        let raw = self.text(name)?;
        match uuid::Uuid::parse_str(&raw) {
            Ok(id) => Some(id),
            Err(_) => {
                self.errors.push(FieldError::new(
                    name,
                    Violation::InvalidFormat {
                        expected: "uuid".to_owned(),
                    },
                ));
                None
            }
        }
    }

    pub fn timestamp(&mut self, name: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        let raw = self.text(name)?;
        match chrono::DateTime::parse_from_rfc3339(&raw) {
            Ok(at) => Some(at.with_timezone(&chrono::Utc)),
            Err(_) => {
                self.errors.push(FieldError::new(
                    name,
                    Violation::InvalidFormat {
                        expected: "timestamp".to_owned(),
                    },
                ));
                None
            }
        }
    }

    /// Ends reading: any parameter nobody asked for is an error, so a misspelt filter
    /// is reported rather than silently ignored.
    pub fn finish(mut self) -> Result<(), ApiError> {
        let mut unknown: Vec<String> = self.values.into_keys().collect();
        unknown.sort();
        self.errors.extend(
            unknown
                .into_iter()
                .map(|k| FieldError::new(k, Violation::UnknownField)),
        );
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::from_field_errors(self.errors))
        }
    }
}

/// A list's filters, read from the query string.
pub trait ListFilter: Sized {
    type Sort: SortField;

    fn read(query: &mut QueryReader) -> Self;
}

/// `page`, `page_size`, `sort` and a list's filters, all checked.
#[derive(Debug)]
pub struct ListQuery<F: ListFilter> {
    pub filter: F,
    pub page: PageRequest,
    pub sort: Sort<F::Sort>,
}

impl<F: ListFilter> ListQuery<F> {
    pub fn from_query_string(query: &str) -> Result<Self, ApiError> {
        let mut reader = QueryReader::parse(query);
        let page = reader.text("page");
        let page_size = reader.text("page_size");
        let sort = reader.text("sort");
        let page = PageRequest::parse(page.as_deref(), page_size.as_deref())
            .map_err(|errors| reader.errors.extend(errors))
            .ok();
        let sort = Sort::<F::Sort>::parse(sort.as_deref())
            .map_err(|error| reader.errors.push(error))
            .ok();
        let filter = F::read(&mut reader);
        reader.finish()?;
        match (page, sort) {
            (Some(page), Some(sort)) => Ok(ListQuery { filter, page, sort }),
            // Unreachable: a failed parse above left an error for `finish`.
            _ => Err(ApiError::Internal("list query parse".to_owned())),
        }
    }
}

impl<F: ListFilter> FromRequest for ListQuery<F> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(ListQuery::from_query_string(req.query_string()))
    }
}

/// A list's filters and `sort` without paging (for exports of the whole list).
#[derive(Debug)]
pub struct FilterQuery<F: ListFilter> {
    pub filter: F,
    pub sort: Sort<F::Sort>,
}

impl<F: ListFilter> FromRequest for FilterQuery<F> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mut reader = QueryReader::parse(req.query_string());
        let sort = reader.text("sort");
        let sort = Sort::<F::Sort>::parse(sort.as_deref())
            .map_err(|error| reader.errors.push(error))
            .ok();
        let filter = F::read(&mut reader);
        ready(reader.finish().and_then(|()| {
            sort.map(|sort| FilterQuery { filter, sort })
                .ok_or_else(|| ApiError::Internal("filter query parse".to_owned()))
        }))
    }
}

/// The paging parameters every list accepts (documentation only: `ListQuery` reads
/// them). Each list documents its own `sort`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PageParams {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    page: Option<i64>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100, default = 20)]
    page_size: Option<i64>,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T: ToSchema> {
    pub items: Vec<T>,
    /// The page number served, from 1.
    pub page: i64,
    /// The page size used.
    pub page_size: i64,
    /// Items across all pages.
    pub total: i64,
}

impl<T: ToSchema> Paged<T> {
    pub fn new<R>(
        listed: persistence::Listed<R>,
        page: PageRequest,
        map: impl FnMut(R) -> T,
    ) -> Self {
        Paged {
            items: listed.items.into_iter().map(map).collect(),
            page: page.page(),
            page_size: page.page_size(),
            total: listed.total,
        }
    }
}

/// The `ETag` of a resource at `version`.
pub fn etag(version: i32) -> header::EntityTag {
    header::EntityTag::new_strong(version.to_string())
}

/// The version a client expects to change, from `If-Match: "<version>"`. Read
/// eagerly, judged late: a request the caller may not make at all is refused as such
/// before a missing `If-Match` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(Option<i32>);

impl IfMatch {
    /// True when the request sent `If-Match` (optional on actions).
    pub fn is_present(self) -> bool {
        self.0.is_some()
    }

    /// 428 without `If-Match`; 412 unless the resource is still at the version the
    /// client saw.
    pub fn check(self, current: i32) -> Result<(), ApiError> {
        match self.0 {
            None => Err(ApiError::PreconditionRequired),
            Some(expected) if expected == current => Ok(()),
            Some(_) => Err(ApiError::PreconditionFailed { current }),
        }
    }

    fn from_header(value: Option<&header::HeaderValue>) -> Result<IfMatch, ApiError> {
        let Some(value) = value else {
            return Ok(IfMatch(None));
        };
        value
            .to_str()
            .ok()
            .map(|raw| raw.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|raw| raw.parse::<i32>().ok())
            .map(|version| IfMatch(Some(version)))
            .ok_or_else(|| {
                ApiError::MalformedQuery(vec![FieldError::new(
                    "If-Match",
                    Violation::InvalidFormat {
                        expected: "\"<version>\"".to_owned(),
                    },
                )])
            })
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(IfMatch::from_header(req.headers().get(header::IF_MATCH)))
    }
}

/// True when the client's `If-None-Match` already names `version`: answer 304.
pub fn not_modified(req: &HttpRequest, version: i32) -> bool {
    let tag = etag(version);
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                let t = t.trim();
                t == "*" || t.trim_start_matches("W/") == tag.to_string()
            })
        })
}

/// A single resource with its `ETag`, or 304 when the client already has this version.
pub fn with_etag<T: Serialize>(req: &HttpRequest, version: i32, body: T) -> HttpResponse {
    if not_modified(req, version) {
        return HttpResponse::NotModified()
            .insert_header(header::ETag(etag(version)))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header(header::ETag(etag(version)))
        .json(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    #[derive(Debug)]
    struct Filter {
        level: Option<domain::RegionLevel>,
        border: Option<bool>,
    }

    impl ListFilter for Filter {
        type Sort = persistence::regions::RegionSort;
        fn read(q: &mut QueryReader) -> Self {
            Filter {
                level: q.parse_with("level"),
                border: q.boolean("border"),
            }
        }
    }

    fn fields(err: ApiError) -> (u16, Vec<String>) {
        let status = err.status().as_u16();
        let p = err.problem(domain::Lang::En, "", "");
        (
            status,
            p.errors
                .into_iter()
                .map(|e| format!("{}:{}", e.field, e.code))
                .collect(),
        )
    }

    #[test]
    fn a_clean_query_parses() {
        let q = ListQuery::<Filter>::from_query_string(
            "level=county&border=true&page=2&page_size=5&sort=-name",
        )
        .unwrap();
        assert_eq!(q.filter.level, Some(domain::RegionLevel::County));
        assert_eq!(q.filter.border, Some(true));
        assert_eq!((q.page.page(), q.page.page_size()), (2, 5));
        assert!(q.sort.descending);
    }

    #[test]
    fn every_bad_parameter_is_reported() {
        let err = ListQuery::<Filter>::from_query_string(
            "level=planet&page_size=abc&sort=size&colour=red",
        )
        .unwrap_err();
        let (status, mut got) = fields(err);
        got.sort();
        assert_eq!(status, 400);
        assert_eq!(
            got,
            [
                "colour:unknown_field",
                "level:not_allowed",
                "page_size:invalid_format",
                "sort:not_allowed"
            ]
        );
    }

    #[test]
    fn out_of_range_alone_is_422() {
        let (status, got) =
            fields(ListQuery::<Filter>::from_query_string("page_size=101").unwrap_err());
        assert_eq!(
            (status, got),
            (422, vec!["page_size:out_of_range".to_owned()])
        );
    }

    #[test]
    fn nul_in_a_query_string_is_refused() {
        let (status, got) =
            fields(ListQuery::<Filter>::from_query_string("level=county%00&page=1").unwrap_err());
        assert_eq!(
            (status, got),
            (422, vec!["level:invalid_character".to_owned()])
        );
        let (status, got) =
            fields(ListQuery::<Filter>::from_query_string("le%00vel=county").unwrap_err());
        assert_eq!(
            (status, got),
            (422, vec!["le\\u0000vel:invalid_character".to_owned()])
        );
    }

    #[test]
    fn if_match_reads_the_version() {
        let seven = IfMatch::from_header(Some(&HeaderValue::from_static("\"7\""))).unwrap();
        assert!(seven.check(7).is_ok());
        assert_eq!(seven.check(8).unwrap_err().status().as_u16(), 412);
        let weak = IfMatch::from_header(Some(&HeaderValue::from_static("W/\"7\""))).unwrap();
        assert!(weak.check(7).is_ok());
        let missing = IfMatch::from_header(None).unwrap();
        assert_eq!(missing.check(7).unwrap_err().status().as_u16(), 428);
        let bad = IfMatch::from_header(Some(&HeaderValue::from_static("\"abc\"")));
        assert_eq!(bad.unwrap_err().status().as_u16(), 400);
        assert_eq!(etag(7).to_string(), "\"7\"");
    }
}
