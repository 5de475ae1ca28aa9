//! The OpenAPI document as oracle: routing, parameter and body validation, response checks,
//! and the OAuth scope each operation requires (parsed from its description text).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

/// The spec as shipped in the shared reference folder, embedded so the binary is self-contained.
pub const EMBEDDED_SPEC: &str = include_str!("../../../../shared/reference/tailscale-openapi.yaml");

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// One operation: a method on a path template, with what the spec says about it.
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    pub method: String,
    /// Template relative to /api/v2, e.g. `/device/{deviceId}`.
    pub template: String,
    segments: Vec<Segment>,
    /// Parameters (path-level and operation-level merged, refs resolved).
    pub params: Vec<Param>,
    /// JSON request-body schema (refs left in place; resolved through the components).
    pub request_schema: Option<Value>,
    pub request_required: bool,
    /// OAuth scopes, any of which grants access (empty = none stated).
    pub scopes: Vec<String>,
    /// True for operations that the fake serves but the spec does not list (vip-services, oauth).
    pub extra: bool,
    /// For extra operations that are twins of a spec operation: that operation's id (its schemas apply).
    pub schema_of: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub schema: Value,
}

/// A matched request: the operation and its decoded path parameters.
pub struct Matched<'a> {
    pub op: &'a Operation,
    pub path_params: HashMap<String, String>,
}

pub enum RouteResult<'a> {
    Found(Matched<'a>),
    NotFound,
    MethodNotAllowed(Vec<String>),
}

type ValidatorCache = Mutex<HashMap<String, Arc<Result<jsonschema::Validator, String>>>>;

pub struct Spec {
    pub doc: Value,
    pub ops: Vec<Operation>,
    validators: ValidatorCache,
}

fn parse_template(t: &str) -> Vec<Segment> {
    t.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if let Some(name) = s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Segment::Param(name.to_string())
            } else {
                Segment::Literal(s.to_string())
            }
        })
        .collect()
}

/// Every backticked scope that follows "OAuth Scope: " in the text.
fn scopes_in(text: &str) -> Vec<String> {
    let marker = "OAuth Scope: `";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(marker) {
        rest = &rest[i + marker.len()..];
        if let Some(end) = rest.find('`') {
            let s = rest[..end].to_string();
            if !out.contains(&s) {
                out.push(s);
            }
            rest = &rest[end..];
        }
    }
    out
}

/// Scopes for the operations whose spec text names none (DNS, invites); chosen to match the
/// scope names the README lists so that OAuth clients can still be tested against them.
fn fallback_scopes(op_id: &str, method: &str) -> Vec<String> {
    let read = method == "GET";
    let base = if op_id.contains("Dns") {
        "dns"
    } else if op_id.contains("UserInvite") {
        "users"
    } else if op_id.contains("DeviceInvite") {
        "device_invites"
    } else if op_id == "previewRuleMatches" {
        "policy_file"
    } else {
        return Vec::new();
    };
    vec![if read { format!("{base}:read") } else { base.to_string() }]
}

/// A string enum whose description says an empty string is a value (`providerType`: "or an empty
/// string if none are applicable") takes `""`, as the real API does; the enum list omits it.
fn allow_documented_empty_strings(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let documents_empty = map.get("description").and_then(Value::as_str).is_some_and(|d| d.to_ascii_lowercase().contains("empty string"));
            if documents_empty {
                if let Some(Value::Array(values)) = map.get_mut("enum") {
                    if values.iter().all(Value::is_string) && !values.contains(&json!("")) {
                        values.push(json!(""));
                    }
                }
            }
            map.values_mut().for_each(allow_documented_empty_strings);
        }
        Value::Array(items) => items.iter_mut().for_each(allow_documented_empty_strings),
        _ => {}
    }
}

impl Spec {
    pub fn parse(text: &str) -> Result<Spec, String> {
        let mut doc: Value = serde_yaml::from_str(text).map_err(|e| format!("spec is not valid YAML: {e}"))?;
        allow_documented_empty_strings(&mut doc);
        let paths = doc.get("paths").and_then(Value::as_object).ok_or("spec has no paths")?;
        let mut ops = Vec::new();
        for (template, item) in paths {
            let Some(item) = item.as_object() else { continue };
            let path_params: Vec<Value> = item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            for (method, op) in item {
                if method == "parameters" {
                    continue;
                }
                let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
                let mut params: Vec<Param> = Vec::new();
                let op_params: Vec<Value> = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
                for p in path_params.iter().chain(op_params.iter()) {
                    let p = resolve(&doc, p);
                    let (Some(name), Some(loc)) = (p.get("name").and_then(Value::as_str), p.get("in").and_then(Value::as_str)) else {
                        continue;
                    };
                    let param = Param {
                        name: name.to_string(),
                        location: loc.to_string(),
                        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                        schema: p.get("schema").cloned().unwrap_or(json!({})),
                    };
                    // Operation-level parameters override path-level ones of the same name.
                    params.retain(|q| !(q.name == param.name && q.location == param.location));
                    params.push(param);
                }
                let body = op.get("requestBody").map(|b| resolve(&doc, b));
                let request_schema = body.and_then(|b| b.pointer("/content/application~1json/schema")).cloned();
                let request_required = body.and_then(|b| b.get("required")).and_then(Value::as_bool).unwrap_or(false);
                let mut scopes = scopes_in(&op.to_string());
                if scopes.is_empty() {
                    // The preview operation states its scope on a path-level parameter.
                    scopes = scopes_in(&Value::Array(path_params.clone()).to_string());
                }
                if scopes.is_empty() {
                    scopes = fallback_scopes(id, &method.to_uppercase());
                }
                ops.push(Operation {
                    id: id.to_string(),
                    method: method.to_uppercase(),
                    template: template.clone(),
                    segments: parse_template(template),
                    params,
                    request_schema,
                    request_required,
                    scopes,
                    extra: false,
                    schema_of: None,
                });
            }
        }
        add_extra_ops(&mut ops);
        Ok(Spec { doc, ops, validators: Mutex::new(HashMap::new()) })
    }

    /// Number of operations that come from the spec itself.
    pub fn spec_operation_count(&self) -> usize {
        self.ops.iter().filter(|o| !o.extra).count()
    }

    pub fn op(&self, id: &str) -> Option<&Operation> {
        self.ops.iter().find(|o| o.id == id)
    }

    /// Matches a path relative to /api/v2 (raw, still percent-encoded).
    pub fn route(&self, method: &str, path: &str) -> RouteResult<'_> {
        let raw: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut best: Option<(usize, &Operation, HashMap<String, String>)> = None;
        let mut allowed = Vec::new();
        for op in &self.ops {
            if op.segments.len() != raw.len() {
                continue;
            }
            let mut params = HashMap::new();
            let mut literals = 0;
            let mut ok = true;
            for (seg, value) in op.segments.iter().zip(raw.iter()) {
                match seg {
                    Segment::Literal(l) => {
                        if l != value {
                            ok = false;
                            break;
                        }
                        literals += 1;
                    }
                    Segment::Param(name) => {
                        let decoded = percent_encoding::percent_decode_str(value).decode_utf8_lossy().to_string();
                        params.insert(name.clone(), decoded);
                    }
                }
            }
            if !ok {
                continue;
            }
            if op.method != method {
                allowed.push(op.method.clone());
                continue;
            }
            // Prefer the template with the most literal segments (`/device-invites/-/accept`).
            if best.as_ref().is_none_or(|(l, _, _)| literals > *l) {
                best = Some((literals, op, params));
            }
        }
        match best {
            Some((_, op, path_params)) => RouteResult::Found(Matched { op, path_params }),
            None if !allowed.is_empty() => {
                allowed.sort();
                allowed.dedup();
                RouteResult::MethodNotAllowed(allowed)
            }
            None => RouteResult::NotFound,
        }
    }

    /// A validator for `schema`, with the spec's components reachable for `$ref`s. Cached by key.
    fn validator(&self, key: &str, schema: &Value) -> Arc<Result<jsonschema::Validator, String>> {
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = cache.get(key) {
            return v.clone();
        }
        let mut root = Map::new();
        root.insert("components".into(), self.doc.get("components").cloned().unwrap_or(Value::Null));
        if let Some(obj) = schema.as_object() {
            for (k, v) in obj {
                root.insert(k.clone(), v.clone());
            }
        }
        let built = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| format!("schema does not compile: {e}"));
        let built = Arc::new(built);
        cache.insert(key.to_string(), built.clone());
        built
    }

    /// Validates `instance` against `schema`; returns human-readable problems (empty = valid).
    pub fn validate(&self, key: &str, schema: &Value, instance: &Value) -> Vec<String> {
        let v = self.validator(key, schema);
        match v.as_ref() {
            Ok(validator) => validator
                .iter_errors(instance)
                .map(|e| {
                    let at = e.instance_path().to_string();
                    if at.is_empty() {
                        e.to_string()
                    } else {
                        format!("{e} (at {at})")
                    }
                })
                .collect(),
            Err(e) => vec![e.clone()],
        }
    }

    /// The JSON response schema declared for `status`, resolving response `$ref`s.
    /// Outer None = status not declared; inner None = declared without JSON content.
    pub fn response_schema(&self, op_id: &str, status: u16) -> Option<Option<Value>> {
        let op = self.op_value(op_id)?;
        let response = op.get("responses")?.get(status.to_string())?;
        let response = resolve(&self.doc, response);
        Some(response.pointer("/content/application~1json/schema").cloned())
    }

    /// Removes `null` members that `schema` declares as optional properties, at any depth: the
    /// real API reads them as "not given" (the official Go client sends `null` for every unset
    /// field). A free-form map keeps its nulls (in split DNS, `null` clears a domain), and a null
    /// required property stays, to be reported as the API would.
    pub fn drop_null_optionals(&self, schema: &Value, value: &mut Value) {
        let schema = resolve(&self.doc, schema);
        for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            self.drop_null_optionals(part, value);
        }
        match value {
            Value::Object(map) => {
                let Some(properties) = schema.get("properties").and_then(Value::as_object) else { return };
                let required: Vec<&str> = schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
                map.retain(|key, v| !(v.is_null() && properties.contains_key(key) && !required.contains(&key.as_str())));
                for (key, v) in map.iter_mut() {
                    if let Some(property) = properties.get(key) {
                        self.drop_null_optionals(property, v);
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    items.iter_mut().for_each(|v| self.drop_null_optionals(item, v));
                }
            }
            _ => {}
        }
    }

    fn op_value(&self, op_id: &str) -> Option<&Value> {
        let op = self.op(op_id)?;
        self.doc.get("paths")?.get(&op.template)?.get(op.method.to_lowercase())
    }
}

/// Follows local `$ref`s.
pub fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else { break };
        let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p)) else { break };
        v = target;
    }
    v
}

/// The operations served beyond the spec: OAuth token endpoints and the vip-services twins.
fn add_extra_ops(ops: &mut Vec<Operation>) {
    let twin = |ops: &Vec<Operation>, id: &str, new_id: &str, template: &str| -> Option<Operation> {
        let base = ops.iter().find(|o| o.id == id)?;
        Some(Operation {
            id: new_id.to_string(),
            template: template.to_string(),
            segments: parse_template(template),
            extra: true,
            schema_of: Some(id.to_string()),
            ..base.clone()
        })
    };
    let twins = [
        ("listServices", "listVipServices", "/tailnet/{tailnet}/vip-services"),
        ("getService", "getVipService", "/tailnet/{tailnet}/vip-services/{serviceName}"),
        ("updateService", "updateVipService", "/tailnet/{tailnet}/vip-services/{serviceName}"),
        ("deleteService", "deleteVipService", "/tailnet/{tailnet}/vip-services/{serviceName}"),
    ];
    for (id, new_id, template) in twins {
        if let Some(op) = twin(ops, id, new_id, template) {
            ops.push(op);
        }
    }
    for (id, template) in [("oauthToken", "/oauth/token"), ("oauthTokenExchange", "/oauth/token-exchange")] {
        ops.push(Operation {
            id: id.to_string(),
            method: "POST".into(),
            template: template.into(),
            segments: parse_template(template),
            params: Vec::new(),
            request_schema: None,
            request_required: false,
            scopes: Vec::new(),
            extra: true,
            schema_of: None,
        });
    }
}

/// Parses a query value per a parameter schema into JSON (booleans and integers typed).
fn typed_query_value(schema: &Value, raw: &str) -> Result<Value, String> {
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("string");
    match ty {
        // Go's strconv.ParseBool forms, which is what the real server accepts.
        "boolean" => match raw {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(Value::Bool(true)),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(Value::Bool(false)),
            _ => Err("expected a boolean".into()),
        },
        "integer" => raw.parse::<i64>().map(Value::from).map_err(|_| "expected an integer".into()),
        "number" => raw.parse::<f64>().map(|f| json!(f)).map_err(|_| "expected a number".into()),
        _ => Ok(Value::String(raw.to_string())),
    }
}

impl Spec {
    /// Checks path and query parameters. `query` keeps repeated keys in order.
    pub fn check_params(&self, m: &Matched<'_>, query: &[(String, String)]) -> Result<(), String> {
        let op = m.op;
        // Device list takes arbitrary `<field>=<value>` filters besides its declared parameters.
        let free_filters = op.params.iter().any(|p| p.name.contains('<'));
        for (name, _) in query {
            let declared = op.params.iter().any(|p| p.location == "query" && &p.name == name);
            if !declared && !free_filters {
                return Err(format!("unknown query parameter \"{name}\""));
            }
        }
        for p in &op.params {
            let schema = resolve(&self.doc, &p.schema).clone();
            let key = format!("param:{}:{}:{}", op.id, p.location, p.name);
            match p.location.as_str() {
                "path" => {
                    let Some(v) = m.path_params.get(&p.name) else { continue };
                    let problems = self.validate(&key, &schema, &Value::String(v.clone()));
                    if let Some(first) = problems.first() {
                        return Err(format!("invalid path parameter {}: {first}", p.name));
                    }
                }
                "query" if !p.name.contains('<') => {
                    let values: Vec<&str> = query.iter().filter(|(k, _)| k == &p.name).map(|(_, v)| v.as_str()).collect();
                    if values.is_empty() {
                        // The spec marks keys-list `all` required, but the real API (and every client)
                        // treats it as optional: enforcing it would reject plain list calls.
                        if p.required && !(op.id == "listTailnetKeys" && p.name == "all") {
                            return Err(format!("missing required query parameter \"{}\"", p.name));
                        }
                        continue;
                    }
                    let is_array = schema.get("type").and_then(Value::as_str) == Some("array");
                    let instance = if is_array {
                        let item_schema = schema.get("items").cloned().unwrap_or(json!({}));
                        let mut items = Vec::new();
                        for v in &values {
                            items.push(typed_query_value(&item_schema, v).map_err(|e| format!("invalid value \"{v}\" for query parameter \"{}\": {e}", p.name))?);
                        }
                        Value::Array(items)
                    } else {
                        if values.len() > 1 {
                            return Err(format!("query parameter \"{}\" given more than once", p.name));
                        }
                        let v = values.first().copied().unwrap_or_default();
                        typed_query_value(&schema, v).map_err(|e| format!("invalid value \"{v}\" for query parameter \"{}\": {e}", p.name))?
                    };
                    let problems = self.validate(&key, &schema, &instance);
                    if let Some(first) = problems.first() {
                        return Err(format!("invalid query parameter \"{}\": {first}", p.name));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn oracle_catches_bad_responses_and_knows_scopes() {
        let spec = Spec::parse(EMBEDDED_SPEC).unwrap();
        assert_eq!(spec.spec_operation_count(), 90);
        let schema = spec.response_schema("getDevice", 200).unwrap().unwrap();
        assert!(spec.validate("t:dev", &schema, &json!({"nodeId": "n1CNTRL", "created": "2026-01-01T00:00:00Z"})).is_empty());
        assert!(!spec.validate("t:dev", &schema, &json!({"addresses": "100.64.0.1"})).is_empty());
        assert!(!spec.validate("t:dev", &schema, &json!({"created": "yesterday"})).is_empty(), "date-time formats are checked");
        assert_eq!(spec.response_schema("deleteDevice", 200), Some(None));
        assert_eq!(spec.response_schema("deleteDevice", 418), None);
        assert_eq!(spec.op("listTailnetDevices").unwrap().scopes, vec!["devices:core:read"]);
        assert_eq!(spec.op("previewRuleMatches").unwrap().scopes, vec!["policy_file:read"]);
        assert_eq!(spec.op("listTailnetKeys").unwrap().scopes.len(), 4);
        assert_eq!(spec.op("setDnsNameservers").unwrap().scopes, vec!["dns"]);
        match spec.route("POST", "/device-invites/-/accept") {
            RouteResult::Found(m) => assert_eq!(m.op.id, "acceptDeviceInvite"),
            _ => panic!("accept route"),
        }
        match spec.route("GET", "/tailnet/-/services/svc%3Aweb") {
            RouteResult::Found(m) => assert_eq!(m.path_params.get("serviceName").map(String::as_str), Some("svc:web")),
            _ => panic!("service route"),
        }
        assert!(matches!(spec.route("PUT", "/tailnet/-/devices"), RouteResult::MethodNotAllowed(_)));
        assert!(matches!(spec.route("GET", "/nope"), RouteResult::NotFound));
    }
}
