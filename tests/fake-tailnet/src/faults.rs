//! Injected failures (applied to the next N matching /api/v2 requests) and a token-bucket limiter.

use std::time::Instant;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// `status` | `html` | `truncated` | `delay` | `reset`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Retry-After header value (status faults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
    /// How many requests this applies to (default 1).
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// Truncation style: `cut` (body cut in half, Content-Length matching the cut: the JSON is
    /// broken) or `length` (full Content-Length announced, half sent, connection closed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only requests whose path (including /api/v2) starts with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
}

fn one() -> u32 {
    1
}

impl Fault {
    pub fn check(&self) -> Result<(), String> {
        match self.kind.as_str() {
            "status" | "html" => match self.status {
                Some(s) if (100..=599).contains(&s) => Ok(()),
                Some(s) => Err(format!("status {s} out of range")),
                None if self.kind == "html" => Ok(()),
                None => Err("status fault needs \"status\"".into()),
            },
            "truncated" => match self.mode.as_deref() {
                None | Some("cut") | Some("length") => Ok(()),
                Some(m) => Err(format!("unknown truncation mode {m:?} (cut|length)")),
            },
            "delay" if self.ms.is_none() => Err("delay fault needs \"ms\"".into()),
            "delay" | "reset" => Ok(()),
            k => Err(format!("unknown fault kind {k:?} (status|html|truncated|delay|reset)")),
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method)) && self.path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
    }
}

/// Takes the first fault that applies to this request, consuming one of its uses.
pub fn take(faults: &mut Vec<Fault>, method: &str, path: &str) -> Option<Fault> {
    let i = faults.iter().position(|f| f.count > 0 && f.matches(method, path))?;
    let f = faults.get_mut(i)?;
    f.count -= 1;
    let out = f.clone();
    if f.count == 0 {
        faults.remove(i);
    }
    Some(out)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitConfig {
    pub per_second: f64,
    #[serde(default)]
    pub burst: Option<f64>,
}

pub struct RateLimiter {
    pub config: RateLimitConfig,
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    pub fn new(config: RateLimitConfig) -> Result<RateLimiter, String> {
        if !(config.per_second > 0.0 && config.per_second.is_finite()) {
            return Err("perSecond must be a positive number".into());
        }
        let burst = config.burst.unwrap_or(config.per_second).max(1.0);
        Ok(RateLimiter { config: RateLimitConfig { burst: Some(burst), ..config }, tokens: burst, last: Instant::now() })
    }

    /// Ok when a token was available; Err(seconds to wait, rounded up) otherwise.
    pub fn acquire(&mut self) -> Result<(), u64> {
        let now = Instant::now();
        let burst = self.config.burst.unwrap_or(1.0);
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.config.per_second).min(burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - self.tokens) / self.config.per_second).ceil() as u64).max(1))
        }
    }
}
