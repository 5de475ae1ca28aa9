//! Webhook deliveries (`tailnet::webhooks`): signature verification, events, signing. The caller
//! passes `now`; the core reads no clock. No error carries the secret or a MAC.

use serde_json::Value;
use tailnet::webhooks as core_webhooks;

use crate::{TailnetError, WebhookEventType};

/// Why a delivery was rejected (`TailnetError.Webhook`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WebhookRejection {
    /// No signature header, or an empty one.
    Missing,
    /// The header is not `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`.
    Malformed,
    /// Signed longer ago than the tolerance (a replay?).
    Stale,
    /// Signed further in the future than the tolerance.
    Future,
    /// No `v1` signature matches the body and secret.
    Mismatch,
    /// The secret passed is empty.
    EmptySecret,
    /// The body is not a JSON array of events.
    InvalidBody,
}

/// One event of a delivery. Which `data` fields are present depends on the type; `rawJson` is
/// the event exactly as received (known and unknown fields).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WebhookEvent {
    /// `Unknown(value)` for a type this version does not know.
    pub r#type: Option<WebhookEventType>,
    /// RFC 3339.
    pub timestamp: Option<String>,
    pub version: Option<i64>,
    pub tailnet: Option<String>,
    pub message: Option<String>,
    /// The `data` member as JSON text.
    pub data_json: Option<String>,
    pub raw_json: String,
}

impl WebhookEvent {
    fn of(event: &core_webhooks::WebhookEvent) -> Self {
        let raw = event.raw();
        let text = |key: &str| raw.get(key).and_then(Value::as_str).map(str::to_owned);
        WebhookEvent {
            r#type: raw.get("type").and_then(|t| serde_json::from_value(t.clone()).ok()),
            timestamp: text("timestamp"),
            version: raw.get("version").and_then(Value::as_i64),
            tailnet: text("tailnet"),
            message: text("message"),
            data_json: raw.get("data").map(Value::to_string),
            raw_json: raw.to_string(),
        }
    }
}

fn events(parsed: &[core_webhooks::WebhookEvent]) -> Vec<WebhookEvent> {
    parsed.iter().map(WebhookEvent::of).collect()
}

/// Verifies a delivery — the `Tailscale-Webhook-Signature` header value (null when absent), the
/// raw body, the endpoint's secret, `now` in Unix seconds — and parses its events. Any `v1`
/// signature may match (secret rotation); the timestamp must be within `toleranceSeconds` of now.
#[uniffi::export(default(tolerance_seconds = 300))]
pub fn webhook_verify(header: Option<String>, body: Vec<u8>, secret: String, now_unix_seconds: u64, tolerance_seconds: u64) -> Result<Vec<WebhookEvent>, TailnetError> {
    let parsed = core_webhooks::verify_and_parse(header.as_deref(), &body, &secret, now_unix_seconds, tolerance_seconds).map_err(tailnet::Error::from)?;
    Ok(events(&parsed))
}

/// Parses a delivery's body without verifying it.
#[uniffi::export]
pub fn webhook_parse_events(body: Vec<u8>) -> Result<Vec<WebhookEvent>, TailnetError> {
    let parsed = core_webhooks::parse_events(&body).map_err(tailnet::Error::from)?;
    Ok(events(&parsed))
}

/// The signature header value Tailscale would send for `body` at `timestamp` (tests, fakes).
#[uniffi::export]
pub fn webhook_sign(body: Vec<u8>, secret: String, timestamp: u64) -> Result<String, TailnetError> {
    Ok(core_webhooks::sign(&body, &secret, timestamp).map_err(tailnet::Error::from)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_default_tolerance_is_the_cores() {
        // `default(tolerance_seconds = 300)` must be a literal; keep it equal to the core's.
        assert_eq!(core_webhooks::DEFAULT_TOLERANCE_SECONDS, 300);
    }

    #[test]
    fn verify_maps_events_and_rejections() {
        let body = br#"[{"type":"nodeCreated","version":1,"tailnet":"example.com","message":"hi","data":{"nodeID":"n1"}},{"type":"brandNew"}]"#.to_vec();
        let header = webhook_sign(body.clone(), "s3cret".into(), 1000).unwrap();
        let parsed = webhook_verify(Some(header.clone()), body.clone(), "s3cret".into(), 1010, 300).unwrap();
        assert_eq!(parsed[0].r#type, Some(WebhookEventType::NodeCreated));
        assert_eq!(parsed[0].data_json.as_deref(), Some(r#"{"nodeID":"n1"}"#));
        assert_eq!(parsed[1].r#type, Some(WebhookEventType::Unknown("brandNew".into())));
        match webhook_verify(Some(header), body, "s3cret".into(), 2000, 300) {
            Err(TailnetError::Webhook { rejection: WebhookRejection::Stale, age_seconds: Some(1000), reason, .. }) => assert!(!reason.contains("s3cret")),
            other => panic!("{other:?}"),
        }
    }
}
