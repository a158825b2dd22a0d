//! The JSON request body. Read within `MAX_BODY_BYTES`, held to the shape the OpenAPI
//! document gives it (an object wherever an object is expected, at most
//! `JSON_DEPTH_MAX` levels deep, no NUL character in any key or string, which
//! PostgreSQL cannot store), then to the ceilings its type declares with `validator`.
//! Every problem names its field in JSON's words, never Rust's, and never repeats the
//! value sent: it may be personal data.

use std::fmt;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use domain::limits::{ERRORS_LISTED_MAX, JSON_DEPTH_MAX};
use domain::{FieldError, Rule, Violation};
use serde::de::{self, DeserializeOwned, Expected, IntoDeserializer, Unexpected, Visitor};
use serde_json::Value;
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::error::ApiError;

/// A JSON request body, parsed so that each problem names its field: not JSON at all
/// is a 400; an unknown field, a missing one, a value of the wrong JSON type, text
/// the database cannot store, nesting past `JSON_DEPTH_MAX` or a value past the
/// type's ceilings is a 422 naming it.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .map_or(crate::config::DEFAULT_MAX_BODY_BYTES, |s| s.max_body_bytes);
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| {
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        let body = actix_web::web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let bytes =
                body.await
                    .map_err(|e| match e.as_response_error().status_code().as_u16() {
                        413 => ApiError::PayloadTooLarge { limit: Some(limit) },
                        _ => ApiError::MalformedBody(e.to_string()),
                    })?;
            if bytes.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit: Some(limit) });
            }
            parse_json(&bytes).map(JsonBody)
        })
    }
}

/// Parses a JSON body into `T` and checks `T`'s ceilings, naming the field of any
/// problem.
pub fn parse_json<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ApiError> {
    // Counted on the bytes, before any parser recurses: a hostile depth costs a scan.
    if nesting_exceeds(bytes, JSON_DEPTH_MAX) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            too_deep(JSON_DEPTH_MAX),
        )]));
    }
    let value = read_value(bytes)?;
    let mut errors = Vec::new();
    find_nul(&value, &mut Vec::new(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let parsed: T = serde_path_to_error::deserialize(Strict(&value)).map_err(|e| {
        let path = e.path().to_string();
        ApiError::Validation(vec![json_field_error(&path, &e.into_inner().to_string())])
    })?;
    parsed
        .validate()
        .map_err(|e| ApiError::Validation(ceiling_errors(&e)))?;
    Ok(parsed)
}

/// The body as a JSON value: not JSON is a 400; a key named twice in one object is a
/// 422 naming it (a `Value` would keep the last, and the server and a proxy in front
/// of it could read different requests from one body).
fn read_value(bytes: &[u8]) -> Result<Value, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize::<_, Unique>(&mut deserializer) {
        Ok(Unique(value)) => value,
        Err(e) if e.inner().classify() == serde_json::error::Category::Data => {
            let path = e.path().to_string();
            return Err(ApiError::Validation(vec![json_field_error(
                &path,
                &e.into_inner().to_string(),
            )]));
        }
        Err(e) => return Err(ApiError::MalformedBody(e.into_inner().to_string())),
    };
    deserializer
        .end()
        .map_err(|e| ApiError::MalformedBody(e.to_string()))?;
    Ok(value)
}

/// A JSON value whose objects name each key once.
struct Unique(Value);

impl<'de> de::Deserialize<'de> for Unique {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor).map(Unique)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            let Unique(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Deserializes a field that distinguishes "absent" (`None`) from `null`
/// (`Some(None)`), for PATCH bodies: use with `#[serde(default, deserialize_with)]`.
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// Text holding U+0000, which PostgreSQL cannot store (and SQLite would store
/// differently): refused alike on both, in bodies and query strings.
pub fn invalid_character() -> Violation {
    Violation::Rule(Rule::InvalidCharacter)
}

fn too_deep(max: usize) -> Violation {
    Violation::Rule(Rule::TooDeep { max })
}

fn too_many_items(max: usize) -> Violation {
    Violation::Rule(Rule::TooManyItems { max })
}

fn too_few_items(min: usize) -> Violation {
    Violation::Rule(Rule::TooFewItems { min })
}

/// True when arrays and objects nest deeper than `max` (`{}` is one level). Brackets
/// inside strings do not count; a malformed body is left for the parser to refuse.
fn nesting_exceeds(bytes: &[u8], max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// One step of a path into a body.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// A path as the problems name it: `sections.progress`, `items[3].note`, `body` for
/// the whole.
fn path_name(steps: &[Step<'_>]) -> String {
    let mut name = String::new();
    for step in steps {
        match step {
            Step::Key(key) => {
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(&key.replace('\0', "\\u0000"));
            }
            Step::Index(i) => name.push_str(&format!("[{i}]")),
        }
    }
    if name.is_empty() {
        "body".to_owned()
    } else {
        name
    }
}

/// Every key and string holding U+0000, at any depth (the first `ERRORS_LISTED_MAX`).
fn find_nul<'a>(value: &'a Value, path: &mut Vec<Step<'a>>, errors: &mut Vec<FieldError>) {
    if errors.len() >= ERRORS_LISTED_MAX {
        return;
    }
    match value {
        Value::String(s) if s.contains('\0') => {
            errors.push(FieldError::new(path_name(path), invalid_character()));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                find_nul(item, path, errors);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                path.push(Step::Key(key));
                if key.contains('\0') && errors.len() < ERRORS_LISTED_MAX {
                    errors.push(FieldError::new(path_name(path), invalid_character()));
                }
                find_nul(item, path, errors);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Reads a parsed body as serde_json's own `Value` deserializer would, but held to
/// the document's JSON types: where a type expects a struct only an object will do
/// (serde's derive would also take an array of the fields in order, so that
/// `["admin", "secret"]` could log in), an enum is a string and a wrong one is
/// answered with the allowed values, and text a type cannot read (a date, a UUID) is
/// answered with what the type expects rather than the parser's own words.
struct Strict<'a>(&'a Value);

impl<'de> de::Deserializer<'de> for Strict<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => visitor.visit_u64(u),
                (None, Some(i)) => visitor.visit_i64(i),
                (None, None) => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => {
                let expected = (&visitor as &dyn Expected).to_string();
                visitor
                    .visit_borrowed_str::<serde_json::Error>(s)
                    .map_err(|_| {
                        de::Error::invalid_value(Unexpected::Other("string"), &expected.as_str())
                    })
            }
            Value::Array(items) => {
                let mut seq = Elements(items.iter());
                let out = visitor.visit_seq(&mut seq)?;
                match seq.0.len() {
                    0 => Ok(out),
                    _ => Err(de::Error::invalid_length(
                        items.len(),
                        &"fewer elements in array",
                    )),
                }
            }
            Value::Object(map) => {
                let mut entries = Entries {
                    iter: map.iter(),
                    value: None,
                };
                let out = visitor.visit_map(&mut entries)?;
                match entries.iter.len() {
                    0 => Ok(out),
                    _ => Err(de::Error::invalid_length(
                        map.len(),
                        &"fewer elements in map",
                    )),
                }
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(
                IntoDeserializer::<serde_json::Error>::into_deserializer(s.as_str()),
            ),
            other => Err(de::Error::invalid_type(unexpected(other), &OneOf(variants))),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("number"),
        Value::String(_) => Unexpected::Other("string"),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// An enum's values, as serde words them for an unknown variant.
struct OneOf(&'static [&'static str]);

impl Expected for OneOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("one of ")?;
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{name}`")?;
        }
        Ok(())
    }
}

struct Elements<'a>(std::slice::Iter<'a, Value>);

impl<'de> de::SeqAccess<'de> for Elements<'de> {
    type Error = serde_json::Error;

    fn next_element_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Self::Error> {
        self.0
            .next()
            .map(|value| seed.deserialize(Strict(value)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> de::MapAccess<'de> for Entries<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Self::Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(de::value::BorrowedStrDeserializer::new(key))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Strict(value)),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// Turns serde's message for a data error at `path` into a field error.
fn json_field_error(path: &str, message: &str) -> FieldError {
    let whole = path.is_empty() || path == ".";
    let name_in = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    if let Some(name) = name_in("unknown field `") {
        // serde_path_to_error's path already ends with the unknown field.
        let field = if whole { name } else { path.to_owned() };
        return FieldError::new(field, Violation::UnknownField);
    }
    if let Some(name) = name_in("duplicate field `") {
        let field = if whole {
            name
        } else {
            format!("{path}.{name}")
        };
        return FieldError::new(field, Violation::Rule(Rule::DuplicateField));
    }
    if let Some(name) = name_in("missing field `") {
        let field = if whole {
            name
        } else {
            format!("{path}.{name}")
        };
        return FieldError::new(field, Violation::Required);
    }
    let field = if whole {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    FieldError::new(field, json_violation(message))
}

/// What serde's message says was expected, in JSON's words: serde names Rust types
/// (`expected struct LoginRequest`, `expected i64`) and quotes the value sent, and a
/// client should see neither.
fn json_violation(message: &str) -> Violation {
    let (found, expected) = message.rsplit_once(", expected ").unwrap_or(("", message));
    let expected = expected
        .split(" at line ")
        .next()
        .unwrap_or(expected)
        .trim();
    // An enum: serde's "unknown variant `x`, expected one of `a`, `b`" (or "`a` or
    // `b`"), or `OneOf` for a value of the wrong type.
    if found.starts_with("unknown variant") || expected.starts_with("one of `") {
        let allowed: Vec<String> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        if !allowed.is_empty() {
            return Violation::NotAllowed { allowed };
        }
    }
    // A whole number the field's type cannot hold: say which range it can.
    if found.starts_with("invalid value: integer") {
        if let Some((min, max)) = integer_range(expected) {
            return Violation::OutOfRange { min, max };
        }
    }
    Violation::InvalidFormat {
        expected: json_words(expected).to_owned(),
    }
}

/// The range of one of Rust's integer types, as far as an `i64` can say it.
fn integer_range(rust_type: &str) -> Option<(i64, i64)> {
    let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Some(match rust_type {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "u128" | "usize" => (0, clamp(u64::MAX)),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "i128" | "isize" => (i64::MIN, i64::MAX),
        _ => return None,
    })
}

/// serde's (or a type's) description of what it expected → (zh, en) JSON words.
fn json_words(expected: &str) -> &'static str {
    const INTEGERS: [&str; 12] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| expected.starts_with(p));
    if starts(&[
        "struct ",
        "a map",
        "map",
        "an object",
        "fewer elements in map",
    ]) {
        "an object"
    } else if starts(&[
        "a sequence",
        "an array",
        "a tuple",
        "tuple",
        "fewer elements in array",
    ]) {
        "an array"
    } else if INTEGERS.contains(&expected) || starts(&["an integer", "a whole number"]) {
        "an integer"
    } else if starts(&["f32", "f64", "a number"]) {
        "a number"
    } else if starts(&["a boolean"]) {
        "a boolean (true or false)"
    } else if expected.contains("date and time") || expected.contains("timestamp") {
        "a date and time (RFC 3339, such as 2024-01-01T00:00:00Z)"
    } else if expected.contains("date") {
        "a date (YYYY-MM-DD)"
    } else if expected.contains("UUID") || expected.contains("uuid") {
        "a UUID"
    } else if starts(&[
        "a string",
        "a borrowed string",
        "a character",
        "string",
        "variant identifier",
        "field identifier",
    ]) {
        "a string"
    } else if expected == "unit" {
        "null"
    } else if starts(&["enum "]) {
        "one of the allowed values"
    } else {
        "a valid value"
    }
}

/// validator's errors as ours, each naming its path (`sections.progress`,
/// `items[3].note`), in field order.
fn ceiling_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut found = Vec::new();
    collect_ceiling_errors(errors, "", &mut found);
    found.sort_by(|a, b| a.field.cmp(&b.field));
    found
}

fn collect_ceiling_errors(errors: &ValidationErrors, prefix: &str, found: &mut Vec<FieldError>) {
    for (name, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => found.extend(
                list.iter()
                    .map(|e| FieldError::new(path.clone(), ceiling_violation(e))),
            ),
            ValidationErrorsKind::Struct(inner) => collect_ceiling_errors(inner, &path, found),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect_ceiling_errors(inner, &format!("{path}[{i}]"), found);
                }
            }
        }
    }
}

/// One broken ceiling. validator keeps the value sent in `params["value"]`: it is
/// looked at for its kind and size (text or a list), never repeated.
fn ceiling_violation(error: &ValidationError) -> Violation {
    let bound = |name: &str| error.params.get(name).and_then(Value::as_i64);
    match error.code.as_ref() {
        "length" => {
            let (len, text) = match error.params.get("value") {
                Some(Value::String(s)) => (s.chars().count(), true),
                Some(Value::Array(items)) => (items.len(), false),
                Some(Value::Object(map)) => (map.len(), false),
                _ => (0, true),
            };
            let max = bound("max").and_then(|m| usize::try_from(m).ok());
            let min = bound("min").and_then(|m| usize::try_from(m).ok());
            match (max.filter(|&max| len > max), min, text) {
                (Some(max), _, true) => Violation::TooLong { max },
                (Some(max), _, false) => too_many_items(max),
                (None, Some(min), true) => Violation::TooShort { min },
                (None, Some(min), false) => too_few_items(min),
                (None, None, _) => Violation::InvalidFormat {
                    expected: "a value of the documented length".to_owned(),
                },
            }
        }
        "range" => Violation::OutOfRange {
            min: bound("min").unwrap_or(i64::MIN),
            max: bound("max").unwrap_or(i64::MAX),
        },
        code => Violation::InvalidFormat {
            expected: code.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Lang;

    #[derive(Debug, serde::Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        #[validate(length(max = 5))]
        name: String,
        size: Option<u8>,
        #[serde(default, deserialize_with = "nullable")]
        #[validate(length(max = 3))]
        note: Option<Option<String>>,
        #[validate(range(min = 0, max = 100))]
        fen: Option<i64>,
        #[validate(length(max = 2))]
        tags: Option<Vec<domain::Role>>,
        #[validate(nested)]
        inner: Option<Inner>,
        day: Option<chrono::NaiveDate>,
        id: Option<uuid::Uuid>,
        flag: Option<bool>,
    }

    #[derive(Debug, serde::Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        #[validate(length(max = 2))]
        text: Option<String>,
    }

    /// (status, field, code, English message) of the first problem.
    fn first(body: &str) -> (u16, String, String, String) {
        let p = parse_json::<Body>(body.as_bytes())
            .unwrap_err()
            .problem(Lang::En, "", "");
        let e = p.errors.first().cloned();
        (
            p.status,
            e.as_ref().map(|e| e.field.clone()).unwrap_or_default(),
            e.as_ref().map(|e| e.code.clone()).unwrap_or_default(),
            e.map(|e| e.message).unwrap_or_default(),
        )
    }

    fn field_code(body: &str) -> (u16, String, String) {
        let (status, field, code, _) = first(body);
        (status, field, code)
    }

    fn fc(status: u16, field: &str, code: &str) -> (u16, String, String) {
        (status, field.to_owned(), code.to_owned())
    }

    #[test]
    fn problems_name_their_field() {
        assert_eq!(
            field_code(r#"{"name":"a","colour":1}"#),
            fc(422, "colour", "unknown_field")
        );
        assert_eq!(field_code("{}"), fc(422, "name", "required"));
        assert_eq!(
            field_code(r#"{"name":"a","size":300}"#),
            fc(422, "size", "out_of_range")
        );
        assert_eq!(
            field_code(r#"{"name":"a","inner":{"nope":1}}"#),
            fc(422, "inner.nope", "unknown_field")
        );
        assert_eq!(
            field_code(r#"{"name":"a","inner":{}, "tags":["x"]}"#),
            fc(422, "tags[0]", "not_allowed")
        );
        assert_eq!(first(r#"{"name":"#).0, 400);
        assert_eq!(first(r#"{"name":"a"} x"#).0, 400);
    }

    #[test]
    fn a_key_named_twice_is_refused() {
        assert_eq!(
            field_code(r#"{"name":"a","name":"b"}"#),
            fc(422, "name", "duplicate_field")
        );
        assert_eq!(
            field_code(r#"{"name":"a","inner":{"text":"a","text":"b"}}"#),
            fc(422, "inner.text", "duplicate_field")
        );
        assert_eq!(
            field_code(r#"{"name":"a","tags":[{"x":1,"x":2}]}"#),
            fc(422, "tags[0].x", "duplicate_field")
        );
    }

    #[test]
    fn absent_and_null_differ() {
        let absent: Body = parse_json(br#"{"name":"a"}"#).unwrap();
        assert_eq!(absent.note, None);
        let null: Body = parse_json(br#"{"name":"a","note":null}"#).unwrap();
        assert_eq!(null.note, Some(None));
        let set: Body = parse_json(br#"{"name":"a","note":"x"}"#).unwrap();
        assert_eq!(set.note, Some(Some("x".into())));
    }

    #[test]
    fn an_object_is_expected_where_a_struct_is() {
        assert_eq!(
            first(r#"["a", 1]"#),
            (
                422,
                "body".into(),
                "invalid_format".into(),
                "invalid format, expected an object".into()
            )
        );
        assert_eq!(field_code("[]"), fc(422, "body", "invalid_format"));
        assert_eq!(field_code(r#""a""#), fc(422, "body", "invalid_format"));
        assert_eq!(field_code("null"), fc(422, "body", "invalid_format"));
        assert_eq!(
            field_code(r#"{"name":"a","inner":["x"]}"#),
            fc(422, "inner", "invalid_format")
        );
        assert_eq!(
            first(r#"{"name":"a","tags":{"a":1}}"#).3,
            "invalid format, expected an array"
        );
    }

    #[test]
    fn wrong_types_are_named_in_json_words() {
        let cases = [
            (r#"{"name":1}"#, "name", "invalid format, expected a string"),
            (
                r#"{"name":"a","fen":"x"}"#,
                "fen",
                "invalid format, expected an integer",
            ),
            (
                r#"{"name":"a","fen":1.5}"#,
                "fen",
                "invalid format, expected an integer",
            ),
            (
                r#"{"name":"a","flag":"yes"}"#,
                "flag",
                "invalid format, expected a boolean (true or false)",
            ),
            (
                r#"{"name":"a","day":"2024-02-30"}"#,
                "day",
                "invalid format, expected a date (YYYY-MM-DD)",
            ),
            (
                r#"{"name":"a","id":"not-a-uuid"}"#,
                "id",
                "invalid format, expected a UUID",
            ),
            (
                r#"{"name":"a","tags":[7]}"#,
                "tags[0]",
                "invalid value, expected one of: province_admin, prefecture_officer, \
                 county_officer, org_user, viewer, integration",
            ),
            (
                r#"{"name":"a","size":-1}"#,
                "size",
                "must be between 0 and 255",
            ),
        ];
        for (body, field, message) in cases {
            let (status, got_field, _, got) = first(body);
            assert_eq!(
                (status, got_field.as_str(), got.as_str()),
                (422, field, message),
                "{body}"
            );
            for rust in [
                "struct",
                "u8",
                "i64",
                "u32",
                "identifier",
                "borrowed",
                "enum",
            ] {
                assert!(!got.contains(rust), "{body}: {got}");
            }
        }
    }

    /// serde's own messages (as its derive and primitive visitors word them) and the
    /// JSON words each becomes.
    #[test]
    fn serde_messages_map_to_json_words() {
        let cases = [
            (
                "invalid type: sequence, expected struct LoginRequest",
                "invalid format, expected an object",
            ),
            (
                "invalid type: map, expected a sequence",
                "invalid format, expected an array",
            ),
            (
                "invalid type: sequence, expected a map",
                "invalid format, expected an object",
            ),
            (
                "invalid type: string \"x\", expected u32",
                "invalid format, expected an integer",
            ),
            (
                "invalid type: floating point `1.5`, expected i64",
                "invalid format, expected an integer",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "must be between 0 and 4294967295",
            ),
            (
                "invalid value: integer `3000000000`, expected i32",
                "must be between -2147483648 and 2147483647",
            ),
            (
                "invalid type: integer `1`, expected a string",
                "invalid format, expected a string",
            ),
            (
                "invalid type: integer `1`, expected a borrowed string",
                "invalid format, expected a string",
            ),
            (
                "invalid type: map, expected variant identifier",
                "invalid format, expected a string",
            ),
            (
                "invalid type: integer `1`, expected enum Role",
                "invalid format, expected one of the allowed values",
            ),
            (
                "unknown variant `planet`, expected one of `county`, `village`",
                "invalid value, expected one of: county, village",
            ),
            (
                "unknown variant `planet`, expected `county` or `village`",
                "invalid value, expected one of: county, village",
            ),
            (
                "invalid type: string \"x\", expected a boolean",
                "invalid format, expected a boolean (true or false)",
            ),
            (
                "invalid value: string, expected a formatted date string",
                "invalid format, expected a date (YYYY-MM-DD)",
            ),
            (
                "invalid value: string, expected a UUID string",
                "invalid format, expected a UUID",
            ),
            (
                "invalid type: string \"x\", expected f64",
                "invalid format, expected a number",
            ),
            (
                "invalid type: string \"x\", expected unit",
                "invalid format, expected null",
            ),
            (
                "invalid length 3, expected fewer elements in array",
                "invalid format, expected an array",
            ),
            (
                "something nobody foresaw: `Foo<Bar>`",
                "invalid format, expected a valid value",
            ),
        ];
        for (serde, ours) in cases {
            assert_eq!(json_violation(serde).message(Lang::En), ours, "{serde}");
            assert!(!json_violation(serde).message(Lang::Zh).is_empty());
        }
        assert_eq!(
            json_violation("invalid type: sequence, expected struct LoginRequest")
                .message(Lang::Zh),
            "格式不正确，应为JSON 对象"
        );
    }

    #[test]
    fn nul_is_refused_in_values_and_keys_at_any_depth() {
        let (status, field, code, message) = first(r#"{"name":"a\u0000b"}"#);
        assert_eq!(
            (status, field.as_str(), code.as_str()),
            (422, "name", "invalid_character")
        );
        assert!(message.contains("U+0000"));
        assert_eq!(
            field_code(r#"{"name":"a","inner":{"text":"\u0000"}}"#),
            fc(422, "inner.text", "invalid_character")
        );
        assert_eq!(
            field_code(r#"{"name":"a","tags":["x","\u0000"]}"#),
            fc(422, "tags[1]", "invalid_character")
        );
        assert_eq!(
            field_code(r#"{"name":"a","x\u0000":1}"#),
            fc(422, "x\\u0000", "invalid_character")
        );
        assert_eq!(
            field_code(r#""\u0000""#),
            fc(422, "body", "invalid_character")
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(field_code(&deep), fc(422, "body", "too_deep"));
        let open = "[".repeat(100_000);
        assert_eq!(field_code(&open), fc(422, "body", "too_deep"));
        let ok = format!(
            "{}{}",
            "[".repeat(JSON_DEPTH_MAX),
            "]".repeat(JSON_DEPTH_MAX)
        );
        assert_eq!(field_code(&ok).2, "invalid_format");
        // Brackets inside strings are text.
        let text = format!(r#"{{"name":"{}"}}"#, "[".repeat(100));
        assert_eq!(field_code(&text), fc(422, "name", "too_long"));
        assert!(!nesting_exceeds(br#"{"a":"\"[[[["}"#, 1));
    }

    #[test]
    fn ceilings_are_named_by_path() {
        let (status, field, code, message) = first(r#"{"name":"abcdef"}"#);
        assert_eq!(
            (status, field.as_str(), code.as_str(), message.as_str()),
            (422, "name", "too_long", "must be at most 5 characters")
        );
        assert_eq!(
            field_code(r#"{"name":"a","note":"abcd"}"#),
            fc(422, "note", "too_long")
        );
        assert_eq!(
            field_code(r#"{"name":"a","fen":101}"#),
            fc(422, "fen", "out_of_range")
        );
        assert_eq!(
            first(r#"{"name":"a","tags":["viewer","viewer","viewer"]}"#),
            (
                422,
                "tags".into(),
                "too_many_items".into(),
                "must have at most 2 items".into()
            )
        );
        assert_eq!(
            field_code(r#"{"name":"a","inner":{"text":"abc"}}"#),
            fc(422, "inner.text", "too_long")
        );
        // Characters, not bytes; and the value never comes back.
        assert!(parse_json::<Body>(r#"{"name":"振兴乡村好"}"#.as_bytes()).is_ok());
        let problem = parse_json::<Body>(br#"{"name":"secret-value"}"#)
            .unwrap_err()
            .problem(Lang::Zh, "", "");
        assert!(!serde_json::to_string(&problem).unwrap().contains("secret"));
    }

    #[test]
    fn several_ceilings_are_reported_at_once_in_field_order() {
        let p = parse_json::<Body>(br#"{"name":"abcdef","fen":-1,"note":"abcd"}"#)
            .unwrap_err()
            .problem(Lang::En, "", "");
        let fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["fen", "name", "note"]);
    }
}
