//! An optional client-side token bucket: at most `burst` requests at once, refilled at `rate`
//! per second.

use std::time::Duration;

/// A token bucket holding up to `burst` tokens, refilled at `per_second`; one token per attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    tokens: f64,
    last: Option<Duration>,
}

impl RateLimiter {
    /// `per_second` must be positive; `burst` is at least 1.
    pub fn new(per_second: f64, burst: u32) -> Result<Self, crate::BuildError> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return Err(crate::BuildError::new("rateLimit.perSecond", "must be a positive number"));
        }
        let burst = f64::from(burst.max(1));
        Ok(RateLimiter { per_second, burst, tokens: burst, last: None })
    }

    /// Takes one token at `now`. Returns how long to wait before sending: zero when a token was
    /// available; otherwise the token is reserved (the bucket goes into debt) and the caller waits,
    /// so concurrent callers queue fairly instead of polling.
    pub fn acquire(&mut self, now: Duration) -> Duration {
        if let Some(last) = self.last {
            let elapsed = now.saturating_sub(last).as_secs_f64();
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        }
        self.last = Some(now.max(self.last.unwrap_or(now)));
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.per_second)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_paced() {
        let mut limiter = RateLimiter::new(2.0, 3).unwrap();
        let t0 = Duration::from_secs(10);
        assert_eq!(limiter.acquire(t0), Duration::ZERO);
        assert_eq!(limiter.acquire(t0), Duration::ZERO);
        assert_eq!(limiter.acquire(t0), Duration::ZERO);
        assert_eq!(limiter.acquire(t0), Duration::from_millis(500));
        assert_eq!(limiter.acquire(t0), Duration::from_millis(1000));
        // After the debt is paid off and a second more, two tokens are back.
        assert_eq!(limiter.acquire(t0 + Duration::from_secs(2)), Duration::ZERO);
        assert!(RateLimiter::new(0.0, 1).is_err());
    }
}
