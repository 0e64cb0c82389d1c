//! Reading the API's served OpenAPI document: its operations, how a concrete path matches one,
//! and whether a request body is valid for it.

use reqwest::StatusCode;
use serde_json::Value;

use super::TestApp;

/// The HTTP methods an operation can have in the document.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The document served at `/api/v1/openapi.json` (without a token).
pub(crate) async fn document(app: &TestApp) -> Value {
    let response = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The document's operations as `(METHOD, path)`, methods upper-case.
pub(crate) fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("the document has paths") {
        for method in item.as_object().unwrap().keys() {
            if METHODS.contains(&method.as_str()) {
                found.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

/// Whether `template` (its query aside) has the shape of the documented `path`: the same
/// literal segments, a `{placeholder}` wherever the document has a parameter.
pub(crate) fn same_shape(path: &str, template: &str) -> bool {
    let template = template.split('?').next().unwrap_or_default();
    let is_param = |segment: &str| segment.starts_with('{') && segment.ends_with('}');
    let documented: Vec<&str> = path.split('/').collect();
    let given: Vec<&str> = template.split('/').collect();
    documented.len() == given.len()
        && documented
            .iter()
            .zip(&given)
            .all(|(d, g)| match (is_param(d), is_param(g)) {
                (true, true) => true,
                (false, false) => d == g,
                _ => false,
            })
}

/// Fails unless `METHOD path` takes a JSON body and `body` is valid for its schema.
pub(crate) fn assert_valid_request(doc: &Value, method: &str, path: &str, body: &Value) {
    let what = format!("{method} {path}");
    let described = &doc["paths"][path][method.to_lowercase()];
    let schema = &described["requestBody"]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{what} takes a JSON body");
    let errors = schema_errors(doc, schema, body);
    assert!(errors.is_empty(), "{what}: {errors:?}\n{body:#}");
}

/// Where `body` breaks `schema`, one of the document's (its `$ref`s resolved against the
/// document's components); empty when it is valid.
pub(crate) fn schema_errors(doc: &Value, schema: &Value, body: &Value) -> Vec<String> {
    let mut root = schema.clone();
    root.as_object_mut()
        .expect("a schema is an object")
        .insert("components".into(), doc["components"].clone());
    let validator = jsonschema::validator_for(&root).expect("the schema compiles");
    validator
        .iter_errors(body)
        .map(|error| format!("{error} at {}", error.instance_path))
        .collect()
}
