//! Shared by the integration tests: the fixture corpus' success bodies, and ways to break them.

use serde_json::{json, Value};

/// Every fixture whose response is a success with a JSON object or array body: (operation, body).
pub fn success_bodies() -> Vec<(String, Value)> {
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

/// Bodies with one value broken: every value in turn replaced by each wrong-typed value, and
/// every object member in turn removed.
pub fn broken(value: &Value) -> Vec<Value> {
    let replacements = [
        json!(7),
        json!(-7),
        json!(u64::MAX),
        json!(-1.5),
        json!("seven"),
        json!(""),
        json!("0001-01-01T00:00:00Z"),
        json!(true),
        json!(null),
        json!([1]),
        json!({"x": 1}),
    ];
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
