//! Devices, routes, tags, posture attributes.

use std::net::Ipv4Addr;

use serde_json::{json, Map, Value};

use super::{empty, err, ok, not_found, strings, Reply, Req};
use crate::state::State;

/// Fields that `fields=default` leaves out (the spec lists what default includes).
const ALL_ONLY: [&str; 7] = ["enabledRoutes", "advertisedRoutes", "clientConnectivity", "postureIdentity", "distro", "sshEnabled", "multipleConnections"];

fn project(d: &Map<String, Value>, r: &Req<'_>) -> Value {
    let mut d = d.clone();
    if r.query_one("fields") != Some("all") {
        for k in ALL_ONLY {
            d.remove(k);
        }
    }
    Value::Object(d)
}

/// Exact match of one filter value against a device field (lists match any element).
fn field_matches(v: Option<&Value>, want: &str) -> bool {
    match v {
        Some(Value::String(s)) => s == want,
        Some(Value::Array(a)) => a.iter().any(|x| field_matches(Some(x), want)),
        Some(Value::Bool(b)) => b.to_string() == want,
        Some(Value::Number(n)) => n.to_string() == want,
        _ => false,
    }
}

pub fn list(s: &mut State, r: &Req<'_>) -> Reply {
    // Filters: every key except `fields`; repeated keys are any-of, different keys all-of.
    let mut keys: Vec<&str> = r.query.iter().map(|(k, _)| k.as_str()).filter(|k| *k != "fields").collect();
    keys.dedup();
    let devices: Vec<Value> = s
        .devices
        .iter()
        .filter(|d| keys.iter().all(|k| r.query_all(k).iter().any(|want| field_matches(d.get(*k), want))))
        .map(|d| project(d, r))
        .collect();
    ok(json!({ "devices": devices }))
}

fn with_device(s: &mut State, r: &Req<'_>, f: impl FnOnce(&mut Map<String, Value>) -> Reply) -> Reply {
    match s.device_index(r.param("deviceId")).and_then(|i| s.devices.get_mut(i)) {
        Some(d) => f(d),
        None => not_found("device"),
    }
}

pub fn get(s: &mut State, r: &Req<'_>) -> Reply {
    with_device(s, r, |d| ok(project(d, r)))
}

pub fn delete(s: &mut State, r: &Req<'_>) -> Reply {
    let Some(i) = s.device_index(r.param("deviceId")) else { return not_found("device") };
    let d = s.devices.remove(i);
    if let Some(node) = d.get("nodeId").and_then(Value::as_str) {
        s.posture.remove(node);
    }
    empty()
}

pub fn expire(s: &mut State, r: &Req<'_>) -> Reply {
    with_device(s, r, |d| {
        d.insert("expires".into(), json!(super::now()));
        d.insert("keyExpiryDisabled".into(), json!(false));
        empty()
    })
}

fn routes_of(d: &Map<String, Value>) -> Value {
    json!({
        "advertisedRoutes": d.get("advertisedRoutes").cloned().unwrap_or(json!([])),
        "enabledRoutes": d.get("enabledRoutes").cloned().unwrap_or(json!([])),
    })
}

pub fn routes(s: &mut State, r: &Req<'_>) -> Reply {
    with_device(s, r, |d| ok(routes_of(d)))
}

/// Parses `a.b.c.d/n` or an IPv6 prefix loosely: enough to reject garbage.
fn is_prefix(p: &str) -> bool {
    let Some((addr, bits)) = p.split_once('/') else { return false };
    let Ok(bits) = bits.parse::<u8>() else { return false };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => bits <= 32,
        Ok(std::net::IpAddr::V6(_)) => bits <= 128,
        Err(_) => false,
    }
}

pub fn set_routes(s: &mut State, r: &Req<'_>) -> Reply {
    let routes = strings(r.body_field("routes"));
    if let Some(bad) = routes.iter().find(|p| !is_prefix(p)) {
        return err(400, format!("invalid route {bad:?}: not an IP prefix"));
    }
    with_device(s, r, |d| {
        d.insert("enabledRoutes".into(), json!(routes));
        ok(routes_of(d))
    })
}

pub fn authorize(s: &mut State, r: &Req<'_>) -> Reply {
    let v = r.body_field("authorized").and_then(Value::as_bool).unwrap_or(true);
    with_device(s, r, |d| {
        d.insert("authorized".into(), json!(v));
        empty()
    })
}

pub fn set_name(s: &mut State, r: &Req<'_>) -> Reply {
    let name = r.body_str("name").unwrap_or_default().trim().to_string();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return err(400, "invalid device name: must be a non-empty DNS label");
    }
    with_device(s, r, |d| {
        let fqdn = if name.contains('.') { name } else { format!("{name}.tail1234.ts.net") };
        d.insert("name".into(), json!(fqdn));
        empty()
    })
}

pub fn set_tags(s: &mut State, r: &Req<'_>) -> Reply {
    let tags = strings(r.body_field("tags"));
    let owned = s.policy_tags();
    let bad: Vec<&String> = tags.iter().filter(|t| !t.starts_with("tag:") || !owned.contains(t)).collect();
    if !bad.is_empty() {
        let list: Vec<&str> = bad.iter().map(|t| t.as_str()).collect();
        return err(400, format!("requested tags [{}] are invalid or not permitted", list.join(", ")));
    }
    with_device(s, r, |d| {
        d.insert("tags".into(), json!(tags));
        empty()
    })
}

pub fn set_key(s: &mut State, r: &Req<'_>) -> Reply {
    let v = r.body_field("keyExpiryDisabled").and_then(Value::as_bool).unwrap_or(false);
    with_device(s, r, |d| {
        d.insert("keyExpiryDisabled".into(), json!(v));
        empty()
    })
}

pub fn set_ip(s: &mut State, r: &Req<'_>) -> Reply {
    let raw = r.body_str("ipv4").unwrap_or_default();
    let Ok(ip) = raw.parse::<Ipv4Addr>() else { return err(400, format!("invalid ipv4 address {raw:?}")) };
    let o = ip.octets();
    if !(o[0] == 100 && (64..128).contains(&o[1])) {
        return err(400, format!("address {ip} is not in the Tailscale range 100.64.0.0/10"));
    }
    let me = s.device_index(r.param("deviceId"));
    let taken = s.devices.iter().enumerate().any(|(i, d)| Some(i) != me && field_matches(d.get("addresses"), &ip.to_string()));
    if taken {
        return err(400, format!("address {ip} is already in use"));
    }
    with_device(s, r, |d| {
        let mut addrs = super::strings(d.get("addresses"));
        match addrs.iter().position(|a| a.parse::<Ipv4Addr>().is_ok()) {
            Some(i) => {
                if let Some(a) = addrs.get_mut(i) {
                    *a = ip.to_string();
                }
            }
            None => addrs.insert(0, ip.to_string()),
        }
        d.insert("addresses".into(), json!(addrs));
        empty()
    })
}

fn posture_of(s: &State, d: &Map<String, Value>) -> Value {
    let node = d.get("nodeId").and_then(Value::as_str).unwrap_or_default();
    let mut attributes = Map::new();
    let mut expiries = Map::new();
    // Built-in node attributes the real API reports alongside custom ones.
    attributes.insert("node:os".into(), d.get("os").cloned().unwrap_or(json!("")));
    let version = d.get("clientVersion").and_then(Value::as_str).unwrap_or_default();
    attributes.insert("node:tsVersion".into(), json!(version.split('-').next().unwrap_or_default()));
    attributes.insert("node:tsReleaseTrack".into(), json!("stable"));
    attributes.insert("node:tsAutoUpdate".into(), json!(false));
    for (k, v) in s.posture.get(node).into_iter().flatten() {
        attributes.insert(k.clone(), v.get("value").cloned().unwrap_or(Value::Null));
        if let Some(e) = v.get("expiry") {
            expiries.insert(k.clone(), e.clone());
        }
    }
    json!({ "attributes": attributes, "expiries": expiries })
}

pub fn attributes(s: &mut State, r: &Req<'_>) -> Reply {
    let Some(d) = s.device_index(r.param("deviceId")).and_then(|i| s.devices.get(i)) else { return not_found("device") };
    ok(posture_of(s, d))
}

fn check_attr_key(key: &str) -> Result<(), Reply> {
    let valid_chars = key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    if !key.starts_with("custom:") || key.len() <= "custom:".len() || !valid_chars {
        return Err(err(400, format!("invalid attribute key {key:?}: must be custom:<name> with letters, numbers, underscores")));
    }
    Ok(())
}

fn check_attr_value(v: Option<&Value>, expiry: Option<&Value>) -> Result<Value, Reply> {
    let mut entry = Map::new();
    match v {
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
            entry.insert("value".into(), v.clone());
        }
        _ => return Err(err(400, "attribute value is required and must be a string, number or boolean")),
    }
    if let Some(e) = expiry {
        let ok = e.as_str().and_then(crate::util::parse_rfc3339).is_some();
        if !ok {
            return Err(err(400, "expiry must be an RFC 3339 timestamp"));
        }
        entry.insert("expiry".into(), e.clone());
    }
    Ok(Value::Object(entry))
}

pub fn set_attribute(s: &mut State, r: &Req<'_>) -> Reply {
    let key = r.param("attributeKey").to_string();
    if let Err(e) = check_attr_key(&key) {
        return e;
    }
    let entry = match check_attr_value(r.body_field("value"), r.body_field("expiry")) {
        Ok(e) => e,
        Err(e) => return e,
    };
    let Some(i) = s.device_index(r.param("deviceId")) else { return not_found("device") };
    let node = s.devices.get(i).and_then(|d| d.get("nodeId")).and_then(Value::as_str).unwrap_or_default().to_string();
    s.posture.entry(node).or_default().insert(key, entry);
    let Some(d) = s.devices.get(i) else { return not_found("device") };
    ok(posture_of(s, d))
}

pub fn delete_attribute(s: &mut State, r: &Req<'_>) -> Reply {
    let key = r.param("attributeKey");
    let Some(d) = s.device_index(r.param("deviceId")).and_then(|i| s.devices.get(i)) else { return not_found("device") };
    let node = d.get("nodeId").and_then(Value::as_str).unwrap_or_default().to_string();
    match s.posture.get_mut(&node).and_then(|m| m.remove(key)) {
        Some(_) => empty(),
        None => not_found("attribute"),
    }
}

/// JSON-merge-patch style: `{nodes: {nodeId: {key: {value, expiry} | null}}}`.
pub fn batch_attributes(s: &mut State, r: &Req<'_>) -> Reply {
    let empty_nodes = Map::new();
    let nodes = r.body_field("nodes").and_then(Value::as_object).unwrap_or(&empty_nodes);
    // Validate everything first so a bad entry changes nothing.
    let mut changes = Vec::new();
    for (node, attrs) in nodes {
        let Some(i) = s.device_index(node) else { return err(404, format!("device {node} not found")) };
        let node_id = s.devices.get(i).and_then(|d| d.get("nodeId")).and_then(Value::as_str).unwrap_or_default().to_string();
        for (key, v) in attrs.as_object().into_iter().flatten() {
            if let Err(e) = check_attr_key(key) {
                return e;
            }
            let entry = if v.is_null() {
                None
            } else {
                match check_attr_value(v.get("value"), v.get("expiry")) {
                    Ok(e) => Some(e),
                    Err(e) => return e,
                }
            };
            changes.push((node_id.clone(), key.clone(), entry));
        }
    }
    for (node, key, entry) in changes {
        let m = s.posture.entry(node).or_default();
        match entry {
            Some(e) => {
                m.insert(key, e);
            }
            None => {
                m.remove(&key);
            }
        }
    }
    // The spec declares the 200 body as JSON `null`.
    ok(Value::Null)
}
