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
