//! Webhook deliveries (`tailnet::webhooks`): signature verification, typed events, signing.
//! The caller passes `now`; the core reads no clock. No error carries the secret or a MAC.

use pyo3::prelude::*;
use serde_json::Value;

use tailnet::webhooks::{self, WebhookEvent};

use crate::native::{guard, native_error, wrap_result};

/// The events as a JSON array of each event exactly as received (known and unknown fields).
fn events<'py>(py: Python<'py>, events: &[WebhookEvent]) -> PyResult<Bound<'py, PyAny>> {
    wrap_result(py, Value::Array(events.iter().map(WebhookEvent::raw).collect()))
}

/// Verifies a delivery (signature header value or None, raw body, secret, `now` in Unix seconds)
/// and parses its events.
#[pyfunction]
#[pyo3(signature = (header, body, secret, now, tolerance=webhooks::DEFAULT_TOLERANCE_SECONDS))]
fn webhook_verify<'py>(py: Python<'py>, header: Option<&str>, body: &[u8], secret: &str, now: u64, tolerance: u64) -> PyResult<Bound<'py, PyAny>> {
    guard(|| {
        let parsed = webhooks::verify_and_parse(header, body, secret, now, tolerance).map_err(native_error)?;
        events(py, &parsed)
    })
}

/// Parses a delivery's body without verifying it.
#[pyfunction]
fn webhook_parse_events<'py>(py: Python<'py>, body: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    guard(|| {
        let parsed = webhooks::parse_events(body).map_err(native_error)?;
        events(py, &parsed)
    })
}

/// The signature header value Tailscale would send for `body` at `timestamp`.
#[pyfunction]
fn webhook_sign(body: &[u8], secret: &str, timestamp: u64) -> PyResult<String> {
    guard(|| webhooks::sign(body, secret, timestamp).map_err(native_error))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(webhook_verify, m)?)?;
    m.add_function(wrap_pyfunction!(webhook_parse_events, m)?)?;
    m.add_function(wrap_pyfunction!(webhook_sign, m)?)?;
    m.add("WEBHOOK_SIGNATURE_HEADER", webhooks::SIGNATURE_HEADER)?;
    m.add("WEBHOOK_DEFAULT_TOLERANCE", webhooks::DEFAULT_TOLERANCE_SECONDS)?;
    Ok(())
}
