//! Sans-IO state machines that every client loop drives: OAuth token lifecycle, retries,
//! client-side rate limiting, redacted observation. The caller passes the time (`now`, a
//! monotonic [`Duration`] since any fixed point, and wall-clock Unix seconds where HTTP dates
//! matter) and does all sleeping and sending.
//!
//! [`Call`] ties them together: `poll` says what to do next (send this, wait that long, done),
//! `on_response` / `on_transport_error` report what happened.
//!
//! [`Duration`]: std::time::Duration

pub mod auth;
pub mod call;
pub mod hooks;
pub mod rate_limit;
pub mod retry;

pub use auth::{Auth, OAuthClient, TokenPoll, TokenTicket};
pub use call::{Call, ReportOutcome, Session, Step, TransportFailure};
pub use hooks::{Observation, Observer};
pub use rate_limit::RateLimiter;
pub use retry::{RetryDecision, RetryPolicy};
