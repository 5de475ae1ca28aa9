//! Parsing responses: success bodies into typed results, everything else into typed errors.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{AclTestResult, ApiError, ApiErrorData, DecodeError, Error, RetryAfter};
use crate::model::{Declared, FieldInfo, TypeRef, WireField};
use crate::operation::OperationInfo;
use crate::request::Json;
use crate::secret::redact_secrets;
use crate::view::{JsonView, ObjectView, View};

/// An HTTP response as received. Header names are matched case-insensitively.
#[derive(Clone, PartialEq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The body bytes, as received.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with `status`, no headers and `body`.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status, headers: http::HeaderMap::new(), body: body.into() }
    }

    /// Adds a header; invalid names or values are ignored (a server sent something unusable).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(name.as_bytes()), http::HeaderValue::from_str(value)) {
            self.headers.append(name, value);
        }
        self
    }

    /// The first value of header `name`; `None` when absent or not visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn content_type_is_json(&self) -> bool {
        self.header("content-type").is_some_and(|ct| {
            let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        })
    }
}

impl<B: AsRef<[u8]>> From<http::Response<B>> for HttpResponse {
    fn from(response: http::Response<B>) -> Self {
        let status = response.status().as_u16();
        let (parts, body) = response.into_parts();
        HttpResponse { status, headers: parts.headers, body: body.as_ref().to_vec() }
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &redact_secrets(&String::from_utf8_lossy(&self.body)))
            .finish()
    }
}

/// How an operation's success body becomes its result.
pub trait ResponseBody {
    /// The typed result of a success response.
    type Output: Serialize + JsonView + Send + Sync + Clone + fmt::Debug + PartialEq + 'static;
    /// Decodes a success response into [`ResponseBody::Output`].
    fn parse(response: &HttpResponse) -> Result<Self::Output, Error>;
}

/// A documented empty success body (200/202/204). Whatever the server sends is ignored.
pub struct Empty;

impl crate::model::Declared for Empty {
    const TYPE_REF: crate::model::TypeRef = crate::model::TypeRef::Nothing;
}

impl ResponseBody for Empty {
    type Output = ();
    fn parse(_response: &HttpResponse) -> Result<(), Error> {
        Ok(())
    }
}

impl<T: WireField + DeserializeOwned + Send + Sync + Clone + fmt::Debug + PartialEq + 'static> ResponseBody for Json<T> {
    type Output = T;
    fn parse(response: &HttpResponse) -> Result<T, Error> {
        decode_json(response.status, &response.body)
    }
}

/// Decodes JSON; on failure, the error names the JSON path where decoding stopped.
pub fn decode_json<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice::<T>(body).map_err(|error| decode_error(status, body, &error))
}

/// Out of line: one copy, not one per decoded type.
#[inline(never)]
fn decode_error(status: u16, body: &[u8], error: &serde_json::Error) -> Error {
    if body.iter().all(u8::is_ascii_whitespace) {
        return DecodeError::new(status, ".", "the body is empty; a JSON document was expected", body, None).into();
    }
    let path = crate::json_path::path_of(body, error);
    let offset = byte_offset(body, error.line(), error.column());
    DecodeError::new(status, path, error.to_string(), body, Some(offset)).into()
}

/// The index of the last byte serde_json consumed at `line`:`column` (the centre of a snippet).
fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    (crate::json_path::line_start(body, line) + column.saturating_sub(1)).min(body.len())
}

/// Operations whose error `data` is a list of policy test results (`POST /acl` answers 400 with
/// them); elsewhere `data` is kept as the JSON it came as.
const POLICY_TEST_OPERATIONS: &[&str] = &["setPolicyFile", "validateAndTestPolicyFile"];

/// Turns a non-success response of `operation` into an [`ApiError`].
pub fn api_error(response: &HttpResponse, operation: &OperationInfo) -> ApiError {
    let retry_after = response.header("retry-after").and_then(RetryAfter::parse);
    let text = String::from_utf8_lossy(&response.body);
    let parsed: Option<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(&response.body).ok();
    let mut code = None;
    let (message, data, body) = match parsed {
        Some(mut object) if object.contains_key("message") || object.contains_key("data") => {
            let message = match object.remove("message") {
                Some(serde_json::Value::String(m)) => m,
                Some(other) => other.to_string(),
                None => default_message(response.status),
            };
            let data = match object.remove("data") {
                None | Some(serde_json::Value::Null) => None,
                Some(value) => Some(ApiErrorData::from_json(value, POLICY_TEST_OPERATIONS.contains(&operation.id))),
            };
            (message, data, None)
        }
        // RFC 6749 §5.2, from the token endpoints: `{"error": "invalid_client", "error_description": "…"}`.
        Some(object) if matches!(object.get("error"), Some(serde_json::Value::String(_))) => {
            let error = object.get("error").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
            let message = match object.get("error_description").and_then(serde_json::Value::as_str) {
                Some(description) if !description.is_empty() => description.to_owned(),
                _ => error.clone(),
            };
            code = Some(error);
            (message, None, None)
        }
        _ => {
            let trimmed = text.trim();
            let body = if trimmed.is_empty() { None } else { Some(redact_secrets(&cap(trimmed, 64 * 1024))) };
            let message = match (&body, response.content_type_is_json()) {
                (Some(b), false) if !looks_like_html(b) && b.len() <= 200 => b.clone(),
                _ => default_message(response.status),
            };
            (message, None, body)
        }
    };
    let required_scope = if response.status == 403 && says_permission_missing(&message) {
        operation.scopes.first().map(|scope| (*scope).to_owned())
    } else {
        None
    };
    ApiError { status: response.status, message: redact_secrets(&message), code, data, retry_after, body, required_scope }
}

/// Whether a 403 says the credential lacks a scope or permission — and not that it was refused
/// something else it may do in general (a tag it does not own, a user it may not manage), where
/// naming a scope would send the caller after one it already has.
fn says_permission_missing(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("scope") || message.contains("permission")
}

/// HTML or XML from a proxy: not a useful one-line message.
fn looks_like_html(text: &str) -> bool {
    text.trim_start().starts_with('<')
}

fn cap(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn default_message(status: u16) -> String {
    let reason = http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("unexpected status");
    format!("{status} {reason}")
}

/// The policy file and the `ETag` to send back as `If-Match`.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PolicyFile {
    /// The policy as returned: HuJSON text (comments kept) or JSON text, per the `Accept` asked for.
    pub policy: String,
    /// The quoted `ETag` header, for a safe read-modify-write with `If-Match`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub etag: Option<String>,
    /// `details=true` only: syntactically valid but nonsensical entries.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub warnings: Vec<String>,
    /// `details=true` only: parsing failures.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub errors: Vec<String>,
}

impl PolicyFile {
    /// The fields as they appear in the wire JSON (empty lists are left out).
    pub const FIELDS: &'static [FieldInfo] = &[
        FieldInfo { wire: "policy", name: "policy", ty: &TypeRef::Str },
        FieldInfo { wire: "etag", name: "etag", ty: &<Option<String> as Declared>::TYPE_REF },
        FieldInfo { wire: "warnings", name: "warnings", ty: &<Option<Vec<String>> as Declared>::TYPE_REF },
        FieldInfo { wire: "errors", name: "errors", ty: &<Option<Vec<String>> as Declared>::TYPE_REF },
    ];

    /// The policy parsed as JSON, when it was returned as JSON (`format: json`).
    pub fn as_json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.policy).ok()
    }
}

impl JsonView for PolicyFile {
    fn view(&self) -> View<'_> {
        View::Object(self)
    }
}

// The members `Serialize` writes: `etag` when known, `warnings`/`errors` when not empty.
impl ObjectView for PolicyFile {
    fn get(&self, key: &str) -> Option<&dyn JsonView> {
        self.entries().into_iter().find(|(name, _)| *name == key).map(|(_, value)| value)
    }
    fn entries(&self) -> Vec<(&str, &dyn JsonView)> {
        let mut entries: Vec<(&str, &dyn JsonView)> = vec![("policy", &self.policy)];
        if self.etag.is_some() {
            entries.push(("etag", &self.etag));
        }
        if !self.warnings.is_empty() {
            entries.push(("warnings", &self.warnings));
        }
        if !self.errors.is_empty() {
            entries.push(("errors", &self.errors));
        }
        entries
    }
}

/// The policy-file response of `getPolicyFile` and `setPolicyFile`.
pub struct PolicyResponse;

impl crate::model::Declared for PolicyResponse {
    const TYPE_REF: crate::model::TypeRef = crate::model::TypeRef::Named("PolicyFile");
}

impl ResponseBody for PolicyResponse {
    type Output = PolicyFile;
    fn parse(response: &HttpResponse) -> Result<PolicyFile, Error> {
        let etag = response.header("etag").map(str::to_owned);
        let text = std::str::from_utf8(&response.body)
            .map_err(|e| DecodeError::new(response.status, ".", format!("the policy is not UTF-8: {e}"), &response.body, Some(e.valid_up_to())))?;
        // Parsed by content, not by label: some servers (Headscale) send HuJSON text as
        // `application/json`, and the policy itself is kept verbatim either way.
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(object)) if object.contains_key("acl") => policy_details(response, object, etag),
            Ok(_) => Ok(PolicyFile { policy: text.to_owned(), etag, warnings: Vec::new(), errors: Vec::new() }),
            Err(json_error) => match crate::policy::PolicyDocument::parse(text) {
                Ok(_) => Ok(PolicyFile { policy: text.to_owned(), etag, warnings: Vec::new(), errors: Vec::new() }),
                // Neither JSON nor HuJSON: report the JSON error, with its position.
                Err(_) => Err(DecodeError::new(
                    response.status,
                    ".",
                    format!("the policy is neither JSON nor HuJSON: {json_error}"),
                    &response.body,
                    Some(byte_offset(&response.body, json_error.line(), json_error.column())),
                )
                .into()),
            },
        }
    }
}

/// `details=true`: the HuJSON wrapped in base64 under `acl` (a policy file itself never has `acl`).
fn policy_details(response: &HttpResponse, mut object: serde_json::Map<String, serde_json::Value>, etag: Option<String>) -> Result<PolicyFile, Error> {
    use base64::Engine as _;
    let not_text = |field: &str| DecodeError::new(response.status, field, "expected a list of strings", &response.body, None);
    let strings = |field: &str, value: Option<serde_json::Value>| -> Result<Vec<String>, DecodeError> {
        match value {
            None | Some(serde_json::Value::Null) => Ok(Vec::new()),
            Some(value) => serde_json::from_slice(value.to_string().as_bytes()).map_err(|_| not_text(field)),
        }
    };
    let Some(serde_json::Value::String(acl)) = object.remove("acl") else {
        return Err(DecodeError::new(response.status, "acl", "expected base64 text", &response.body, None).into());
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(acl.trim())
        .map_err(|e| DecodeError::new(response.status, "acl", format!("not base64: {e}"), &response.body, None))?;
    let policy = String::from_utf8(decoded).map_err(|e| DecodeError::new(response.status, "acl", format!("not UTF-8: {e}"), &response.body, None))?;
    let warnings = strings("warnings", object.remove("warnings"))?;
    let errors = strings("errors", object.remove("errors"))?;
    Ok(PolicyFile { policy, etag, warnings, errors })
}

/// The outcome of `acl/validate`: it answers 200 even when tests fail.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PolicyValidation {
    /// True when the policy is valid and every test passed (warnings allowed).
    pub valid: bool,
    /// The server's message, when not empty: a policy error, or a summary such as `test(s) failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub message: Option<String>,
    /// Per-user test results with `errors` and/or `warnings`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub results: Vec<AclTestResult>,
}

impl PolicyValidation {
    /// The fields as they appear in the wire JSON (an empty list is left out).
    pub const FIELDS: &'static [FieldInfo] = &[
        FieldInfo { wire: "valid", name: "valid", ty: &TypeRef::Bool },
        FieldInfo { wire: "message", name: "message", ty: &<Option<String> as Declared>::TYPE_REF },
        FieldInfo { wire: "results", name: "results", ty: &<Option<Vec<AclTestResult>> as Declared>::TYPE_REF },
    ];
}

impl JsonView for PolicyValidation {
    fn view(&self) -> View<'_> {
        View::Object(self)
    }
}

// The members `Serialize` writes: `message` when set, `results` when not empty.
impl ObjectView for PolicyValidation {
    fn get(&self, key: &str) -> Option<&dyn JsonView> {
        self.entries().into_iter().find(|(name, _)| *name == key).map(|(_, value)| value)
    }
    fn entries(&self) -> Vec<(&str, &dyn JsonView)> {
        let mut entries: Vec<(&str, &dyn JsonView)> = vec![("valid", &self.valid)];
        if self.message.is_some() {
            entries.push(("message", &self.message));
        }
        if !self.results.is_empty() {
            entries.push(("results", &self.results));
        }
        entries
    }
}

/// The `acl/validate` response: parsed into [`PolicyValidation`], an empty body meaning valid.
pub struct ValidationResponse;

impl crate::model::Declared for ValidationResponse {
    const TYPE_REF: crate::model::TypeRef = crate::model::TypeRef::Named("PolicyValidation");
}

impl ResponseBody for ValidationResponse {
    type Output = PolicyValidation;
    fn parse(response: &HttpResponse) -> Result<PolicyValidation, Error> {
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(PolicyValidation { valid: true, message: None, results: Vec::new() });
        }
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            data: Option<Vec<AclTestResult>>,
        }
        let raw: Raw = decode_json(response.status, &response.body)?;
        let results = raw.data.unwrap_or_default();
        let has_errors = results.iter().any(|r| r.errors.as_ref().is_some_and(|e| !e.is_empty()));
        let message = raw.message.filter(|m| !m.is_empty());
        // A bare message without per-user results is a policy error (it did not parse or validate).
        let valid = !has_errors && (message.is_none() || !results.is_empty());
        Ok(PolicyValidation { valid, message, results })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;

    #[test]
    fn html_error_keeps_status_and_body() {
        let response = HttpResponse::new(502, "<html><body>Bad Gateway</body></html>").with_header("content-type", "text/html");
        let err = api_error(&response, &crate::operations::GetDevice::INFO);
        assert_eq!(err.status, 502);
        assert_eq!(err.message, "502 Bad Gateway");
        assert_eq!(err.body.as_deref(), Some("<html><body>Bad Gateway</body></html>"));
    }

    #[test]
    fn acl_test_failures_are_typed() {
        let response = HttpResponse::new(400, r#"{"message":"test(s) failed","data":[{"user":"a@b.c","errors":["x"]}]}"#);
        let err = api_error(&response, &crate::operations::SetPolicyFile::INFO);
        assert!(matches!(err.data, Some(ApiErrorData::AclTests(ref t)) if t[0].user.as_deref() == Some("a@b.c") && t[0].errors.as_deref() == Some(&["x".to_owned()][..])));
        // The same shape from any other operation is not a policy test result.
        let err = api_error(&response, &crate::operations::GetUser::INFO);
        assert!(matches!(err.data, Some(ApiErrorData::Other(_))), "{:?}", err.data);
    }

    #[test]
    fn validation_outcomes() {
        let ok = ValidationResponse::parse(&HttpResponse::new(200, "")).ok();
        assert_eq!(ok.map(|v| v.valid), Some(true));
        let ok = ValidationResponse::parse(&HttpResponse::new(200, "{}")).ok();
        assert_eq!(ok.map(|v| v.valid), Some(true));
        let failed = ValidationResponse::parse(&HttpResponse::new(200, r#"{"message":"test(s) failed","data":[{"user":"u","errors":["e"]}]}"#)).ok();
        assert_eq!(failed.map(|v| v.valid), Some(false));
        let warned = ValidationResponse::parse(&HttpResponse::new(200, r#"{"message":"warnings","data":[{"user":"u","warnings":["w"]}]}"#)).ok();
        assert_eq!(warned.map(|v| v.valid), Some(true));
    }
}
