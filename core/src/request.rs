//! Building requests: path segments, query strings, headers and bodies.

use std::collections::BTreeMap;
use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::BuildError;
use crate::model::WireField;
use crate::secret::redact_secrets;

/// An HTTP request ready to send. `Debug` masks the `Authorization` header and secrets in the body.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: http::Method,
    /// Absolute URL, path and query already percent-encoded.
    pub url: String,
    /// Every header to send: `Accept`, `User-Agent`, `Content-Type` (with a body) and, for
    /// authenticated operations, `Authorization` (marked sensitive).
    pub headers: http::HeaderMap,
    /// The encoded body; empty when the operation sends none.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// Header lookup by name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Headers as (lower-case name, value) pairs, in insertion order.
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect()
    }

    /// Converts into an `http::Request` for HTTP stacks built on the `http` crate.
    pub fn into_http(self) -> Result<http::Request<Vec<u8>>, BuildError> {
        let mut builder = http::Request::builder().method(self.method).uri(&self.url);
        if let Some(headers) = builder.headers_mut() {
            *headers = self.headers;
        }
        builder.body(self.body).map_err(|e| BuildError::new("url", e.to_string()))
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if value.is_sensitive() || name == http::header::AUTHORIZATION {
                    "[redacted]".to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), shown)
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &redact_secrets(&String::from_utf8_lossy(&self.body)))
            .finish()
    }
}

/// Everything but RFC 3986 unreserved characters is percent-encoded, so a value can never
/// introduce a `/`, `?`, `#` or `%` of its own.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Encodes one path parameter as exactly one segment.
pub fn encode_path_segment(parameter: &str, value: &str) -> Result<String, BuildError> {
    match value {
        "" => Err(BuildError::new(parameter, "must not be empty")),
        "." | ".." => Err(BuildError::new(parameter, format!("`{value}` is not allowed as a path segment"))),
        _ => Ok(utf8_percent_encode(value, COMPONENT).to_string()),
    }
}

/// A query string under construction; keys may repeat (`tags=a&tags=b`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Appends `key=value` (unencoded; [`Query::encode`] encodes).
    pub fn push(&mut self, key: &str, value: &str) {
        self.pairs.push((key.to_owned(), value.to_owned()));
    }

    /// Whether no pair has been pushed.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs as `k=v&k=v`, each key and value percent-encoded, in push order (no leading `?`).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, (key, value)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.extend(utf8_percent_encode(key, COMPONENT));
            out.push('=');
            out.extend(utf8_percent_encode(value, COMPONENT));
        }
        out
    }
}

/// A parameter that appears in the query string.
pub trait QueryValue {
    /// Appends the value under `name`; `None` appends nothing, a list repeats the key.
    fn append_to(&self, name: &'static str, query: &mut Query) -> Result<(), BuildError>;
}

impl QueryValue for String {
    fn append_to(&self, name: &'static str, query: &mut Query) -> Result<(), BuildError> {
        query.push(name, self);
        Ok(())
    }
}

impl QueryValue for bool {
    fn append_to(&self, name: &'static str, query: &mut Query) -> Result<(), BuildError> {
        query.push(name, if *self { "true" } else { "false" });
        Ok(())
    }
}

impl QueryValue for crate::Timestamp {
    fn append_to(&self, name: &'static str, query: &mut Query) -> Result<(), BuildError> {
        if self.unix_seconds().is_none() {
            return Err(BuildError::new(name, format!("{:?} is not an RFC 3339 timestamp", self.as_str())));
        }
        query.push(name, self.as_str());
        Ok(())
    }
}

impl<T: QueryValue> QueryValue for Option<T> {
    fn append_to(&self, name: &'static str, query: &mut Query) -> Result<(), BuildError> {
        match self {
            Some(value) => value.append_to(name, query),
            None => Ok(()),
        }
    }
}

/// Lists repeat the key: `actor=a&actor=b`.
impl<T: QueryValue> QueryValue for Vec<T> {
    fn append_to(&self, name: &'static str, query: &mut Query) -> Result<(), BuildError> {
        self.iter().try_for_each(|value| value.append_to(name, query))
    }
}

/// Exact-match device filters: `<field>=<value>`, the key repeated for several values.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceFilters(pub BTreeMap<String, FilterValues>);

/// One filter's values: a single string or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FilterValues {
    /// A single value.
    One(String),
    /// Several values, any of which matches; the key is repeated.
    Many(Vec<String>),
}

impl crate::model::Declared for DeviceFilters {
    const TYPE_REF: crate::model::TypeRef = crate::model::TypeRef::Filters;
}

impl DeviceFilters {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value for `field` (repeat to match any of several values).
    pub fn with(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        let field = field.into();
        let value = value.into();
        let entry = self.0.remove(&field);
        let values = match entry {
            None => FilterValues::One(value),
            Some(FilterValues::One(first)) => FilterValues::Many(vec![first, value]),
            Some(FilterValues::Many(mut all)) => {
                all.push(value);
                FilterValues::Many(all)
            }
        };
        self.0.insert(field, values);
        self
    }
}

impl QueryValue for DeviceFilters {
    fn append_to(&self, name: &'static str, query: &mut Query) -> Result<(), BuildError> {
        for (field, values) in &self.0 {
            if field.is_empty() {
                return Err(BuildError::new(name, "a filter field name must not be empty"));
            }
            if matches!(field.as_str(), "fields" | "tailnet") {
                return Err(BuildError::new(name, format!("`{field}` cannot be used as a filter")));
            }
            match values {
                FilterValues::One(value) => query.push(field, value),
                FilterValues::Many(list) => list.iter().for_each(|value| query.push(field, value)),
            }
        }
        Ok(())
    }
}

/// A path parameter. `Option<String>` is used for `tailnet`, which defaults to the config's.
pub trait PathValue {
    /// The raw (unencoded) segment text; `None` or empty fails the build as missing.
    fn path_value<'a>(&'a self, config: &'a Config) -> Option<&'a str>;
}

impl PathValue for String {
    fn path_value<'a>(&'a self, _config: &'a Config) -> Option<&'a str> {
        Some(self)
    }
}

impl PathValue for Option<String> {
    fn path_value<'a>(&'a self, config: &'a Config) -> Option<&'a str> {
        Some(self.as_deref().unwrap_or(config.get_tailnet()))
    }
}

crate::string_enum! {
    /// Which representation of the policy file to ask for.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    pub enum PolicyFormat {
        /// HuJSON text with comments kept (`application/hujson`); the API's default.
        Hujson = "hujson",
        /// Plain JSON, comments dropped (`application/json`).
        Json = "json",
    }
}

/// A parameter sent as a request header.
pub trait HeaderParam {
    /// Sets header `name` when a value is given; fails when it is not a valid header value.
    fn apply(&self, name: &'static str, headers: &mut http::HeaderMap) -> Result<(), BuildError>;
}

impl HeaderParam for Option<String> {
    fn apply(&self, name: &'static str, headers: &mut http::HeaderMap) -> Result<(), BuildError> {
        let Some(value) = self else { return Ok(()) };
        let value = if name.eq_ignore_ascii_case("If-Match") { entity_tags(name, value)? } else { value.clone() };
        let header_value = http::HeaderValue::from_str(&value)
            .map_err(|_| BuildError::new(name, "must not contain control characters (CR, LF, NUL)"))?;
        let header_name = http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes())
            .map_err(|_| BuildError::new(name, "is not a valid header name"))?;
        headers.insert(header_name, header_value);
        Ok(())
    }
}

/// `If-Match` as RFC 9110 §8.8.3 wants it: entity tags are quoted strings. `*`, quoted tags, weak
/// tags (`W/"…"`) and lists of them go unchanged; a bare tag (`e0b2816b418`) is quoted.
fn entity_tags(name: &'static str, value: &str) -> Result<String, BuildError> {
    if value.trim().is_empty() {
        return Err(BuildError::new(name, "must not be empty; give the ETag the policy was read with"));
    }
    if value == "*" || value.starts_with('"') || value.starts_with("W/\"") {
        return Ok(value.to_owned());
    }
    if value.contains('"') {
        return Err(BuildError::new(name, "is neither a quoted entity tag nor a bare one (a stray `\"`)"));
    }
    Ok(format!("\"{value}\""))
}

impl HeaderParam for Option<PolicyFormat> {
    fn apply(&self, name: &'static str, headers: &mut http::HeaderMap) -> Result<(), BuildError> {
        // Without an explicit choice no `Accept` is sent: the API then answers HuJSON (comments
        // kept), and `details=true` requires that no `Accept` be given.
        let mime = match self {
            None => return Ok(()),
            Some(PolicyFormat::Hujson) => "application/hujson",
            Some(PolicyFormat::Json) => "application/json",
            // The spec declares `Accept` as a media type; take those spellings too.
            Some(PolicyFormat::Unknown(other)) if other.eq_ignore_ascii_case("application/hujson") => "application/hujson",
            Some(PolicyFormat::Unknown(other)) if other.eq_ignore_ascii_case("application/json") => "application/json",
            Some(PolicyFormat::Unknown(other)) => {
                return Err(BuildError::new(name, format!("unknown policy format {other:?}; use \"hujson\" or \"json\"")))
            }
        };
        headers.insert(http::header::ACCEPT, http::HeaderValue::from_static(mime));
        Ok(())
    }
}

/// How an operation's body is represented in its parameters and on the wire.
pub trait RequestBody {
    /// The body as the caller gives it.
    type Value: Serialize + DeserializeOwned + Default + Clone + fmt::Debug + PartialEq;
    /// The default `Content-Type` of the encoded body.
    const CONTENT_TYPE: &'static str;
    /// Known top-level field names, so keyword parameters can be gathered into the body.
    /// Empty when the body is not an object with fixed fields (arrays, free-form maps).
    const FIELDS: &'static [crate::model::FieldInfo];
    /// The body is a map: every keyword parameter that is not a path/query/header parameter is an entry.
    const FREE_FORM_KEYS: bool = false;
    /// The content type and bytes to send.
    fn encode(value: &Self::Value) -> Result<(&'static str, Vec<u8>), BuildError>;
}

/// A JSON body or response of type `T`.
pub struct Json<T>(std::marker::PhantomData<T>);

impl<T: crate::model::Declared> crate::model::Declared for Json<T> {
    const TYPE_REF: crate::model::TypeRef = T::TYPE_REF;
}

impl<T: WireField + DeserializeOwned + Default + Clone + fmt::Debug + PartialEq> RequestBody for Json<T> {
    type Value = T;
    const CONTENT_TYPE: &'static str = "application/json";
    const FIELDS: &'static [crate::model::FieldInfo] = T::FIELDS;
    const FREE_FORM_KEYS: bool = T::FREE_FORM_KEYS;
    fn encode(value: &T) -> Result<(&'static str, Vec<u8>), BuildError> {
        let bytes = serde_json::to_vec(value).map_err(|e| BuildError::new("body", e.to_string()))?;
        Ok((Self::CONTENT_TYPE, bytes))
    }
}

/// The policy file as text (HuJSON or JSON), sent verbatim.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PolicySource {
    /// The policy text, sent as is.
    pub policy: String,
}

impl PolicySource {
    /// The one field.
    pub const FIELDS: &'static [crate::model::FieldInfo] = &[crate::model::FieldInfo { wire: "policy", name: "policy", ty: &crate::model::TypeRef::Str }];

    /// A policy body from its text.
    pub fn new(policy: impl Into<String>) -> Self {
        PolicySource { policy: policy.into() }
    }
}

/// Body of the operations that take a policy file: HuJSON text.
pub struct PolicyBody;

impl crate::model::Declared for PolicyBody {
    const TYPE_REF: crate::model::TypeRef = crate::model::TypeRef::Named("PolicySource");
}

impl RequestBody for PolicyBody {
    type Value = PolicySource;
    const CONTENT_TYPE: &'static str = "application/hujson";
    const FIELDS: &'static [crate::model::FieldInfo] = PolicySource::FIELDS;
    fn encode(value: &PolicySource) -> Result<(&'static str, Vec<u8>), BuildError> {
        if value.policy.trim().is_empty() {
            return Err(BuildError::new("policy", "must not be empty"));
        }
        Ok((Self::CONTENT_TYPE, value.policy.as_bytes().to_vec()))
    }
}

/// What `acl/validate` checks: a whole policy file, or only tests against the current policy.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PolicyValidationInput {
    /// A policy file (HuJSON) to validate and run its own tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub policy: Option<String>,
    /// Tests to run against the tailnet's current policy (`[{"src": …, "accept": […]}]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tests: Option<Vec<serde_json::Value>>,
}

impl PolicyValidationInput {
    /// The fields; exactly one is given.
    pub const FIELDS: &'static [crate::model::FieldInfo] = &[
        crate::model::FieldInfo { wire: "policy", name: "policy", ty: &<Option<String> as crate::model::Declared>::TYPE_REF },
        crate::model::FieldInfo { wire: "tests", name: "tests", ty: &<Option<Vec<serde_json::Value>> as crate::model::Declared>::TYPE_REF },
    ];
}

/// Body of `acl/validate`: the policy as HuJSON, or the tests as a JSON array.
pub struct ValidationBody;

impl crate::model::Declared for ValidationBody {
    const TYPE_REF: crate::model::TypeRef = crate::model::TypeRef::Named("PolicyValidationInput");
}

impl RequestBody for ValidationBody {
    type Value = PolicyValidationInput;
    const CONTENT_TYPE: &'static str = "application/hujson";
    const FIELDS: &'static [crate::model::FieldInfo] = PolicyValidationInput::FIELDS;
    fn encode(value: &PolicyValidationInput) -> Result<(&'static str, Vec<u8>), BuildError> {
        match (&value.policy, &value.tests) {
            (Some(policy), None) if !policy.trim().is_empty() => Ok((Self::CONTENT_TYPE, policy.as_bytes().to_vec())),
            (None, Some(tests)) => serde_json::to_vec(tests)
                .map(|bytes| ("application/json", bytes))
                .map_err(|e| BuildError::new("tests", e.to_string())),
            (Some(_), None) => Err(BuildError::new("policy", "must not be empty")),
            _ => Err(BuildError::new("policy", "give exactly one of `policy` and `tests`")),
        }
    }
}

/// A form body (`application/x-www-form-urlencoded`) built from a flat object.
pub struct Form<T>(std::marker::PhantomData<T>);

impl<T: crate::model::Declared> crate::model::Declared for Form<T> {
    const TYPE_REF: crate::model::TypeRef = T::TYPE_REF;
}

/// A model sent as a form: the fields the protocol fixes, which the caller never gives.
pub trait FormFields {
    /// Sent first, unless the caller set the same field (in `extra`).
    const FIXED: &'static [(&'static str, &'static str)];
}

impl FormFields for crate::models::OAuthTokenRequest {
    // RFC 6749 §4.4.2: the client-credentials grant names itself.
    const FIXED: &'static [(&'static str, &'static str)] = &[("grant_type", "client_credentials")];
}

impl FormFields for crate::models::TokenExchangeRequest {
    const FIXED: &'static [(&'static str, &'static str)] = &[];
}

impl<T: WireField + FormFields + DeserializeOwned + Default + Clone + fmt::Debug + PartialEq> RequestBody for Form<T> {
    type Value = T;
    const CONTENT_TYPE: &'static str = "application/x-www-form-urlencoded";
    const FIELDS: &'static [crate::model::FieldInfo] = T::FIELDS;
    fn encode(value: &T) -> Result<(&'static str, Vec<u8>), BuildError> {
        let json = serde_json::to_value(value).map_err(|e| BuildError::new("body", e.to_string()))?;
        let serde_json::Value::Object(fields) = json else {
            return Err(BuildError::new("body", "a form body must be an object"));
        };
        let mut query = Query::default();
        for (key, value) in T::FIXED {
            if !fields.contains_key(*key) {
                query.push(key, value);
            }
        }
        for (key, value) in &fields {
            match value {
                serde_json::Value::Null => {}
                serde_json::Value::String(s) => query.push(key, s),
                serde_json::Value::Bool(_) | serde_json::Value::Number(_) => query.push(key, &value.to_string()),
                _ => return Err(BuildError::new(key.clone(), "a form field must be a string, number or boolean")),
            }
        }
        Ok((Self::CONTENT_TYPE, query.encode().into_bytes()))
    }
}

/// Assembles one request; used by the `operation!` declarations.
pub struct RequestParts<'a> {
    config: &'a Config,
    template: &'static str,
    segments: Vec<(&'static str, String)>,
    /// The query string gathered so far.
    pub query: Query,
    /// Headers set by header parameters so far.
    pub headers: http::HeaderMap,
    /// The content type and encoded bytes, when the operation sends a body.
    pub body: Option<(&'static str, Vec<u8>)>,
}

impl<'a> RequestParts<'a> {
    /// Starts a request for the path `template` (under `/api/v2`, with `{name}` placeholders).
    pub fn new(config: &'a Config, template: &'static str) -> Self {
        RequestParts { config, template, segments: Vec::new(), query: Query::default(), headers: http::HeaderMap::new(), body: None }
    }

    /// Sets placeholder `{name}`: encoded as exactly one segment; empty, `.` and `..` are refused.
    pub fn path_param(&mut self, name: &'static str, value: &impl PathValue) -> Result<(), BuildError> {
        let raw = value.path_value(self.config).unwrap_or_default();
        let encoded = encode_path_segment(name, raw)?;
        self.segments.push((name, encoded));
        Ok(())
    }

    /// `negotiates_accept`: the operation has an `Accept` parameter, so no default is added.
    pub fn finish(self, method: http::Method, authenticated: bool, negotiates_accept: bool) -> Result<HttpRequest, BuildError> {
        let mut path = String::with_capacity(self.template.len() + 32);
        let mut rest = self.template;
        while let Some(open) = rest.find('{') {
            path.push_str(&rest[..open]);
            let close = rest[open..].find('}').map(|i| open + i).ok_or_else(|| BuildError::new("path", "unterminated template"))?;
            let name = &rest[open + 1..close];
            let value = self
                .segments
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
                .ok_or_else(|| BuildError::new(name.to_owned(), "missing path parameter"))?;
            path.push_str(value);
            rest = &rest[close + 1..];
        }
        path.push_str(rest);

        let mut url = format!("{}/api/v2{}", self.config.get_base_url(), path);
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.query.encode());
        }

        let mut headers = self.headers;
        if !negotiates_accept && !headers.contains_key(http::header::ACCEPT) {
            headers.insert(http::header::ACCEPT, http::HeaderValue::from_static("application/json"));
        }
        let user_agent = http::HeaderValue::from_str(self.config.get_user_agent())
            .map_err(|_| BuildError::new("userAgent", "must be visible ASCII"))?;
        headers.insert(http::header::USER_AGENT, user_agent);
        if authenticated {
            if let Some(credentials) = self.config.get_credentials() {
                let mut value = http::HeaderValue::from_str(&credentials.authorization())
                    .map_err(|_| BuildError::new("credentials", "must be visible ASCII without control characters"))?;
                value.set_sensitive(true);
                headers.insert(http::header::AUTHORIZATION, value);
            }
        }
        let body = match self.body {
            Some((content_type, bytes)) => {
                headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
                bytes
            }
            None => Vec::new(),
        };
        Ok(HttpRequest { method, url, headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_cannot_escape() {
        for (input, expected) in [
            ("n123CNTRL", "n123CNTRL"),
            ("a/b", "a%2Fb"),
            ("a?b#c", "a%3Fb%23c"),
            ("100%", "100%25"),
            ("../x", "..%2Fx"),
            ("a\r\nb\0", "a%0D%0Ab%00"),
            ("svc:web", "svc%3Aweb"),
            ("alice@example.com", "alice%40example.com"),
            ("héllo", "h%C3%A9llo"),
            ("-", "-"),
        ] {
            assert_eq!(encode_path_segment("deviceId", input).as_deref(), Ok(expected));
        }
        for bad in ["", ".", ".."] {
            assert_eq!(encode_path_segment("deviceId", bad).map_err(|e| e.parameter), Err("deviceId".to_owned()));
        }
    }

    #[test]
    fn query_repeats_keys_and_encodes() {
        let mut q = Query::default();
        vec!["tag:a".to_owned(), "tag:b c".to_owned()].append_to("tags", &mut q).ok();
        assert_eq!(q.encode(), "tags=tag%3Aa&tags=tag%3Ab%20c");
    }
}
