//! Property tests of the retry policy: safety for non-idempotent operations, bounded delays,
//! and the per-call budget.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use proptest::prelude::*;
use tailnet::registry::OPERATIONS;
use tailnet::resilience::retry::{AttemptOutcome, RetryDecision, RetryPolicy};
use tailnet::HttpResponse;

fn policy() -> impl Strategy<Value = RetryPolicy> {
    (1u32..8, 0u64..2_000, 0u64..60_000, 0u64..300_000).prop_map(|(max_attempts, base, max, budget)| RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(base),
        max_delay: Duration::from_millis(max),
        budget: Duration::from_millis(budget),
    })
}

#[derive(Debug, Clone)]
enum Outcome {
    Status(u16, Option<String>),
    Transport { maybe_sent: bool },
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        (prop_oneof![Just(200u16), Just(400), Just(401), Just(404), Just(409), Just(429), Just(500), Just(502), Just(503), Just(504)],
         proptest::option::of(prop_oneof![(0u64..120).prop_map(|s| s.to_string()), Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()), Just("garbage".to_owned())]))
            .prop_map(|(s, r)| Outcome::Status(s, r)),
        any::<bool>().prop_map(|maybe_sent| Outcome::Transport { maybe_sent }),
    ]
}

fn decide(policy: &RetryPolicy, op: usize, attempt: u32, outcome: &Outcome, elapsed: Duration, jitter: f64) -> RetryDecision {
    let info = &OPERATIONS[op % OPERATIONS.len()];
    match outcome {
        Outcome::Status(status, retry_after) => {
            let mut response = HttpResponse::new(*status, "");
            if let Some(value) = retry_after {
                response = response.with_header("retry-after", value);
            }
            policy.decide(info, attempt, AttemptOutcome::Response(&response), elapsed, 1_445_412_400, jitter)
        }
        Outcome::Transport { maybe_sent } => {
            policy.decide(info, attempt, AttemptOutcome::TransportFailure { maybe_sent: *maybe_sent }, elapsed, 1_445_412_400, jitter)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn never_resends_a_non_idempotent_request_the_server_may_have_received(
        policy in policy(), op in 0usize..96, attempt in 1u32..10, outcome in outcome(), elapsed in 0u64..400_000, jitter in 0.0f64..1.0,
    ) {
        let info = &OPERATIONS[op % OPERATIONS.len()];
        let possibly_received = match &outcome {
            Outcome::Status(status, _) => *status != 429,
            Outcome::Transport { maybe_sent } => *maybe_sent,
        };
        let decision = decide(&policy, op, attempt, &outcome, Duration::from_millis(elapsed), jitter);
        if !info.idempotent && possibly_received {
            prop_assert_eq!(decision, RetryDecision::GiveUp, "{} retried after {:?}", info.id, outcome);
        }
        if let Outcome::Status(status, _) = outcome {
            if !matches!(status, 429 | 502..=504) {
                prop_assert_eq!(decision, RetryDecision::GiveUp);
            }
        }
    }

    #[test]
    fn delays_stay_within_zero_and_the_cap(
        policy in policy(), op in 0usize..96, attempt in 1u32..10, outcome in outcome(), jitter in proptest::num::f64::ANY,
    ) {
        if let RetryDecision::RetryAfter(delay) = decide(&policy, op, attempt, &outcome, Duration::ZERO, jitter) {
            prop_assert!(delay <= policy.max_delay, "{delay:?} > {:?}", policy.max_delay);
        }
    }

    #[test]
    fn a_whole_call_stays_within_its_budget_and_attempt_limit(
        policy in policy(), op in 0usize..96, outcomes in proptest::collection::vec(outcome(), 1..12), jitters in proptest::collection::vec(0.0f64..1.0, 12),
    ) {
        let mut elapsed = Duration::ZERO;
        let mut attempts = 0u32;
        for (i, outcome) in outcomes.iter().enumerate() {
            attempts += 1;
            match decide(&policy, op, attempts, outcome, elapsed, jitters[i]) {
                RetryDecision::RetryAfter(delay) => elapsed += delay,
                RetryDecision::GiveUp => break,
            }
        }
        prop_assert!(elapsed <= policy.budget, "waited {elapsed:?} with a budget of {:?}", policy.budget);
        prop_assert!(attempts <= policy.max_attempts.max(1));
    }
}
