//! No secret used anywhere in the fixture corpus shows up in any Debug or Display output, error
//! message, or observation record the core produces for it.

use serde_json::Value;
use tailnet::resilience::Observation;
use tailnet::secret::SECRET_JSON_KEYS;
use tailnet::{registry, Operation};
use tailnet_conformance::{config_of, fixtures, response_of, FIXTURE_API_KEY};

/// Every secret in a fixture: `tskey-…` strings anywhere, and values of secret-named keys.
fn secrets_in(value: &Value, key: Option<&str>, out: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            let secret_key = key.is_some_and(|k| SECRET_JSON_KEYS.contains(&k));
            if (s.starts_with("tskey-") || secret_key) && s.len() >= 8 {
                out.push(s.clone());
            }
        }
        Value::Array(items) => items.iter().for_each(|v| secrets_in(v, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| secrets_in(v, Some(k), out)),
        _ => {}
    }
}

/// Debug output of the typed result or error of an operation, by id.
macro_rules! typed_debug {
    ($( ($ty:ident, $snake:ident, $id:literal) ),* $(,)?) => {
        fn typed_debug(operation_id: &str, response: &tailnet::HttpResponse) -> String {
            match operation_id {
                $( $id => match tailnet::operations::$ty::parse(response) {
                    Ok(output) => format!("{output:?}"),
                    Err(error) => format!("{error} {error:?}"),
                }, )*
                _ => String::new(),
            }
        }
    };
}

tailnet::for_each_operation!(typed_debug);

#[test]
fn no_secret_appears_in_any_debug_display_error_or_observation() -> Result<(), String> {
    let mut leaks = Vec::new();
    let mut scanned = 0;
    let mut distinct = std::collections::BTreeSet::new();
    for (path, fixture) in fixtures()? {
        let name = path.display().to_string();
        let op = fixture.get("operation").and_then(Value::as_str).unwrap_or_default();
        let mut secrets = vec![FIXTURE_API_KEY.to_owned()];
        secrets_in(&fixture, None, &mut secrets);
        secrets.retain(|s| !s.is_empty());
        distinct.extend(secrets.iter().cloned());

        let mut outputs = Vec::new();
        let config = config_of(&fixture)?;
        outputs.push(format!("{config:?}"));
        let params = fixture.get("params").cloned().unwrap_or(Value::Null);
        let built = registry::build(op, &config, params);
        match &built {
            Ok(request) => {
                outputs.push(format!("{request:?}"));
                outputs.push(format!("{:?}", Observation::request(op, request, 1)));
            }
            Err(error) => outputs.push(format!("{error} {error:?}")),
        }
        if let Some(response) = fixture.get("response") {
            let response = response_of(response)?;
            outputs.push(format!("{response:?}"));
            outputs.push(typed_debug(op, &response));
            if let Err(error) = registry::parse(op, &response) {
                outputs.push(format!("{error} {error:?}"));
            }
            if let Ok(request) = &built {
                let observed = Observation::response(op, request, &response, 1, std::time::Duration::from_millis(3));
                outputs.push(format!("{observed:?}"));
                outputs.push(serde_json::to_string(&observed).unwrap_or_default());
            }
        }
        scanned += outputs.len();
        for output in &outputs {
            for secret in &secrets {
                if output.contains(secret.as_str()) {
                    leaks.push(format!("{name}: `{secret}` in {output}"));
                }
            }
        }
    }
    assert!(scanned > 500, "only {scanned} outputs scanned");
    // The corpus carries returned auth keys, client secrets, webhook secrets…: the scan must see them.
    assert!(distinct.len() >= 5, "only {} distinct secrets found: {distinct:?}", distinct.len());
    assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
    Ok(())
}
