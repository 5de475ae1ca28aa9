//! The wasm-bindgen surface. Internal to the npm package: the TypeScript wrapper
//! (`js/src/client.ts`) is the public API and maps the errors thrown here to its classes.
//!
//! Conventions across the boundary:
//! - parameters and options go in as JSON text (`JSON.stringify` on the JS side), results come
//!   out as JSON text (one `JSON.parse`), request/response bodies as bytes, headers as a flat
//!   `[name, value, name, value, …]` array of strings;
//! - times come from JavaScript (`performance.now()` for `now`, `Date.now()` for the Unix clock):
//!   `SystemTime::now()` panics on wasm32-unknown-unknown and the core reads no clock anyway;
//! - errors are thrown as a JS `Error` named `TailnetNativeError` with `kind` (`build`, `api`,
//!   `decode`, `transport`, `internal`, `policy`, `webhook`) and `detail` (the error as JSON
//!   text); core errors also carry `lostRace` (a 412 on a conditional write);
//! - a Rust panic traps (wasm32 aborts); the panic hook leaves the message in
//!   `globalThis.__tailnetPanic` and the wrapper resets the instance (`__wbg_reset_state`).

use std::time::Duration;

use js_sys::{Array, Uint8Array};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use tailnet::resilience::{Auth, Call, Session, Step, TransportFailure};
use tailnet::{registry, BuildError, ClientOptions, Error, HttpRequest, HttpResponse};

// ----- errors --------------------------------------------------------------------------------

/// A core error (or a part of one: a `PolicyEditError`, a `WebhookError`) as a
/// `TailnetNativeError` with the core's `kind` and `detail`; `lostRace` is the core's verdict
/// (`tailnet::policy::is_lost_race`: another writer won, re-read and re-apply).
pub(crate) fn js_error(error: impl Into<Error>) -> JsValue {
    let error = error.into();
    let thrown = js_sys::Error::new(&error.to_string());
    thrown.set_name("TailnetNativeError");
    let lost_race = tailnet::policy::is_lost_race(&error);
    for (name, value) in [("kind", error.kind().into()), ("detail", error.detail().to_string().into()), ("lostRace", JsValue::from_bool(lost_race))] {
        let _ = js_sys::Reflect::set(&thrown, &JsValue::from_str(name), &value);
    }
    thrown.into()
}

pub(crate) fn build_error(parameter: &str, reason: impl Into<String>) -> JsValue {
    js_error(BuildError::new(parameter, reason))
}

fn parse_json(parameter: &str, text: &str) -> Result<Value, JsValue> {
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(text).map_err(|e| build_error(parameter, format!("not valid JSON: {e}")))
}

// ----- options -------------------------------------------------------------------------------

/// The client options (the core's `ClientOptions`, JSON with camelCase names).
fn options_of(options_json: &str) -> Result<ClientOptions, JsValue> {
    ClientOptions::from_json(options_json).map_err(js_error)
}

// ----- requests and responses ----------------------------------------------------------------

fn headers_array(request: &HttpRequest) -> Array {
    let headers = Array::new();
    for (name, value) in request.headers.iter() {
        headers.push(&JsValue::from_str(name.as_str()));
        headers.push(&JsValue::from_str(&String::from_utf8_lossy(value.as_bytes())));
    }
    headers
}

/// `[method, url, [name, value, …], body | undefined]`
fn request_parts(request: &HttpRequest) -> Array {
    let parts = Array::new();
    parts.push(&JsValue::from_str(request.method.as_str()));
    parts.push(&JsValue::from_str(&request.url));
    parts.push(&headers_array(request));
    if request.body.is_empty() {
        parts.push(&JsValue::UNDEFINED);
    } else {
        parts.push(&Uint8Array::from(request.body.as_slice()));
    }
    parts
}

/// A response from its parts; `headers` is `[name, value, name, value, …]`.
pub fn response_of(status: u16, headers: &[String], body: Vec<u8>) -> HttpResponse {
    let mut response = HttpResponse::new(status, body);
    for pair in headers.chunks_exact(2) {
        response = response.with_header(&pair[0], &pair[1]);
    }
    response
}

/// The send step: `[0, method, url, headers, body]`.
pub(crate) fn send_step(request: &HttpRequest) -> Array {
    let parts = request_parts(request);
    parts.unshift(&JsValue::from_f64(0.0));
    parts
}

/// The sleep step: `[1, ms]`.
pub(crate) fn wait_step(delay: Duration) -> Array {
    Array::of2(&JsValue::from_f64(1.0), &JsValue::from_f64(delay.as_secs_f64() * 1000.0))
}

/// Observations as a JSON array (the core's `Observation` shape: `event`, camelCase fields).
pub(crate) fn observations_json(observations: Vec<tailnet::resilience::Observation>) -> String {
    if observations.is_empty() {
        return "[]".to_owned();
    }
    serde_json::to_string(&observations).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn duration_of_millis(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms.max(0.0) / 1000.0).unwrap_or(Duration::ZERO)
}

pub(crate) fn unix_seconds(unix_ms: f64) -> u64 {
    if unix_ms.is_finite() && unix_ms > 0.0 {
        (unix_ms / 1000.0) as u64
    } else {
        0
    }
}

// ----- sans-IO functions ---------------------------------------------------------------------

/// Builds the request of an operation: `[method, url, headers, body]`. `options` is the client
/// options JSON (base URL, tailnet, static credentials); `params` the parameter object JSON.
#[wasm_bindgen(js_name = buildRequest)]
pub fn build_request(operation_id: &str, params_json: &str, options_json: &str) -> Result<Array, JsValue> {
    let params = parse_json("params", params_json)?;
    let request = with_config(options_json, |config| registry::build(operation_id, config, params))?.map_err(js_error)?;
    Ok(request_parts(&request))
}

thread_local! {
    /// The config of the last options JSON `buildRequest` saw: callers build many requests with
    /// the same options, and reading them costs more than building a request.
    static LAST_CONFIG: std::cell::RefCell<Option<(String, tailnet::Config)>> = const { std::cell::RefCell::new(None) };
}

fn with_config<T>(options_json: &str, f: impl FnOnce(&tailnet::Config) -> T) -> Result<T, JsValue> {
    LAST_CONFIG.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((json, config)) if json == options_json => Ok(f(config)),
            _ => {
                let config = options_of(options_json)?.config_with_credentials(crate::USER_AGENT).map_err(js_error)?;
                let out = f(&config);
                *last = Some((options_json.to_owned(), config));
                Ok(out)
            }
        }
    })
}

/// Parses a response of an operation into its result as JSON text (`null` for no result), or
/// `undefined` when the body itself is the result (the caller then `JSON.parse`s the body: the
/// typed parse validated it and changed nothing; see `same.rs`).
#[wasm_bindgen(js_name = parseResponse)]
pub fn parse_response(operation_id: &str, status: u16, headers: Vec<String>, body: Vec<u8>) -> Result<Option<String>, JsValue> {
    let response = response_of(status, &headers, body);
    crate::parse_or_body(operation_id, &response).map_err(js_error)
}

/// Every operation (`OperationInfo` as JSON: id, name, method, path, scopes, success,
/// authenticated, idempotent, params, body, response).
#[wasm_bindgen(js_name = operations)]
pub fn operations() -> String {
    serde_json::to_string(registry::OPERATIONS).unwrap_or_else(|_| "[]".to_owned())
}

/// Masks secrets (`tskey-…`, secret JSON members, form secrets) in free text.
#[wasm_bindgen(js_name = redact)]
pub fn redact(text: &str) -> String {
    tailnet::secret::redact_secrets(text)
}

#[wasm_bindgen(js_name = userAgent)]
pub fn user_agent() -> String {
    crate::USER_AGENT.to_owned()
}

/// Test hook: a Rust panic (the wrapper must turn it into an `InternalError` and stay usable).
#[wasm_bindgen(js_name = __testPanic)]
#[allow(clippy::panic)]
pub fn test_panic(message: &str) {
    panic!("{message}");
}

/// Keeps the panic message where the wrapper can read it after the trap.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let message = tailnet::secret::redact_secrets(&info.to_string());
        let _ = js_sys::Reflect::set(&js_sys::global(), &JsValue::from_str("__tailnetPanic"), &JsValue::from_str(&message));
    }));
}

// ----- the client state machine --------------------------------------------------------------

/// State shared by every call of one client: config, credentials and OAuth token (one fetch for
/// any number of concurrent calls), retry policy, rate limiter.
#[wasm_bindgen(js_name = Session)]
pub struct WasmSession {
    pub(crate) inner: Session,
}

#[wasm_bindgen(js_class = Session)]
impl WasmSession {
    /// `jitter_seed`: a random integer (the core has no randomness) for backoff jitter.
    #[wasm_bindgen(constructor)]
    pub fn new(options_json: &str, jitter_seed: f64) -> Result<WasmSession, JsValue> {
        let inner = options_of(options_json)?.session(crate::USER_AGENT, jitter_seed.abs() as u64).map_err(js_error)?;
        Ok(WasmSession { inner })
    }

    /// OAuth token requests started so far.
    #[wasm_bindgen(getter, js_name = tokenFetches)]
    pub fn token_fetches(&self) -> f64 {
        self.inner.token_fetches() as f64
    }

    /// Transports refuse response bodies larger than this many bytes.
    #[wasm_bindgen(getter, js_name = maxResponseBytes)]
    pub fn max_response_bytes(&self) -> f64 {
        self.inner.max_response_bytes as f64
    }

    /// Replaces the OIDC ID token of a workload-identity client.
    #[wasm_bindgen(js_name = setIdToken)]
    pub fn set_id_token(&mut self, id_token: String) {
        if let Auth::OAuth(oauth) = &mut self.inner.auth {
            oauth.set_id_token(id_token);
        }
    }
}

/// One invocation of one operation across its attempts (the core's `Call`).
#[wasm_bindgen(js_name = Call)]
pub struct WasmCall {
    call: Call,
}

#[wasm_bindgen(js_class = Call)]
impl WasmCall {
    #[wasm_bindgen(constructor)]
    pub fn new(operation_id: &str, params_json: &str) -> Result<WasmCall, JsValue> {
        let params = parse_json("params", params_json)?;
        let call = Call::by_id(operation_id, params).map_err(js_error)?;
        Ok(WasmCall { call })
    }

    /// The operation's `operationId`.
    #[wasm_bindgen(getter)]
    pub fn operation(&self) -> String {
        self.call.operation().id.to_owned()
    }

    /// Attempts sent so far (token requests not counted).
    #[wasm_bindgen(getter)]
    pub fn attempts(&self) -> u32 {
        self.call.attempts()
    }

    /// What to do next: `[0, method, url, headers, body]` send; `[1, ms]` sleep; `[2, json]` done
    /// with the parsed result; `[2]` done, and the body of the last response (`JSON.parse`d) is
    /// the result as it is. An error that ends the call is thrown.
    pub fn poll(&mut self, session: &mut WasmSession, now_ms: f64) -> Result<Array, JsValue> {
        match self.call.poll(&mut session.inner, duration_of_millis(now_ms)) {
            Step::Send(request) => Ok(send_step(&request)),
            Step::Wait(delay) => Ok(wait_step(delay)),
            Step::Done(Ok(response)) => {
                match crate::parse_or_body(self.call.operation().id, &response).map_err(js_error)? {
                    Some(json) => Ok(Array::of2(&JsValue::from_f64(2.0), &JsValue::from_str(&json))),
                    None => Ok(Array::of1(&JsValue::from_f64(2.0))),
                }
            }
            Step::Done(Err(e)) => Err(js_error(e)),
        }
    }

    /// The observations recorded since the last take, as a JSON array (`[]` unless the session
    /// observes).
    #[wasm_bindgen(js_name = takeObservations)]
    pub fn take_observations(&mut self) -> String {
        observations_json(self.call.take_observations())
    }

    /// Reports the response to the request of the last send step.
    #[wasm_bindgen(js_name = onResponse)]
    pub fn on_response(&mut self, session: &mut WasmSession, status: u16, headers: Vec<String>, body: Vec<u8>, now_ms: f64, unix_ms: f64) {
        let response = response_of(status, &headers, body);
        self.call.on_response(&mut session.inner, response, duration_of_millis(now_ms), unix_seconds(unix_ms));
    }

    /// Reports that the request of the last send step got no response. `maybe_sent` is false only
    /// when the request certainly never left (connection refused).
    #[wasm_bindgen(js_name = onTransportError)]
    pub fn on_transport_error(&mut self, session: &mut WasmSession, message: &str, maybe_sent: bool, timed_out: bool, now_ms: f64, unix_ms: f64) {
        self.call.on_transport_error(&mut session.inner, TransportFailure::new(message, maybe_sent, timed_out), duration_of_millis(now_ms), unix_seconds(unix_ms));
    }
}
