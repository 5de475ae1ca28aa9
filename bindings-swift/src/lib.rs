//! Swift and Kotlin bindings of the tailnet core, through uniffi proc-macros (no UDL).
//!
//! - [`TailnetClient`]: one async method per operation (`listTailnetDevices` in Swift/Kotlin),
//!   documented with the spec's text, stamped from `tailnet::for_each_operation_documented!`. The
//!   parameters and results are the core's own types (`tailnet::operations::*Params`,
//!   `tailnet::models::*`), which derive uniffi records and enums with the core's `uniffi`
//!   feature (namespace `tailnet_core`: Kotlin package `tailnet.core`, and in Swift the same
//!   module `Tailnet`); a call goes params → `Operation::build` → transport → `Operation::parse`,
//!   with no JSON in between.
//! - [`HttpTransport`]: the foreign async trait Swift (`URLSession`) and Kotlin
//!   (`java.net.http.HttpClient`) implement: `send` and `sleep`. It is the only IO; credentials,
//!   retries, backoff and rate limits are decided by the core's `Call`/`Session` state machines.
//!   Anything a foreign transport throws becomes [`TailnetError::Transport`], never a crash.
//! - [`build_request`] / [`parse_response`]: the sans-IO pair, by `operationId`, JSON in and out.
//! - [`policy`]: the lossless HuJSON `PolicyDocument` and `TailnetClient::update_policy_file`
//!   (the read-modify-write loop, driving a foreign [`PolicyEditor`]).
//! - [`webhooks`]: `webhook_verify`, `webhook_parse_events`, `webhook_sign`.

// `TailnetError` crosses the FFI by value (uniffi cannot box an error variant); its size only
// matters on the cold error path.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tailnet::resilience::{Call, Session, Step, TransportFailure};
use tailnet::view::Serialized;
use tailnet::{Operation, OperationInfo};

uniffi::setup_scaffolding!("tailnet");
// Results that are maps (`BTreeMap<String, …>` in the core) cross as foreign maps.
tailnet::uniffi_string_maps!();

pub use tailnet::models::*;
pub use tailnet::operations::*;
pub use tailnet::{AclTestResult, DeviceFilters, PolicyFile, PolicyFormat, PolicySource, PolicyValidation, PolicyValidationInput};
pub mod policy;
pub use policy::*;
pub mod webhooks;
pub use webhooks::*;
pub mod jvm_calls;
pub mod jvm_port;

// ---- HTTP values and the foreign transport ----------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// Lower-case on requests built by the core.
    pub name: String,
    pub value: String,
}

/// A request for the transport to send as is (the URL is already percent-encoded).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<HttpHeader>,
    pub body: Vec<u8>,
    /// Refuse (throw) a response body larger than this many bytes.
    pub max_response_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponse {
    pub status: u16,
    #[uniffi(default)]
    pub headers: Vec<HttpHeader>,
    #[uniffi(default)]
    pub body: Vec<u8>,
}

/// What a transport throws when no HTTP response arrived.
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
pub enum TransportError {
    #[error("{reason}")]
    Failed {
        reason: String,
        /// False only when the request certainly never left (connection refused, DNS failure).
        maybe_sent: bool,
        timed_out: bool,
    },
}

/// Any other exception a foreign transport throws: a transport failure that may have been sent.
impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportError::Failed { reason: format!("transport raised: {}", error.reason), maybe_sent: true, timed_out: false }
    }
}

/// The IO of a [`TailnetClient`], implemented in Swift or Kotlin.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends one request and returns the whole response (any status).
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Suspends for `millis` milliseconds (retry backoff, `Retry-After`, rate limits).
    async fn sleep(&self, millis: u64);
}

// ---- Errors -----------------------------------------------------------------------------------

/// Every error of the library. (No field is called `message`: it would clash with Kotlin's
/// `Throwable.message`; the API's message is `detail`.)
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
pub enum TailnetError {
    /// The request could not be built from the parameters.
    #[error("invalid parameter `{parameter}`: {reason}")]
    Build { parameter: String, reason: String },
    /// The API answered with an error status.
    #[error("{display}")]
    Api {
        status: u16,
        /// The `message` of the JSON error body (an OAuth error's `error_description`), or a short
        /// description.
        detail: String,
        /// The machine-readable error code when the server sent one (an OAuth error's `error`).
        code: Option<String>,
        /// `aclTests` or `other` when the body had `data`.
        data_kind: Option<String>,
        /// The `data` member as JSON text.
        data_json: Option<String>,
        /// Typed policy-test failures (`data_kind == "aclTests"`).
        test_results: Vec<tailnet::AclTestResult>,
        retry_after_seconds: Option<u64>,
        /// `Retry-After` given as an HTTP date, in Unix seconds.
        retry_after_at_unix_seconds: Option<u64>,
        /// The raw body when it is not a JSON error object (HTML, text), secrets masked.
        body: Option<String>,
        /// On a 403 that says a scope or permission is missing: the OAuth scope the operation needs.
        required_scope: Option<String>,
        /// The whole error as one line.
        display: String,
    },
    /// A success response whose body does not decode.
    #[error("cannot decode the {status} response at `{path}`: {reason} (near: {snippet})")]
    Decode { status: u16, path: String, reason: String, snippet: String },
    /// No HTTP response (connection, timeout, the transport threw).
    #[error("transport error: {reason}")]
    Transport { reason: String, timed_out: bool },
    /// A policy document could not be parsed or edited (`path` is null for the whole text).
    #[error("cannot edit {}: {reason}", .path.as_deref().map(policy::show_path).unwrap_or_else(|| "the policy".to_owned()))]
    PolicyEdit { kind: PolicyEditKind, path: Option<Vec<String>>, reason: String },
    /// A webhook delivery was rejected. Never carries the secret or a MAC.
    #[error("{reason}")]
    Webhook {
        rejection: WebhookRejection,
        reason: String,
        age_seconds: Option<u64>,
        ahead_seconds: Option<u64>,
        tolerance_seconds: Option<u64>,
    },
    /// A foreign callback (a `PolicyEditor`) threw something other than a `TailnetError`.
    #[error("{reason}")]
    Callback { reason: String },
}

/// What a foreign callback threw when it is not a `TailnetError` (an `IllegalStateException`, a
/// Swift error of its own): an error of the call, never a crash.
impl From<uniffi::UnexpectedUniFFICallbackError> for TailnetError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TailnetError::Callback { reason: tailnet::secret::redact_secrets(&format!("the callback threw: {}", error.reason)) }
    }
}

impl From<tailnet::Error> for TailnetError {
    fn from(error: tailnet::Error) -> Self {
        match error {
            tailnet::Error::Build(e) => TailnetError::Build { parameter: e.parameter, reason: e.reason },
            tailnet::Error::Api(e) => {
                let display = e.to_string();
                let (data_kind, data_json, test_results) = match &e.data {
                    None => (None, None, Vec::new()),
                    Some(tailnet::ApiErrorData::AclTests(tests)) => (
                        Some("aclTests".to_owned()),
                        serde_json::to_string(tests).ok(),
                        tests.clone(),
                    ),
                    Some(tailnet::ApiErrorData::Other(value)) => (Some("other".to_owned()), Some(value.to_string()), Vec::new()),
                };
                let (retry_after_seconds, retry_after_at_unix_seconds) = match e.retry_after {
                    Some(tailnet::RetryAfter::Seconds(s)) => (Some(s), None),
                    Some(tailnet::RetryAfter::AtUnixSeconds(at)) => (None, Some(at)),
                    None => (None, None),
                };
                TailnetError::Api {
                    status: e.status,
                    detail: e.message,
                    code: e.code,
                    data_kind,
                    data_json,
                    test_results,
                    retry_after_seconds,
                    retry_after_at_unix_seconds,
                    body: e.body,
                    required_scope: e.required_scope,
                    display,
                }
            }
            tailnet::Error::Decode(e) => TailnetError::Decode { status: e.status, path: e.path, reason: e.reason, snippet: e.snippet },
            tailnet::Error::Transport { message, timed_out } => TailnetError::Transport { reason: message, timed_out },
            tailnet::Error::PolicyEdit(e) => {
                let kind = match e.variant {
                    tailnet::PolicyEditVariant::Parse => PolicyEditKind::Parse,
                    tailnet::PolicyEditVariant::NotAnObject => PolicyEditKind::NotAnObject,
                    tailnet::PolicyEditVariant::Path => PolicyEditKind::Path,
                    tailnet::PolicyEditVariant::Value => PolicyEditKind::Value,
                };
                TailnetError::PolicyEdit { kind, path: e.path, reason: e.reason }
            }
            tailnet::Error::Webhook(e) => {
                use tailnet::webhooks::WebhookError as W;
                let (rejection, age_seconds, ahead_seconds, tolerance_seconds) = match e {
                    W::MissingSignature => (WebhookRejection::Missing, None, None, None),
                    W::MalformedSignature(_) => (WebhookRejection::Malformed, None, None, None),
                    W::Stale { age_seconds, tolerance_seconds } => (WebhookRejection::Stale, Some(age_seconds), None, Some(tolerance_seconds)),
                    W::FromTheFuture { ahead_seconds, tolerance_seconds } => (WebhookRejection::Future, None, Some(ahead_seconds), Some(tolerance_seconds)),
                    W::SignatureMismatch => (WebhookRejection::Mismatch, None, None, None),
                    W::EmptySecret => (WebhookRejection::EmptySecret, None, None, None),
                    W::InvalidBody(_) => (WebhookRejection::InvalidBody, None, None, None),
                };
                TailnetError::Webhook { rejection, reason: e.to_string(), age_seconds, ahead_seconds, tolerance_seconds }
            }
        }
    }
}

fn build_error(parameter: &str, reason: impl std::fmt::Display) -> TailnetError {
    tailnet::Error::from(tailnet::BuildError::new(parameter, reason.to_string())).into()
}

// ---- Options ----------------------------------------------------------------------------------

/// How a client (or a sans-IO `build_request`) authenticates, where it sends, how it retries.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ClientOptions {
    /// Default `https://api.tailscale.com`.
    #[uniffi(default)]
    pub base_url: Option<String>,
    /// Default `-` (the credential's tailnet).
    #[uniffi(default)]
    pub tailnet: Option<String>,
    /// An API access token (`tskey-api-…`), sent as Bearer (or Basic with `basic_auth`).
    #[uniffi(default)]
    pub api_key: Option<String>,
    #[uniffi(default)]
    pub basic_auth: bool,
    /// An OAuth access token you manage.
    #[uniffi(default)]
    pub access_token: Option<String>,
    /// OAuth client credentials: tokens fetched once for all concurrent calls and refreshed.
    #[uniffi(default)]
    pub oauth_client_id: Option<String>,
    #[uniffi(default)]
    pub oauth_client_secret: Option<String>,
    #[uniffi(default)]
    pub oauth_scopes: Vec<String>,
    /// Workload identity: an OIDC ID token exchanged (with `oauth_client_id`) for access tokens.
    #[uniffi(default)]
    pub id_token: Option<String>,
    /// Appended to the `User-Agent` (`tailnet/0.1.0 my-app/1.0`).
    #[uniffi(default)]
    pub user_agent_suffix: Option<String>,
    /// Attempts in total (1 = never retry). Default 4.
    #[uniffi(default)]
    pub max_attempts: Option<u32>,
    #[uniffi(default)]
    pub retry_base_delay_ms: Option<u64>,
    #[uniffi(default)]
    pub retry_max_delay_ms: Option<u64>,
    /// The whole call, waits included. Default 120 s.
    #[uniffi(default)]
    pub retry_budget_ms: Option<u64>,
    /// Client-side token bucket: `per_second` on average, `burst` at once.
    #[uniffi(default)]
    pub rate_limit_per_second: Option<f64>,
    #[uniffi(default)]
    pub rate_limit_burst: Option<u32>,
    /// Default 64 MiB.
    #[uniffi(default)]
    pub max_response_bytes: Option<u64>,
}

/// The core's `ClientOptions` from the record (the same defaults and checks as every language);
/// `with_oauth: false` keeps only the static credentials (the sans-IO `build_request`).
fn core_options(options: &ClientOptions, with_oauth: bool) -> Result<tailnet::ClientOptions, TailnetError> {
    use tailnet::{ClientAuth, RateLimitOptions, RetryOptions};
    let static_auth = match (&options.api_key, &options.access_token) {
        (Some(key), _) => ClientAuth::ApiKey { api_key: key.as_str().into(), basic: options.basic_auth },
        (None, Some(token)) => ClientAuth::AccessToken { access_token: token.as_str().into() },
        (None, None) => ClientAuth::None,
    };
    let oauth = (&options.oauth_client_id, &options.oauth_client_secret, &options.id_token);
    let auth = match oauth {
        _ if !with_oauth => static_auth,
        (Some(id), Some(secret), _) => ClientAuth::OAuth { client_id: id.clone(), client_secret: secret.as_str().into(), scopes: options.oauth_scopes.clone() },
        (Some(id), None, Some(token)) => ClientAuth::WorkloadIdentity { client_id: id.clone(), id_token: token.as_str().into() },
        (None, Some(_), _) | (None, _, Some(_)) => return Err(build_error("oauthClientId", "OAuth needs a client id")),
        (Some(_), None, None) => return Err(build_error("oauthClientSecret", "OAuth needs a client secret or an ID token")),
        (None, None, None) => static_auth,
    };
    let millis = |value: Option<u64>| value.map(|ms| ms as f64);
    Ok(tailnet::ClientOptions {
        base_url: options.base_url.clone(),
        tailnet: options.tailnet.clone(),
        user_agent: None,
        user_agent_suffix: options.user_agent_suffix.clone(),
        auth,
        retry: RetryOptions {
            max_attempts: options.max_attempts,
            base_delay_ms: millis(options.retry_base_delay_ms),
            max_delay_ms: millis(options.retry_max_delay_ms),
            budget_ms: millis(options.retry_budget_ms),
        },
        rate_limit: options.rate_limit_per_second.map(|per_second| RateLimitOptions { per_second, burst: options.rate_limit_burst }),
        max_response_bytes: options.max_response_bytes,
        observe: false,
    })
}

fn session_of(options: &ClientOptions, seed: u64) -> Result<Session, TailnetError> {
    Ok(core_options(options, true)?.session(tailnet::config::DEFAULT_USER_AGENT, seed)?)
}

// ---- Conversions ------------------------------------------------------------------------------

fn request_to_ffi(request: tailnet::HttpRequest, max_response_bytes: usize) -> HttpRequest {
    let headers = request.header_pairs().into_iter().map(|(name, value)| HttpHeader { name, value }).collect();
    HttpRequest {
        method: request.method.as_str().to_owned(),
        url: request.url,
        headers,
        body: request.body,
        max_response_bytes: max_response_bytes as u64,
    }
}

/// A delay in whole milliseconds, as the foreign `sleep` takes it.
pub(crate) fn millis(delay: Duration) -> u64 {
    u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)
}

/// What a transport's answer is to the core: the response within the size cap, or the failure.
fn outcome_of(outcome: Result<HttpResponse, TransportError>, max_bytes: usize) -> Result<tailnet::HttpResponse, TransportFailure> {
    match outcome {
        Ok(response) if response.body.len() > max_bytes => Err(TransportFailure::too_large(max_bytes)),
        Ok(response) => Ok(response_from_ffi(response)),
        Err(TransportError::Failed { reason, maybe_sent, timed_out }) => Err(TransportFailure::new(&reason, maybe_sent, timed_out)),
    }
}

fn response_from_ffi(response: HttpResponse) -> tailnet::HttpResponse {
    let mut out = tailnet::HttpResponse::new(response.status, response.body);
    for header in &response.headers {
        out = out.with_header(&header.name, &header.value);
    }
    out
}

/// Parses a response into its result as JSON text, written straight from the typed result
/// through its `JsonView` (no `serde_json::Value` tree: that costs several times the parse).
fn parse_to_json(operation_id: &str, response: &tailnet::HttpResponse) -> Result<String, tailnet::Error> {
    let parsed = tailnet::registry::parse_view(operation_id, response)?;
    serde_json::to_string(&Serialized(&*parsed))
        .map_err(|e| tailnet::BuildError::new("result", format!("cannot serialize the result: {e}")).into())
}

// ---- The client -------------------------------------------------------------------------------

/// The Tailscale API over a foreign [`HttpTransport`]. Safe to share across threads and
/// coroutines/tasks; all calls share one token cache, retry policy and rate limiter.
#[derive(uniffi::Object)]
pub struct TailnetClient {
    session: Mutex<Session>,
    transport: jvm_port::Transport,
    origin: Instant,
}

impl std::fmt::Debug for TailnetClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TailnetClient").finish_non_exhaustive()
    }
}

fn unix_now() -> std::time::Duration {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
}

#[uniffi::export]
impl TailnetClient {
    #[uniffi::constructor]
    pub fn new(options: ClientOptions, transport: Arc<dyn HttpTransport>) -> Result<Arc<Self>, TailnetError> {
        let seed = unix_now().as_nanos() as u64 ^ 0x2545_F491_4F6C_DD1D;
        let transport = jvm_port::Transport::new(transport);
        Ok(Arc::new(TailnetClient { session: Mutex::new(session_of(&options, seed)?), transport, origin: Instant::now() }))
    }

    /// OAuth token requests made so far.
    pub fn token_fetches(&self) -> u64 {
        self.session.lock().map(|s| s.token_fetches()).unwrap_or(0)
    }

    /// Calls any operation by `operationId` with JSON parameters (the spec's names, as
    /// `build_request` takes them); returns the result as JSON text (`null` when there is none).
    pub async fn call_json(&self, operation_id: String, params_json: String) -> Result<String, TailnetError> {
        let params: serde_json::Value = serde_json::from_str(&params_json).map_err(|e| build_error("params", e))?;
        let call = Call::by_id(&operation_id, params)?;
        let id = call.operation().id;
        let response = self.drive(call).await?;
        Ok(parse_to_json(id, &response)?)
    }

    /// For conformance tests: like [`Self::call_json`], but through the operation's typed
    /// parameters and result (JSON → the core's `Params` → typed call → the core's `Output` →
    /// JSON), the path every typed method takes.
    pub async fn call_typed_json(&self, operation_id: String, params_json: String) -> Result<String, TailnetError> {
        let info = tailnet::registry::find(&operation_id).ok_or_else(|| build_error("operationId", format!("unknown operation {operation_id:?}")))?;
        let params: serde_json::Value = serde_json::from_str(&params_json).map_err(|e| build_error("params", e))?;
        let params = tailnet::registry::gather_body(info, params).map_err(tailnet::Error::from)?;
        self.typed_json_dispatch(info.id, params).await
    }
}

impl TailnetClient {
    pub(crate) fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    pub(crate) fn lock(&self) -> Result<std::sync::MutexGuard<'_, Session>, tailnet::Error> {
        self.session.lock().map_err(|_| tailnet::Error::transport("client state poisoned", false))
    }

    /// The client loop: the core decides; this only sends and sleeps.
    async fn drive(&self, mut call: Call) -> Result<tailnet::HttpResponse, tailnet::Error> {
        loop {
            let step = call.poll(&mut *self.lock()?, self.now());
            match step {
                Step::Done(result) => return result,
                Step::Wait(delay) => self.sleep(delay).await,
                Step::Send(request) => {
                    let (outcome, now, unix) = self.exchange(*request).await?;
                    let mut session = self.lock()?;
                    match outcome {
                        Ok(response) => call.on_response(&mut session, response, now, unix),
                        Err(failure) => call.on_transport_error(&mut session, failure, now, unix),
                    }
                }
            }
        }
    }

    pub(crate) async fn sleep(&self, delay: Duration) {
        self.transport.sleep(millis(delay)).await
    }

    /// Sends one request through the foreign transport: the response (within the size cap) or
    /// the transport failure, with the monotonic and Unix time it arrived at — what a core state
    /// machine's `on_response` / `on_transport_error` take.
    pub(crate) async fn exchange(
        &self,
        request: tailnet::HttpRequest,
    ) -> Result<(Result<tailnet::HttpResponse, TransportFailure>, Duration, u64), tailnet::Error> {
        let max_bytes = self.lock()?.max_response_bytes;
        let outcome = self.transport.send(request_to_ffi(request, max_bytes)).await;
        let (now, unix) = (self.now(), unix_now().as_secs());
        Ok((outcome_of(outcome, max_bytes), now, unix))
    }

    /// A typed call: the core's `Operation::build` per attempt, `Operation::parse` of the response.
    async fn call_operation<O: Operation>(&self, info: &'static OperationInfo, params: O::Params) -> Result<O::Output, tailnet::Error>
    where
        O::Params: Send + Sync + 'static,
    {
        let response = self.drive(call_of::<O>(info, params)).await?;
        O::parse(&response)
    }
}

/// The core's `Call` of a typed operation (one closure type per operation, shared by the uniffi
/// methods and the JVM's stepped calls).
pub(crate) fn call_of<O: Operation>(info: &'static OperationInfo, params: O::Params) -> Call
where
    O::Params: Send + Sync + 'static,
{
    Call::new(info, move |config| O::build(config, &params))
}

// One exported method per operation, documented with the spec's text; each calls the core typed.
macro_rules! client_methods {
    ($( ($ty:ident, $snake:ident, $id:literal, $doc:literal) ),* $(,)?) => {
        #[uniffi::export]
        impl TailnetClient {
            $(
                #[doc = $doc]
                pub async fn $snake(
                    &self,
                    params: <tailnet::operations::$ty as Operation>::Params,
                ) -> Result<<tailnet::operations::$ty as Operation>::Output, TailnetError> {
                    Ok(self.call_operation::<tailnet::operations::$ty>(&<tailnet::operations::$ty as Operation>::INFO, params).await?)
                }
            )*
        }
    };
}

tailnet::for_each_operation_documented!(client_methods);

// `call_typed_json`: JSON → the operation's typed parameters → typed call → JSON.
macro_rules! typed_json_dispatch {
    ($( ($ty:ident, $snake:ident, $id:literal) ),* $(,)?) => {
        impl TailnetClient {
            async fn typed_json_dispatch(&self, id: &str, params: serde_json::Value) -> Result<String, TailnetError> {
                match id {
                    $(
                        $id => {
                            let params = tailnet::registry::typed_params::<tailnet::operations::$ty>(params)?;
                            let output = self.call_operation::<tailnet::operations::$ty>(&<tailnet::operations::$ty as Operation>::INFO, params).await?;
                            serde_json::to_string(&output).map_err(|e| build_error("result", e))
                        }
                    )*
                    other => Err(build_error("operationId", format!("unknown operation {other:?}"))),
                }
            }
        }
    };
}

tailnet::for_each_operation!(typed_json_dispatch);

// ---- Sans-IO ----------------------------------------------------------------------------------

/// Builds the request of any operation from JSON parameters (no IO).
#[uniffi::export]
pub fn build_request(operation_id: String, options: ClientOptions, params_json: String) -> Result<HttpRequest, TailnetError> {
    let config = core_options(&options, false)?.config_with_credentials(tailnet::config::DEFAULT_USER_AGENT)?;
    let params: serde_json::Value = serde_json::from_str(&params_json).map_err(|e| build_error("params", e))?;
    let request = tailnet::registry::build(&operation_id, &config, params)?;
    let limit = options.max_response_bytes.map(|l| l as usize).unwrap_or(tailnet::resilience::call::DEFAULT_MAX_RESPONSE_BYTES);
    Ok(request_to_ffi(request, limit))
}

/// Parses any operation's response; the result as JSON text (wire names; `null` for none).
#[uniffi::export]
pub fn parse_response(operation_id: String, response: HttpResponse) -> Result<String, TailnetError> {
    Ok(parse_to_json(&operation_id, &response_from_ffi(response))?)
}

/// Every operation: `operationId`, HTTP method and path template.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OperationDescription {
    pub id: String,
    pub method: String,
    pub path: String,
    pub scopes: Vec<String>,
    pub idempotent: bool,
}

#[uniffi::export]
pub fn operations() -> Vec<OperationDescription> {
    tailnet::registry::OPERATIONS
        .iter()
        .map(|op| OperationDescription {
            id: op.id.to_owned(),
            method: op.method.to_owned(),
            path: op.full_path(),
            scopes: op.scopes.iter().map(|s| (*s).to_owned()).collect(),
            idempotent: op.idempotent,
        })
        .collect()
}

/// Parses a `listTailnetDevices` body into records without a client (for benchmarks).
#[uniffi::export]
pub fn parse_device_list(response: HttpResponse) -> Result<ListTailnetDevicesResponse, TailnetError> {
    Ok(tailnet::operations::ListTailnetDevices::parse(&response_from_ffi(response))?)
}

/// For benchmarks: the Rust share of [`parse_device_list`], in the same process and library: the
/// typed parse alone (`lower: false`), or the parse and the lowering of the records into the
/// buffer the foreign side reads (`lower: true`). Returns the device count (parse only) or the
/// buffer's length in bytes.
#[uniffi::export]
pub fn bench_device_list_rust(response: HttpResponse, lower: bool) -> Result<u64, TailnetError> {
    let parsed = tailnet::operations::ListTailnetDevices::parse(&response_from_ffi(response))?;
    if !lower {
        return Ok(parsed.devices.as_ref().map_or(0, |d| d.len() as u64));
    }
    let buffer = <ListTailnetDevicesResponse as uniffi::Lower<crate::UniFfiTag>>::lower(parsed);
    let len = buffer.len() as u64;
    buffer.destroy();
    Ok(len)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn stamps_every_registry_operation() {
        for op in tailnet::registry::OPERATIONS {
            let _ = tailnet::registry::gather_body(op, serde_json::json!({}));
        }
        assert_eq!(tailnet::registry::OPERATIONS.len(), 96);
    }
}
