//! Webhook deliveries: signature verification and typed events.
//!
//! Tailscale signs each delivery in `Tailscale-Webhook-Signature: t=<unix seconds>,v1=<hex>`,
//! where the hex is HMAC-SHA256 over `"<t>.<raw body>"` keyed by the endpoint's secret. The body
//! is a JSON array of events. The caller passes `now`; the core reads no clock.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::models::WebhookEventType;
use crate::Timestamp;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Tailscale-Webhook-Signature";
/// Default tolerance between the signature's timestamp and `now`, both ways.
pub const DEFAULT_TOLERANCE_SECONDS: u64 = 300;

/// Why a delivery was rejected. None of the variants carries the secret or the expected MAC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No signature header, or an empty one.
    #[error("the {SIGNATURE_HEADER} header is missing or empty")]
    MissingSignature,
    /// The header is not `t=<unix seconds>,v1=<64 hex digits>`; what is wrong with it.
    #[error("the {SIGNATURE_HEADER} header is malformed: {0}")]
    MalformedSignature(String),
    /// The timestamp is older than the tolerance allows (possibly a replayed delivery).
    #[error("the delivery is {age_seconds} s old, beyond the {tolerance_seconds} s tolerance (a replay?)")]
    Stale {
        /// How far the signature's timestamp lies behind `now`, in seconds.
        age_seconds: u64,
        /// The tolerance that was exceeded, in seconds.
        tolerance_seconds: u64,
    },
    /// The timestamp is further ahead of `now` than the tolerance allows.
    #[error("the delivery is timestamped {ahead_seconds} s in the future, beyond the {tolerance_seconds} s tolerance")]
    FromTheFuture {
        /// How far the signature's timestamp lies ahead of `now`, in seconds.
        ahead_seconds: u64,
        /// The tolerance that was exceeded, in seconds.
        tolerance_seconds: u64,
    },
    /// No `v1` signature matches the body under the secret (wrong secret, or an altered body).
    #[error("no signature in the header matches the body and secret")]
    SignatureMismatch,
    /// The secret given to verify or sign with is empty.
    #[error("the webhook secret is empty")]
    EmptySecret,
    /// The verified body is not a JSON array of events; the parser's message.
    #[error("the body is not a JSON array of events: {0}")]
    InvalidBody(String),
}

impl WebhookError {
    /// A stable code for bindings and logs: `missing`, `malformed`, `stale`, `future`,
    /// `mismatch`, `empty_secret` or `invalid_body`.
    pub fn reason(&self) -> &'static str {
        match self {
            WebhookError::MissingSignature => "missing",
            WebhookError::MalformedSignature(_) => "malformed",
            WebhookError::Stale { .. } => "stale",
            WebhookError::FromTheFuture { .. } => "future",
            WebhookError::SignatureMismatch => "mismatch",
            WebhookError::EmptySecret => "empty_secret",
            WebhookError::InvalidBody(_) => "invalid_body",
        }
    }

    /// The name of the class the bindings raise, decided here: Python's subclass of
    /// `WebhookVerificationError` for each reason (`MissingSignatureError`,
    /// `MalformedSignatureError`, `StaleSignatureError`, `FutureSignatureError`,
    /// `SignatureMismatchError`, `InvalidWebhookBodyError`), the base class itself for an empty
    /// secret. JavaScript has only the base class and Swift/Kotlin one case; they read `reason`.
    pub fn class_name(&self) -> &'static str {
        match self {
            WebhookError::MissingSignature => "MissingSignatureError",
            WebhookError::MalformedSignature(_) => "MalformedSignatureError",
            WebhookError::Stale { .. } => "StaleSignatureError",
            WebhookError::FromTheFuture { .. } => "FutureSignatureError",
            WebhookError::SignatureMismatch => "SignatureMismatchError",
            WebhookError::EmptySecret => "WebhookVerificationError",
            WebhookError::InvalidBody(_) => "InvalidWebhookBodyError",
        }
    }

    /// The error as the bindings pass it on: `{"reason", "detail"?, "ageSeconds"?,
    /// "aheadSeconds"?, "toleranceSeconds"?}`.
    pub fn to_json(&self) -> Value {
        let mut out = serde_json::Map::new();
        out.insert("reason".into(), Value::from(self.reason()));
        match self {
            WebhookError::MalformedSignature(detail) | WebhookError::InvalidBody(detail) => {
                out.insert("detail".into(), Value::from(detail.as_str()));
            }
            WebhookError::Stale { age_seconds, tolerance_seconds } => {
                out.insert("ageSeconds".into(), Value::from(*age_seconds));
                out.insert("toleranceSeconds".into(), Value::from(*tolerance_seconds));
            }
            WebhookError::FromTheFuture { ahead_seconds, tolerance_seconds } => {
                out.insert("aheadSeconds".into(), Value::from(*ahead_seconds));
                out.insert("toleranceSeconds".into(), Value::from(*tolerance_seconds));
            }
            WebhookError::MissingSignature | WebhookError::SignatureMismatch | WebhookError::EmptySecret => {}
        }
        Value::Object(out)
    }
}

/// The parsed header: the timestamp and every `v1` signature (several during secret rotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// `t`: when the delivery was signed, in Unix seconds.
    pub timestamp: u64,
    /// Every `v1` HMAC-SHA256 value, decoded from hex; at least one.
    pub signatures: Vec<[u8; 32]>,
}

/// Parses `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`; unknown schemes (`v0=`, `v2=`) are ignored.
pub fn parse_signature_header(header: &str) -> Result<SignatureHeader, WebhookError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(WebhookError::MissingSignature);
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| WebhookError::MalformedSignature(format!("`{}` is not key=value", truncate(part, 16))))?;
        match key.trim() {
            "t" => {
                if timestamp.is_some() {
                    return Err(WebhookError::MalformedSignature("more than one `t`".into()));
                }
                let value = value.trim();
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(WebhookError::MalformedSignature("`t` is not a Unix timestamp".into()));
                }
                timestamp = Some(value.parse::<u64>().map_err(|_| WebhookError::MalformedSignature("`t` is out of range".into()))?);
            }
            "v1" => signatures.push(decode_hex32(value.trim()).ok_or_else(|| WebhookError::MalformedSignature("`v1` is not 64 hex digits".into()))?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| WebhookError::MalformedSignature("no `t=` timestamp".into()))?;
    if signatures.is_empty() {
        return Err(WebhookError::MalformedSignature("no `v1=` signature".into()));
    }
    Ok(SignatureHeader { timestamp, signatures })
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn decode_hex32(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let high = (pair[0] as char).to_digit(16)?;
        let low = (pair[1] as char).to_digit(16)?;
        out[i] = (high * 16 + low) as u8;
    }
    Some(out)
}

fn mac(secret: &[u8], timestamp: u64, body: &[u8]) -> Result<Hmac<Sha256>, WebhookError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| WebhookError::EmptySecret)?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// Verifies a delivery: the signature must match (constant-time) and the timestamp must be
/// within `tolerance_seconds` of `now_unix_seconds`.
pub fn verify(header: Option<&str>, body: &[u8], secret: &str, now_unix_seconds: u64, tolerance_seconds: u64) -> Result<(), WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    let header = parse_signature_header(header.ok_or(WebhookError::MissingSignature)?)?;
    // Saturating: `t` comes from the sender and may be u64::MAX.
    if header.timestamp.saturating_add(tolerance_seconds) < now_unix_seconds {
        return Err(WebhookError::Stale { age_seconds: now_unix_seconds - header.timestamp, tolerance_seconds });
    }
    if header.timestamp > now_unix_seconds.saturating_add(tolerance_seconds) {
        return Err(WebhookError::FromTheFuture { ahead_seconds: header.timestamp - now_unix_seconds, tolerance_seconds });
    }
    let expected = mac(secret.as_bytes(), header.timestamp, body)?;
    // `verify_slice` compares in constant time; every candidate is checked.
    let matched = header.signatures.iter().fold(false, |found, candidate| found | expected.clone().verify_slice(candidate).is_ok());
    if matched { Ok(()) } else { Err(WebhookError::SignatureMismatch) }
}

/// Verifies a delivery and parses its events.
pub fn verify_and_parse(header: Option<&str>, body: &[u8], secret: &str, now_unix_seconds: u64, tolerance_seconds: u64) -> Result<Vec<WebhookEvent>, WebhookError> {
    verify(header, body, secret, now_unix_seconds, tolerance_seconds)?;
    parse_events(body)
}

/// Parses a delivery's body (a JSON array of events) without verifying it.
pub fn parse_events(body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
    serde_json::from_slice(body).map_err(|e| WebhookError::InvalidBody(e.to_string()))
}

/// Signs a body the way Tailscale does: the header value for `timestamp` (for tests and fakes).
pub fn sign(body: &[u8], secret: &str, timestamp: u64) -> Result<String, WebhookError> {
    // Same rule as `verify`: an empty key would sign with no secret at all.
    if secret.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    let digest = mac(secret.as_bytes(), timestamp, body)?.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("t={timestamp},v1={hex}"))
}

model! {
    /// One event of a delivery. `type` is one of the spec's webhook subscriptions, or
    /// `Unknown(…)` for a new one; anything else the event carries is kept in `extra`.
    pub struct WebhookEvent {
        /// When the event happened.
        "timestamp" => timestamp: Option<Timestamp>,
        /// The event format's version.
        "version" => version: Option<i64>,
        /// The event type (`nodeCreated`, `policyUpdate`, …); `Unknown` for a type this library does not know.
        "type" => r#type: Option<WebhookEventType>,
        /// The tailnet the event happened in.
        "tailnet" => tailnet: Option<String>,
        /// A human-readable summary (`Node host created`).
        "message" => message: Option<String>,
        /// Details of the event.
        "data" => data: Option<WebhookEventData>,
    }
}

model! {
    /// The event's details; which fields are present depends on the event type.
    pub struct WebhookEventData {
        /// The device's node ID (device events).
        "nodeID" => node_id: Option<String>,
        /// The device's name (device events).
        "deviceName" => device_name: Option<String>,
        /// The user or tags that manage the device.
        "managedBy" => managed_by: Option<String>,
        /// The user the event is about (user events).
        "user" => user: Option<String>,
        /// Who caused the event.
        "actor" => actor: Option<String>,
        /// A link to the affected item in the admin console.
        "url" => url: Option<String>,
        /// When the device's node key expires (key-expiry events).
        "expiration" => expiration: Option<Timestamp>,
        /// The user's roles before a role change.
        "oldRoles" => old_roles: Option<Vec<String>>,
        /// The user's roles after a role change.
        "newRoles" => new_roles: Option<Vec<String>>,
        /// The policy file before a policy update.
        "oldPolicy" => old_policy: Option<String>,
        /// The policy file after a policy update.
        "newPolicy" => new_policy: Option<String>,
        /// The subnet routes concerned (IP-forwarding events).
        "routes" => routes: Option<Vec<String>>,
    }
}

impl WebhookEvent {
    /// The event exactly as received (known and unknown fields).
    pub fn raw(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec-test-secret";
    const BODY: &[u8] = br#"[{"timestamp":"2026-11-22T08:00:00Z","version":1,"type":"nodeCreated","tailnet":"example.com","message":"Node host created","data":{"nodeID":"n1CNTRL","deviceName":"host","managedBy":"alice@example.com","actor":"alice@example.com","url":"https://login.tailscale.com/admin/machines/100.64.0.1"}},{"type":"somethingNew","version":2,"data":{"x":1}}]"#;
    const NOW: u64 = 1_763_798_400;

    fn header(at: u64) -> String {
        sign(BODY, SECRET, at).unwrap()
    }

    #[test]
    fn valid_delivery_parses_typed_and_unknown_events() {
        let events = verify_and_parse(Some(&header(NOW)), BODY, SECRET, NOW + 10, 300).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].r#type, Some(WebhookEventType::NodeCreated));
        assert_eq!(events[0].data.as_ref().and_then(|d| d.node_id.as_deref()), Some("n1CNTRL"));
        assert_eq!(events[1].r#type, Some(WebhookEventType::Unknown("somethingNew".into())));
        assert_eq!(events[1].raw()["data"]["x"], 1);
    }

    #[test]
    fn rejections() {
        let h = header(NOW);
        let mut tampered = BODY.to_vec();
        tampered[3] ^= 1;
        assert_eq!(verify(Some(&h), &tampered, SECRET, NOW, 300), Err(WebhookError::SignatureMismatch));
        assert_eq!(verify(Some(&h), BODY, "other-secret", NOW, 300), Err(WebhookError::SignatureMismatch));
        assert!(matches!(verify(Some(&h), BODY, SECRET, NOW + 301, 300), Err(WebhookError::Stale { age_seconds: 301, .. })));
        assert!(matches!(verify(Some(&h), BODY, SECRET, NOW - 301, 300), Err(WebhookError::FromTheFuture { ahead_seconds: 301, .. })));
        // A sender's `t` at the top of the range is in the future, not an overflow.
        let far = format!("t={},v1={}", u64::MAX, "0".repeat(64));
        assert!(matches!(verify(Some(&far), BODY, SECRET, NOW, u64::MAX), Err(WebhookError::SignatureMismatch)));
        assert!(matches!(verify(Some(&far), BODY, SECRET, NOW, 300), Err(WebhookError::FromTheFuture { .. })));
        assert_eq!(verify(None, BODY, SECRET, NOW, 300), Err(WebhookError::MissingSignature));
        assert_eq!(verify(Some(""), BODY, SECRET, NOW, 300), Err(WebhookError::MissingSignature));
        for garbled in ["t=abc,v1=00", "v1=zz", "t=1", "nonsense", "t=1,t=2,v1=00", &format!("t={NOW},v1={}", "g".repeat(64))] {
            assert!(matches!(verify(Some(garbled), BODY, SECRET, NOW, 300), Err(WebhookError::MalformedSignature(_))), "{garbled}");
        }
        assert_eq!(verify(Some(&h), BODY, "", NOW, 300), Err(WebhookError::EmptySecret));
    }

    #[test]
    fn errors_as_json_carry_reason_and_numbers_but_no_secret() {
        let stale = WebhookError::Stale { age_seconds: 301, tolerance_seconds: 300 };
        assert_eq!(stale.to_json(), serde_json::json!({"reason": "stale", "ageSeconds": 301, "toleranceSeconds": 300}));
        assert_eq!(WebhookError::MissingSignature.to_json(), serde_json::json!({"reason": "missing"}));
        let mismatch = verify(Some(&header(NOW)), BODY, "another-secret", NOW, 300).unwrap_err();
        assert_eq!(mismatch.reason(), "mismatch");
        assert!(!mismatch.to_json().to_string().contains(SECRET) && !mismatch.to_string().contains(SECRET));
    }

    #[test]
    fn any_of_several_v1_signatures_matches_during_rotation() {
        let good = header(NOW);
        let hex = good.split("v1=").nth(1).unwrap();
        let rotated = format!("t={NOW},v1={},v1={hex}", "0".repeat(64));
        assert_eq!(verify(Some(&rotated), BODY, SECRET, NOW, 300), Ok(()));
        let errors = format!("{:?} {}", verify(Some(&rotated), BODY, "x", NOW, 300), SECRET.len());
        assert!(!errors.contains(SECRET));
    }
}
