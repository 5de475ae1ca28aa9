//! Where requests go and how they authenticate.

use crate::error::BuildError;
use crate::secret::Secret;

/// The Tailscale API's origin; the API lives under `<base>/api/v2`.
pub const DEFAULT_BASE_URL: &str = "https://api.tailscale.com";
/// The credential's own tailnet; the recommended value.
pub const DEFAULT_TAILNET: &str = "-";
/// The library's own `User-Agent` product token, `tailnet/<crate version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("tailnet/", env!("CARGO_PKG_VERSION"));

/// How requests authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// An API access token (`tskey-api-…`) sent as `Authorization: Bearer …`.
    ApiKey(Secret),
    /// An API access token sent as the Basic-auth user name with an empty password.
    ApiKeyBasic(Secret),
    /// An OAuth access token obtained elsewhere, sent as `Authorization: Bearer …`.
    AccessToken(Secret),
}

impl Credentials {
    /// The `Authorization` header value.
    pub fn authorization(&self) -> String {
        use base64::Engine as _;
        match self {
            Credentials::ApiKey(key) | Credentials::AccessToken(key) => format!("Bearer {}", key.expose()),
            Credentials::ApiKeyBasic(key) => {
                let pair = format!("{}:", key.expose());
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
            }
        }
    }
}

/// Everything a request needs besides its own parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    base_url: String,
    tailnet: String,
    credentials: Option<Credentials>,
    user_agent: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: DEFAULT_BASE_URL.to_owned(),
            tailnet: DEFAULT_TAILNET.to_owned(),
            credentials: None,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }
}

impl Config {
    /// The default config: [`DEFAULT_BASE_URL`], [`DEFAULT_TAILNET`], [`DEFAULT_USER_AGENT`] and no credentials.
    pub fn new() -> Self {
        Self::default()
    }

    /// A config that authenticates with an API access token as a Bearer token.
    pub fn with_api_key(api_key: impl Into<Secret>) -> Self {
        Config { credentials: Some(Credentials::ApiKey(api_key.into())), ..Self::default() }
    }

    /// Any `http`/`https` URL with a host (Headscale, a proxy, a test server). A path prefix is
    /// kept; the API lives under `<base>/api/v2`.
    pub fn base_url(mut self, url: &str) -> Result<Self, BuildError> {
        self.base_url = validate_base_url(url)?;
        Ok(self)
    }

    /// The tailnet used when an operation's `tailnet` parameter is not given.
    pub fn tailnet(mut self, tailnet: impl Into<String>) -> Result<Self, BuildError> {
        let tailnet = tailnet.into();
        if tailnet.is_empty() {
            return Err(BuildError::new("tailnet", "must not be empty (use \"-\" for the credential's tailnet)"));
        }
        self.tailnet = tailnet;
        Ok(self)
    }

    /// Sets or clears (`None`) the credentials sent with authenticated operations.
    pub fn credentials(mut self, credentials: Option<Credentials>) -> Self {
        self.credentials = credentials;
        self
    }

    /// Replaces the whole `User-Agent` (default [`DEFAULT_USER_AGENT`]); it must be a valid header value
    /// (visible ASCII). Prefer [`Config::user_agent_suffix`] to keep the library's token.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Result<Self, BuildError> {
        let user_agent = user_agent.into();
        if http::HeaderValue::from_str(&user_agent).is_err() {
            return Err(BuildError::new("userAgent", "must be visible ASCII without control characters"));
        }
        self.user_agent = user_agent;
        Ok(self)
    }

    /// Appends a product token to the `User-Agent` (`tailnet/0.1.0 my-tool/2.3`), so your
    /// traffic is identifiable without losing the library's own token.
    pub fn user_agent_suffix(self, suffix: &str) -> Result<Self, BuildError> {
        let suffix = suffix.trim();
        if suffix.is_empty() {
            return Ok(self);
        }
        let user_agent = format!("{} {suffix}", self.user_agent);
        self.user_agent(user_agent)
    }

    /// The base URL, without a trailing `/`.
    pub fn get_base_url(&self) -> &str {
        &self.base_url
    }

    /// The default tailnet (`-` unless set).
    pub fn get_tailnet(&self) -> &str {
        &self.tailnet
    }

    /// The credentials, if any.
    pub fn get_credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// The full `User-Agent` header value.
    pub fn get_user_agent(&self) -> &str {
        &self.user_agent
    }
}

fn validate_base_url(url: &str) -> Result<String, BuildError> {
    let invalid = |reason: &str| BuildError::new("baseUrl", format!("{reason}: {url:?}"));
    let uri: http::Uri = url.parse().map_err(|_| invalid("not a valid URL"))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => return Err(invalid("must start with http:// or https://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(invalid("must not have a query or fragment"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_validation() {
        assert_eq!(Config::new().base_url("http://127.0.0.1:8080/").map(|c| c.base_url), Ok("http://127.0.0.1:8080".to_owned()));
        assert_eq!(Config::new().base_url("https://h.example/prefix").map(|c| c.base_url), Ok("https://h.example/prefix".to_owned()));
        for bad in ["ftp://x", "localhost:8080", "", "http://", "https://x/?q=1"] {
            let err = Config::new().base_url(bad).err();
            assert_eq!(err.map(|e| e.parameter), Some("baseUrl".to_owned()), "{bad}");
        }
    }

    #[test]
    fn user_agent_suffix_keeps_the_library_token() {
        let config = Config::new().user_agent_suffix("my-tool/2.3").unwrap();
        assert_eq!(config.get_user_agent(), format!("{DEFAULT_USER_AGENT} my-tool/2.3"));
        assert_eq!(Config::new().user_agent_suffix("bad\r\nX-Injected: 1").map(|_| ()).unwrap_err().parameter, "userAgent");
    }

    #[test]
    fn authorization_schemes_and_debug() {
        assert_eq!(Credentials::ApiKey("tskey-api-x".into()).authorization(), "Bearer tskey-api-x");
        assert_eq!(Credentials::ApiKeyBasic("k".into()).authorization(), "Basic azo=");
        let config = Config::with_api_key("tskey-api-SECRET");
        assert!(!format!("{config:?}").contains("SECRET"));
    }
}
