//! An async client over reqwest (native and wasm32). The loop is the core's: [`Call`] decides
//! credentials, retries and rate limiting; this module only sends and sleeps.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::{Config, Credentials};
use crate::error::Error;
use crate::operation::Operation;
use crate::request::HttpRequest;
use crate::resilience::{Auth, Call, Observation, Observer, OAuthClient, RateLimiter, ReportOutcome, RetryPolicy, Session, Step, TransportFailure};
use crate::response::HttpResponse;

/// Default per-request timeout (native targets; browsers apply their own).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub use crate::resilience::call::DEFAULT_MAX_RESPONSE_BYTES;

/// The Tailscale API over reqwest. One method per operation (`list_tailnet_devices`, …), or
/// [`Client::call`] with any [`Operation`]. Cheap to clone; clones share tokens and limits.
#[derive(Clone)]
pub struct Client {
    session: Arc<Mutex<Session>>,
    http: reqwest::Client,
    max_response_bytes: usize,
    observer: Option<Arc<dyn Observer>>,
    clock: Clock,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let config = self.session.lock().map(|s| s.config.clone()).ok();
        f.debug_struct("Client").field("config", &config).finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    config: Config,
    auth: Option<Auth>,
    timeout: Duration,
    retry: RetryPolicy,
    rate_limit: Option<RateLimiter>,
    http: Option<reqwest::Client>,
    max_response_bytes: usize,
    observer: Option<Arc<dyn Observer>>,
}

impl ClientBuilder {
    /// Credentials: an API key, or an access token you manage.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.auth = Some(Auth::Static(credentials));
        self
    }

    /// OAuth client credentials: tokens are fetched, cached and refreshed automatically.
    pub fn oauth_client(mut self, client_id: impl Into<String>, client_secret: impl Into<crate::Secret>, scopes: Vec<String>) -> Self {
        self.auth = Some(Auth::OAuth(OAuthClient::client_credentials(client_id, client_secret, scopes)));
        self
    }

    /// Workload identity federation: an OIDC ID token exchanged for access tokens.
    pub fn workload_identity(mut self, client_id: impl Into<String>, id_token: impl Into<crate::Secret>) -> Self {
        self.auth = Some(Auth::OAuth(OAuthClient::workload_identity(client_id, id_token)));
        self
    }

    /// Per-request timeout on native targets (default [`DEFAULT_TIMEOUT`], 30 s). Ignored with
    /// [`ClientBuilder::http_client`] and in browsers, which apply their own.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retry limits for every call (default [`RetryPolicy::default`]); [`RetryPolicy::none`] never retries.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// At most `burst` requests at once, `per_second` on average.
    pub fn rate_limit(mut self, per_second: f64, burst: u32) -> Result<Self, Error> {
        self.rate_limit = Some(RateLimiter::new(per_second, burst)?);
        Ok(self)
    }

    /// Uses a caller-configured reqwest client (proxies, custom TLS roots, …); `timeout` is then theirs.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Largest response body read, in bytes (default [`DEFAULT_MAX_RESPONSE_BYTES`], 64 MiB); a larger
    /// body fails the attempt as a transport error.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Receives an [`Observation`] per attempt sent and per attempt ended, secrets masked.
    pub fn observer(mut self, observer: impl Observer + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Builds the client. Without [`ClientBuilder::credentials`] or an OAuth method, the config's
    /// credentials (if any) are used. Fails only if the default reqwest client cannot be created.
    pub fn build(self) -> Result<Client, Error> {
        let http = match self.http {
            Some(http) => http,
            None => {
                let builder = reqwest::Client::builder();
                #[cfg(not(target_arch = "wasm32"))]
                let builder = builder.timeout(self.timeout);
                builder.build().map_err(|e| Error::transport(e.to_string(), false))?
            }
        };
        let auth = match self.auth {
            Some(auth) => auth,
            None => match self.config.get_credentials() {
                Some(credentials) => Auth::Static(credentials.clone()),
                None => Auth::None,
            },
        };
        let clock = Clock::new();
        let session = Session::new(self.config, auth)
            .with_retry(self.retry)
            .with_rate_limiter(self.rate_limit)
            .with_jitter_seed(clock.seed())
            .with_observations(self.observer.is_some());
        Ok(Client {
            session: Arc::new(Mutex::new(session)),
            http,
            max_response_bytes: self.max_response_bytes,
            observer: self.observer,
            clock,
        })
    }
}

impl Client {
    /// A client for `config` (its credentials, if any) with default timeout and retries.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::builder(config).build()
    }

    /// A [`ClientBuilder`] for `config`: default timeout, [`RetryPolicy::default`], no rate limit and
    /// the default response size cap.
    pub fn builder(config: Config) -> ClientBuilder {
        ClientBuilder {
            config,
            auth: None,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            rate_limit: None,
            http: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            observer: None,
        }
    }

    /// Token requests made so far (OAuth credentials only).
    pub fn token_fetches(&self) -> u64 {
        self.session.lock().map(|s| s.token_fetches()).unwrap_or(0)
    }

    /// Calls any operation.
    pub async fn call<O: Operation>(&self, params: &O::Params) -> Result<O::Output, Error>
    where
        O::Params: Send + Sync + 'static,
    {
        let info = crate::registry::find(O::INFO.id)
            .ok_or_else(|| crate::BuildError::new("operationId", format!("{} is not registered", O::INFO.id)))?;
        let params = params.clone();
        let call = Call::new(info, move |config| O::build(config, &params));
        let response = self.drive(call).await?;
        O::parse(&response)
    }

    /// Calls any operation by `operationId` with JSON parameters; the result as JSON.
    pub async fn call_json(&self, operation_id: &str, params: serde_json::Value) -> Result<serde_json::Value, Error> {
        let call = Call::by_id(operation_id, params)?;
        let id = call.operation().id;
        let response = self.drive(call).await?;
        crate::registry::parse(id, &response)
    }

    fn lock_session(&self) -> Result<std::sync::MutexGuard<'_, Session>, Error> {
        self.session.lock().map_err(|_| Error::transport("client state poisoned", false))
    }

    async fn drive(&self, mut call: Call) -> Result<HttpResponse, Error> {
        loop {
            let step = call.poll(&mut *self.lock_session()?, self.clock.now());
            self.report(call.take_observations());
            match step {
                Step::Done(result) => return result,
                Step::Wait(delay) => sleep(delay).await,
                Step::Send(request) => self.exchange(&mut call, *request).await?,
            }
        }
    }

    /// Sends one request a state machine asked for and reports the outcome to it.
    async fn exchange(&self, machine: &mut impl ReportOutcome, request: HttpRequest) -> Result<(), Error> {
        let outcome = self.send(request).await;
        let (now, unix) = (self.clock.now(), unix_seconds());
        {
            let mut session = self.lock_session()?;
            match outcome {
                Ok(response) => machine.report_response(&mut session, response, now, unix),
                Err(failure) => machine.report_failure(&mut session, failure, now, unix),
            }
        }
        self.report(machine.drain_observations());
        Ok(())
    }

    /// Hands the core's observations (secrets masked) to the observer.
    fn report(&self, observations: Vec<Observation>) {
        if let Some(observer) = &self.observer {
            for observation in &observations {
                observer.observe(observation);
            }
        }
    }

    /// Read-modify-write of the policy file that never loses a write: reads the HuJSON (comments
    /// kept) with its ETag, applies `edit`, and writes with `If-Match`; when another writer got
    /// there first (412) it reads again and re-applies `edit`, up to `options.max_attempts`.
    /// Refuses to write a policy with neither `acls` nor `grants` unless allowed. The rules are
    /// the core's [`PolicyUpdate`](crate::policy::PolicyUpdate); this only drives it.
    pub async fn update_policy_file<F>(&self, options: crate::policy::PolicyUpdateOptions, mut edit: F) -> Result<crate::PolicyFile, Error>
    where
        F: FnMut(&mut crate::policy::PolicyDocument) -> Result<(), crate::policy::PolicyEditError>,
    {
        use crate::policy::{PolicyStep, PolicyUpdate};
        let mut update = PolicyUpdate::new(options)?;
        loop {
            let step = update.poll(&mut *self.lock_session()?, self.clock.now());
            self.report(update.take_observations());
            match step {
                PolicyStep::Done(result) => return result,
                PolicyStep::Wait(delay) => sleep(delay).await,
                PolicyStep::Edit(mut document) => {
                    edit(&mut document)?;
                    update.edited(document);
                }
                PolicyStep::Send(request) => self.exchange(&mut update, *request).await?,
            }
        }
    }

    /// Sends one request and reads the whole response (up to the size cap).
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportFailure> {
        let mut builder = self.http.request(request.method, &request.url).headers(request.headers);
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let response = builder.send().await.map_err(transport_failure)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let too_large = || TransportFailure::too_large(self.max_response_bytes);
        if response.content_length().is_some_and(|len| len > self.max_response_bytes as u64) {
            return Err(too_large());
        }
        let body = read_capped(response, self.max_response_bytes).await.map_err(|e| e.unwrap_or_else(too_large))?;
        Ok(HttpResponse { status, headers, body })
    }
}

/// Reads the body chunk by chunk so an oversized body is refused before it is all in memory.
/// `Err(None)` means the cap was exceeded.
#[cfg(not(target_arch = "wasm32"))]
async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, Option<TransportFailure>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| Some(transport_failure(e)))? {
        if body.len() + chunk.len() > limit {
            return Err(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Browsers hand the body over whole; the cap is checked after the fact.
#[cfg(target_arch = "wasm32")]
async fn read_capped(response: reqwest::Response, limit: usize) -> Result<Vec<u8>, Option<TransportFailure>> {
    let body = response.bytes().await.map_err(|e| Some(transport_failure(e)))?;
    if body.len() > limit {
        return Err(None);
    }
    Ok(body.to_vec())
}

fn transport_failure(error: reqwest::Error) -> TransportFailure {
    #[cfg(not(target_arch = "wasm32"))]
    let (timed_out, connect) = (error.is_timeout(), error.is_connect());
    #[cfg(target_arch = "wasm32")]
    let (timed_out, connect) = (false, false);
    // Only a failed connect proves the request never left; anything later may have been received.
    TransportFailure::new(&error.to_string(), !connect || timed_out, timed_out)
}

#[cfg(not(target_arch = "wasm32"))]
async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await
}

#[cfg(target_arch = "wasm32")]
async fn sleep(duration: Duration) {
    gloo_timers::future::sleep(duration).await
}

/// Monotonic time since the client was built (the core's `now`).
#[derive(Clone, Copy)]
struct Clock {
    #[cfg(not(target_arch = "wasm32"))]
    origin: std::time::Instant,
}

impl Clock {
    fn new() -> Self {
        Clock {
            #[cfg(not(target_arch = "wasm32"))]
            origin: std::time::Instant::now(),
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    /// `Instant` does not exist on wasm32-unknown-unknown; wall-clock time is close enough there.
    #[cfg(target_arch = "wasm32")]
    fn now(&self) -> Duration {
        Duration::from_millis(js_sys_now_millis())
    }

    fn seed(&self) -> u64 {
        unix_nanos() ^ 0x2545_F491_4F6C_DD1D
    }
}

/// `SystemTime::now` panics on wasm32-unknown-unknown; JavaScript's clock is used there.
#[cfg(target_arch = "wasm32")]
fn js_sys_now_millis() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

fn unix_nanos() -> u64 {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
    }
    #[cfg(target_arch = "wasm32")]
    {
        js_sys_now_millis().saturating_mul(1_000_000)
    }
}

fn unix_seconds() -> u64 {
    unix_nanos() / 1_000_000_000
}

macro_rules! client_methods {
    ($( ($ty:ident, $snake:ident, $id:literal) ),* $(,)?) => {
        impl Client {
            $(
                #[doc = concat!("Calls `", $id, "`; see [`crate::operations::", stringify!($ty), "`].")]
                pub async fn $snake(
                    &self,
                    params: <crate::operations::$ty as Operation>::Params,
                ) -> Result<<crate::operations::$ty as Operation>::Output, Error> {
                    self.call::<crate::operations::$ty>(&params).await
                }
            )*
        }
    };
}

crate::for_each_operation!(client_methods);
