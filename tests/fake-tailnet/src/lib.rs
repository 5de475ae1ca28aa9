//! A stateful fake of the Tailscale control-plane API v2, served on loopback for tests.
//!
//! The official OpenAPI document is the oracle: requests are routed and validated against it,
//! and every JSON response the fake sends is checked against the declared response schema
//! (mismatches are recorded as [`FakeTailnet::violations`]). Faults, rate limiting and a
//! request log are controlled under `/_fake/`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), String> {
//! let fake = fake_tailnet::FakeTailnet::start(fake_tailnet::Options::default()).await?;
//! let url = format!("{}/api/v2/tailnet/-/devices", fake.base_url());
//! # let _ = url;
//! fake.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub mod acl;
pub mod auth;
pub mod faults;
mod handlers;
pub mod seed;
mod server;
pub mod spec;
pub mod state;
pub mod util;

pub use auth::OAuthClient;
pub use faults::{Fault, RateLimitConfig};
pub use state::State;

/// The API key accepted when none is configured.
pub const DEFAULT_API_KEY: &str = "tskey-api-fake";

#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    /// Accepted API keys; empty means [`DEFAULT_API_KEY`].
    pub api_keys: Vec<String>,
    pub oauth_clients: Vec<OAuthClient>,
    pub token_ttl: Duration,
    /// Size of the deterministic sample tailnet (ignored when `state` is given).
    pub devices: usize,
    /// Seed state (e.g. from `--state FILE`).
    pub state: Option<State>,
    pub cors: bool,
    pub faults: Vec<Fault>,
    pub rate_limit: Option<RateLimitConfig>,
    /// Spec text to use instead of the embedded copy.
    pub spec_text: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_keys: Vec::new(),
            oauth_clients: Vec::new(),
            token_ttl: Duration::from_secs(3600),
            devices: 10,
            state: None,
            cors: false,
            faults: Vec::new(),
            rate_limit: None,
            spec_text: None,
        }
    }
}

/// A running fake. Dropping it stops the server.
pub struct FakeTailnet {
    base_url: String,
    shared: Arc<server::Shared>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// Own runtime when started with [`FakeTailnet::spawn`].
    runtime: Option<tokio::runtime::Runtime>,
}

impl FakeTailnet {
    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(options: Options) -> Result<FakeTailnet, String> {
        let spec = spec::Spec::parse(options.spec_text.as_deref().unwrap_or(spec::EMBEDDED_SPEC))?;
        let seed = options.state.clone().unwrap_or_else(|| seed::seed(options.devices));
        let api_keys = if options.api_keys.is_empty() { vec![DEFAULT_API_KEY.to_string()] } else { options.api_keys.clone() };
        let mut faults = Vec::new();
        for f in &options.faults {
            f.check()?;
            faults.push(f.clone());
        }
        let rate = options.rate_limit.clone().map(faults::RateLimiter::new).transpose()?;
        let shared = Arc::new(server::Shared {
            spec,
            world: Mutex::new(server::World { state: seed.clone(), auth: auth::Auth::new(api_keys, options.oauth_clients.clone(), options.token_ttl) }),
            seed,
            faults: Mutex::new(faults),
            rate: Mutex::new(rate),
            log: Mutex::new(Vec::new()),
            violations: Mutex::new(Vec::new()),
            cors: options.cors,
        });
        let listener = TcpListener::bind(options.listen).await.map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(listener, shared.clone(), stopped));
        Ok(FakeTailnet { base_url: format!("http://{addr}"), shared, stop, task: Some(task), runtime: None })
    }

    /// Starts on a private runtime, for callers that are not async.
    pub fn spawn(options: Options) -> Result<FakeTailnet, String> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().map_err(|e| e.to_string())?;
        let mut fake = rt.block_on(FakeTailnet::start(options))?;
        fake.runtime = Some(rt);
        Ok(fake)
    }

    /// `http://127.0.0.1:PORT` (the API is under `/api/v2`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn api_url(&self) -> String {
        format!("{}/api/v2", self.base_url)
    }

    /// Received /api/v2 requests, secrets redacted.
    pub fn request_log(&self) -> Vec<Value> {
        server::lock(&self.shared.log).clone()
    }

    pub fn clear_request_log(&self) {
        server::lock(&self.shared.log).clear();
    }

    /// Responses the fake sent that do not match the spec (bugs in the fake).
    pub fn violations(&self) -> Vec<Value> {
        server::lock(&self.shared.violations).clone()
    }

    pub fn add_fault(&self, fault: Fault) -> Result<(), String> {
        fault.check()?;
        server::lock(&self.shared.faults).push(fault);
        Ok(())
    }

    pub fn set_rate_limit(&self, config: Option<RateLimitConfig>) -> Result<(), String> {
        *server::lock(&self.shared.rate) = config.map(faults::RateLimiter::new).transpose()?;
        Ok(())
    }

    /// A snapshot of the tailnet state.
    pub fn state(&self) -> State {
        server::lock(&self.shared.world).state.clone()
    }

    pub fn reset(&self) {
        server::lock(&self.shared.world).state = self.shared.seed.clone();
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for FakeTailnet {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(rt) = self.runtime.take() {
            // Safe from async contexts too, unlike dropping the runtime.
            rt.shutdown_background();
        }
    }
}

async fn serve(listener: TcpListener, shared: Arc<server::Shared>, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // e.g. out of file descriptors: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let mut stop = stopped.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| server::handle(shared.clone(), req));
                    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stop.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                        }
                    }
                });
            }
        }
    }
}
