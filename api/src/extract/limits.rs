//! The ceilings request bodies are held to, in the types `validator`'s derive compares
//! with (`u64` for lengths, the field's own integer type for ranges). Request DTOs
//! name them as `limit::NAME` in `#[validate(...)]`; their `#[schema(...)]` must
//! state the same numbers as literals (utoipa takes no constants), and the test below
//! checks, for every request body of the OpenAPI document, that the two agree.
//!
//! Where a rule of the programme already holds a field to less than the general
//! ceiling of `domain::limits`, the smaller number is used, so the document states
//! what is really enforced. Floors (`minLength`, a positive count) stay with the
//! rules in `domain`, which trim first and answer `required`.

use domain::limits;

/// Short names and titles: an organization, a project, a party branch, a channel.
pub const NAME: u64 = limits::NAME_MAX as u64;
/// A person's name (an account's display name, a liaison, a party secretary, a
/// contact), a position.
pub const PERSON_NAME: u64 = 100;
/// A household head's name (`domain::household::HEAD_NAME_MAX`).
pub const HEAD_NAME: u64 = domain::household::HEAD_NAME_MAX as u64;
/// A note, a request's reason, a case summary.
pub const NOTE: u64 = limits::NOTE_MAX as u64;
/// What help was given or wished for (`domain::household::DESCRIPTION_MAX`).
pub const HOUSEHOLD_TEXT: u64 = domain::household::DESCRIPTION_MAX as u64;
/// Why something was ended, terminated or cancelled (`domain::project::REASON_MAX`).
pub const REASON: u64 = domain::project::REASON_MAX as u64;
/// A description or summary.
pub const DESCRIPTION: u64 = limits::DESCRIPTION_MAX as u64;
/// A party pairing's goals.
pub const GOALS: u64 = 2_000;
/// A postal address.
pub const ADDRESS: u64 = 300;
/// A report's section.
pub const REPORT_SECTION: u64 = 20_000;
/// A long text: a typical case's write-up.
pub const LONG_TEXT: u64 = limits::LONG_TEXT_MAX as u64;
/// A document number (文号).
pub const DOCUMENT_NO: u64 = 100;
/// An agreement number (协议编号).
pub const AGREEMENT_NO: u64 = 64;

/// A value with a format of its own (a region code, a credit code, an ID number, a
/// report's period or subject): its parser trims it and judges the format, naming
/// what it expects; this only bounds what the parser is given.
pub const CODE: u64 = 64;
/// A phone number, as written (`0871-65123456 转 123`).
pub const PHONE: u64 = 40;
pub const EMAIL: u64 = 254;
/// A username: 3–32 of `a-z 0-9 _ . -`, untrimmed.
pub const USERNAME: u64 = 32;
pub const PASSWORD: u64 = domain::identity::PASSWORD_MAX_CHARS as u64;

/// Items in one array.
pub const ITEMS: u64 = limits::ITEMS_MAX as u64;

/// An amount of money, in fen.
pub const AMOUNT_FEN: i64 = limits::MAX_AMOUNT_FEN;
/// The value of one piece of help to a household, in fen.
pub const ASSISTANCE_FEN: i64 = domain::household::ASSISTANCE_VALUE_MAX_FEN;
/// A wish's estimate, in fen.
pub const WISH_ESTIMATE_FEN: i64 = domain::household::WISH_ESTIMATE_MAX_FEN;
/// A head count.
pub const PEOPLE: i64 = limits::MAX_PEOPLE;
/// A head count held in an `i32` column.
pub const PEOPLE_I32: i32 = limits::MAX_PEOPLE as i32;
/// A household's members.
pub const HOUSEHOLD_MEMBERS: i32 = domain::household::MEMBERS_MAX;
/// A pairing's batch.
pub const BATCH: i32 = i32::MAX;

/// Entries in one `PUT /evaluation/weights`: a shape ceiling well above the number of
/// indicators, so that a misspelt or extra indicator is reported by name by the rule
/// (`weights.<name>`), not as a map that is merely too long.
pub const WEIGHT_ENTRIES: u64 = 100;

/// The schema of `SetWeights.weights`: a map utoipa's field attributes cannot bound,
/// so it is written out here with the same constants the rules use.
pub fn weights_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
    use utoipa::openapi::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("`{indicator: weight}` for every indicator."))
        .property_names(Some(ObjectBuilder::new().schema_type(Type::String)))
        .additional_properties(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(0))
                .maximum(Some(domain::evaluation::WEIGHT_MAX)),
        ))
        .max_properties(Some(WEIGHT_ENTRIES as usize))
        .examples([serde_json::json!({
            "pairings_signed_on_time": 15,
            "counties_helped": 10,
            "violations": 20
        })])
        .build()
}

/// The OpenAPI document and the validator agree: for every JSON request body of the
/// document, each `maxLength`, `maximum` and `maxItems` (and a map's
/// `maxProperties`) is exactly the ceiling `parse_json` enforces, and every string,
/// integer and array a client may send has one.
#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use domain::Lang;
    use serde::de::DeserializeOwned;
    use serde_json::{json, Map, Value};
    use utoipa::ToSchema;
    use validator::Validate;

    use crate::extract::parse_json;
    use crate::routes::{
        auth, households, liaisons, organizations, pairing_requests, pairings, party, projects,
        regions, reports, stats, supervision, users, village_pairings, wishes,
    };

    type Check = fn(&Value) -> Vec<String>;

    fn entry<T: DeserializeOwned + Validate + ToSchema>() -> (String, Check) {
        (T::name().into_owned(), check::<T>)
    }

    /// Every request body type. A body the document names that is missing here fails
    /// the test: register it.
    fn registry() -> BTreeMap<String, Check> {
        BTreeMap::from([
            entry::<auth::LoginRequest>(),
            entry::<households::CreateHousehold>(),
            entry::<households::UpdateHousehold>(),
            entry::<households::CreateAssistance>(),
            entry::<liaisons::CreateLiaison>(),
            entry::<liaisons::UpdateLiaison>(),
            entry::<organizations::CreateOrganization>(),
            entry::<organizations::UpdateOrganization>(),
            entry::<pairing_requests::CreatePairingRequest>(),
            entry::<pairing_requests::Decision>(),
            entry::<pairings::CreatePairing>(),
            entry::<pairings::SignPairing>(),
            entry::<pairings::TerminatePairing>(),
            entry::<party::CreatePartyOrganization>(),
            entry::<party::UpdatePartyOrganization>(),
            entry::<party::CreatePartyPairing>(),
            entry::<party::EndPartyPairing>(),
            entry::<party::CreateActivity>(),
            entry::<projects::CreateProject>(),
            entry::<projects::UpdateProject>(),
            entry::<projects::CompleteProject>(),
            entry::<projects::CancelProject>(),
            entry::<regions::RegionPatchBody>(),
            entry::<reports::CreateReport>(),
            entry::<reports::UpdateReport>(),
            entry::<stats::SetWeights>(),
            entry::<supervision::CreateCase>(),
            entry::<supervision::PublishCase>(),
            entry::<supervision::CreateSupervisionRecord>(),
            entry::<users::CreateUser>(),
            entry::<users::UpdateUser>(),
            entry::<users::SetPassword>(),
            entry::<village_pairings::CreateVillagePairing>(),
            entry::<village_pairings::EndVillagePairing>(),
            entry::<wishes::CreateWish>(),
            entry::<wishes::FulfilWish>(),
            entry::<wishes::CancelWish>(),
        ])
    }

    #[test]
    fn the_document_states_the_ceilings_the_validator_enforces() {
        let doc = serde_json::to_value(crate::openapi::document()).unwrap();
        let registry = registry();
        let mut checked = BTreeSet::new();
        let mut failures = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let Some(schema) =
                    operation.pointer("/requestBody/content/application~1json/schema")
                else {
                    continue;
                };
                let name = schema["$ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/components/schemas/"));
                match name.map(|n| (n, registry.get(n))) {
                    None => failures.push(format!("{method} {path}: the body is not a named schema")),
                    Some((name, None)) => failures.push(format!(
                        "{method} {path}: {name} is not registered in extract::limits::tests::registry"
                    )),
                    Some((name, Some(check))) => {
                        if checked.insert(name.to_owned()) {
                            failures.extend(check(&doc));
                        }
                    }
                }
            }
        }
        assert!(checked.len() >= 37, "only {} bodies found", checked.len());
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    /// One step into a body: a property, or an array's first item.
    #[derive(Debug, Clone)]
    enum Step {
        Key(String),
    }

    fn path_name(path: &[Step]) -> String {
        path.iter()
            .map(|Step::Key(k)| k.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }

    fn component<'a>(doc: &'a Value, name: &str) -> &'a Value {
        &doc["components"]["schemas"][name]
    }

    /// The schema a property stands for: `$ref`s followed, the `null` branch of an
    /// optional value dropped.
    fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
        if let Some(name) = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            return resolve(doc, component(doc, name));
        }
        for combinator in ["oneOf", "anyOf", "allOf"] {
            if let Some(branches) = schema[combinator].as_array() {
                if let Some(branch) = branches.iter().find(|b| b["type"] != "null") {
                    return resolve(doc, branch);
                }
            }
        }
        schema
    }

    /// The JSON type a schema stands for, `null` aside.
    fn json_type(schema: &Value) -> &str {
        match &schema["type"] {
            Value::String(t) => t,
            Value::Array(types) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null"),
            _ => "",
        }
    }

    fn is_free_text(schema: &Value) -> bool {
        schema.get("enum").is_none()
            && !matches!(
                schema["format"].as_str(),
                Some("date" | "date-time" | "uuid")
            )
    }

    #[derive(Clone, Copy)]
    enum Fill {
        /// Every value at its ceiling.
        Ceiling,
        /// Every value at its floor.
        Floor,
    }

    fn count(schema: &Value, key: &str) -> Option<usize> {
        schema[key].as_u64().and_then(|n| usize::try_from(n).ok())
    }

    /// A value for `schema`, every property present.
    fn fill(doc: &Value, schema: &Value, at: Fill) -> Value {
        let schema = resolve(doc, schema);
        if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
            return first.clone();
        }
        match json_type(schema) {
            "string" => match schema["format"].as_str() {
                Some("date") => json!("2024-01-01"),
                Some("date-time") => json!("2024-01-01T00:00:00Z"),
                Some("uuid") => json!("00000000-0000-7000-8000-000000000001"),
                _ => {
                    let n = match at {
                        Fill::Ceiling => count(schema, "maxLength").unwrap_or(1),
                        Fill::Floor => count(schema, "minLength").unwrap_or(0),
                    };
                    json!("振".repeat(n))
                }
            },
            "integer" => match at {
                Fill::Ceiling => schema["maximum"].clone(),
                Fill::Floor => schema.get("minimum").cloned().unwrap_or(json!(0)),
            },
            "number" => json!(0),
            "boolean" => json!(true),
            "array" => {
                let n = match at {
                    Fill::Ceiling => count(schema, "maxItems").unwrap_or(1),
                    Fill::Floor => count(schema, "minItems").unwrap_or(0),
                };
                Value::Array(vec![fill(doc, &schema["items"], at); n])
            }
            "object" => {
                let mut object = Map::new();
                if let Some(properties) = schema["properties"].as_object() {
                    for (name, property) in properties {
                        object.insert(name.clone(), fill(doc, property, at));
                    }
                } else if schema["additionalProperties"].is_object() {
                    let n = match at {
                        Fill::Ceiling => count(schema, "maxProperties").unwrap_or(1),
                        Fill::Floor => 0,
                    };
                    for i in 0..n {
                        object.insert(
                            format!("k{i}"),
                            fill(doc, &schema["additionalProperties"], at),
                        );
                    }
                }
                Value::Object(object)
            }
            _ => Value::Null,
        }
    }

    /// A bounded property: where it is, and a value one past its ceiling with the code
    /// that must refuse it.
    struct Bounded {
        path: Vec<Step>,
        past: Value,
        code: &'static str,
    }

    /// Walks the properties of an object schema, noting every bounded one and every one
    /// that should be bounded and is not.
    fn walk(
        doc: &Value,
        object: &Value,
        path: &mut Vec<Step>,
        bounded: &mut Vec<Bounded>,
        unbounded: &mut Vec<String>,
    ) {
        let Some(properties) = object["properties"].as_object() else {
            return;
        };
        for (name, property) in properties {
            path.push(Step::Key(name.clone()));
            let schema = resolve(doc, property);
            let ceiling = match json_type(schema) {
                "string" if is_free_text(schema) => Some((
                    count(schema, "maxLength").map(|n| json!("振".repeat(n + 1))),
                    "too_long",
                    "maxLength",
                )),
                "integer" => Some((
                    schema["maximum"].as_i64().map(|m| json!(i128::from(m) + 1)),
                    "out_of_range",
                    "maximum",
                )),
                "array" => {
                    if resolve(doc, &schema["items"])["properties"].is_object() {
                        unbounded.push(format!(
                            "{}: objects in arrays are not checked yet; extend this test",
                            path_name(path)
                        ));
                    }
                    let item = fill(doc, &schema["items"], Fill::Ceiling);
                    Some((
                        count(schema, "maxItems").map(|n| Value::Array(vec![item; n + 1])),
                        "too_many_items",
                        "maxItems",
                    ))
                }
                "object" if schema["properties"].is_object() => {
                    walk(doc, schema, path, bounded, unbounded);
                    None
                }
                "object" => {
                    // A map: its size is bounded here; its values are the rules'
                    // (`domain::evaluation::Weights::parse` for the only one).
                    let value = fill(doc, &schema["additionalProperties"], Fill::Ceiling);
                    Some((
                        count(schema, "maxProperties").map(|n| {
                            Value::Object(
                                (0..=n).map(|i| (format!("k{i}"), value.clone())).collect(),
                            )
                        }),
                        "too_many_items",
                        "maxProperties",
                    ))
                }
                _ => None,
            };
            match ceiling {
                Some((Some(past), code, _)) => bounded.push(Bounded {
                    path: path.clone(),
                    past,
                    code,
                }),
                Some((None, _, what)) => {
                    unbounded.push(format!("{} has no {what}", path_name(path)));
                }
                None => {}
            }
            path.pop();
        }
    }

    fn set(body: &mut Value, path: &[Step], value: Value) {
        match path {
            [] => *body = value,
            [Step::Key(key), rest @ ..] => set(&mut body[key.as_str()], rest, value),
        }
    }

    /// `field:code` of each problem `parse_json` finds in `body`, or nothing if it
    /// takes the body.
    fn problems<T: DeserializeOwned + Validate>(body: &Value) -> Vec<String> {
        let bytes = serde_json::to_vec(body).unwrap();
        match parse_json::<T>(&bytes) {
            Ok(_) => Vec::new(),
            Err(e) => {
                let problem = e.problem(Lang::En, "", "");
                let mut found: Vec<String> = problem
                    .errors
                    .iter()
                    .map(|f| format!("{}:{}", f.field, f.code))
                    .collect();
                if found.is_empty() {
                    found.push(format!("{}: {}", problem.code, problem.detail));
                }
                found
            }
        }
    }

    fn check<T: DeserializeOwned + Validate + ToSchema>(doc: &Value) -> Vec<String> {
        let name = T::name();
        let schema = component(doc, &name);
        let mut failures = Vec::new();
        if !schema["properties"].is_object() {
            return vec![format!("{name}: no properties in the document")];
        }
        let (mut bounded, mut unbounded) = (Vec::new(), Vec::new());
        walk(doc, schema, &mut Vec::new(), &mut bounded, &mut unbounded);
        failures.extend(unbounded.into_iter().map(|u| format!("{name}: {u}")));

        // The validator is never stricter than the document: every value at its
        // ceiling passes, and every value at its floor.
        let full = fill(doc, schema, Fill::Ceiling);
        for (at, body) in [
            ("ceiling", &full),
            ("floor", &fill(doc, schema, Fill::Floor)),
        ] {
            let found = problems::<T>(body);
            if !found.is_empty() {
                failures.push(format!(
                    "{name}: every field at its {at} is refused: {found:?}"
                ));
            }
        }
        // Nor looser: one past any ceiling is refused, naming that field alone.
        for Bounded { path, past, code } in bounded {
            let mut body = full.clone();
            set(&mut body, &path, past);
            let expected = vec![format!("{}:{code}", path_name(&path))];
            let found = problems::<T>(&body);
            if found != expected {
                failures.push(format!(
                    "{name}: one past the ceiling of {}: expected {expected:?}, got {found:?}",
                    path_name(&path)
                ));
            }
        }
        failures
    }

    /// The test would catch what it is for: a ceiling in the document that the
    /// validator does not enforce, and a string the document leaves unbounded.
    #[test]
    fn a_disagreement_is_caught() {
        #[derive(serde::Deserialize, Validate, ToSchema)]
        #[allow(dead_code)]
        struct Loose {
            #[schema(max_length = 3)]
            #[validate(length(max = 4))]
            name: String,
            note: Option<String>,
            #[schema(maximum = 9)]
            #[validate(range(max = 9))]
            n: i64,
        }
        let mut doc = serde_json::to_value(crate::openapi::document()).unwrap();
        let schema = serde_json::to_value(<Loose as utoipa::PartialSchema>::schema()).unwrap();
        doc["components"]["schemas"]["Loose"] = schema;
        let failures = check::<Loose>(&doc);
        assert_eq!(failures.len(), 2, "{failures:#?}");
        assert!(
            failures[0].contains("note has no maxLength"),
            "{failures:#?}"
        );
        assert!(failures[1].contains("ceiling of name"), "{failures:#?}");
    }
}
