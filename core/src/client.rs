//! An async client over reqwest (native and wasm32): core builds, reqwest sends, core parses.

use std::time::Duration;

use crate::config::Config;
use crate::error::Error;
use crate::operation::Operation;
use crate::request::HttpRequest;
use crate::response::HttpResponse;

/// Default per-request timeout (native targets; browsers apply their own).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Bodies larger than this are refused, so a hostile server cannot exhaust memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// The Tailscale API over reqwest. One method per operation (`list_tailnet_devices`, …), or
/// [`Client::call`] with any [`Operation`].
#[derive(Clone, Debug)]
pub struct Client {
    config: Config,
    http: reqwest::Client,
    max_response_bytes: usize,
}

impl Client {
    /// A client with the default timeout.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::with_timeout(config, DEFAULT_TIMEOUT)
    }

    pub fn with_timeout(config: Config, timeout: Duration) -> Result<Self, Error> {
        let builder = reqwest::Client::builder();
        #[cfg(not(target_arch = "wasm32"))]
        let builder = builder.timeout(timeout);
        #[cfg(target_arch = "wasm32")]
        let _ = timeout;
        let http = builder.build().map_err(|e| Error::transport(e.to_string(), false))?;
        Ok(Client { config, http, max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES })
    }

    /// Uses a caller-configured reqwest client (proxies, custom TLS roots, …).
    pub fn with_http_client(config: Config, http: reqwest::Client) -> Self {
        Client { config, http, max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES }
    }

    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Calls any operation.
    pub async fn call<O: Operation>(&self, params: &O::Params) -> Result<O::Output, Error> {
        let request = O::build(&self.config, params)?;
        let response = self.send(request).await?;
        O::parse(&response)
    }

    /// Sends a built request and reads the whole response (up to the size cap).
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let mut builder = self.http.request(request.method, &request.url).headers(request.headers);
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if response.content_length().is_some_and(|len| len > self.max_response_bytes as u64) {
            return Err(Error::transport(format!("response larger than the {} byte limit", self.max_response_bytes), false));
        }
        let body = read_capped(response, self.max_response_bytes).await?;
        Ok(HttpResponse { status, headers, body })
    }
}

/// Reads the body chunk by chunk so an oversized body is refused before it is all in memory.
#[cfg(not(target_arch = "wasm32"))]
async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > limit {
            return Err(Error::transport(format!("response larger than the {limit} byte limit"), false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Browsers hand the body over whole; the cap is checked after the fact.
#[cfg(target_arch = "wasm32")]
async fn read_capped(response: reqwest::Response, limit: usize) -> Result<Vec<u8>, Error> {
    let body = response.bytes().await.map_err(transport_error)?;
    if body.len() > limit {
        return Err(Error::transport(format!("response larger than the {limit} byte limit"), false));
    }
    Ok(body.to_vec())
}

fn transport_error(error: reqwest::Error) -> Error {
    #[cfg(not(target_arch = "wasm32"))]
    let timed_out = error.is_timeout();
    #[cfg(target_arch = "wasm32")]
    let timed_out = false;
    // reqwest's Display includes the URL, never headers; still scrubbed by Error::transport.
    Error::transport(error.to_string(), timed_out)
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
