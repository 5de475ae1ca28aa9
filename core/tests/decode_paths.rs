//! A decode error's path, found after the failure from where serde_json stopped, equals the path
//! serde_path_to_error tracks while decoding, for every way of breaking every success body in the
//! fixture corpus: each value replaced by one of the wrong type, each member removed, the text cut.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tailnet::operations::*;
use tailnet::{registry, Error, Operation};

/// Bodies with one value broken: every value in turn replaced by each wrong-typed value, and
/// every object member in turn removed.
fn broken(value: &Value) -> Vec<Value> {
    let replacements = [json!(7), json!("seven"), json!(true), json!([1]), json!({"x": 1}), json!(-1.5)];
    let mut out = Vec::new();
    for replacement in &replacements {
        if std::mem::discriminant(replacement) != std::mem::discriminant(value) {
            out.push(replacement.clone());
        }
    }
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let mut without = members.clone();
                without.remove(key);
                out.push(Value::Object(without));
                for variant in broken(member) {
                    let mut changed = members.clone();
                    changed.insert(key.clone(), variant);
                    out.push(Value::Object(changed));
                }
            }
        }
        // The first two elements are enough to reach every element type.
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate().take(2) {
                for variant in broken(item) {
                    let mut changed = items.clone();
                    changed[index] = variant;
                    out.push(Value::Array(changed));
                }
            }
        }
        _ => {}
    }
    out
}

/// Checks one body, returning whether it failed to decode.
fn agrees<T: DeserializeOwned>(status: u16, text: &[u8]) -> bool {
    let tracked = serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_slice(text));
    match (tailnet::response::decode_json::<T>(status, text), tracked) {
        (Ok(_), Ok(_)) => false,
        (Err(Error::Decode(found)), Err(tracked)) => {
            // Where the text breaks inside a key, serde_path_to_error appends an unknown segment
            // (`?`); the key being read belongs to its object, which is what the error names.
            let tracked = tracked.path().to_string();
            let expected = match tracked.strip_suffix('?').map(|rest| rest.strip_suffix('.').unwrap_or(rest)) {
                Some("") => ".",
                Some(object) => object,
                None => &tracked,
            };
            assert_eq!(found.path, expected, "{}\n{found:?}", String::from_utf8_lossy(text));
            true
        }
        (found, tracked) => panic!("{}: decode_json {:?}, tracked {:?}", String::from_utf8_lossy(text), found.err(), tracked.err()),
    }
}

fn check<O: Operation>(body: &Value) -> (usize, usize)
where
    O::Output: DeserializeOwned,
{
    let mut failures = 0;
    let mut tried = 0;
    for variant in broken(body) {
        for text in [serde_json::to_vec(&variant), serde_json::to_vec_pretty(&variant)].into_iter().flatten() {
            tried += 1;
            failures += usize::from(agrees::<O::Output>(200, &text));
        }
    }
    // Cut texts are syntax errors; their path is where the text ended.
    let text = serde_json::to_vec_pretty(body).unwrap_or_default();
    for end in (0..text.len()).step_by(7) {
        tried += 1;
        failures += usize::from(agrees::<O::Output>(200, &text[..end]));
    }
    (tried, failures)
}

fn success_bodies() -> Vec<(String, Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut bodies = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap().flatten() {
        let Ok(files) = std::fs::read_dir(dir.path()) else { continue };
        for file in files.flatten() {
            let Ok(text) = std::fs::read_to_string(file.path()) else { continue };
            let Ok(fixture) = serde_json::from_str::<Value>(&text) else { continue };
            let response = &fixture["response"];
            let ok = response["status"].as_u64().is_some_and(|status| (200..300).contains(&status));
            if ok && (response["body"].is_object() || response["body"].is_array()) {
                bodies.push((fixture["operation"].as_str().unwrap_or_default().to_owned(), response["body"].clone()));
            }
        }
    }
    bodies
}

#[test]
fn decode_error_paths_equal_the_tracked_paths() {
    let (mut tried, mut failures, mut operations) = (0, 0, std::collections::BTreeSet::new());
    for (operation, body) in success_bodies() {
        let Some(info) = registry::find(&operation) else { continue };
        let counts = match info.id {
            "listTailnetDevices" => check::<ListTailnetDevices>(&body),
            "getDevice" => check::<GetDevice>(&body),
            "listTailnetKeys" => check::<ListTailnetKeys>(&body),
            "getKey" => check::<GetKey>(&body),
            "createKey" => check::<CreateKey>(&body),
            "listUsers" => check::<ListUsers>(&body),
            "getTailnetSettings" => check::<GetTailnetSettings>(&body),
            "listWebhooks" => check::<ListWebhooks>(&body),
            "listDeviceRoutes" => check::<ListDeviceRoutes>(&body),
            "listDnsNameservers" => check::<ListDnsNameservers>(&body),
            "getDevicePostureAttributes" => check::<GetDevicePostureAttributes>(&body),
            _ => continue,
        };
        operations.insert(operation);
        tried += counts.0;
        failures += counts.1;
    }
    assert!(operations.len() >= 8, "too few operations exercised: {operations:?}");
    assert!(failures > 1000 && tried > failures, "tried {tried}, failed {failures}");
}
