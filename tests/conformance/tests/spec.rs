//! The registry and the models agree with the official spec.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use tailnet::model::{FieldInfo, TypeRef};
use tailnet::models::MODELS;
use tailnet::registry::{OPERATIONS, POLICY_AND_WEBHOOK_MODELS};
use tailnet_conformance::{fixtures, request_schema, resolve, response_schema, spec, spec_operation, validate};

/// Operations that are not in the official spec (see shared/reference/README.md).
const OUTSIDE_SPEC: &[&str] = &[
    "createOAuthToken",
    "exchangeWorkloadIdentityToken",
    "listVipServices",
    "getVipService",
    "updateVipService",
    "deleteVipService",
];

/// Schema properties deliberately not modelled as named fields: (model, wire property, why).
const UNMODELLED_PROPERTIES: &[(&str, &str, &str)] = &[];

#[test]
fn every_spec_operation_is_registered_with_its_method_and_path() -> Result<(), String> {
    let spec = spec()?;
    let mut problems = Vec::new();
    let mut spec_ids = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().ok_or("no paths")? {
        for (method, op) in item.as_object().ok_or("bad path item")? {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
            spec_ids.insert(id.to_owned());
            match tailnet::registry::find(id) {
                None => problems.push(format!("{id}: missing from the registry")),
                Some(info) => {
                    if info.method != method.to_uppercase() {
                        problems.push(format!("{id}: method {} != spec {}", info.method, method.to_uppercase()));
                    }
                    if info.path != path {
                        problems.push(format!("{id}: path {} != spec {path}", info.path));
                    }
                }
            }
        }
    }
    assert_eq!(spec_ids.len(), 90, "the reference spec has 90 operations");
    for op in OPERATIONS {
        if !spec_ids.contains(op.id) && !OUTSIDE_SPEC.contains(&op.id) {
            problems.push(format!("{}: registered but neither in the spec nor in the documented extras", op.id));
        }
    }
    assert_eq!(OPERATIONS.len(), 96);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

#[test]
fn every_spec_parameter_is_a_declared_parameter() -> Result<(), String> {
    let spec = spec()?;
    let mut problems = Vec::new();
    for info in OPERATIONS.iter().filter(|o| !OUTSIDE_SPEC.contains(&o.id)) {
        let (_, _, op) = spec_operation(&spec, info.id).ok_or(format!("{} not in spec", info.id))?;
        for param in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            let param = resolve(&spec, param);
            let Some(name) = param.get("name").and_then(Value::as_str) else { continue };
            let wire = if name.contains("filters") { "filters" } else { name };
            if info.param(wire).is_none() {
                problems.push(format!("{}: spec parameter `{name}` is not declared", info.id));
            }
        }
        let spec_has_body = op.get("requestBody").is_some();
        if spec_has_body != info.body.is_some() {
            problems.push(format!("{}: request body declared {} but spec says {}", info.id, info.body.is_some(), spec_has_body));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// Whether a body or result is one the core types by hand (the policy file, the validation
/// outcome, an empty body), checked by the unit tests in core/src/response.rs and request.rs.
fn hand_typed(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(name) => POLICY_AND_WEBHOOK_MODELS.iter().any(|m| m.name == *name),
        other => *other == TypeRef::Nothing,
    }
}

fn model_fields(name: &str) -> Option<&'static [FieldInfo]> {
    MODELS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Walks a schema and the Rust type side by side, reporting properties without a named field.
fn check_schema(spec: &Value, schema: &Value, ty: &TypeRef, at: &str, problems: &mut Vec<String>, allowed: &BTreeMap<(&str, &str), &str>) {
    let schema = resolve(spec, schema);
    if let Some(all_of) = schema.get("allOf").and_then(Value::as_array) {
        for part in all_of {
            check_schema(spec, part, ty, at, problems, allowed);
        }
        return;
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => {
            if let Some(items) = schema.get("items") {
                check_schema(spec, items, ty, &format!("{at}[]"), problems, allowed);
            }
        }
        _ => {
            let model = ty.innermost_name().unwrap_or_default();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                let Some(fields) = model_fields(model) else {
                    problems.push(format!("{at}: object with properties maps to `{ty:?}`, which is not a model"));
                    return;
                };
                for (wire, property) in properties {
                    match fields.iter().find(|f| f.wire == wire) {
                        Some(field) => check_schema(spec, property, field.ty, &format!("{at}.{wire}"), problems, allowed),
                        None if allowed.contains_key(&(model, wire.as_str())) => {}
                        None => problems.push(format!("{at}: property `{wire}` is not a field of `{model}`")),
                    }
                }
            } else if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object()) {
                check_schema(spec, extra, ty, &format!("{at}{{*}}"), problems, allowed);
            }
        }
    }
}

#[test]
fn every_response_property_is_a_named_model_field() -> Result<(), String> {
    let spec = spec()?;
    let allowed: BTreeMap<(&str, &str), &str> = UNMODELLED_PROPERTIES.iter().map(|(m, p, why)| ((*m, *p), *why)).collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for info in OPERATIONS.iter().filter(|o| !OUTSIDE_SPEC.contains(&o.id)) {
        let (_, _, op) = spec_operation(&spec, info.id).ok_or(format!("{} not in spec", info.id))?;
        for &status in info.success {
            let Some(schema) = response_schema(&spec, op, status) else { continue };
            if hand_typed(info.response) {
                continue;
            }
            checked += 1;
            check_schema(&spec, schema, info.response, info.id, &mut problems, &allowed);
        }
        if let (Some(schema), Some(body)) = (request_schema(op), info.body) {
            if !hand_typed(body.ty) {
                check_schema(&spec, schema, body.ty, &format!("{} request", info.id), &mut problems, &allowed);
            }
        }
    }
    assert!(checked > 50, "only {checked} response schemas checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

fn is_json_media(headers: &Value) -> bool {
    headers
        .as_object()
        .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")))
        .and_then(|(_, v)| v.as_str())
        .is_some_and(|ct| ct.starts_with("application/json"))
}

#[test]
fn fixture_bodies_validate_against_the_spec() -> Result<(), String> {
    let spec = spec()?;
    let mut problems = Vec::new();
    let mut validated = 0;
    for (path, fixture) in fixtures()? {
        let name = path.display().to_string();
        let Some(op_id) = fixture.get("operation").and_then(Value::as_str) else {
            problems.push(format!("{name}: no `operation`"));
            continue;
        };
        let Some((_, _, op)) = spec_operation(&spec, op_id) else { continue };
        if let (Some(body), Some(schema)) = (fixture.pointer("/request/body"), request_schema(op)) {
            if fixture.pointer("/request/headers").is_some_and(is_json_media) {
                validated += 1;
                for violation in validate(&spec, schema, body) {
                    problems.push(format!("{name}: request body: {violation}"));
                }
            }
        }
        // Success fixtures whose result is typed must match the documented response schema;
        // fixtures about drift (unknown fields, nulls, "" timestamps) are exempt by file name.
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        let drift = ["unknown", "drift", "null", "empty", "missing", "malformed", "wrong"].iter().any(|w| file.contains(w));
        let status = fixture.pointer("/response/status").and_then(Value::as_u64).unwrap_or(0) as u16;
        if let (Some(body), Some(_), false) = (fixture.pointer("/response/body"), fixture.get("result"), drift) {
            if let Some(schema) = response_schema(&spec, op, status) {
                validated += 1;
                for violation in validate(&spec, schema, body) {
                    problems.push(format!("{name}: response body: {violation}"));
                }
            }
        }
    }
    assert!(validated > 0, "no fixture bodies found to validate");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    Ok(())
}
