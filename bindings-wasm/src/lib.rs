//! `tailnet-wasm`: the tailnet core compiled to WebAssembly for the npm package `tailnet`.
//!
//! Everything here is stamped from the registry (`tailnet::for_each_operation!`) or generic over
//! it; there is no code per endpoint. The layers:
//!
//! - [`OPERATION_IDS`] and [`parse_or_body`], stamped once per operation: the typed parse of each
//!   operation, and then either nothing (the body itself is the result: [`same`]) or the result
//!   written straight to JSON text (no intermediate `serde_json::Value`); the JavaScript side
//!   turns the one or the other into objects with one `JSON.parse`.
//! - [`wasm`]: the wasm-bindgen surface — sans-IO `buildRequest`/`parseResponse`, the operation
//!   table, and the core's `Session`/`Call` state machine for the TypeScript client loop (which
//!   only calls `fetch` and `setTimeout`).
//! - [`policy`] and [`webhooks`]: the core's lossless policy document, the decision of a policy
//!   read-modify-write, and webhook signature verification, for `PolicyDocument`,
//!   `Client.updatePolicyFile` and the `webhooks` namespace of the wrapper.
//! - [`tsgen`]: the TypeScript declarations of every parameter object, body and result, generated
//!   from `OPERATIONS`, `MODELS` and `ENUMS` (the core cannot carry tsify derives: it must not
//!   depend on wasm-bindgen). build.sh writes them with `tailnet-wasm-tsgen` next to the copied
//!   js/src before tsc: a build output, not tracked.

// Tests may unwrap; the library may not (workspace lints deny it).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use tailnet::{BuildError, Error, HttpResponse, Operation};

pub mod policy;
pub mod same;
pub mod tsgen;
pub mod wasm;
pub mod webhooks;

/// The `User-Agent` this binding sends (where the platform lets it).
pub const USER_AGENT: &str = concat!("tailnet-js/", env!("CARGO_PKG_VERSION"));

/// `None` when the response body itself, read by `JSON.parse`, is the result: decided from the
/// declared shape without decoding ([`tailnet::verbatim`]), or else after the typed parse
/// ([`same::body_is_result`]); otherwise the typed result as JSON text.
fn typed_or_body<O: Operation>(response: &HttpResponse) -> Result<Option<String>, Error> {
    if tailnet::operation::is_success(&O::INFO, response.status) && tailnet::verbatim::body_is_result(O::INFO.response, &response.body) {
        return Ok(None);
    }
    let output = O::parse(response)?;
    if same::body_is_result(&response.body, &output) {
        return Ok(None);
    }
    serde_json::to_string(&output).map(Some).map_err(|e| BuildError::new("result", format!("cannot serialize the result: {e}")).into())
}

fn unknown_operation(operation_id: &str) -> Error {
    BuildError::new("operationId", format!("unknown operation {operation_id:?}")).into()
}

macro_rules! stamp {
    ($( ($ty:ident, $snake:ident, $id:literal) ),* $(,)?) => {
        /// Every operation id this binding exposes, in registry order.
        pub const OPERATION_IDS: &[&str] = &[$($id),*];

        /// Parses a response of any operation (by `operationId` or snake_case name): `None` when
        /// the response body is the result as it is (then JavaScript parses the body: one copy of
        /// the data, not two), else the result as JSON text with wire (camelCase) names. Either
        /// way the same value as `tailnet::registry::parse`.
        pub fn parse_or_body(operation_id: &str, response: &HttpResponse) -> Result<Option<String>, Error> {
            match operation_id {
                $( $id | stringify!($snake) => typed_or_body::<tailnet::operations::$ty>(response), )*
                _ => Err(unknown_operation(operation_id)),
            }
        }
    };
}

tailnet::for_each_operation!(stamp);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::path::Path;

    #[test]
    fn stamps_every_registry_operation() {
        let registry: Vec<&str> = tailnet::registry::OPERATIONS.iter().map(|o| o.id).collect();
        assert_eq!(OPERATION_IDS, registry.as_slice());
    }

    fn response_of(fixture: &Value) -> Option<HttpResponse> {
        let response = fixture.get("response")?;
        let status = response.get("status")?.as_u64()? as u16;
        let body = match (response.get("body"), response.get("bodyText")) {
            (Some(body), _) => serde_json::to_vec(body).ok()?,
            (None, Some(text)) => text.as_str()?.as_bytes().to_vec(),
            (None, None) => Vec::new(),
        };
        let mut http = HttpResponse::new(status, body);
        if let Some(headers) = response.get("headers").and_then(Value::as_object) {
            for (name, value) in headers {
                http = http.with_header(name, value.as_str().unwrap_or(""));
            }
        }
        Some(http)
    }

    /// The stamped parse (the body as it is, or the typed result as text) gives exactly what the
    /// registry's parse gives, for every response in the fixture corpus (results and errors alike).
    #[test]
    fn stamped_parse_matches_the_registry_on_every_fixture() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut checked = 0;
        let mut passed_through = 0;
        for op_dir in std::fs::read_dir(&dir).unwrap().flatten().filter(|d| d.path().is_dir()) {
            for case in std::fs::read_dir(op_dir.path()).unwrap().flatten() {
                if case.path().extension().and_then(|e| e.to_str()) != Some("json") {
                    continue;
                }
                let text = std::fs::read_to_string(case.path()).unwrap();
                let fixture: Value = serde_json::from_str(&text).unwrap();
                let Some(op) = fixture.get("operation").and_then(Value::as_str) else { continue };
                let Some(response) = response_of(&fixture) else { continue };
                let expected = tailnet::registry::parse(op, &response);
                let actual = parse_or_body(op, &response).map(|result| match result {
                    Some(text) => serde_json::from_str::<Value>(&text).unwrap(),
                    None => {
                        passed_through += 1;
                        serde_json::from_slice::<Value>(&response.body).unwrap()
                    }
                });
                assert_eq!(actual, expected, "{}", case.path().display());
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} fixtures checked");
        assert!(passed_through > 20, "only {passed_through} fixture bodies passed through as they are");
    }

    /// What the typed parse normalises is never handed to JavaScript as the body.
    #[test]
    fn normalised_bodies_are_written_from_the_typed_result() {
        let parse = |body: &str| parse_or_body("getDevice", &HttpResponse::new(200, body.to_owned())).unwrap();
        // A duplicate member is no normalisation: the typed parse and JSON.parse both keep the last.
        for verbatim in [r#"{"nodeId":"n1","name":"a.ts.net","addresses":["100.64.0.1"]}"#, r#"{"nodeId":"n1","nodeId":"n2"}"#] {
            assert_eq!(parse(verbatim), None, "{verbatim}");
            let expected = tailnet::registry::parse("getDevice", &HttpResponse::new(200, verbatim.to_owned())).unwrap();
            assert_eq!(serde_json::from_str::<Value>(verbatim).unwrap(), expected, "{verbatim}");
        }
        for normalised in [
            r#"{"nodeId":"n1","name":null}"#,
            r#"{"nodeId":"n1","lastSeen":"0001-01-01T00:00:00Z"}"#,
            r#"{"nodeId":"n1","lastSeen":""}"#,
        ] {
            let text = parse(normalised).unwrap_or_else(|| panic!("{normalised} was passed through"));
            let expected = tailnet::registry::parse("getDevice", &HttpResponse::new(200, normalised.to_owned())).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected, "{normalised}");
        }
    }

    #[test]
    fn unknown_operations_are_build_errors() {
        let err = parse_or_body("noSuchOperation", &HttpResponse::new(200, "{}")).unwrap_err();
        assert_eq!(err.kind(), "build");
    }
}
