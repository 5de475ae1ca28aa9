//! A decode error's path, found after the failure from where serde_json stopped, equals the path
//! serde_path_to_error tracks while decoding, for every way of breaking every success body in the
//! fixture corpus: each value replaced by one of the wrong type, each member removed, the text cut.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde::de::DeserializeOwned;
use serde_json::Value;
use support::{broken, success_bodies};
use tailnet::operations::*;
use tailnet::{registry, Error, Operation};

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
