//! Auth keys, OAuth clients and federated identities. The `key` secret is returned by create
//! only; OAuth-client keys become usable at /oauth/token straight away.

use serde_json::{json, Map, Value};

use super::{empty, err, ok, not_found, now, obj, strings, Cx, Reply, Req};
use crate::auth::OAuthClient;
use crate::state::{find_by, State};
use crate::util::{now_unix, rfc3339};

/// The user the API key belongs to; `all=false` lists only this user's keys.
const OWNER: &str = "u20000000CNTRL";

pub fn list(s: &mut State, r: &Req<'_>) -> Reply {
    let all = r.query_bool("all");
    let keys: Vec<Value> = s
        .keys
        .iter()
        .filter(|k| all || k.get("userId").and_then(Value::as_str).is_none_or(|u| u == OWNER))
        .cloned()
        .map(Value::Object)
        .collect();
    ok(json!({ "keys": keys }))
}

pub fn get(s: &mut State, r: &Req<'_>) -> Reply {
    match find_by(&mut s.keys, "id", r.param("keyId")) {
        Some(k) => obj(k),
        None => not_found("key"),
    }
}

pub fn delete(s: &mut State, r: &Req<'_>) -> Reply {
    let before = s.keys.len();
    s.keys.retain(|k| k.get("id").and_then(Value::as_str) != Some(r.param("keyId")));
    if s.keys.len() == before {
        return not_found("key");
    }
    empty()
}

/// Copies the client/federated fields that create and set share.
fn copy_fields(k: &mut Map<String, Value>, body: &Value) {
    for f in ["scopes", "tags", "issuer", "subject", "audience", "customClaimRules", "description"] {
        if let Some(v) = body.get(f) {
            k.insert(f.into(), v.clone());
        }
    }
}

pub fn create(cx: &mut Cx<'_>, r: &Req<'_>) -> Reply {
    let s = &mut *cx.state;
    let body = r.body.clone().unwrap_or(json!({}));
    let key_type = body.get("keyType").and_then(Value::as_str).unwrap_or("auth").to_string();
    let scopes = strings(body.get("scopes"));
    match key_type.as_str() {
        "auth" if body.get("capabilities").is_none() => return err(400, "capabilities are required for auth keys"),
        "client" | "federated" if scopes.is_empty() => return err(400, "at least one scope is required"),
        _ => {}
    }
    if key_type == "federated" && (body.get("issuer").is_none() || body.get("subject").is_none()) {
        return err(400, "issuer and subject are required for federated identities");
    }
    let id = format!("k{}CNTRL", super::token(s, 10));
    let secret = super::token(s, 32);
    let expiry = body.get("expirySeconds").and_then(Value::as_i64).unwrap_or(90 * 86_400);
    if expiry < 0 {
        return err(400, "expirySeconds must not be negative");
    }
    let created = now_unix();
    let mut k = Map::new();
    k.insert("id".into(), json!(id));
    k.insert("keyType".into(), json!(key_type));
    k.insert("created".into(), json!(rfc3339(created)));
    k.insert("updated".into(), json!(rfc3339(created)));
    if key_type == "auth" {
        k.insert("expirySeconds".into(), json!(expiry));
        k.insert("expires".into(), json!(rfc3339(created + expiry)));
        if let Some(c) = body.get("capabilities") {
            k.insert("capabilities".into(), c.clone());
        }
    }
    copy_fields(&mut k, &body);
    k.insert("invalid".into(), json!(false));
    k.insert("userId".into(), json!(OWNER));
    s.keys.push(k.clone());
    let full = match key_type.as_str() {
        "auth" => Some(format!("tskey-auth-{id}-{secret}")),
        "client" => Some(format!("tskey-client-{id}-{secret}")),
        _ => None,
    };
    if matches!(key_type.as_str(), "client" | "federated") {
        // An OAuth client's id is its key id and its secret the full key.
        cx.auth.add_client(OAuthClient { id: id.clone(), secret: full.clone().unwrap_or_default(), scopes });
    }
    if let Some(f) = full {
        k.insert("key".into(), json!(f));
    }
    obj(&k)
}

pub fn set(cx: &mut Cx<'_>, r: &Req<'_>) -> Reply {
    let body = r.body.clone().unwrap_or(json!({}));
    let Some(k) = find_by(&mut cx.state.keys, "id", r.param("keyId")) else { return not_found("key") };
    let ty = k.get("keyType").and_then(Value::as_str).unwrap_or_default().to_string();
    if !matches!(ty.as_str(), "client" | "federated") {
        return err(400, "only OAuth clients and federated identities can be updated");
    }
    if let Some(t) = body.get("keyType").and_then(Value::as_str) {
        if t != ty {
            return err(400, format!("cannot change keyType from {ty} to {t}"));
        }
    }
    if body.get("scopes").is_some() && strings(body.get("scopes")).is_empty() {
        return err(400, "at least one scope is required");
    }
    copy_fields(k, &body);
    k.insert("updated".into(), json!(now()));
    let out = k.clone();
    if body.get("scopes").is_some() {
        let id = r.param("keyId").to_string();
        let scopes = strings(body.get("scopes"));
        if cx.auth.client_known(&id) {
            cx.auth.update_scopes(&id, scopes);
        }
    }
    obj(&out)
}
