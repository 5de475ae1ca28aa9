//! Helpers shared by the conformance tests: the official spec as JSON, schema lookup and
//! validation, and the fixture corpus on disk.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// The official OpenAPI document, converted from YAML to JSON.
pub fn spec() -> Result<Value, String> {
    let path = spec_path();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_yaml::from_str(&text).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

pub fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/tailscale-openapi.yaml")
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Every fixture file as (path, parsed JSON), sorted by path.
pub fn fixtures() -> Result<Vec<(PathBuf, Value)>, String> {
    let mut out = Vec::new();
    let dir = fixtures_dir();
    let operations = std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for op_dir in operations.flatten() {
        if !op_dir.path().is_dir() {
            continue;
        }
        for case in std::fs::read_dir(op_dir.path()).map_err(|e| e.to_string())?.flatten() {
            let path = case.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            out.push((path, value));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The spec's operation object for an operationId, with its path and method.
pub fn spec_operation<'a>(spec: &'a Value, operation_id: &str) -> Option<(&'a str, String, &'a Value)> {
    let paths = spec.get("paths")?.as_object()?;
    for (path, item) in paths {
        for (method, op) in item.as_object()? {
            if op.get("operationId").and_then(Value::as_str) == Some(operation_id) {
                return Some((path.as_str(), method.to_uppercase(), op));
            }
        }
    }
    None
}

/// Follows `$ref`s inside the document.
pub fn resolve<'a>(spec: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else { break };
        let Some(pointer) = reference.strip_prefix('#') else { break };
        match spec.pointer(pointer) {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}

/// Validates `instance` against `schema`, with the spec's components reachable for `$ref`s.
/// Returns the list of violations (empty when valid).
pub fn validate(spec: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let mut root = json!({"components": spec.get("components").cloned().unwrap_or(Value::Null)});
    if let (Some(root_obj), Some(schema_obj)) = (root.as_object_mut(), schema.as_object()) {
        for (k, v) in schema_obj {
            root_obj.insert(k.clone(), v.clone());
        }
    }
    let validator = match jsonschema::options().with_draft(jsonschema::Draft::Draft202012).build(&root) {
        Ok(v) => v,
        Err(e) => return vec![format!("schema does not compile: {e}")],
    };
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

/// The JSON request-body schema of an operation, if it has one.
pub fn request_schema(op: &Value) -> Option<&Value> {
    op.pointer("/requestBody/content/application~1json/schema")
}

/// The JSON response schema of an operation for a status (falling back to `default`).
pub fn response_schema<'a>(spec: &'a Value, op: &'a Value, status: u16) -> Option<&'a Value> {
    let responses = op.get("responses")?;
    let response = resolve(spec, responses.get(status.to_string())?);
    response.pointer("/content/application~1json/schema")
}
