//! The client loop as a state machine: rate limit → credentials → send → retry or finish.
//!
//! A [`Session`] is shared by all calls of one client (behind the binding's lock; no IO happens
//! while it is held). A [`Call`] is one operation invocation. The binding's loop:
//!
//! ```text
//! loop {
//!     match call.poll(&mut session, now) {
//!         Step::Send(request) => match transport.send(request) {
//!             Ok(response) => call.on_response(&mut session, response, now, unix_now),
//!             Err(failure) => call.on_transport_error(&mut session, failure, now, unix_now),
//!         },
//!         Step::Wait(duration) => sleep(duration),
//!         Step::Done(result) => return result.and_then(|response| Op::parse(&response)),
//!     }
//! }
//! ```

use std::time::Duration;

use crate::config::{Config, Credentials};
use crate::error::Error;
use crate::operation::OperationInfo;
use crate::request::HttpRequest;
use crate::response::HttpResponse;

use super::auth::{Auth, TokenPoll, TokenTicket};
use super::hooks::Observation;
use super::rate_limit::RateLimiter;
use super::retry::{AttemptOutcome, RetryDecision, RetryPolicy};

/// Default cap on response bodies: far above the largest real answer (a 10,000-device
/// `fields=all` list is ~14 MB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// How often a call waiting for another call's token fetch asks again.
pub const TOKEN_WAIT_POLL: Duration = Duration::from_millis(20);

/// State shared by every call of one client.
#[derive(Debug, Clone)]
pub struct Session {
    /// Base URL, default tailnet and user agent; its static credentials are not used (see `auth`).
    pub config: Config,
    /// Where each attempt's credentials come from, including the cached OAuth token.
    pub auth: Auth,
    /// Retry limits for every call (default [`RetryPolicy::default`]).
    pub retry: RetryPolicy,
    /// Client-side rate limit shared by all calls; `None` (the default) sends at once.
    pub rate_limiter: Option<RateLimiter>,
    /// Transports refuse response bodies larger than this (a hostile server cannot exhaust memory).
    pub max_response_bytes: usize,
    /// Calls record an [`Observation`] of every request and its outcome (secrets masked), taken
    /// with [`Call::take_observations`]; off by default (nothing is recorded).
    pub observe: bool,
    /// xorshift state for backoff jitter (seeded by the caller; the core has no randomness).
    jitter_state: u64,
}

impl Session {
    /// A session with default retries, no rate limit and the default response size cap.
    pub fn new(config: Config, auth: Auth) -> Self {
        Session {
            config,
            auth,
            retry: RetryPolicy::default(),
            rate_limiter: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            observe: false,
            jitter_state: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets (or, with `None`, removes) the client-side rate limit.
    pub fn with_rate_limiter(mut self, limiter: Option<RateLimiter>) -> Self {
        self.rate_limiter = limiter;
        self
    }

    /// Sets the response body cap in bytes (default [`DEFAULT_MAX_RESPONSE_BYTES`], 64 MiB).
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Turns observations on or off (see [`Session::observe`]).
    pub fn with_observations(mut self, observe: bool) -> Self {
        self.observe = observe;
        self
    }

    /// Seeds backoff jitter (e.g. from the clock at start-up).
    pub fn with_jitter_seed(mut self, seed: u64) -> Self {
        self.jitter_state = seed | 1;
        self
    }

    fn next_jitter(&mut self) -> f64 {
        let mut x = self.jitter_state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter_state = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Token requests started so far (OAuth only).
    pub fn token_fetches(&self) -> u64 {
        match &self.auth {
            Auth::OAuth(oauth) => oauth.fetches_started,
            _ => 0,
        }
    }
}

/// A state machine a client loop reports a request's outcome to ([`Call`] and
/// [`crate::policy::PolicyUpdate`]), so one send helper serves both.
pub trait ReportOutcome {
    /// Reports the response to the request of the last send step.
    fn report_response(&mut self, session: &mut Session, response: HttpResponse, now: Duration, now_unix_seconds: u64);
    /// Reports that the request of the last send step got no response.
    fn report_failure(&mut self, session: &mut Session, failure: TransportFailure, now: Duration, now_unix_seconds: u64);
    /// The observations recorded since the last take.
    fn drain_observations(&mut self) -> Vec<Observation>;
}

impl ReportOutcome for Call {
    fn report_response(&mut self, session: &mut Session, response: HttpResponse, now: Duration, now_unix_seconds: u64) {
        self.on_response(session, response, now, now_unix_seconds);
    }
    fn report_failure(&mut self, session: &mut Session, failure: TransportFailure, now: Duration, now_unix_seconds: u64) {
        self.on_transport_error(session, failure, now, now_unix_seconds);
    }
    fn drain_observations(&mut self) -> Vec<Observation> {
        self.take_observations()
    }
}

/// A transport's report that no response arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    /// What went wrong; the message of the final [`Error::Transport`] (secrets masked there).
    pub message: String,
    /// False only when the request certainly never reached the server (connection refused,
    /// DNS failure). Timeouts and resets are "maybe sent".
    pub maybe_sent: bool,
    /// The attempt timed out (also counts as maybe sent).
    pub timed_out: bool,
}

impl TransportFailure {
    /// A transport's report, its message scrubbed of secrets (a transport's error text may
    /// quote a URL or header).
    pub fn new(message: &str, maybe_sent: bool, timed_out: bool) -> Self {
        TransportFailure { message: crate::secret::redact_secrets(message), maybe_sent, timed_out }
    }

    /// A response refused for its size: the body went over `limit` bytes (it was sent).
    pub fn too_large(limit: usize) -> Self {
        TransportFailure { message: format!("response larger than the {limit} byte limit"), maybe_sent: true, timed_out: false }
    }
}

/// What the caller does next.
#[derive(Debug)]
pub enum Step {
    /// Send this request and report the outcome.
    Send(Box<HttpRequest>),
    /// Sleep this long, then poll again.
    Wait(Duration),
    /// Finished: the final response (parse it with the operation), or an error that ended the call.
    Done(Result<HttpResponse, Error>),
}

#[derive(Debug)]
enum State {
    /// Ready to start an attempt (rate limit not yet taken).
    Start,
    /// Rate-limit token held; waiting for credentials.
    NeedCredentials,
    AwaitingToken(TokenTicket),
    AwaitingResponse { credentials: Option<Credentials> },
    Finished,
}

use crate::registry::RequestBuilder;

/// One invocation of one operation, across its attempts.
pub struct Call {
    operation: &'static OperationInfo,
    build: RequestBuilder,
    state: State,
    attempt: u32,
    started: Option<Duration>,
    retried_unauthorized: bool,
    wait_first: Option<Duration>,
    pending_done: Option<Result<HttpResponse, Error>>,
    /// Recorded when the session observes; see [`Call::take_observations`].
    observations: Vec<Observation>,
    /// The request in flight, for its outcome's observation.
    in_flight: Option<InFlight>,
}

/// What the observation of an attempt's outcome repeats from its request.
#[derive(Debug)]
struct InFlight {
    method: String,
    url: String,
    attempt: u32,
    sent_at: Duration,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").field("operation", &self.operation.id).field("state", &self.state).field("attempt", &self.attempt).finish()
    }
}

impl Call {
    /// `build` makes the request for a config carrying the current credentials; it is called
    /// once per attempt (a refreshed token changes the `Authorization` header).
    pub fn new(
        operation: &'static OperationInfo,
        build: impl Fn(&Config) -> Result<HttpRequest, Error> + Send + Sync + 'static,
    ) -> Self {
        Call::with_builder(operation, Box::new(build))
    }

    fn with_builder(operation: &'static OperationInfo, build: RequestBuilder) -> Self {
        Call {
            operation,
            build,
            state: State::Start,
            attempt: 0,
            started: None,
            retried_unauthorized: false,
            wait_first: None,
            pending_done: None,
            observations: Vec::new(),
            in_flight: None,
        }
    }

    /// A call of any operation by id with JSON parameters (what the bindings use). The parameters
    /// are checked and decoded here, once: a parameter that does not fit is this call's error.
    pub fn by_id(operation_id: &str, params: serde_json::Value) -> Result<Self, Error> {
        let info = crate::registry::find(operation_id)
            .ok_or_else(|| crate::BuildError::new("operationId", format!("unknown operation {operation_id:?}")))?;
        Ok(Call::with_builder(info, crate::registry::builder(info.id, params)?))
    }

    /// The operation being called.
    pub fn operation(&self) -> &'static OperationInfo {
        self.operation
    }

    /// Attempts sent so far (token requests not counted).
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Advances the call at `now` (monotonic time): takes a rate-limit token, obtains credentials
    /// (possibly a token request to send first) and returns the next [`Step`]. Call it again after each
    /// wait or reported outcome, until [`Step::Done`].
    pub fn poll(&mut self, session: &mut Session, now: Duration) -> Step {
        if let Some(done) = self.pending_done.take() {
            self.state = State::Finished;
            return Step::Done(done);
        }
        if let Some(delay) = self.wait_first.take() {
            return Step::Wait(delay);
        }
        let started = *self.started.get_or_insert(now);
        loop {
            match &self.state {
                State::Finished => {
                    return Step::Done(Err(Error::transport("the call already finished", false)));
                }
                State::Start => {
                    self.state = State::NeedCredentials;
                    if let Some(limiter) = session.rate_limiter.as_mut() {
                        let wait = limiter.acquire(now);
                        if !wait.is_zero() {
                            return Step::Wait(wait);
                        }
                    }
                }
                State::NeedCredentials => {
                    let credentials = if !self.operation.authenticated {
                        None
                    } else {
                        match &mut session.auth {
                            Auth::None => None,
                            Auth::Static(credentials) => Some(credentials.clone()),
                            Auth::OAuth(oauth) => match oauth.poll(&session.config, now) {
                                Ok(TokenPoll::Ready(credentials)) => Some(credentials),
                                Ok(TokenPoll::Fetch(ticket, request)) => {
                                    self.state = State::AwaitingToken(ticket);
                                    return self.send(session, request, now);
                                }
                                Ok(TokenPoll::Wait) => {
                                    if now.saturating_sub(started) > session.retry.budget {
                                        return self.finish(Err(Error::transport("timed out waiting for an OAuth token", true)));
                                    }
                                    return Step::Wait(TOKEN_WAIT_POLL);
                                }
                                Err(e) => return self.finish(Err(e)),
                            },
                        }
                    };
                    let config = session.config.clone().credentials(credentials.clone());
                    return match (self.build)(&config) {
                        Ok(request) => {
                            self.attempt += 1;
                            self.state = State::AwaitingResponse { credentials };
                            self.send(session, Box::new(request), now)
                        }
                        Err(e) => self.finish(Err(e)),
                    };
                }
                State::AwaitingToken(_) | State::AwaitingResponse { .. } => {
                    return Step::Done(Err(Error::transport("poll called while a request is outstanding", false)));
                }
            }
        }
    }

    /// Reports the response to the last [`Step::Send`] (a token request or the operation's request).
    /// Decides whether to retry (a 401 on an OAuth token is retried once with a fresh token); the next
    /// [`Call::poll`] waits, sends again or finishes.
    pub fn on_response(&mut self, session: &mut Session, response: HttpResponse, now: Duration, now_unix_seconds: u64) {
        self.observe_outcome(now, Some(&response), None);
        let started = self.started.unwrap_or(now);
        match std::mem::replace(&mut self.state, State::Start) {
            State::AwaitingToken(ticket) => {
                if let Auth::OAuth(oauth) = &mut session.auth {
                    if let Err(e) = oauth.complete(ticket, &response, now) {
                        self.pending_done = Some(Err(e));
                    }
                }
                self.state = State::NeedCredentials;
            }
            State::AwaitingResponse { credentials } => {
                // A 401 on a cached OAuth token: drop it and try once more with a fresh one.
                if response.status == 401 && !self.retried_unauthorized {
                    if let (Auth::OAuth(oauth), Some(used)) = (&mut session.auth, credentials.as_ref()) {
                        oauth.invalidate(used);
                        self.retried_unauthorized = true;
                        self.state = State::Start;
                        return;
                    }
                }
                let jitter = session.next_jitter();
                let elapsed = now.saturating_sub(started);
                let decision = session.retry.decide(self.operation, self.attempt, AttemptOutcome::Response(&response), elapsed, now_unix_seconds, jitter);
                match decision {
                    RetryDecision::RetryAfter(delay) => {
                        self.state = State::Start;
                        self.pending_wait(delay);
                    }
                    RetryDecision::GiveUp => self.pending_done = Some(Ok(response)),
                }
            }
            other => self.state = other,
        }
    }

    /// Reports that the last [`Step::Send`] got no response. Retried when safe (see
    /// [`RetryPolicy::decide`]); otherwise the next [`Call::poll`] finishes with [`Error::Transport`].
    pub fn on_transport_error(&mut self, session: &mut Session, failure: TransportFailure, now: Duration, now_unix_seconds: u64) {
        self.observe_outcome(now, None, Some(&failure.message));
        let started = self.started.unwrap_or(now);
        match std::mem::replace(&mut self.state, State::Start) {
            State::AwaitingToken(ticket) => {
                if let Auth::OAuth(oauth) = &mut session.auth {
                    oauth.fail(ticket);
                }
                // Token requests are safe to repeat; count them against the call's attempts.
                self.attempt += 1;
                self.retry_or_fail(session, failure, false, now.saturating_sub(started), now_unix_seconds);
            }
            State::AwaitingResponse { .. } => {
                let maybe_sent = failure.maybe_sent;
                self.retry_or_fail(session, failure, maybe_sent, now.saturating_sub(started), now_unix_seconds);
            }
            other => self.state = other,
        }
    }

    fn retry_or_fail(&mut self, session: &mut Session, failure: TransportFailure, maybe_sent: bool, elapsed: Duration, now_unix_seconds: u64) {
        let jitter = session.next_jitter();
        let outcome = AttemptOutcome::TransportFailure { maybe_sent };
        match session.retry.decide(self.operation, self.attempt, outcome, elapsed, now_unix_seconds, jitter) {
            RetryDecision::RetryAfter(delay) => {
                self.state = State::Start;
                self.pending_wait(delay);
            }
            RetryDecision::GiveUp => {
                let message = if maybe_sent && !self.operation.idempotent {
                    format!("{} (not retried: `{}` is not idempotent and may have reached the server)", failure.message, self.operation.id)
                } else {
                    failure.message
                };
                self.pending_done = Some(Err(Error::transport(message, failure.timed_out)));
            }
        }
    }

    /// Observations recorded since the last take (the session must observe, see
    /// [`Session::observe`]): each request as it is handed out, each outcome as it is reported.
    pub fn take_observations(&mut self) -> Vec<Observation> {
        std::mem::take(&mut self.observations)
    }

    fn send(&mut self, session: &Session, request: Box<HttpRequest>, now: Duration) -> Step {
        if session.observe {
            let observation = Observation::request(self.operation.id, &request, self.attempt);
            if let Observation::Request { method, url, .. } = &observation {
                self.in_flight = Some(InFlight { method: method.clone(), url: url.clone(), attempt: self.attempt, sent_at: now });
            }
            self.observations.push(observation);
        }
        Step::Send(request)
    }

    fn observe_outcome(&mut self, now: Duration, response: Option<&HttpResponse>, failure: Option<&str>) {
        if let Some(sent) = self.in_flight.take() {
            self.observations.push(Observation::Response {
                operation: self.operation.id.to_owned(),
                method: sent.method,
                url: sent.url,
                status: response.map(|r| r.status),
                duration_ms: now.saturating_sub(sent.sent_at).as_millis().min(u128::from(u64::MAX)) as u64,
                attempt: sent.attempt,
                body_bytes: response.map_or(0, |r| r.body.len()),
                error: failure.map(crate::secret::redact_secrets),
            });
        }
    }

    /// The next poll returns this wait first, then continues from `Start`.
    fn pending_wait(&mut self, delay: Duration) {
        self.wait_first = Some(delay);
    }

    fn finish(&mut self, result: Result<HttpResponse, Error>) -> Step {
        self.state = State::Finished;
        Step::Done(result)
    }
}
