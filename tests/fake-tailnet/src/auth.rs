//! Credentials: API keys (all scopes), OAuth clients and the expiring tokens they mint.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;

#[derive(Debug, Clone)]
pub struct OAuthClient {
    pub id: String,
    pub secret: String,
    pub scopes: Vec<String>,
}

impl OAuthClient {
    /// Parses `ID:SECRET:SCOPE[,SCOPE…]` (the secret may itself contain no colon).
    pub fn parse(s: &str) -> Result<OAuthClient, String> {
        let mut parts = s.splitn(3, ':');
        let (Some(id), Some(secret), Some(scopes)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("expected ID:SECRET:SCOPE[,SCOPE...], got {s:?}"));
        };
        Ok(OAuthClient {
            id: id.to_string(),
            secret: secret.to_string(),
            scopes: scopes.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        })
    }
}

struct Token {
    scopes: Vec<String>,
    expires: Instant,
}

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Principal {
    ApiKey,
    OAuth { scopes: Vec<String> },
}

pub struct Auth {
    api_keys: Vec<String>,
    clients: Vec<OAuthClient>,
    tokens: HashMap<String, Token>,
    pub ttl: Duration,
    counter: u64,
}

#[derive(Debug)]
pub enum AuthError {
    /// 401 with this message.
    Unauthorized(String),
    /// 400 with this message.
    BadRequest(String),
}

/// Whether `held` grants `needed`: `x` grants `x:read`; `all` grants everything; `all:read` any `:read`.
pub fn scope_grants(held: &str, needed: &str) -> bool {
    if held == needed || held == "all" {
        return true;
    }
    match needed.strip_suffix(":read") {
        Some(base) => held == base || held == "all:read",
        None => false,
    }
}

impl Auth {
    pub fn new(api_keys: Vec<String>, clients: Vec<OAuthClient>, ttl: Duration) -> Auth {
        Auth { api_keys, clients, tokens: HashMap::new(), ttl, counter: 0 }
    }

    pub fn add_client(&mut self, c: OAuthClient) {
        self.clients.retain(|x| x.id != c.id);
        self.clients.push(c);
    }

    pub fn update_scopes(&mut self, id: &str, scopes: Vec<String>) {
        if let Some(c) = self.clients.iter_mut().find(|c| c.id == id) {
            c.scopes = scopes;
        }
    }

    pub fn client_known(&self, id: &str) -> bool {
        self.clients.iter().any(|c| c.id == id)
    }

    /// Resolves the `Authorization` header value.
    pub fn authenticate(&mut self, header: Option<&str>) -> Result<Principal, AuthError> {
        let Some(h) = header else {
            return Err(AuthError::Unauthorized("API token invalid: missing Authorization header".into()));
        };
        let credential = if let Some(t) = h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")) {
            t.trim().to_string()
        } else if let Some(b) = h.strip_prefix("Basic ").or_else(|| h.strip_prefix("basic ")) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .ok_or_else(|| AuthError::Unauthorized("API token invalid: malformed basic auth".into()))?;
            // The key is the username; the password is empty.
            decoded.split(':').next().unwrap_or_default().to_string()
        } else {
            return Err(AuthError::Unauthorized("API token invalid: unsupported authorization scheme".into()));
        };
        if self.api_keys.contains(&credential) {
            return Ok(Principal::ApiKey);
        }
        let now = Instant::now();
        match self.tokens.get(&credential) {
            Some(t) if t.expires > now => Ok(Principal::OAuth { scopes: t.scopes.clone() }),
            Some(_) => Err(AuthError::Unauthorized("API token invalid: token expired".into())),
            None => Err(AuthError::Unauthorized("API token invalid".into())),
        }
    }

    /// Client-credentials grant: checks the secret and issues a token for the requested scopes.
    pub fn issue(&mut self, client_id: &str, secret: Option<&str>, scope: Option<&str>) -> Result<(String, Vec<String>), AuthError> {
        let Some(client) = self.clients.iter().find(|c| c.id == client_id).cloned() else {
            return Err(AuthError::Unauthorized("invalid client credentials".into()));
        };
        if let Some(s) = secret {
            if s != client.secret {
                return Err(AuthError::Unauthorized("invalid client credentials".into()));
            }
        }
        let requested: Vec<String> = scope.map(|s| s.split_whitespace().map(str::to_string).collect()).unwrap_or_default();
        let scopes = if requested.is_empty() {
            client.scopes.clone()
        } else {
            for r in &requested {
                if !client.scopes.iter().any(|h| scope_grants(h, r)) {
                    return Err(AuthError::BadRequest(format!("requested scope {r} is not granted to client {client_id}")));
                }
            }
            requested
        };
        self.counter += 1;
        self.tokens.retain(|_, t| t.expires > Instant::now());
        let token = format!("tskey-api-oauth{:06}-{}", self.counter, crate::util::text_hash(&format!("{client_id}{}{:?}", self.counter, Instant::now())));
        // An absurd --token-ttl must not overflow Instant: cap it at ten years.
        let now = Instant::now();
        let expires = now.checked_add(self.ttl).or_else(|| now.checked_add(Duration::from_secs(10 * 365 * 86_400))).unwrap_or(now);
        self.tokens.insert(token.clone(), Token { scopes: scopes.clone(), expires });
        Ok((token, scopes))
    }
}

/// The first required scope the principal lacks, when it lacks all of `needed` (any-of).
pub fn missing_scope(p: &Principal, needed: &[String]) -> Option<String> {
    match p {
        Principal::ApiKey => None,
        Principal::OAuth { scopes } => {
            if needed.is_empty() || needed.iter().any(|n| scopes.iter().any(|h| scope_grants(h, n))) {
                None
            } else {
                Some(needed.join(" or "))
            }
        }
    }
}
