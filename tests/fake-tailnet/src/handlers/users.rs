//! Users, contacts and webhooks (the people-and-notifications side of the tailnet).

use serde_json::{json, Value};

use super::{empty, err, ok, not_found, now, obj, status_empty, Reply, Req};
use crate::state::{find_by, State};

pub fn list(s: &mut State, r: &Req<'_>) -> Reply {
    let ty = r.query_one("type").unwrap_or("member");
    let role = r.query_one("role").unwrap_or("all");
    let users: Vec<Value> = s
        .users
        .iter()
        .filter(|u| ty == "all" || u.get("type").and_then(Value::as_str) == Some(ty))
        .filter(|u| role == "all" || u.get("role").and_then(Value::as_str) == Some(role))
        .cloned()
        .map(Value::Object)
        .collect();
    ok(json!({ "users": users }))
}

pub fn get(s: &mut State, r: &Req<'_>) -> Reply {
    match find_by(&mut s.users, "id", r.param("userId")) {
        Some(u) => obj(u),
        None => not_found("user"),
    }
}

pub fn set_role(s: &mut State, r: &Req<'_>) -> Reply {
    let Some(role) = r.body_str("role").map(str::to_string) else { return err(400, "role is required") };
    let Some(u) = find_by(&mut s.users, "id", r.param("userId")) else { return not_found("user") };
    if u.get("role").and_then(Value::as_str) == Some("owner") && role != "owner" {
        return err(400, "cannot change the role of the tailnet owner");
    }
    u.insert("role".into(), json!(role));
    empty()
}

pub fn set_status(s: &mut State, r: &Req<'_>, action: &str) -> Reply {
    let Some(u) = find_by(&mut s.users, "id", r.param("userId")) else { return not_found("user") };
    let status = u.get("status").and_then(Value::as_str).unwrap_or_default().to_string();
    let owner = u.get("role").and_then(Value::as_str) == Some("owner");
    let next = match action {
        "approve" if status == "needs-approval" => "active",
        "approve" => return err(400, "user does not need approval"),
        "suspend" if owner => return err(400, "cannot suspend the tailnet owner"),
        "suspend" => "suspended",
        "restore" if status == "suspended" => "active",
        "restore" => return err(400, "user is not suspended"),
        _ => return err(400, "unknown action"),
    };
    u.insert("status".into(), json!(next));
    empty()
}

pub fn delete(s: &mut State, r: &Req<'_>) -> Reply {
    let id = r.param("userId");
    let Some(u) = s.users.iter().find(|u| u.get("id").and_then(Value::as_str) == Some(id)) else { return not_found("user") };
    if u.get("role").and_then(Value::as_str) == Some("owner") {
        return err(400, "cannot delete the tailnet owner");
    }
    s.users.retain(|u| u.get("id").and_then(Value::as_str) != Some(id));
    empty()
}

pub fn contacts(s: &mut State) -> Reply {
    obj(&s.contacts)
}

pub fn update_contact(s: &mut State, r: &Req<'_>) -> Reply {
    let email = r.body_str("email").unwrap_or_default();
    if !email.contains('@') {
        return err(400, format!("invalid email address {email:?}"));
    }
    s.contacts.insert(r.param("contactType").to_string(), json!({"email": email, "needsVerification": true}));
    empty()
}

pub fn resend_contact(s: &mut State, r: &Req<'_>) -> Reply {
    match s.contacts.get(r.param("contactType")) {
        Some(c) if c.get("needsVerification").and_then(Value::as_bool) == Some(true) => empty(),
        Some(_) => err(400, "contact email is already verified"),
        None => not_found("contact"),
    }
}

pub fn webhooks(s: &mut State) -> Reply {
    ok(json!({ "webhooks": s.webhooks }))
}

pub fn create_webhook(s: &mut State, r: &Req<'_>) -> Reply {
    let url = r.body_str("endpointUrl").unwrap_or_default().to_string();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return err(400, format!("invalid endpointUrl {url:?}: must be an http(s) URL"));
    }
    let id = super::token(s, 12);
    let secret = format!("tskey-webhook-{}", super::token(s, 32));
    let provider = r.body_field("providerType").cloned();
    let mut w = json!({
        "endpointId": id,
        "endpointUrl": url,
        "creatorLoginName": "alice@example.com",
        "created": now(),
        "lastModified": now(),
        "subscriptions": r.body_field("subscriptions").cloned().unwrap_or(json!([])),
    });
    if let (Some(p), Some(m)) = (provider, w.as_object_mut()) {
        m.insert("providerType".into(), p);
    }
    let Value::Object(mut m) = w else { return err(500, "internal") };
    s.webhooks.push(m.clone());
    // The secret is shown on creation only.
    m.insert("secret".into(), json!(secret));
    obj(&m)
}

pub fn get_webhook(s: &mut State, r: &Req<'_>) -> Reply {
    match find_by(&mut s.webhooks, "endpointId", r.param("endpointId")) {
        Some(w) => obj(w),
        None => not_found("webhook"),
    }
}

pub fn update_webhook(s: &mut State, r: &Req<'_>) -> Reply {
    let subs = r.body_field("subscriptions").cloned();
    match find_by(&mut s.webhooks, "endpointId", r.param("endpointId")) {
        Some(w) => {
            if let Some(v) = subs {
                w.insert("subscriptions".into(), v);
            }
            w.insert("lastModified".into(), json!(now()));
            obj(w)
        }
        None => not_found("webhook"),
    }
}

pub fn delete_webhook(s: &mut State, r: &Req<'_>) -> Reply {
    let before = s.webhooks.len();
    s.webhooks.retain(|w| w.get("endpointId").and_then(Value::as_str) != Some(r.param("endpointId")));
    if s.webhooks.len() == before {
        return not_found("webhook");
    }
    empty()
}

pub fn test_webhook(s: &mut State, r: &Req<'_>) -> Reply {
    match find_by(&mut s.webhooks, "endpointId", r.param("endpointId")) {
        Some(_) => status_empty(202),
        None => not_found("webhook"),
    }
}

pub fn rotate_webhook(s: &mut State, r: &Req<'_>) -> Reply {
    let secret = format!("tskey-webhook-{}", super::token(s, 32));
    match find_by(&mut s.webhooks, "endpointId", r.param("endpointId")) {
        Some(w) => {
            w.insert("lastModified".into(), json!(now()));
            let mut out = w.clone();
            out.insert("secret".into(), json!(secret));
            obj(&out)
        }
        None => not_found("webhook"),
    }
}
