//! `verbatim::body_is_result` may say "the body is the result" only when it is: the typed parse
//! succeeds and writes back the body's JSON as a JSON parser reads it. Checked on every success
//! body of the fixture corpus and every way of breaking it; and it must say so for most intact
//! bodies, or it would save nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::Value;
use support::{broken, success_bodies};
use tailnet::{registry, verbatim, HttpResponse};

/// Equal as JavaScript's `JSON.parse` makes them: numbers as doubles, members in any order.
fn same_for_a_parser(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_for_a_parser(x, y)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_for_a_parser(v, w))),
        _ => a == b,
    }
}

/// Whether the check accepted `text`; panics when it accepted a body that is not the result.
fn accepted(operation: &str, text: &[u8]) -> bool {
    let Some(info) = registry::find(operation) else { return false };
    if !verbatim::body_is_result(info.response, text) {
        return false;
    }
    let parsed = registry::parse(operation, &HttpResponse::new(200, text.to_vec()));
    let read: Value = serde_json::from_slice(text).unwrap_or(Value::Null);
    match parsed {
        Ok(result) => assert!(same_for_a_parser(&result, &read), "{operation}: accepted, but the result differs\nbody   {read}\nresult {result}"),
        Err(e) => panic!("{operation}: accepted a body the typed parse refuses ({e}): {}", String::from_utf8_lossy(text)),
    }
    true
}

#[test]
fn accepts_only_bodies_that_are_their_result() {
    let (mut intact, mut intact_accepted, mut variants, mut variants_accepted) = (0, 0, 0, 0);
    let mut refused = Vec::new();
    for (operation, body) in success_bodies() {
        let text = serde_json::to_vec(&body).unwrap_or_default();
        intact += 1;
        if accepted(&operation, &text) {
            intact_accepted += 1;
        } else {
            refused.push(operation.clone());
        }
        for variant in broken(&body) {
            variants += 1;
            variants_accepted += usize::from(accepted(&operation, &serde_json::to_vec(&variant).unwrap_or_default()));
        }
        // A duplicate member: the last one wins, in the typed parse as in a JSON parser.
        if let Some(object) = body.as_object().filter(|o| !o.is_empty()) {
            let mut duplicated = String::from_utf8_lossy(&text).trim_end_matches('}').to_owned();
            if let Some((key, value)) = object.iter().next() {
                duplicated.push_str(&format!(",{}:{}}}", Value::String(key.clone()), value));
                accepted(&operation, duplicated.as_bytes());
            }
        }
    }
    eprintln!("intact bodies accepted: {intact_accepted}/{intact} (refused: {refused:?}); broken variants accepted: {variants_accepted}/{variants}");
    assert!(intact_accepted * 10 >= intact * 6, "only {intact_accepted} of {intact} intact bodies accepted; refused: {refused:?}");
    assert!(variants > 5000 && variants_accepted < variants, "{variants_accepted}/{variants}");
}

#[test]
fn refuses_what_the_typed_parse_changes_or_refuses() {
    let device = |members: &str| format!(r#"{{"nodeId":"n1","name":"a.ts.net"{members}}}"#);
    let accepts = |text: &str| verbatim::body_is_result(registry::find("getDevice").map(|i| i.response).unwrap_or(&tailnet::model::TypeRef::Nothing), text.as_bytes());
    assert!(accepts(&device("")));
    assert!(accepts(&device(r#","lastSeen":"2024-01-02T03:04:05Z","tags":["tag:a"],"future":{"x":[null,1.5]}"#)));
    for changed in [
        r#","lastSeen":null"#,
        r#","lastSeen":"""#,
        r#","lastSeen":"0001-01-01T00:00:00Z""#,
        r#","tags":[null]"#,
        r#","authorized":"yes""#,
        r#","clientConnectivity":{"latency":{"Dallas":{"latencyMs":"x"}}}"#,
    ] {
        assert!(!accepts(&device(changed)), "{changed}");
    }
    assert!(!accepts(r#"{"nodeId":"n1""#));
    assert!(!accepts(r#"{"nodeId":"n1"} trailing"#));
    assert!(!accepts(r#"{"nodeId":"\ud800"}"#));
    let getdevice = registry::find("getDevice").map(|i| i.response).unwrap_or(&tailnet::model::TypeRef::Nothing);
    assert!(!verbatim::body_is_result(getdevice, b"{\"nodeId\":\"\xff\"}"), "invalid UTF-8 in a string");
    assert!(!accepts(""));
    // A policy file has its own parse: never handed over.
    let policy = registry::find("getPolicyFile").map(|i| i.response).unwrap_or(&tailnet::model::TypeRef::Any);
    assert!(!verbatim::body_is_result(policy, br#"{"acls":[]}"#));
}
