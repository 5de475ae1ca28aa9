//! Observations of requests and responses for logging and metrics, with every secret masked:
//! `Authorization`, form secrets, and secret JSON values (returned auth keys, webhook and
//! OAuth-app secrets) in bodies.

use std::time::Duration;

use serde::Serialize;

use crate::request::HttpRequest;
use crate::response::HttpResponse;
use crate::secret::redact_secrets;

/// Bodies in observations are cut to this many bytes.
const BODY_EXCERPT_BYTES: usize = 4096;

/// One event in the life of a call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum Observation {
    /// An attempt is about to be sent.
    #[serde(rename_all = "camelCase")]
    Request {
        /// The call's `operationId`.
        operation: String,
        /// HTTP method.
        method: String,
        /// Full URL, secrets masked.
        url: String,
        /// (lower-case name, value) pairs; `Authorization`, `Cookie` and sensitive values show `[redacted]`.
        headers: Vec<(String, String)>,
        /// The first 4096 bytes of the body as text, secrets masked.
        body: String,
        /// The call's attempt number, from 1.
        attempt: u32,
    },
    /// An attempt ended, with a response or a transport failure.
    #[serde(rename_all = "camelCase")]
    Response {
        /// The call's `operationId`.
        operation: String,
        /// HTTP method.
        method: String,
        /// Full URL, secrets masked.
        url: String,
        /// The HTTP status; `None` after a transport failure.
        status: Option<u16>,
        /// Milliseconds from sending to the response or failure.
        duration_ms: u64,
        /// The call's attempt number, from 1.
        attempt: u32,
        /// Size of the response body in bytes (0 after a transport failure).
        body_bytes: usize,
        /// The transport failure's message, secrets masked; `None` when a response arrived.
        error: Option<String>,
    },
}

/// Receives observations; implement it to log or measure.
pub trait Observer: Send + Sync {
    /// Called for every observation, synchronously on the calling task; keep it quick.
    fn observe(&self, observation: &Observation);
}

impl<F: Fn(&Observation) + Send + Sync> Observer for F {
    fn observe(&self, observation: &Observation) {
        self(observation)
    }
}

fn redacted_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if name == http::header::AUTHORIZATION || name == http::header::COOKIE || value.is_sensitive() {
                "[redacted]".to_owned()
            } else {
                redact_secrets(&String::from_utf8_lossy(value.as_bytes()))
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT_BYTES)];
    redact_secrets(&String::from_utf8_lossy(cut))
}

impl Observation {
    /// An [`Observation::Request`] for `request`, secrets masked and the body cut to 4096 bytes.
    pub fn request(operation: &str, request: &HttpRequest, attempt: u32) -> Self {
        Observation::Request {
            operation: operation.to_owned(),
            method: request.method.to_string(),
            url: redact_secrets(&request.url),
            headers: redacted_headers(&request.headers),
            body: excerpt(&request.body),
            attempt,
        }
    }

    /// An [`Observation::Response`] for a response to `request` after `duration`.
    pub fn response(operation: &str, request: &HttpRequest, response: &HttpResponse, attempt: u32, duration: Duration) -> Self {
        Observation::Response {
            operation: operation.to_owned(),
            method: request.method.to_string(),
            url: redact_secrets(&request.url),
            status: Some(response.status),
            duration_ms: duration.as_millis().min(u128::from(u64::MAX)) as u64,
            attempt,
            body_bytes: response.body.len(),
            error: None,
        }
    }

    /// An [`Observation::Response`] with no status: `request` failed after `duration` with `message`.
    pub fn transport_failure(operation: &str, request: &HttpRequest, message: &str, attempt: u32, duration: Duration) -> Self {
        Observation::Response {
            operation: operation.to_owned(),
            method: request.method.to_string(),
            url: redact_secrets(&request.url),
            status: None,
            duration_ms: duration.as_millis().min(u128::from(u64::MAX)) as u64,
            attempt,
            body_bytes: 0,
            error: Some(redact_secrets(message)),
        }
    }
}
