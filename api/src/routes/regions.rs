//! `/regions`: Yunnan's division tree, public.

use actix_web::{get, patch, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use domain::policy::{authorize, Action, Resource};
use domain::{
    KeyCounty, KeyCountyFilter, Region, RegionCode, RegionLevel, RegionPatch, VillageTag,
};
use persistence::journal::{self, Entry, Written};
use persistence::regions::{self as store, RegionFilter, RegionSort};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{self, Authenticated};
use crate::error::{ApiError, Problem};
use crate::extract::limits as limit;
use crate::extract::{
    etag, nullable, with_etag, IfMatch, JsonBody, ListFilter, ListQuery, PageParams, Paged,
    QueryReader,
};
use crate::state::AppState;

/// An administrative division (行政区划).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Region)]
pub struct RegionBody {
    /// 统计用区划代码: 2 (province), 4 (prefecture), 6 (county), 9 (township) or 12 (village) digits.
    #[schema(example = "530102")]
    pub code: String,
    #[schema(example = "五华区")]
    pub name: String,
    pub level: RegionLevel,
    /// The division directly above; null for the province.
    #[schema(example = "5301")]
    pub parent_code: Option<String>,
    /// Every ancestor's name and its own.
    #[schema(example = "云南省昆明市五华区")]
    pub full_name: String,
    /// Divisions directly below.
    pub children_count: i32,
    /// Townships below (0 for townships and villages).
    pub townships_count: i32,
    /// Villages below (0 for villages).
    pub villages_count: i32,
    /// 重点帮扶县 designation; counties only, null otherwise.
    pub key_county: Option<KeyCounty>,
    /// 边境县; counties only, null for other levels.
    pub border_county: Option<bool>,
    /// 村类型; villages only, null for other levels.
    pub tags: Option<Vec<VillageTag>>,
    /// Increases with every change; also the `ETag`.
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<Region> for RegionBody {
    fn from(r: Region) -> Self {
        let is_county = r.level == RegionLevel::County;
        let is_village = r.level == RegionLevel::Village;
        RegionBody {
            code: r.code.to_string(),
            name: r.name,
            level: r.level,
            parent_code: r.parent_code.map(|c| c.to_string()),
            full_name: r.full_name,
            children_count: r.children_count,
            townships_count: r.townships_count,
            villages_count: r.villages_count,
            key_county: r.key_county,
            border_county: is_county.then_some(r.border_county),
            tags: is_village.then_some(r.tags),
            version: r.version,
            updated_at: r.updated_at,
        }
    }
}

/// Filters of the region list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// Only regions of this level.
    level: Option<RegionLevel>,
    /// Only the children of this region (a code).
    #[param(value_type = Option<String>, pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$", example = "5301")]
    parent: Option<RegionCode>,
    /// Name contains this text.
    q: Option<String>,
    /// Key assistance counties of this kind, or `any` for both.
    key_county: Option<KeyCountyFilter>,
    /// Villages with this tag.
    tag: Option<VillageTag>,
}

impl ListFilter for RegionQuery {
    type Sort = RegionSort;

    fn read(q: &mut QueryReader) -> Self {
        RegionQuery {
            level: q.parse_with("level"),
            parent: q.region_code("parent"),
            q: q.text("q"),
            key_county: q.parse_with("key_county"),
            tag: q.parse_with("tag"),
        }
    }
}

impl From<RegionQuery> for RegionFilter {
    fn from(q: RegionQuery) -> Self {
        RegionFilter {
            level: q.level,
            parent: q.parent,
            q: q.q,
            key_county: q.key_county,
            tag: q.tag,
        }
    }
}

/// Sort of the region lists (documentation; `ListQuery` reads it).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RegionSortParam {
    /// `code` (default) or `name`; `-` in front for descending.
    #[param(pattern = "^-?(code|name)$", example = "-name")]
    sort: Option<String>,
}

/// Paging and sort of a region's children (no filters).
#[derive(Debug)]
pub struct ChildrenQuery;

impl ListFilter for ChildrenQuery {
    type Sort = RegionSort;

    fn read(_: &mut QueryReader) -> Self {
        ChildrenQuery
    }
}

fn path_code(raw: &str) -> Result<RegionCode, ApiError> {
    // A string that cannot be a code names no region.
    RegionCode::parse(raw).map_err(|_| ApiError::NotFound)
}

/// List regions.
///
/// Sortable by `code` (default) and `name`.
#[utoipa::path(
    tag = "regions",
    params(RegionQuery, PageParams, RegionSortParam),
    responses(
        (status = 200, description = "A page of regions", body = Paged<RegionBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/regions")]
pub async fn list_regions(
    state: web::Data<AppState>,
    query: ListQuery<RegionQuery>,
) -> Result<web::Json<Paged<RegionBody>>, ApiError> {
    let ListQuery { filter, page, sort } = query;
    let filter = RegionFilter::from(filter);
    let listed = state
        .db(move |conn| Ok(store::list_regions(conn, &filter, sort, page)?))
        .await?;
    Ok(web::Json(Paged::new(listed, page, RegionBody::from)))
}

/// Get one region.
#[utoipa::path(
    tag = "regions",
    params(("code" = String, Path, description = "Region code", example = "530102")),
    responses(
        (status = 200, description = "The region", body = RegionBody,
            headers(("ETag" = String, description = "The region's version"))),
        (status = 304, description = "Unchanged since the `If-None-Match` version"),
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/regions/{code}")]
pub async fn get_region(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = path_code(&code)?;
    let region = state
        .db(move |conn| store::find_region(conn, &code)?.ok_or(ApiError::NotFound))
        .await?;
    Ok(with_etag(&req, region.version, RegionBody::from(region)))
}

/// List the regions directly below one region.
///
/// Sortable by `code` (default) and `name`.
#[utoipa::path(
    tag = "regions",
    params(("code" = String, Path, description = "Region code", example = "5301"), PageParams, RegionSortParam),
    responses(
        (status = 200, description = "A page of the region's children", body = Paged<RegionBody>),
        (status = 400, description = "A parameter cannot be read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/regions/{code}/children")]
pub async fn list_region_children(
    state: web::Data<AppState>,
    code: web::Path<String>,
    query: ListQuery<ChildrenQuery>,
) -> Result<web::Json<Paged<RegionBody>>, ApiError> {
    let code = path_code(&code)?;
    let ListQuery { page, sort, .. } = query;
    let listed = state
        .db(move |conn| store::list_children(conn, &code, sort, page)?.ok_or(ApiError::NotFound))
        .await?;
    Ok(web::Json(Paged::new(listed, page, RegionBody::from)))
}

/// Changes to a region's programme flags; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RegionPatchBody {
    /// Counties only (province admins): `national`, `provincial`, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<KeyCounty>)]
    pub key_county: Option<Option<KeyCounty>>,
    /// Counties only (province admins).
    pub border_county: Option<bool>,
    /// Villages only (the county officer of the village's county, or province
    /// admins): the complete new list.
    #[schema(max_items = 1_000)]
    #[validate(length(max = limit::ITEMS))]
    pub tags: Option<Vec<VillageTag>>,
}

/// Set a region's programme flags. Needs `If-Match`.
///
/// `key_county` and `border_county` (counties) are the province's; `tags` (villages)
/// are set by the officer of the village's county or the province. A field you may
/// not set is a 403 naming it.
#[utoipa::path(
    tag = "regions",
    params(
        ("code" = String, Path, description = "Region code", example = "530102"),
        ("If-Match" = String, Header, description = "The ETag from GET"),
    ),
    request_body = RegionPatchBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The region as changed", body = RegionBody, headers(("ETag" = String, description = "Its new version"))),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A field you may not set (named in errors)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such region", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since your ETag", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid or not for this level", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/regions/{code}")]
pub async fn update_region(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    code: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<RegionPatchBody>,
) -> Result<HttpResponse, ApiError> {
    let code = path_code(&code)?;
    let body = body.0;
    let patch = RegionPatch {
        key_county: body.key_county,
        border_county: body.border_county,
        tags: body.tags,
    };
    let actor = auth.actor.clone();
    let context = auth::write_context(&req, Some(&auth.actor));
    let region = state
        .db(move |conn| {
            journal::write(conn, &context, |conn| {
                let region = store::find_region(conn, &code)?.ok_or(ApiError::NotFound)?;
                let resource = Resource::Region {
                    code: &region.code,
                    level: region.level,
                };
                // Field-level rights: each field is checked against the action it is.
                let fields = [
                    (
                        "key_county",
                        patch.key_county.is_some(),
                        Action::DesignateCounty,
                    ),
                    (
                        "border_county",
                        patch.border_county.is_some(),
                        Action::DesignateCounty,
                    ),
                    ("tags", patch.tags.is_some(), Action::TagVillage),
                ];
                let forbidden: Vec<String> = fields
                    .iter()
                    .filter(|(_, present, action)| {
                        *present && !authorize(Some(&actor), *action, &resource).is_allowed()
                    })
                    .map(|(field, _, _)| (*field).to_owned())
                    .collect();
                if !forbidden.is_empty() {
                    return Err(ApiError::Forbidden { fields: forbidden });
                }
                if_match.check(region.version)?;
                let (next, changes) = patch.apply(&region).map_err(ApiError::Validation)?;
                if changes.is_empty() {
                    return Ok(Written::unchanged(region));
                }
                let saved = store::update_region_flags(conn, &next, persistence::now())?;
                let entry = Entry {
                    entity: "region",
                    entity_id: saved.code.to_string(),
                    action: "update",
                    changes,
                };
                Ok(Written::new(saved, vec![entry]))
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(actix_web::http::header::ETag(etag(region.version)))
        .json(RegionBody::from(region)))
}
