//! Replays the fixture corpus `tests/fixtures/<operationId>/<case>.json` (format in
//! `tests/fixtures/README.md`) through `registry::build` and `registry::parse`.
//!
//! Every fixture is checked and every failure reported at once; then the corpus itself is checked
//! for coverage: a success case for every operation and each required error category.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tailnet::view::{JsonView, Serialized, View};
use tailnet::{registry, Error};
use tailnet_conformance::{config_of, response_of};
use tailnet_conformance::fixtures;

fn case_name(path: &Path) -> String {
    let op = path.parent().and_then(|p| p.file_name()).and_then(|s| s.to_str()).unwrap_or("?");
    let case = path.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
    format!("{op}/{case}")
}

/// Structural JSON comparison; numbers compare by value (`5` equals `5.0`). Returns the first
/// difference as `path: expected … got …`.
fn json_diff(expected: &Value, actual: &Value, at: &str) -> Option<String> {
    let here = if at.is_empty() { "." } else { at };
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => {
            let same = match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => a.as_f64() == b.as_f64(),
            };
            (!same).then(|| format!("{here}: expected {a}, got {b}"))
        }
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let path = format!("{at}.{key}");
                match b.get(key) {
                    None => return Some(format!("{path}: expected {value}, missing")),
                    Some(other) => {
                        if let Some(d) = json_diff(value, other, &path) {
                            return Some(d);
                        }
                    }
                }
            }
            b.iter().find(|(k, _)| !a.contains_key(*k)).map(|(k, v)| format!("{at}.{k}: unexpected {v}"))
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some(format!("{here}: expected {} items, got {}: {actual}", a.len(), b.len()));
            }
            a.iter().zip(b).enumerate().find_map(|(i, (x, y))| json_diff(x, y, &format!("{at}[{i}]")))
        }
        _ => (expected != actual).then(|| format!("{here}: expected {expected}, got {actual}")),
    }
}

fn check_request(expected: &Value, request: &tailnet::HttpRequest, problems: &mut Vec<String>) {
    let method = expected.get("method").and_then(Value::as_str).unwrap_or("");
    if request.method.as_str() != method {
        problems.push(format!("request method: expected {method}, got {}", request.method));
    }
    let url = expected.get("url").and_then(Value::as_str).unwrap_or("");
    if request.url != url {
        problems.push(format!("request url:\n      expected {url}\n      got      {}", request.url));
    }
    let mut actual_headers = BTreeMap::new();
    for (name, value) in request.header_pairs() {
        if name == "user-agent" {
            continue;
        }
        if actual_headers.insert(name.clone(), value).is_some() {
            problems.push(format!("request header {name} sent more than once"));
        }
    }
    let expected_headers: BTreeMap<String, String> = expected
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| h.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_owned())).collect())
        .unwrap_or_default();
    if actual_headers != expected_headers {
        problems.push(format!("request headers:\n      expected {expected_headers:?}\n      got      {actual_headers:?}"));
    }
    match (expected.get("body"), expected.get("bodyText")) {
        (Some(body), None) => match serde_json::from_slice::<Value>(&request.body) {
            Ok(actual) => {
                if let Some(d) = json_diff(body, &actual, "") {
                    problems.push(format!("request body: {d}"));
                }
            }
            Err(e) => problems.push(format!("request body is not JSON ({e}): {:?}", String::from_utf8_lossy(&request.body))),
        },
        (None, Some(text)) => {
            let text = text.as_str().unwrap_or("");
            if request.body != text.as_bytes() {
                problems.push(format!("request bodyText:\n      expected {text:?}\n      got      {:?}", String::from_utf8_lossy(&request.body)));
            }
        }
        (None, None) => {
            if !request.body.is_empty() {
                problems.push(format!("request body: expected none, got {:?}", String::from_utf8_lossy(&request.body)));
            }
        }
        (Some(_), Some(_)) => problems.push("fixture request has both body and bodyText".into()),
    }
}

fn check_error(expected: &Value, error: &Error, problems: &mut Vec<String>) {
    let Some(fields) = expected.as_object() else {
        problems.push("fixture `error` is not an object".into());
        return;
    };
    let kind = fields.get("kind").and_then(Value::as_str).unwrap_or("");
    if error.kind() != kind {
        problems.push(format!("error kind: expected {kind}, got {} ({error})", error.kind()));
        return;
    }
    let (message, parameter, path, api) = match error {
        Error::Build(e) => (e.reason.clone(), Some(e.parameter.as_str()), None, None),
        Error::Api(e) => (e.message.clone(), None, None, Some(e)),
        Error::Decode(e) => (e.reason.clone(), None, Some(e.path.as_str()), None),
        Error::Transport { message, .. } => (message.clone(), None, None, None),
        Error::PolicyEdit(e) => (e.reason.clone(), None, None, None),
        Error::Webhook(e) => (e.to_string(), None, None, None),
    };
    for (key, want) in fields {
        let want_str = want.as_str().unwrap_or("");
        let mismatch = |what: &str, got: &dyn std::fmt::Debug| format!("error.{key}: expected {want}, got {got:?} ({what})");
        match key.as_str() {
            "kind" => {}
            "status" => {
                if error.status().map(u64::from) != want.as_u64() {
                    problems.push(mismatch("status", &error.status()));
                }
            }
            "message" => {
                if message != want_str {
                    problems.push(mismatch("message", &message));
                }
            }
            "messageContains" => {
                if !message.contains(want_str) {
                    problems.push(mismatch("message", &message));
                }
            }
            "messageExcludes" => {
                let body = api.and_then(|a| a.body.clone()).unwrap_or_default();
                if message.contains(want_str) || body.contains(want_str) || error.to_string().contains(want_str) {
                    problems.push(format!("error.{key}: {want_str:?} leaked into {error}"));
                }
            }
            "parameter" => {
                if parameter != Some(want_str) {
                    problems.push(mismatch("parameter", &parameter));
                }
            }
            "path" => {
                if path != Some(want_str) {
                    problems.push(mismatch("path", &path));
                }
            }
            "retryAfter" => {
                let got = api.and_then(|a| a.retry_after).and_then(|r| serde_json::to_value(r).ok());
                if got.as_ref() != Some(want) {
                    problems.push(mismatch("retryAfter", &got));
                }
            }
            "dataKind" => {
                let got = api
                    .and_then(|a| a.data.as_ref())
                    .and_then(|d| serde_json::to_value(d).ok())
                    .and_then(|v| v.get("kind").and_then(Value::as_str).map(str::to_owned));
                if got.as_deref() != Some(want_str) {
                    problems.push(mismatch("dataKind", &got));
                }
            }
            "bodyContains" => {
                let got = api.and_then(|a| a.body.clone());
                if !got.as_deref().is_some_and(|b| b.contains(want_str)) {
                    problems.push(mismatch("body", &got));
                }
            }
            "requiredScope" => {
                let got = api.and_then(|a| a.required_scope.clone());
                if got.as_deref() != want.as_str() {
                    problems.push(mismatch("requiredScope", &got));
                }
            }
            "code" => {
                let got = api.and_then(|a| a.code.clone());
                if got.as_deref() != want.as_str() {
                    problems.push(mismatch("code", &got));
                }
            }
            other => problems.push(format!("fixture error has an unknown assertion `{other}`")),
        }
    }
}

/// Replays one fixture; returns its problems (empty when it passes).
fn replay(path: &Path, fixture: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(op) = fixture.get("operation").and_then(Value::as_str) else {
        return vec!["no `operation`".into()];
    };
    if path.parent().and_then(|p| p.file_name()).and_then(|s| s.to_str()) != Some(op) {
        problems.push(format!("file is not under a directory named after its operation {op}"));
    }
    if registry::find(op).is_none() {
        return vec![format!("unknown operation {op}")];
    }
    if fixture.get("description").and_then(Value::as_str).is_none_or(str::is_empty) {
        problems.push("no description".into());
    }
    let (result, error) = (fixture.get("result"), fixture.get("error"));
    if result.is_some() == error.is_some() {
        return vec!["a fixture has exactly one of `result` and `error`".into()];
    }
    let config = match config_of(fixture) {
        Ok(c) => c,
        Err(e) => return vec![e],
    };
    let params = fixture.get("params").cloned().unwrap_or(Value::Object(Default::default()));
    let built = registry::build(op, &config, params);
    let is_build_error = error.and_then(|e| e.get("kind")).and_then(Value::as_str) == Some("build");
    if is_build_error {
        match built {
            Ok(request) => problems.push(format!("expected a build error, built {} {}", request.method, request.url)),
            Err(e) => check_error(error.unwrap_or(&Value::Null), &e, &mut problems),
        }
        return problems;
    }
    let request = match built {
        Ok(r) => r,
        Err(e) => {
            problems.push(format!("build failed: {e}"));
            return problems;
        }
    };
    match fixture.get("request") {
        Some(expected) => check_request(expected, &request, &mut problems),
        None => problems.push("no `request`".into()),
    }
    let Some(response) = fixture.get("response") else {
        problems.push("no `response`".into());
        return problems;
    };
    let http = match response_of(response) {
        Ok(http) => http,
        Err(e) => {
            problems.push(format!("response: {e}"));
            return problems;
        }
    };
    match (registry::parse(op, &http), result, error) {
        (Ok(actual), Some(expected), _) => {
            if let Some(d) = json_diff(expected, &actual, "") {
                problems.push(format!("result: {d}"));
            }
            check_parse_view(op, &http, &actual, &mut problems);
        }
        (Ok(actual), None, _) => problems.push(format!("expected an error, parsed {actual}")),
        (Err(e), Some(_), _) => problems.push(format!("expected a result, got error: {e}")),
        (Err(e), None, Some(expected)) => check_error(expected, &e, &mut problems),
        (Err(_), None, None) => {}
    }
    problems
}

/// `registry::parse_view` must show exactly the JSON `registry::parse` returns: walked node by
/// node (lookups, entry lists, lengths) and written back through `Serialized`.
fn check_parse_view(op: &str, http: &tailnet::HttpResponse, expected: &Value, problems: &mut Vec<String>) {
    let parsed = match registry::parse_view(op, http) {
        Ok(parsed) => parsed,
        Err(e) => return problems.push(format!("parse_view failed where parse succeeded: {e}")),
    };
    walk_view(&*parsed, expected, ".", problems);
    match serde_json::to_value(Serialized(&*parsed)) {
        Ok(written) if written == *expected => {}
        Ok(written) => problems.push(format!("parse_view serialized to {written}, parse gave {expected}")),
        Err(e) => problems.push(format!("parse_view did not serialize: {e}")),
    }
}

fn walk_view(view: &dyn JsonView, expected: &Value, at: &str, problems: &mut Vec<String>) {
    let same = match (view.view(), expected) {
        (View::Null, Value::Null) => true,
        (View::Bool(a), Value::Bool(b)) => a == *b,
        (View::Int(a), Value::Number(b)) => b.as_i64() == Some(a),
        (View::UInt(a), Value::Number(b)) => b.as_u64() == Some(a) && b.as_i64().is_none(),
        (View::Float(a), Value::Number(b)) => b.is_f64() && b.as_f64() == Some(a),
        (View::Str(a), Value::String(b)) => a == b,
        (View::Array(items), Value::Array(want)) => {
            if items.len() != want.len() {
                problems.push(format!("view {at}: {} items, expected {}", items.len(), want.len()));
            }
            for (index, want_item) in want.iter().enumerate() {
                match items.get(index) {
                    Some(item) => walk_view(item, want_item, &format!("{at}[{index}]"), problems),
                    None => problems.push(format!("view {at}[{index}] is missing")),
                }
            }
            if items.get(want.len()).is_some() {
                problems.push(format!("view {at}: an item past the end"));
            }
            true
        }
        (View::Object(members), Value::Object(want)) => {
            let entries = members.entries();
            if entries.len() != want.len() || members.len() != want.len() {
                problems.push(format!("view {at}: {} members (len {}), expected {}", entries.len(), members.len(), want.len()));
            }
            for (key, value) in entries {
                match want.get(key) {
                    Some(want_value) => walk_view(value, want_value, &format!("{at}.{key}"), problems),
                    None => problems.push(format!("view {at}: unexpected member {key:?}")),
                }
            }
            for (key, want_value) in want {
                match members.get(key) {
                    Some(value) => walk_view(value, want_value, &format!("{at}.{key}"), problems),
                    None => problems.push(format!("view {at}: get({key:?}) found nothing")),
                }
            }
            if members.get("\u{0}no such member").is_some() {
                problems.push(format!("view {at}: get of an absent key found something"));
            }
            true
        }
        _ => false,
    };
    if !same {
        problems.push(format!("view {at}: differs from {expected}"));
    }
}

fn corpus() -> Result<Vec<(PathBuf, Value)>, String> {
    fixtures().map_err(|e| format!("cannot load the fixture corpus: {e}"))
}

#[test]
fn every_fixture_replays() -> Result<(), String> {
    let all = corpus()?;
    assert!(!all.is_empty(), "no fixtures found");
    let mut failures = Vec::new();
    for (path, fixture) in &all {
        let problems = replay(path, fixture);
        if !problems.is_empty() {
            failures.push(format!("{}:\n    {}", case_name(path), problems.join("\n    ")));
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures fail:\n{}", failures.len(), all.len(), failures.join("\n"));
    Ok(())
}

#[test]
fn every_operation_has_a_success_fixture() -> Result<(), String> {
    let all = corpus()?;
    let missing: Vec<&str> = registry::OPERATIONS
        .iter()
        .map(|op| op.id)
        .filter(|id| {
            !all.iter().any(|(_, f)| f.get("operation").and_then(Value::as_str) == Some(*id) && f.get("result").is_some())
        })
        .collect();
    assert!(missing.is_empty(), "{} operations have no success fixture: {}", missing.len(), missing.join(", "));
    Ok(())
}

#[test]
fn the_corpus_covers_every_error_category() -> Result<(), String> {
    let all = corpus()?;
    fn text(f: &Value, p: &str) -> Option<String> {
        f.pointer(p).and_then(Value::as_str).map(str::to_owned)
    }
    fn status(f: &Value) -> Option<u64> {
        f.pointer("/error/status").and_then(Value::as_u64)
    }
    fn kind(f: &Value) -> Option<String> {
        text(f, "/error/kind")
    }
    fn stem(p: &Path) -> String {
        p.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_owned()
    }
    type Check = Box<dyn Fn(&Path, &Value) -> bool>;
    let api = |code: u64| -> Check { Box::new(move |_, f| kind(f).as_deref() == Some("api") && status(f) == Some(code)) };
    let named = |word: &'static str| -> Check { Box::new(move |p, f| stem(p).contains(word) && f.get("result").is_some()) };
    let categories: Vec<(&str, Check)> = vec![
        ("400 with ACL test data", Box::new(|_, f| status(f) == Some(400) && text(f, "/error/dataKind").as_deref() == Some("aclTests"))),
        ("401", api(401)),
        ("403 with requiredScope", Box::new(|_, f| status(f) == Some(403) && f.pointer("/error/requiredScope").is_some())),
        ("404", api(404)),
        ("412", api(412)),
        ("429 Retry-After seconds", Box::new(|_, f| f.pointer("/error/retryAfter/seconds").is_some())),
        ("429 Retry-After HTTP date", Box::new(|_, f| f.pointer("/error/retryAfter/atUnixSeconds").is_some())),
        ("500 with an HTML body", Box::new(|_, f| {
            status(f) == Some(500) && text(f, "/response/bodyText").is_some_and(|b| b.trim_start().starts_with('<'))
        })),
        ("502 plain text", Box::new(|_, f| {
            status(f) == Some(502) && text(f, "/response/headers/content-type").is_some_and(|c| c.starts_with("text/plain"))
        })),
        ("malformed JSON (decode)", Box::new(|_, f| {
            kind(f).as_deref() == Some("decode")
                && text(f, "/response/bodyText").is_some_and(|b| serde_json::from_str::<Value>(&b).is_err())
        })),
        ("wrong type deep inside (decode with path)", Box::new(|_, f| {
            kind(f).as_deref() == Some("decode") && text(f, "/error/path").is_some_and(|p| p.contains('[') && p.contains('.'))
        })),
        ("build error naming a path parameter", Box::new(|_, f| {
            kind(f).as_deref() == Some("build") && text(f, "/error/parameter").as_deref() == Some("deviceId")
        })),
        ("unknown fields kept", named("unknown_fields")),
        ("unknown enum value kept", named("unknown_enum")),
        ("\"\" timestamps absent", named("empty_timestamps")),
        ("nulls absent", named("nulls")),
        ("missing fields", named("missing_fields")),
    ];
    let missing: Vec<&str> =
        categories.iter().filter(|(_, check)| !all.iter().any(|(p, f)| check(p, f))).map(|(name, _)| *name).collect();
    assert!(missing.is_empty(), "the corpus lacks these categories: {}", missing.join("; "));
    Ok(())
}
