//! The OpenAPI document as committed in `openapi/openapi.json`, and the test that
//! fails when it no longer matches what the code generates.
//!
//! Regenerate it with `cargo run -p api -- openapi --output openapi/openapi.json`
//! (or `UPDATE_OPENAPI=1 cargo test -p openapi`).

/// The committed document.
pub const COMMITTED: &str = include_str!("../openapi.json");

/// The document the code generates now, in the committed form.
pub fn generated() -> Result<String, serde_json::Error> {
    api::openapi::document_json()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_spec_matches_the_code() {
        let generated = generated().unwrap();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
            std::fs::write(path, &generated).unwrap();
            return;
        }
        if COMMITTED != generated {
            let committed: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
            let now: serde_json::Value = serde_json::from_str(&generated).unwrap();
            let committed_paths: Vec<_> = committed["paths"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            let paths: Vec<_> = now["paths"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            panic!(
                "openapi/openapi.json is out of date with the code.\n\
                 Regenerate it:  cargo run -p api -- openapi --output openapi/openapi.json\n\
                 (or: UPDATE_OPENAPI=1 cargo test -p openapi), review the diff and commit it.\n\
                 committed paths: {committed_paths:?}\n\
                 generated paths: {paths:?}"
            );
        }
    }

    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v.as_str()) {
                        ("$ref", Some(r)) => out.push(r.to_owned()),
                        _ => refs(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves_and_enums_use_code_names() {
        let spec: serde_json::Value = serde_json::from_str(&generated().unwrap()).unwrap();
        let mut found = Vec::new();
        refs(&spec, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let name = r.strip_prefix("#/components/schemas/").unwrap();
            assert!(
                spec["components"]["schemas"][name].is_object(),
                "{r} is not defined"
            );
        }
        let levels = &spec["components"]["schemas"]["RegionLevel"]["enum"];
        assert_eq!(
            levels,
            &serde_json::json!(["province", "prefecture", "county", "township", "village"])
        );
        let tags = spec["components"]["schemas"]["VillageTag"]["enum"]
            .as_array()
            .unwrap();
        assert!(tags.contains(&serde_json::json!("green_beautiful")));
    }

    #[test]
    fn the_spec_is_openapi_3_1_with_problem_errors() {
        let spec: serde_json::Value = serde_json::from_str(&generated().unwrap()).unwrap();
        assert_eq!(spec["openapi"], "3.1.0");
        // Every operation has an id, a tag, and documents each 4xx/5xx as a problem.
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert!(op["operationId"].is_string(), "{method} {path}");
                assert!(op["tags"].is_array(), "{method} {path}");
                for (status, response) in op["responses"].as_object().unwrap() {
                    if status.starts_with('4') || status.starts_with('5') {
                        let schema =
                            &response["content"]["application/problem+json"]["schema"]["$ref"];
                        assert_eq!(
                            schema, "#/components/schemas/Problem",
                            "{method} {path} {status}"
                        );
                    }
                }
            }
        }
    }
}
