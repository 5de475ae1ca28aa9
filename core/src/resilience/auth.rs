//! Credentials and the OAuth token lifecycle: fetch, cache until shortly before expiry, refresh
//! once for everyone (single flight), invalidate on 401.

use std::time::Duration;

use crate::config::{Config, Credentials};
use crate::error::Error;
use crate::models::{OAuthToken, OAuthTokenRequest, TokenExchangeRequest};
use crate::operation::Operation;
use crate::operations::{
    CreateOAuthToken, CreateOAuthTokenParams, ExchangeWorkloadIdentityToken, ExchangeWorkloadIdentityTokenParams,
};
use crate::request::HttpRequest;
use crate::response::HttpResponse;
use crate::secret::Secret;

/// Refresh this long before a token expires (or at half its lifetime, if that is shorter).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// A token fetch that has not reported back after this long is presumed lost; another may start.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(60);
/// Assumed lifetime when the token response omits `expires_in`.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Longest lifetime believed; tokens live an hour in practice.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Where a client's credentials come from.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No `Authorization` header (a proxy adds it, or the endpoint needs none).
    None,
    /// An API key or an access token managed by the caller.
    Static(Credentials),
    /// OAuth client credentials or workload identity: tokens fetched and refreshed as needed.
    OAuth(OAuthClient),
}

/// How to obtain an access token.
#[derive(Debug, Clone)]
pub enum TokenGrant {
    /// `POST /oauth/token` with client id + secret.
    ClientCredentials {
        /// The OAuth client's id.
        client_id: String,
        /// The OAuth client's secret (`tskey-client-…`).
        client_secret: Secret,
        /// Scopes to request, sent space-separated; empty asks for all the client's scopes.
        scopes: Vec<String>,
    },
    /// `POST /oauth/token-exchange` with client id + an OIDC ID token from the caller.
    WorkloadIdentity {
        /// The federated identity's client id.
        client_id: String,
        /// The OIDC ID token (a JWT) to exchange; replace it with [`OAuthClient::set_id_token`].
        id_token: Secret,
    },
}

/// Identifies one token fetch, so a late answer to an abandoned fetch is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenTicket(u64);

/// What a caller should do to get credentials right now.
#[derive(Debug)]
pub enum TokenPoll {
    /// Use these credentials.
    Ready(Credentials),
    /// Send this token request and report with [`OAuthClient::complete`] or [`OAuthClient::fail`].
    Fetch(TokenTicket, Box<HttpRequest>),
    /// Another call is fetching a token; ask again shortly.
    Wait,
}

/// The token state of one client.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    grant: TokenGrant,
    refresh_margin: Duration,
    token: Option<CachedToken>,
    in_flight: Option<(TokenTicket, Duration)>,
    next_ticket: u64,
    /// Token requests started, for observability and tests.
    pub fetches_started: u64,
}

#[derive(Debug, Clone)]
struct CachedToken {
    access_token: Secret,
    expires_at: Duration,
    refresh_at: Duration,
}

impl OAuthClient {
    /// Token state for the client-credentials grant (`POST /oauth/token`); empty `scopes` sends no
    /// `scope`, so the token gets all of the client's scopes.
    pub fn client_credentials(client_id: impl Into<String>, client_secret: impl Into<Secret>, scopes: Vec<String>) -> Self {
        Self::new(TokenGrant::ClientCredentials { client_id: client_id.into(), client_secret: client_secret.into(), scopes })
    }

    /// Token state for workload identity federation: `id_token` is exchanged at `POST /oauth/token-exchange`.
    pub fn workload_identity(client_id: impl Into<String>, id_token: impl Into<Secret>) -> Self {
        Self::new(TokenGrant::WorkloadIdentity { client_id: client_id.into(), id_token: id_token.into() })
    }

    fn new(grant: TokenGrant) -> Self {
        OAuthClient { grant, refresh_margin: DEFAULT_REFRESH_MARGIN, token: None, in_flight: None, next_ticket: 1, fetches_started: 0 }
    }

    /// How long before expiry a token is refreshed (default [`DEFAULT_REFRESH_MARGIN`], 5 min; capped
    /// at half the token's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Replaces the ID token used for workload identity (they are short-lived too).
    pub fn set_id_token(&mut self, id_token: impl Into<Secret>) {
        if let TokenGrant::WorkloadIdentity { id_token: current, .. } = &mut self.grant {
            *current = id_token.into();
        }
    }

    /// Credentials for a request at `now`, or the token request to send first.
    pub fn poll(&mut self, config: &Config, now: Duration) -> Result<TokenPoll, Error> {
        if let Some((_, started)) = self.in_flight {
            if now.saturating_sub(started) >= FETCH_TIMEOUT {
                self.in_flight = None;
            }
        }
        let valid = self.token.as_ref().filter(|t| now < t.expires_at);
        match (valid, self.in_flight) {
            // Valid and fresh, or valid while someone else refreshes it.
            (Some(token), Some(_)) => Ok(TokenPoll::Ready(Credentials::AccessToken(token.access_token.clone()))),
            (Some(token), None) if now < token.refresh_at => Ok(TokenPoll::Ready(Credentials::AccessToken(token.access_token.clone()))),
            (None, Some(_)) => Ok(TokenPoll::Wait),
            // Expired, missing, or due for refresh, and nobody is fetching: this caller fetches.
            (_, None) => {
                let request = self.token_request(config)?;
                let ticket = TokenTicket(self.next_ticket);
                self.next_ticket += 1;
                self.in_flight = Some((ticket, now));
                self.fetches_started += 1;
                Ok(TokenPoll::Fetch(ticket, Box::new(request)))
            }
        }
    }

    fn token_request(&self, config: &Config) -> Result<HttpRequest, Error> {
        match &self.grant {
            TokenGrant::ClientCredentials { client_id, client_secret, scopes } => {
                let body = OAuthTokenRequest {
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    scope: if scopes.is_empty() { None } else { Some(scopes.join(" ")) },
                    extra: Default::default(),
                };
                CreateOAuthToken::build(config, &CreateOAuthTokenParams { body })
            }
            TokenGrant::WorkloadIdentity { client_id, id_token } => {
                let body = TokenExchangeRequest { client_id: client_id.clone(), jwt: id_token.clone(), extra: Default::default() };
                ExchangeWorkloadIdentityToken::build(config, &ExchangeWorkloadIdentityTokenParams { body })
            }
        }
    }

    /// Reports the answer to a token request. A 4xx/5xx answer is returned as the error.
    pub fn complete(&mut self, ticket: TokenTicket, response: &HttpResponse, now: Duration) -> Result<(), Error> {
        let current = self.in_flight.map(|(t, _)| t) == Some(ticket);
        if current {
            self.in_flight = None;
        }
        let token: OAuthToken = CreateOAuthToken::parse(response)?;
        let Some(access_token) = token.access_token.filter(|t| !t.is_empty()) else {
            return Err(crate::error::DecodeError::new(response.status, "access_token", "missing or empty access token", b"", None).into());
        };
        // Only the answer to the current fetch replaces the token (a late one is dropped).
        if current || self.token.is_none() {
            // A hostile or broken `expires_in` must not overflow the clock arithmetic.
            let lifetime = token
                .expires_in
                .filter(|s| *s > 0)
                .map(|s| Duration::from_secs((s as u64).min(MAX_TOKEN_LIFETIME.as_secs())))
                .unwrap_or(DEFAULT_TOKEN_LIFETIME);
            let margin = self.refresh_margin.min(lifetime / 2);
            self.token = Some(CachedToken {
                access_token,
                expires_at: now.saturating_add(lifetime),
                refresh_at: now.saturating_add(lifetime - margin),
            });
        }
        Ok(())
    }

    /// Reports that a token request failed before an answer arrived; the next poll fetches again.
    pub fn fail(&mut self, ticket: TokenTicket) {
        if self.in_flight.map(|(t, _)| t) == Some(ticket) {
            self.in_flight = None;
        }
    }

    /// A request made with `used` got 401: drop that token so the next poll fetches a new one.
    /// A token already replaced by a newer one is left alone.
    pub fn invalidate(&mut self, used: &Credentials) {
        let Credentials::AccessToken(used) = used else { return };
        if self.token.as_ref().is_some_and(|t| &t.access_token == used) {
            self.token = None;
        }
    }

    /// Whether a cached token is still unexpired at `now` (it may be due for refresh).
    pub fn has_token(&self, now: Duration) -> bool {
        self.token.as_ref().is_some_and(|t| now < t.expires_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_response(token: &str, expires_in: u64) -> HttpResponse {
        HttpResponse::new(200, format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{expires_in},"scope":"all"}}"#))
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn single_flight_then_ready_then_refresh_ahead_of_expiry() {
        let config = Config::new();
        let mut oauth = OAuthClient::client_credentials("cid", "tskey-client-cid-S", vec!["devices:core".into()]);
        let TokenPoll::Fetch(ticket, request) = oauth.poll(&config, secs(0)).unwrap() else { panic!("expected a fetch") };
        assert_eq!(request.url, "https://api.tailscale.com/api/v2/oauth/token");
        assert!(request.header("authorization").is_none());
        // Everyone else waits while the fetch is in flight.
        for _ in 0..100 {
            assert!(matches!(oauth.poll(&config, secs(1)).unwrap(), TokenPoll::Wait));
        }
        oauth.complete(ticket, &token_response("t1", 3600), secs(2)).unwrap();
        assert!(matches!(oauth.poll(&config, secs(3)).unwrap(), TokenPoll::Ready(Credentials::AccessToken(t)) if t.expose() == "t1"));
        // Within the refresh margin: one caller refreshes, the others keep the still-valid token.
        assert!(matches!(oauth.poll(&config, secs(3400)).unwrap(), TokenPoll::Fetch(..)));
        assert!(matches!(oauth.poll(&config, secs(3401)).unwrap(), TokenPoll::Ready(_)));
        assert_eq!(oauth.fetches_started, 2);
    }

    #[test]
    fn invalidate_on_401_and_fail_releases_the_flight() {
        let config = Config::new();
        let mut oauth = OAuthClient::workload_identity("cid", "eyJ.id.token");
        let TokenPoll::Fetch(t1, request) = oauth.poll(&config, secs(0)).unwrap() else { panic!() };
        assert!(request.url.ends_with("/oauth/token-exchange"));
        oauth.fail(t1);
        let TokenPoll::Fetch(t2, _) = oauth.poll(&config, secs(1)).unwrap() else { panic!() };
        oauth.complete(t2, &token_response("t2", 3600), secs(1)).unwrap();
        oauth.invalidate(&Credentials::AccessToken("t2".into()));
        assert!(!oauth.has_token(secs(2)));
        assert!(matches!(oauth.poll(&config, secs(2)).unwrap(), TokenPoll::Fetch(..)));
    }

    #[test]
    fn absurd_lifetimes_do_not_overflow() {
        let config = Config::new();
        let mut oauth = OAuthClient::client_credentials("cid", "s", vec![]);
        let TokenPoll::Fetch(ticket, _) = oauth.poll(&config, Duration::MAX - secs(1)).unwrap() else { panic!() };
        oauth.complete(ticket, &token_response("t", u64::MAX / 2), Duration::MAX - secs(1)).unwrap();
        assert!(oauth.has_token(Duration::MAX - secs(1)));
    }

    #[test]
    fn a_rejected_token_request_is_an_api_error() {
        let config = Config::new();
        let mut oauth = OAuthClient::client_credentials("cid", "bad", vec![]);
        let TokenPoll::Fetch(ticket, _) = oauth.poll(&config, secs(0)).unwrap() else { panic!() };
        let err = oauth.complete(ticket, &HttpResponse::new(401, r#"{"message":"invalid client"}"#), secs(0)).unwrap_err();
        assert_eq!(err.status(), Some(401));
        assert!(matches!(oauth.poll(&config, secs(0)).unwrap(), TokenPoll::Fetch(..)));
    }
}
