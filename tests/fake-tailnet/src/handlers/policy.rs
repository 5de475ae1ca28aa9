//! The policy file: stored verbatim as HuJSON, ETag-guarded writes, preview and validate.

use base64::Engine;
use serde_json::{json, Value};

use super::{err, ok, Reply, ReplyBody, Req};
use crate::acl::{rule_line, Policy};
use crate::state::State;
use crate::util::{parse_hujson, text_hash};

pub fn etag(text: &str) -> String {
    format!("\"{}\"", text_hash(text))
}

fn wants_json(r: &Req<'_>) -> bool {
    r.header("accept").is_some_and(|a| a.contains("application/json") && !a.contains("hujson"))
}

fn render(s: &State, r: &Req<'_>) -> Reply {
    let tag = etag(&s.policy);
    let reply = if r.query_bool("details") {
        ok(json!({
            "acl": base64::engine::general_purpose::STANDARD.encode(&s.policy),
            "warnings": [],
            "errors": null,
        }))
    } else if wants_json(r) {
        match parse_hujson(&s.policy) {
            Ok(v) => ok(v),
            Err(e) => err(500, format!("stored policy does not parse: {e}")),
        }
    } else {
        Reply { status: 200, headers: Vec::new(), body: ReplyBody::Text("application/hujson", s.policy.clone()) }
    };
    reply.with_header("ETag", tag)
}

pub fn get(s: &mut State, r: &Req<'_>) -> Reply {
    render(s, r)
}

pub fn set(s: &mut State, r: &Req<'_>) -> Reply {
    if let Some(m) = r.header("if-match") {
        let m = m.trim().trim_start_matches("W/");
        let ok = if m == "\"ts-default\"" || m == "ts-default" {
            // Only replaces the policy while it is still the untouched default.
            !s.policy_touched
        } else {
            m.trim_matches('"') == text_hash(&s.policy)
        };
        if !ok {
            return err(412, "precondition failed, invalid old hash");
        }
    }
    let Some(doc) = &r.body else { return err(400, "policy body required") };
    if !doc.is_object() {
        return err(400, "invalid policy: must be a JSON object");
    }
    let failures = Policy::new(doc).run_tests(None);
    if !failures.is_empty() {
        return Reply { status: 400, headers: Vec::new(), body: ReplyBody::Json(json!({"message": "test(s) failed", "data": failures})) };
    }
    s.policy = r.raw.to_string();
    s.policy_touched = true;
    render(s, r)
}

pub fn preview(s: &mut State, r: &Req<'_>) -> Reply {
    let ty = r.query_one("type").unwrap_or_default().to_string();
    let target = r.query_one("previewFor").unwrap_or_default().to_string();
    let current;
    let (doc, text) = match &r.body {
        Some(d) => (d, r.raw),
        None => {
            current = parse_hujson(&s.policy).unwrap_or(json!({}));
            (&current, s.policy.as_str())
        }
    };
    let p = Policy::new(doc);
    if ty == "ipport" && target.rsplit_once(':').is_none() {
        return err(400, format!("previewFor {target:?} must be ip:port"));
    }
    let matches: Vec<Value> = p
        .rules()
        .into_iter()
        .filter(|rule| match ty.as_str() {
            "user" => rule.src.iter().any(|e| p.src_matches(e, &target)),
            _ => rule.dst.iter().any(|e| p.dst_matches(e, &target)),
        })
        .map(|rule| json!({"users": rule.src, "ports": rule.dst, "lineNumber": rule_line(text, rule.index)}))
        .collect();
    ok(json!({"matches": matches, "type": ty, "previewFor": target}))
}

pub fn validate(s: &mut State, r: &Req<'_>) -> Reply {
    let failures = match &r.body {
        // A bare list of tests runs against the current policy.
        Some(tests @ Value::Array(_)) => match parse_hujson(&s.policy) {
            Ok(current) => Policy::new(&current).run_tests(Some(tests)),
            Err(e) => return err(500, e),
        },
        Some(Value::String(text)) => match parse_hujson(text) {
            Ok(doc) => Policy::new(&doc).run_tests(None),
            Err(e) => return err(400, e),
        },
        Some(doc @ Value::Object(_)) => Policy::new(doc).run_tests(None),
        Some(_) => return err(400, "invalid policy: must be a JSON object"),
        None => match parse_hujson(&s.policy) {
            Ok(current) => Policy::new(&current).run_tests(None),
            Err(e) => return err(500, e),
        },
    };
    if failures.is_empty() {
        ok(json!({}))
    } else {
        ok(json!({"message": "test(s) failed", "data": failures}))
    }
}
