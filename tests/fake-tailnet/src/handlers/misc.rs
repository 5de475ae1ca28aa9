//! Tailnet settings, posture integrations, services (and their vip-services twins), OAuth apps.

use serde_json::{json, Map, Value};

use super::{empty, err, ok, not_found, now, obj, strings, Reply, Req};
use crate::state::{find_by, State};

pub fn settings(s: &mut State) -> Reply {
    obj(&s.settings)
}

/// Partial update: only the given fields change.
pub fn update_settings(s: &mut State, r: &Req<'_>) -> Reply {
    for (k, v) in r.body.as_ref().and_then(Value::as_object).into_iter().flatten() {
        if !v.is_null() {
            s.settings.insert(k.clone(), v.clone());
        }
    }
    obj(&s.settings)
}

pub fn integrations(s: &mut State) -> Reply {
    ok(json!({ "integrations": s.posture_integrations }))
}

fn store_integration_fields(i: &mut Map<String, Value>, body: &Value) {
    for f in ["provider", "cloudId", "clientId", "tenantId"] {
        if let Some(v) = body.get(f) {
            i.insert(f.into(), v.clone());
        }
    }
    i.insert("configUpdated".into(), json!(now()));
}

pub fn create_integration(s: &mut State, r: &Req<'_>) -> Reply {
    let body = r.body.clone().unwrap_or(json!({}));
    let Some(provider) = body.get("provider").and_then(Value::as_str) else { return err(400, "provider is required") };
    if body.get("clientSecret").and_then(Value::as_str).unwrap_or_default().is_empty() {
        return err(400, "clientSecret is required");
    }
    if s.posture_integrations.iter().any(|i| i.get("provider").and_then(Value::as_str) == Some(provider)) {
        return err(409, format!("an integration for provider {provider} already exists"));
    }
    let mut i = Map::new();
    i.insert("id".into(), json!(format!("pi{}", super::token(s, 10))));
    store_integration_fields(&mut i, &body);
    i.insert("status".into(), json!({"lastSync": now(), "error": "", "providerHostCount": 0, "matchedCount": 0, "possibleMatchedCount": 0}));
    s.posture_integrations.push(i.clone());
    obj(&i)
}

pub fn get_integration(s: &mut State, r: &Req<'_>) -> Reply {
    match find_by(&mut s.posture_integrations, "id", r.param("id")) {
        Some(i) => obj(i),
        None => not_found("posture integration"),
    }
}

pub fn update_integration(s: &mut State, r: &Req<'_>) -> Reply {
    let body = r.body.clone().unwrap_or(json!({}));
    match find_by(&mut s.posture_integrations, "id", r.param("id")) {
        Some(i) => {
            if let Some(p) = body.get("provider") {
                if Some(p) != i.get("provider") {
                    return err(400, "provider cannot be changed");
                }
            }
            store_integration_fields(i, &body);
            obj(i)
        }
        None => not_found("posture integration"),
    }
}

pub fn delete_integration(s: &mut State, r: &Req<'_>) -> Reply {
    let before = s.posture_integrations.len();
    s.posture_integrations.retain(|i| i.get("id").and_then(Value::as_str) != Some(r.param("id")));
    if s.posture_integrations.len() == before {
        return not_found("posture integration");
    }
    empty()
}

pub fn services(s: &mut State) -> Reply {
    let list: Vec<Value> = s.services.values().cloned().map(Value::Object).collect();
    ok(json!({ "vipServices": list }))
}

fn check_service_name(name: &str) -> Result<(), Reply> {
    let label = name.strip_prefix("svc:").unwrap_or_default();
    if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(err(400, format!("invalid service name {name:?}: must be svc:<dns-label>")));
    }
    Ok(())
}

pub fn get_service(s: &mut State, r: &Req<'_>) -> Reply {
    if let Err(e) = check_service_name(r.param("serviceName")) {
        return e;
    }
    match s.services.get(r.param("serviceName")) {
        Some(v) => obj(v),
        None => not_found("service"),
    }
}

pub fn put_service(s: &mut State, r: &Req<'_>) -> Reply {
    let name = r.param("serviceName").to_string();
    if let Err(e) = check_service_name(&name) {
        return e;
    }
    let body = r.body.clone().unwrap_or(json!({}));
    if let Some(n) = body.get("name").and_then(Value::as_str) {
        if n != name {
            return err(400, format!("name {n:?} in body does not match path {name:?}"));
        }
    }
    let ports = strings(body.get("ports"));
    if let Some(bad) = ports.iter().find(|p| !(p.starts_with("tcp:") || p.starts_with("udp:") || p.as_str() == "do-not-validate")) {
        return err(400, format!("invalid port {bad:?}: want tcp:<port> or udp:<port>"));
    }
    let n = s.services.len() as u64 + 1;
    let existing_addrs = s.services.get(&name).and_then(|v| v.get("addrs")).cloned();
    let addrs = match body.get("addrs") {
        Some(a) if !strings(Some(a)).is_empty() => a.clone(),
        _ => existing_addrs.unwrap_or_else(|| json!([format!("100.100.{}.{}", n / 256, n % 256), format!("fd7a:115c:a1e0::100:{n:x}")])),
    };
    let mut v = Map::new();
    v.insert("name".into(), json!(name));
    v.insert("addrs".into(), addrs);
    v.insert("comment".into(), body.get("comment").cloned().unwrap_or(json!("")));
    v.insert("ports".into(), json!(ports));
    v.insert("tags".into(), json!(strings(body.get("tags"))));
    s.services.insert(name, v.clone());
    obj(&v)
}

pub fn delete_service(s: &mut State, r: &Req<'_>) -> Reply {
    let name = r.param("serviceName");
    if let Err(e) = check_service_name(name) {
        return e;
    }
    if s.services.remove(name).is_none() {
        return not_found("service");
    }
    s.service_approvals.remove(name);
    empty()
}

pub fn service_hosts(s: &mut State, r: &Req<'_>) -> Reply {
    let name = r.param("serviceName");
    let Some(svc) = s.services.get(name) else { return not_found("service") };
    let ports = strings(svc.get("ports")).join(",");
    let hosts: Vec<Value> = s
        .service_approvals
        .get(name)
        .into_iter()
        .flatten()
        .map(|(node, approved)| json!({"stableNodeID": node, "approvalLevel": if *approved { "approved:manual" } else { "not-approved" }, "configured": ports}))
        .collect();
    ok(json!({ "hosts": hosts }))
}

fn node_id(s: &State, r: &Req<'_>) -> Option<String> {
    let d = s.devices.get(s.device_index(r.param("deviceId"))?)?;
    d.get("nodeId").and_then(Value::as_str).map(str::to_string)
}

pub fn service_approval(s: &mut State, r: &Req<'_>) -> Reply {
    let name = r.param("serviceName");
    if !s.services.contains_key(name) {
        return not_found("service");
    }
    let Some(node) = node_id(s, r) else { return not_found("device") };
    let approved = s.service_approvals.get(name).and_then(|m| m.get(&node)).copied().unwrap_or(false);
    ok(json!({"approved": approved, "autoApproved": false}))
}

pub fn set_service_approval(s: &mut State, r: &Req<'_>) -> Reply {
    let name = r.param("serviceName").to_string();
    if !s.services.contains_key(&name) {
        return not_found("service");
    }
    let Some(node) = node_id(s, r) else { return not_found("device") };
    let approved = r.body_field("approved").and_then(Value::as_bool).unwrap_or(false);
    s.service_approvals.entry(name).or_default().insert(node, approved);
    ok(json!({"approved": approved, "autoApproved": false}))
}

pub fn oauth_apps(s: &mut State) -> Reply {
    ok(json!({ "oauthApps": s.oauth_apps }))
}

fn app_fields(a: &mut Map<String, Value>, body: &Value) {
    for f in ["name", "redirectURIs", "scopes", "allowedNodeAttributes"] {
        if let Some(v) = body.get(f) {
            a.insert(f.into(), v.clone());
        }
    }
    a.insert("updated".into(), json!(now()));
}

pub fn create_oauth_app(s: &mut State, r: &Req<'_>) -> Reply {
    let body = r.body.clone().unwrap_or(json!({}));
    let mut a = Map::new();
    a.insert("id".into(), json!(format!("oa{}", super::token(s, 12))));
    a.insert("created".into(), json!(now()));
    a.insert("allowedNodeAttributes".into(), json!([]));
    app_fields(&mut a, &body);
    s.oauth_apps.push(a.clone());
    // The client secret is shown on creation only.
    a.insert("clientSecret".into(), json!(format!("tskey-oauthapp-{}", super::token(s, 32))));
    obj(&a)
}

pub fn get_oauth_app(s: &mut State, r: &Req<'_>) -> Reply {
    match find_by(&mut s.oauth_apps, "id", r.param("appId")) {
        Some(a) => obj(a),
        None => not_found("oauth app"),
    }
}

/// Full replace of the mutable fields (the schema requires name, redirectURIs and scopes).
pub fn update_oauth_app(s: &mut State, r: &Req<'_>) -> Reply {
    let body = r.body.clone().unwrap_or(json!({}));
    match find_by(&mut s.oauth_apps, "id", r.param("appId")) {
        Some(a) => {
            a.insert("allowedNodeAttributes".into(), json!([]));
            app_fields(a, &body);
            obj(a)
        }
        None => not_found("oauth app"),
    }
}

pub fn delete_oauth_app(s: &mut State, r: &Req<'_>) -> Reply {
    let before = s.oauth_apps.len();
    s.oauth_apps.retain(|a| a.get("id").and_then(Value::as_str) != Some(r.param("appId")));
    if s.oauth_apps.len() == before {
        return not_found("oauth app");
    }
    empty()
}
