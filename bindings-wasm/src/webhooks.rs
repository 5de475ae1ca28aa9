//! Webhook deliveries for the npm package (internal; `js/src/webhooks.ts` is the public API):
//! signature verification, events, signing (`tailnet::webhooks`). `now` comes from JavaScript;
//! the core reads no clock. No error carries the secret or a MAC.
//!
//! Errors are the core's: `TailnetNativeError`s of kind `webhook` with `{reason, …}`; `reason` is
//! `missing`, `malformed`, `stale`, `future`, `mismatch`, `empty_secret` or `invalid_body`.

use serde_json::Value;
use wasm_bindgen::prelude::*;

use tailnet::webhooks::{self, WebhookEvent};

use crate::wasm::{build_error, js_error};

/// Largest number of seconds accepted: exact in an f64, and far from overflowing a u64 sum.
const MAX_SECONDS: f64 = 9_007_199_254_740_991.0;

fn seconds(name: &str, value: f64) -> Result<u64, JsValue> {
    if value.is_finite() && (0.0..=MAX_SECONDS).contains(&value) {
        Ok(value.floor() as u64)
    } else {
        Err(build_error(name, "must be a non-negative number of seconds"))
    }
}

/// Each event exactly as received (known and unknown fields), as a JSON array.
fn events_json(events: &[WebhookEvent]) -> Result<String, JsValue> {
    let raw = Value::Array(events.iter().map(WebhookEvent::raw).collect());
    serde_json::to_string(&raw).map_err(|e| build_error("body", format!("cannot serialize the events: {e}")))
}

/// Verifies a delivery (the signature header's value, if any; the raw body; the secret; `now` in
/// Unix seconds) and returns its events as JSON text.
#[wasm_bindgen(js_name = webhookVerify)]
pub fn webhook_verify(header: Option<String>, body: &[u8], secret: &str, now: f64, tolerance_seconds: f64) -> Result<String, JsValue> {
    let now = seconds("now", now)?;
    let tolerance = seconds("toleranceSeconds", tolerance_seconds)?;
    let events = webhooks::verify_and_parse(header.as_deref(), body, secret, now, tolerance).map_err(js_error)?;
    events_json(&events)
}

/// Parses a delivery's body without verifying it.
#[wasm_bindgen(js_name = webhookParseEvents)]
pub fn webhook_parse_events(body: &[u8]) -> Result<String, JsValue> {
    let events = webhooks::parse_events(body).map_err(js_error)?;
    events_json(&events)
}

/// The signature header value Tailscale would send for `body` at `timestamp`.
#[wasm_bindgen(js_name = webhookSign)]
pub fn webhook_sign(body: &[u8], secret: &str, timestamp: f64) -> Result<String, JsValue> {
    let timestamp = seconds("timestamp", timestamp)?;
    webhooks::sign(body, secret, timestamp).map_err(js_error)
}

/// `Tailscale-Webhook-Signature`.
#[wasm_bindgen(js_name = webhookSignatureHeader)]
pub fn webhook_signature_header() -> String {
    webhooks::SIGNATURE_HEADER.to_owned()
}

/// The default tolerance in seconds between the signature's timestamp and `now`.
#[wasm_bindgen(js_name = webhookDefaultTolerance)]
pub fn webhook_default_tolerance() -> f64 {
    webhooks::DEFAULT_TOLERANCE_SECONDS as f64
}
