//! When to try again, and after how long.
//!
//! Safe by construction: a request that the server may have received is repeated only when the
//! operation is idempotent ([`crate::OperationInfo::idempotent`]). A 429 means the request was
//! not processed, so it is retried for every operation.

use std::time::Duration;

use crate::error::RetryAfter;
use crate::operation::OperationInfo;
use crate::response::HttpResponse;

/// Limits for retrying one call. All configurable; the defaults suit interactive tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each time (full jitter).
    pub base_delay: Duration,
    /// No single wait is longer than this. A `Retry-After` beyond it ends the call instead.
    pub max_delay: Duration,
    /// The whole call, waits included, stays within this budget.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            budget: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }
}

/// What happened to one attempt.
#[derive(Debug, Clone, Copy)]
pub enum AttemptOutcome<'a> {
    /// A response arrived, with any status.
    Response(&'a HttpResponse),
    /// No response. `maybe_sent` is false only when the request certainly never left
    /// (connection refused, DNS failure); a timeout or a reset may come after the server acted.
    TransportFailure {
        /// Whether the server may have received the request.
        maybe_sent: bool,
    },
}

/// What [`RetryPolicy::decide`] says to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then send again.
    RetryAfter(Duration),
    /// Stop and report the outcome as it is.
    GiveUp,
}

impl RetryPolicy {
    /// Decides after attempt number `attempt` (1-based), `elapsed` into the call.
    /// `now_unix_seconds` resolves `Retry-After` dates; `jitter` is a caller-supplied random
    /// number in `[0, 1)` (the core has no randomness of its own).
    pub fn decide(
        &self,
        operation: &OperationInfo,
        attempt: u32,
        outcome: AttemptOutcome<'_>,
        elapsed: Duration,
        now_unix_seconds: u64,
        jitter: f64,
    ) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        let delay = match outcome {
            AttemptOutcome::Response(response) => {
                let retryable = match response.status {
                    429 => true,
                    502..=504 => operation.idempotent,
                    _ => false,
                };
                if !retryable {
                    return RetryDecision::GiveUp;
                }
                match response.header("retry-after").and_then(RetryAfter::parse) {
                    Some(retry_after) => {
                        let wanted = Duration::from_secs(retry_after.delay_seconds(now_unix_seconds));
                        if wanted > self.max_delay {
                            return RetryDecision::GiveUp;
                        }
                        wanted
                    }
                    None => self.backoff(attempt, jitter),
                }
            }
            AttemptOutcome::TransportFailure { maybe_sent } => {
                if maybe_sent && !operation.idempotent {
                    return RetryDecision::GiveUp;
                }
                self.backoff(attempt, jitter)
            }
        };
        if elapsed.saturating_add(delay) > self.budget {
            return RetryDecision::GiveUp;
        }
        RetryDecision::RetryAfter(delay)
    }

    /// Full jitter: uniform in `[0, min(max_delay, base · 2^(attempt-1))]`.
    fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let ceiling = self.base_delay.saturating_mul(1u32 << exponent).min(self.max_delay);
        let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.0 };
        ceiling.mul_f64(jitter).min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::operations::{CreateKey, GetDevice};

    fn response(status: u16, retry_after: Option<&str>) -> HttpResponse {
        let r = HttpResponse::new(status, "");
        match retry_after {
            Some(v) => r.with_header("retry-after", v),
            None => r,
        }
    }

    #[test]
    fn retry_after_is_honoured_for_429_even_on_a_post() {
        let policy = RetryPolicy::default();
        let r = response(429, Some("3"));
        let d = policy.decide(&CreateKey::INFO, 1, AttemptOutcome::Response(&r), Duration::ZERO, 0, 0.5);
        assert_eq!(d, RetryDecision::RetryAfter(Duration::from_secs(3)));
        let r = response(429, Some("Thu, 01 Jan 1970 00:00:10 GMT"));
        let d = policy.decide(&CreateKey::INFO, 1, AttemptOutcome::Response(&r), Duration::ZERO, 4, 0.5);
        assert_eq!(d, RetryDecision::RetryAfter(Duration::from_secs(6)));
        let r = response(429, Some("3600"));
        assert_eq!(policy.decide(&GetDevice::INFO, 1, AttemptOutcome::Response(&r), Duration::ZERO, 0, 0.5), RetryDecision::GiveUp);
    }

    #[test]
    fn server_errors_and_resets_retry_only_idempotent_operations() {
        let policy = RetryPolicy::default();
        let r = response(503, None);
        assert!(matches!(policy.decide(&GetDevice::INFO, 1, AttemptOutcome::Response(&r), Duration::ZERO, 0, 0.5), RetryDecision::RetryAfter(_)));
        assert_eq!(policy.decide(&CreateKey::INFO, 1, AttemptOutcome::Response(&r), Duration::ZERO, 0, 0.5), RetryDecision::GiveUp);
        let reset = AttemptOutcome::TransportFailure { maybe_sent: true };
        assert_eq!(policy.decide(&CreateKey::INFO, 1, reset, Duration::ZERO, 0, 0.5), RetryDecision::GiveUp);
        let refused = AttemptOutcome::TransportFailure { maybe_sent: false };
        assert!(matches!(policy.decide(&CreateKey::INFO, 1, refused, Duration::ZERO, 0, 0.5), RetryDecision::RetryAfter(_)));
        let r = response(500, None);
        assert_eq!(policy.decide(&GetDevice::INFO, 1, AttemptOutcome::Response(&r), Duration::ZERO, 0, 0.5), RetryDecision::GiveUp);
    }
}
