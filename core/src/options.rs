//! Client options, declared once for every language: where requests go, how they authenticate,
//! how calls retry, the client-side rate limit and the response size cap. Each binding fills a
//! [`ClientOptions`] from its language's arguments (same names, in its own case; JSON with the
//! camelCase names below for the npm package) and gets a ready [`Session`] from it, so names,
//! defaults and checks are the same everywhere.

use std::time::Duration;

use serde::Deserialize;

use crate::config::{Config, Credentials};
use crate::error::{BuildError, Error};
use crate::resilience::{Auth, OAuthClient, RateLimiter, RetryPolicy, Session};
use crate::secret::Secret;

/// How a client authenticates (`kind` in JSON).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase", deny_unknown_fields)]
pub enum ClientAuth {
    /// No `Authorization` header (a proxy adds it, or only unauthenticated endpoints are used).
    #[default]
    None,
    /// An API access token (`tskey-api-…`): Bearer, or HTTP Basic with `basic` (the key as the
    /// user name), as some proxies want.
    ApiKey {
        /// The key.
        api_key: Secret,
        /// Send it as HTTP Basic instead of Bearer.
        #[serde(default)]
        basic: bool,
    },
    /// An OAuth access token managed by the caller.
    AccessToken {
        /// The token.
        access_token: Secret,
    },
    /// OAuth client credentials: tokens fetched once for all concurrent calls, refreshed before
    /// they expire.
    #[serde(rename = "oauth")]
    OAuth {
        /// The OAuth client's id.
        client_id: String,
        /// The OAuth client's secret.
        client_secret: Secret,
        /// Scopes to ask for (empty: all the client has).
        #[serde(default)]
        scopes: Vec<String>,
    },
    /// Workload identity federation: an OIDC ID token exchanged for access tokens.
    WorkloadIdentity {
        /// The federated identity's client id.
        client_id: String,
        /// The OIDC ID token (replace it with [`Session`]'s `OAuthClient::set_id_token` when it expires).
        id_token: Secret,
    },
}

/// Retry limits; what is left out takes [`RetryPolicy::default`] (4 attempts, 500 ms base delay,
/// 30 s longest wait, 120 s per call).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryOptions {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: Option<u32>,
    /// Backoff before the second attempt, in milliseconds; doubles each time (full jitter).
    pub base_delay_ms: Option<f64>,
    /// No single wait is longer than this many milliseconds.
    pub max_delay_ms: Option<f64>,
    /// The whole call, waits included, stays within this many milliseconds.
    pub budget_ms: Option<f64>,
}

/// A client-side token bucket shared by every call of a client.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimitOptions {
    /// Requests per second on average.
    pub per_second: f64,
    /// Requests allowed at once (default 1).
    #[serde(default)]
    pub burst: Option<u32>,
}

/// Everything a client is configured with. All fields are optional; the defaults are the core's.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientOptions {
    /// Default `https://api.tailscale.com`.
    pub base_url: Option<String>,
    /// Default `-` (the credential's tailnet).
    pub tailnet: Option<String>,
    /// The whole `User-Agent`; default the binding's own (`tailnet-python/0.1.0`, …).
    pub user_agent: Option<String>,
    /// Appended to the `User-Agent` (`tailnet-swift/0.1.0 my-app/1.0`).
    pub user_agent_suffix: Option<String>,
    /// How requests authenticate (default: no `Authorization` header).
    pub auth: ClientAuth,
    /// Retry limits.
    pub retry: RetryOptions,
    /// Client-side rate limit (default none: send at once).
    pub rate_limit: Option<RateLimitOptions>,
    /// Response bodies larger than this many bytes are refused (default 64 MiB).
    pub max_response_bytes: Option<u64>,
}

fn millis(parameter: &str, value: Option<f64>, default: Duration) -> Result<Duration, Error> {
    match value {
        None => Ok(default),
        Some(ms) => Duration::try_from_secs_f64(ms / 1000.0).map_err(|_| BuildError::new(parameter, "must be a non-negative number of milliseconds").into()),
    }
}

fn required(parameter: &str, secret: &Secret) -> Result<Secret, Error> {
    if secret.expose().is_empty() {
        return Err(BuildError::new(parameter, "is required").into());
    }
    Ok(secret.clone())
}

fn required_id(client_id: &str) -> Result<String, Error> {
    if client_id.is_empty() {
        return Err(BuildError::new("auth.clientId", "is required").into());
    }
    Ok(client_id.to_owned())
}

impl ClientOptions {
    /// Base URL, tailnet and user agent (`default_user_agent` unless `user_agent` is set), without
    /// credentials.
    pub fn config(&self, default_user_agent: &str) -> Result<Config, Error> {
        let mut config = Config::new().user_agent(self.user_agent.as_deref().unwrap_or(default_user_agent))?;
        if let Some(suffix) = &self.user_agent_suffix {
            config = config.user_agent_suffix(suffix)?;
        }
        if let Some(url) = &self.base_url {
            config = config.base_url(url)?;
        }
        if let Some(tailnet) = &self.tailnet {
            config = config.tailnet(tailnet.clone())?;
        }
        Ok(config)
    }

    /// Where each attempt's credentials come from.
    pub fn auth(&self) -> Result<Auth, Error> {
        Ok(match &self.auth {
            ClientAuth::None => Auth::None,
            ClientAuth::ApiKey { api_key, basic: false } => Auth::Static(Credentials::ApiKey(required("auth.apiKey", api_key)?)),
            ClientAuth::ApiKey { api_key, basic: true } => Auth::Static(Credentials::ApiKeyBasic(required("auth.apiKey", api_key)?)),
            ClientAuth::AccessToken { access_token } => Auth::Static(Credentials::AccessToken(required("auth.accessToken", access_token)?)),
            ClientAuth::OAuth { client_id, client_secret, scopes } => {
                Auth::OAuth(OAuthClient::client_credentials(required_id(client_id)?, required("auth.clientSecret", client_secret)?, scopes.clone()))
            }
            ClientAuth::WorkloadIdentity { client_id, id_token } => {
                Auth::OAuth(OAuthClient::workload_identity(required_id(client_id)?, required("auth.idToken", id_token)?))
            }
        })
    }

    /// The config with static credentials applied, for building requests without a client (the
    /// sans-IO `buildRequest`); OAuth credentials need a client and are refused.
    pub fn config_with_credentials(&self, default_user_agent: &str) -> Result<Config, Error> {
        let config = self.config(default_user_agent)?;
        Ok(match self.auth()? {
            Auth::Static(credentials) => config.credentials(Some(credentials)),
            Auth::None => config,
            Auth::OAuth(_) => return Err(BuildError::new("auth", "building a request alone takes an API key or an access token, not OAuth client credentials").into()),
        })
    }

    /// The retry policy, with the core's defaults for what is left out.
    pub fn retry_policy(&self) -> Result<RetryPolicy, Error> {
        let defaults = RetryPolicy::default();
        let max_attempts = self.retry.max_attempts.unwrap_or(defaults.max_attempts);
        if max_attempts == 0 {
            return Err(BuildError::new("retry.maxAttempts", "must be at least 1").into());
        }
        Ok(RetryPolicy {
            max_attempts,
            base_delay: millis("retry.baseDelayMs", self.retry.base_delay_ms, defaults.base_delay)?,
            max_delay: millis("retry.maxDelayMs", self.retry.max_delay_ms, defaults.max_delay)?,
            budget: millis("retry.budgetMs", self.retry.budget_ms, defaults.budget)?,
        })
    }

    /// The session every call of one client shares. `jitter_seed` seeds backoff jitter (the core
    /// has no randomness: pass the clock or a random number).
    pub fn session(&self, default_user_agent: &str, jitter_seed: u64) -> Result<Session, Error> {
        let limiter = match &self.rate_limit {
            Some(limit) => Some(RateLimiter::new(limit.per_second, limit.burst.unwrap_or(1))?),
            None => None,
        };
        let mut session = Session::new(self.config(default_user_agent)?, self.auth()?)
            .with_retry(self.retry_policy()?)
            .with_rate_limiter(limiter)
            .with_jitter_seed(jitter_seed);
        if let Some(limit) = self.max_response_bytes {
            if limit == 0 {
                return Err(BuildError::new("maxResponseBytes", "must be at least 1").into());
            }
            session = session.with_max_response_bytes(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        Ok(session)
    }

    /// Options from their JSON form (camelCase names, as the npm package passes them); an
    /// unknown or mistyped option is a [`BuildError`] naming `options`.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        if text.trim().is_empty() {
            return Ok(ClientOptions::default());
        }
        serde_json::from_str(text).map_err(|e| BuildError::new("options", e.to_string()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_defaults_and_checks() {
        let options = ClientOptions::from_json(
            r#"{"baseUrl":"http://127.0.0.1:1","auth":{"kind":"oauth","clientId":"k1","clientSecret":"tskey-client-s","scopes":["devices:core"]},"retry":{"maxAttempts":2},"rateLimit":{"perSecond":5}}"#,
        )
        .unwrap();
        let session = options.session("ua/1", 1).unwrap();
        assert_eq!(session.retry.max_attempts, 2);
        assert_eq!(session.retry.base_delay, RetryPolicy::default().base_delay);
        assert!(matches!(session.auth, Auth::OAuth(_)));
        assert!(!format!("{options:?}").contains("tskey-client-s"), "secrets never in Debug");

        let unknown = ClientOptions::from_json(r#"{"apiKey":"x"}"#).unwrap_err();
        assert!(matches!(unknown, Error::Build(ref e) if e.parameter == "options"), "{unknown:?}");
        let check = |json: &str, parameter: &str| match ClientOptions::from_json(json).and_then(|o| o.session("ua/1", 1)) {
            Err(Error::Build(e)) => assert_eq!(e.parameter, parameter, "{json}"),
            other => panic!("{json}: {other:?}"),
        };
        check(r#"{"retry":{"maxAttempts":0}}"#, "retry.maxAttempts");
        check(r#"{"retry":{"baseDelayMs":-1}}"#, "retry.baseDelayMs");
        check(r#"{"rateLimit":{"perSecond":0}}"#, "rateLimit.perSecond");
        check(r#"{"auth":{"kind":"apiKey","apiKey":""}}"#, "auth.apiKey");
        check(r#"{"auth":{"kind":"workloadIdentity","clientId":"","idToken":"t"}}"#, "auth.clientId");
        check(r#"{"maxResponseBytes":0}"#, "maxResponseBytes");

        let basic = ClientOptions::from_json(r#"{"auth":{"kind":"apiKey","apiKey":"tskey-api-k","basic":true}}"#).unwrap();
        let config = basic.config_with_credentials("ua/1").unwrap();
        assert!(matches!(config.get_credentials(), Some(Credentials::ApiKeyBasic(_))));
        let oauth = ClientOptions { auth: ClientAuth::OAuth { client_id: "k".into(), client_secret: "s".into(), scopes: vec![] }, ..Default::default() };
        assert!(oauth.config_with_credentials("ua/1").is_err());
    }
}
