//! `/counties`: the 129 county-level divisions the programme is organized by, public.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::{County, KeyCounty, KeyCountyFilter, RegionCode};
use persistence::regions::{self as store, CountyFilter, CountySort};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, Problem};
use crate::extract::{with_etag, ListFilter, ListQuery, PageParams, Paged, QueryReader};
use crate::state::AppState;

/// A county-level division (县/市/区) with its prefecture and flags.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = County)]
pub struct CountyBody {
    #[schema(example = "530102")]
    pub code: String,
    #[schema(example = "五华区")]
    pub name: String,
    #[schema(example = "云南省昆明市五华区")]
    pub full_name: String,
    #[schema(example = "5301")]
    pub prefecture_code: String,
    #[schema(example = "昆明市")]
    pub prefecture_name: String,
    /// 重点帮扶县 designation, or null.
    pub key_county: Option<KeyCounty>,
    /// 边境县.
    pub border_county: bool,
    pub townships_count: i32,
    pub villages_count: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<County> for CountyBody {
    fn from(c: County) -> Self {
        let r = c.region;
        CountyBody {
            code: r.code.to_string(),
            name: r.name,
            full_name: r.full_name,
            prefecture_code: r.parent_code.map(|p| p.to_string()).unwrap_or_default(),
            prefecture_name: c.prefecture_name,
            key_county: r.key_county,
            border_county: r.border_county,
            townships_count: r.townships_count,
            villages_count: r.villages_count,
            version: r.version,
            updated_at: r.updated_at,
        }
    }
}

/// Filters of the county list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountyQuery {
    /// Only counties of this prefecture (a 4-digit code).
    #[param(value_type = Option<String>, pattern = "^[0-9]{4}$", example = "5301")]
    prefecture: Option<RegionCode>,
    /// Key assistance counties of this kind, or `any` for both.
    key_county: Option<KeyCountyFilter>,
    /// Border counties only (`true`) or none of them (`false`).
    border_county: Option<bool>,
    /// Name contains this text.
    q: Option<String>,
}

/// Sort of the county list (documentation; `ListQuery` reads it).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CountySortParam {
    /// `code` (default), `name`, `townships_count` or `villages_count`; `-` in front for descending.
    #[param(
        pattern = "^-?(code|name|townships_count|villages_count)$",
        example = "-villages_count"
    )]
    sort: Option<String>,
}

impl ListFilter for CountyQuery {
    type Sort = CountySort;

    fn read(q: &mut QueryReader) -> Self {
        CountyQuery {
            prefecture: q.region_code("prefecture"),
            key_county: q.parse_with("key_county"),
            border_county: q.boolean("border_county"),
            q: q.text("q"),
        }
    }
}

/// List counties.
///
/// Sortable by `code` (default), `name`, `townships_count` and `villages_count`.
#[utoipa::path(
    tag = "counties",
    params(CountyQuery, PageParams, CountySortParam),
    responses(
        (status = 200, description = "A page of counties", body = Paged<CountyBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/counties")]
pub async fn list_counties(
    state: web::Data<AppState>,
    query: ListQuery<CountyQuery>,
) -> Result<web::Json<Paged<CountyBody>>, ApiError> {
    let ListQuery { filter, page, sort } = query;
    let filter = CountyFilter {
        prefecture: filter.prefecture,
        key_county: filter.key_county,
        border_county: filter.border_county,
        q: filter.q,
    };
    let listed = state
        .db(move |conn| Ok(store::list_counties(conn, &filter, sort, page)?))
        .await?;
    Ok(web::Json(Paged::new(listed, page, CountyBody::from)))
}

/// Get one county.
#[utoipa::path(
    tag = "counties",
    params(("code" = String, Path, description = "County code (6 digits)", example = "530102")),
    responses(
        (status = 200, description = "The county", body = CountyBody,
            headers(("ETag" = String, description = "The county's version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 404, description = "No such county", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/counties/{code}")]
pub async fn get_county(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = RegionCode::parse(&code).map_err(|_| ApiError::NotFound)?;
    let county = state
        .db(move |conn| store::find_county(conn, &code)?.ok_or(ApiError::NotFound))
        .await?;
    Ok(with_etag(
        &req,
        county.region.version,
        CountyBody::from(county),
    ))
}
