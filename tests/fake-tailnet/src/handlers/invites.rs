//! Device share invites and user invites.

use serde_json::{json, Map, Value};

use super::{empty, err, ok, not_found, now, obj, Reply, Req};
use crate::state::{find_by, State};

/// The numeric id of the API key's user (alice, the owner), as invites carry it.
const SHARER_ID: i64 = 20_000_000;

fn device_num(d: &Map<String, Value>) -> i64 {
    d.get("id").and_then(Value::as_str).and_then(|s| s.parse().ok()).unwrap_or(0)
}

pub fn list_device(s: &mut State, r: &Req<'_>) -> Reply {
    let Some(d) = s.device_index(r.param("deviceId")).and_then(|i| s.devices.get(i)) else { return not_found("device") };
    let num = device_num(d);
    let list: Vec<Value> = s.device_invites.iter().filter(|i| i.get("deviceId").and_then(Value::as_i64) == Some(num)).cloned().map(Value::Object).collect();
    ok(Value::Array(list))
}

pub fn create_device(s: &mut State, r: &Req<'_>) -> Reply {
    let Some(num) = s.device_index(r.param("deviceId")).and_then(|i| s.devices.get(i)).map(device_num) else { return not_found("device") };
    let requests: Vec<Value> = match &r.body {
        Some(Value::Array(a)) => a.clone(),
        None => vec![json!({})],
        Some(_) => return err(400, "request body must be an array of invite requests"),
    };
    let mut out = Vec::new();
    for q in requests {
        let id = s.fresh_id();
        let code = super::token(s, 12);
        let mut inv = json!({
            "id": id.to_string(),
            "created": now(),
            "tailnetId": s.tailnet_num,
            "deviceId": num,
            "sharerId": SHARER_ID,
            "multiUse": q.get("multiUse").and_then(Value::as_bool).unwrap_or(false),
            "allowExitNode": q.get("allowExitNode").and_then(Value::as_bool).unwrap_or(false),
            "inviteUrl": format!("https://login.tailscale.com/admin/invite/{code}"),
            "accepted": false,
        });
        if let (Some(email), Some(m)) = (q.get("email").and_then(Value::as_str), inv.as_object_mut()) {
            m.insert("email".into(), json!(email));
            m.insert("lastEmailSentAt".into(), json!(now()));
        }
        if let Value::Object(m) = &inv {
            s.device_invites.push(m.clone());
        }
        out.push(inv);
    }
    ok(Value::Array(out))
}

pub fn get_device(s: &mut State, r: &Req<'_>) -> Reply {
    match find_by(&mut s.device_invites, "id", r.param("deviceInviteId")) {
        Some(i) => obj(i),
        None => not_found("device invite"),
    }
}

pub fn delete_device(s: &mut State, r: &Req<'_>) -> Reply {
    let before = s.device_invites.len();
    s.device_invites.retain(|i| i.get("id").and_then(Value::as_str) != Some(r.param("deviceInviteId")));
    if s.device_invites.len() == before {
        return not_found("device invite");
    }
    empty()
}

pub fn resend_device(s: &mut State, r: &Req<'_>) -> Reply {
    match find_by(&mut s.device_invites, "id", r.param("deviceInviteId")) {
        Some(i) if i.contains_key("email") => {
            i.insert("lastEmailSentAt".into(), json!(now()));
            empty()
        }
        Some(_) => err(400, "invite was not created with an email address"),
        None => not_found("device invite"),
    }
}

pub fn accept_device(s: &mut State, r: &Req<'_>) -> Reply {
    let given = r.body_str("invite").unwrap_or_default().to_string();
    // Accept the full URL, its trailing code, or the invite id.
    let found = s.device_invites.iter_mut().find(|i| {
        let url = i.get("inviteUrl").and_then(Value::as_str).unwrap_or_default();
        !given.is_empty() && (url == given || url.ends_with(&format!("/{given}")) || i.get("id").and_then(Value::as_str) == Some(&given))
    });
    let Some(inv) = found else { return err(400, "invite not found or invalid") };
    if inv.get("accepted").and_then(Value::as_bool) == Some(true) && inv.get("multiUse").and_then(Value::as_bool) != Some(true) {
        return err(400, "invite has already been accepted");
    }
    inv.insert("accepted".into(), json!(true));
    inv.insert("acceptedBy".into(), json!({"id": 30_000_001, "loginName": "dave@partner.example", "profilePicUrl": ""}));
    let device_id = inv.get("deviceId").and_then(Value::as_i64).unwrap_or(0);
    let exit = inv.get("allowExitNode").and_then(Value::as_bool).unwrap_or(false);
    let d = s.devices.iter().find(|d| device_num(d) == device_id);
    let addrs = super::strings(d.and_then(|d| d.get("addresses")));
    ok(json!({
        "device": {
            "id": d.and_then(|d| d.get("nodeId")).cloned().unwrap_or(json!("")),
            "os": d.and_then(|d| d.get("os")).cloned().unwrap_or(json!("")),
            "name": d.and_then(|d| d.get("hostname")).cloned().unwrap_or(json!("")),
            "fqdn": d.and_then(|d| d.get("name")).cloned().unwrap_or(json!("")),
            "ipv4": addrs.first().cloned().unwrap_or_default(),
            "ipv6": addrs.get(1).cloned().unwrap_or_default(),
            "includeExitNode": exit,
        },
        "sharer": {"id": "u20000000CNTRL", "displayName": "Alice Example", "loginName": "alice@example.com", "profilePicURL": ""},
        "acceptedBy": {"id": "u30000001CNTRL", "displayName": "Dave Partner", "loginName": "dave@partner.example", "profilePicURL": ""},
    }))
}

pub fn list_user(s: &mut State, _r: &Req<'_>) -> Reply {
    ok(Value::Array(s.user_invites.iter().cloned().map(Value::Object).collect()))
}

pub fn create_user(s: &mut State, r: &Req<'_>) -> Reply {
    let requests: Vec<Value> = match &r.body {
        Some(Value::Array(a)) => a.clone(),
        None => vec![json!({})],
        Some(_) => return err(400, "request body must be an array of invite requests"),
    };
    let mut out = Vec::new();
    for q in requests {
        let id = s.fresh_id();
        let code = super::token(s, 12);
        let mut inv = Map::new();
        inv.insert("id".into(), json!(id.to_string()));
        inv.insert("role".into(), q.get("role").cloned().unwrap_or(json!("member")));
        inv.insert("tailnetId".into(), json!(s.tailnet_num));
        inv.insert("inviterId".into(), json!(SHARER_ID));
        if let Some(email) = q.get("email").and_then(Value::as_str) {
            inv.insert("email".into(), json!(email));
            inv.insert("lastEmailSentAt".into(), json!(now()));
        }
        inv.insert("inviteUrl".into(), json!(format!("https://login.tailscale.com/uinv/{code}")));
        s.user_invites.push(inv.clone());
        out.push(Value::Object(inv));
    }
    ok(Value::Array(out))
}

pub fn get_user(s: &mut State, r: &Req<'_>) -> Reply {
    match find_by(&mut s.user_invites, "id", r.param("userInviteId")) {
        Some(i) => obj(i),
        None => not_found("user invite"),
    }
}

pub fn delete_user(s: &mut State, r: &Req<'_>) -> Reply {
    let before = s.user_invites.len();
    s.user_invites.retain(|i| i.get("id").and_then(Value::as_str) != Some(r.param("userInviteId")));
    if s.user_invites.len() == before {
        return not_found("user invite");
    }
    empty()
}

pub fn resend_user(s: &mut State, r: &Req<'_>) -> Reply {
    match find_by(&mut s.user_invites, "id", r.param("userInviteId")) {
        Some(i) if i.contains_key("email") => {
            i.insert("lastEmailSentAt".into(), json!(now()));
            empty()
        }
        Some(_) => err(400, "invite was not created with an email address"),
        None => not_found("user invite"),
    }
}
