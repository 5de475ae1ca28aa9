//! A safe read-modify-write of the policy file, as a sans-IO state machine ([`PolicyUpdate`]):
//! GET (HuJSON with its ETag) → the caller's edit → POST with `If-Match` → on 412 (another writer
//! won) read again and re-apply the edit. Every client drives it the same way it drives a
//! [`Call`]; the rules (allow-all guard, `"ts-default"`, attempts) live only here.

use std::time::Duration;

use crate::error::{BuildError, Error};
use crate::operation::{Operation, OperationInfo};
use crate::operations::{GetPolicyFile, GetPolicyFileParams, SetPolicyFile, SetPolicyFileParams};
use crate::request::{HttpRequest, PolicyFormat, PolicySource};
use crate::resilience::{Call, Observation, Session, Step, TransportFailure};
use crate::response::{HttpResponse, PolicyFile};

use super::document::PolicyDocument;

/// `If-Match` value that only replaces a tailnet's untouched default policy.
pub const TS_DEFAULT_ETAG: &str = "\"ts-default\"";

/// Options of `update_policy_file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyUpdateOptions {
    /// Reads and re-applications allowed when other writers keep winning (412).
    pub max_attempts: u32,
    /// Allow writing a policy with neither `acls` nor `grants` — which allows all traffic.
    pub allow_allow_all: bool,
    /// First write of a new tailnet: send `If-Match: "ts-default"`, so the write succeeds only
    /// while the default policy is untouched.
    pub replace_default_only: bool,
}

impl Default for PolicyUpdateOptions {
    fn default() -> Self {
        PolicyUpdateOptions { max_attempts: 5, allow_allow_all: false, replace_default_only: false }
    }
}

/// What to do after the edit has been applied.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyWrite {
    /// The edit changed nothing: no write needed.
    Unchanged,
    /// Send this `setPolicyFile`.
    Write(Box<SetPolicyFileParams>),
}

/// The read of a read-modify-write: HuJSON asked for explicitly (`Accept: application/hujson`), so
/// comments survive the edit whatever a server's default is.
pub fn read_params() -> GetPolicyFileParams {
    GetPolicyFileParams { accept: Some(PolicyFormat::Hujson), ..Default::default() }
}

/// Checks an edited document and prepares the conditional write.
pub fn prepare_write(current: &PolicyFile, edited: &PolicyDocument, options: &PolicyUpdateOptions) -> Result<PolicyWrite, Error> {
    if edited.text() == current.policy {
        return Ok(PolicyWrite::Unchanged);
    }
    if !options.allow_allow_all && !edited.has_access_rules() {
        return Err(BuildError::new(
            "policy",
            "the edited policy has neither `acls` nor `grants`, which allows all traffic; pass the allow-all option (allow_allow_all, allowAllowAll) to write it anyway",
        )
        .into());
    }
    let if_match = if options.replace_default_only {
        TS_DEFAULT_ETAG.to_owned()
    } else {
        current.etag.clone().ok_or_else(|| BuildError::new("If-Match", "the policy was read without an ETag, so it cannot be written safely"))?
    };
    Ok(PolicyWrite::Write(Box::new(SetPolicyFileParams {
        if_match: Some(if_match),
        accept: Some(PolicyFormat::Hujson),
        body: PolicySource::new(edited.text()),
        ..Default::default()
    })))
}

/// Whether a failed write should be retried by re-reading and re-applying the edit.
pub fn is_lost_race(error: &Error) -> bool {
    matches!(error, Error::Api(e) if e.status == 412)
}

/// What a client does next for a [`PolicyUpdate`].
#[derive(Debug)]
pub enum PolicyStep {
    /// Send this request and report the outcome ([`PolicyUpdate::on_response`] or
    /// [`PolicyUpdate::on_transport_error`]).
    Send(Box<HttpRequest>),
    /// Sleep this long, then poll again.
    Wait(Duration),
    /// Apply the caller's edit to this document (in place), then hand it back with
    /// [`PolicyUpdate::edited`]. It can come more than once: after a lost race the edit is
    /// re-applied to the policy read again. An edit that fails ends the update (nothing written).
    Edit(PolicyDocument),
    /// Finished: the policy file as written (or as read, when the edit changed nothing).
    Done(Result<PolicyFile, Error>),
}

enum Stage {
    Reading(Call),
    /// The read's result, waiting for the edited document.
    Editing(PolicyFile),
    /// The edit is back; the write is decided at the next poll.
    Edited(PolicyFile, PolicyDocument),
    Writing(Call),
    Finished,
}

/// One read-modify-write of the policy file, across its reads and writes. Poll it like a
/// [`Call`] (it runs one `Call` per read and per write, with their retries and credentials):
///
/// ```text
/// let mut update = PolicyUpdate::new(options)?;
/// loop {
///     match update.poll(&mut session, now) {
///         PolicyStep::Send(request) => /* send; update.on_response(…) or update.on_transport_error(…) */,
///         PolicyStep::Wait(delay) => sleep(delay),
///         PolicyStep::Edit(mut document) => { edit(&mut document)?; update.edited(document) }
///         PolicyStep::Done(result) => return result,
///     }
/// }
/// ```
pub struct PolicyUpdate {
    options: PolicyUpdateOptions,
    reads: u32,
    stage: Stage,
    /// Observations of calls that have finished, until taken.
    observations: Vec<Observation>,
}

impl std::fmt::Debug for PolicyUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stage = match &self.stage {
            Stage::Reading(_) => "reading",
            Stage::Editing(_) => "editing",
            Stage::Edited(..) => "edited",
            Stage::Writing(_) => "writing",
            Stage::Finished => "finished",
        };
        f.debug_struct("PolicyUpdate").field("options", &self.options).field("reads", &self.reads).field("stage", &stage).finish_non_exhaustive()
    }
}

fn typed_call<O: Operation>(params: O::Params) -> Result<Call, Error>
where
    O::Params: Send + Sync + 'static,
{
    let info: &'static OperationInfo = crate::registry::find(O::INFO.id)
        .ok_or_else(|| BuildError::new("operationId", format!("{} is not in the registry", O::INFO.id)))?;
    Ok(Call::new(info, move |config| O::build(config, &params)))
}

impl PolicyUpdate {
    /// Starts an update; fails (nothing sent) when `max_attempts` is 0, with a [`BuildError`]
    /// naming the canonical `maxAttempts` (as every language shows it, see [`BuildError::parameter`]).
    pub fn new(options: PolicyUpdateOptions) -> Result<Self, Error> {
        if options.max_attempts == 0 {
            return Err(BuildError::new("maxAttempts", "must be at least 1").into());
        }
        Ok(PolicyUpdate { options, reads: 1, stage: Stage::Reading(typed_call::<GetPolicyFile>(read_params())?), observations: Vec::new() })
    }

    /// The options this update runs with.
    pub fn options(&self) -> &PolicyUpdateOptions {
        &self.options
    }

    /// Reads of the policy started so far (1 + the lost races).
    pub fn reads(&self) -> u32 {
        self.reads
    }

    /// Advances the update at `now` (monotonic time) and returns the next [`PolicyStep`]. Call it
    /// again after each wait, reported outcome or edit, until [`PolicyStep::Done`].
    pub fn poll(&mut self, session: &mut Session, now: Duration) -> PolicyStep {
        loop {
            match std::mem::replace(&mut self.stage, Stage::Finished) {
                Stage::Reading(mut call) => match call.poll(session, now) {
                    Step::Send(request) => return self.resume(Stage::Reading(call), PolicyStep::Send(request)),
                    Step::Wait(delay) => return self.resume(Stage::Reading(call), PolicyStep::Wait(delay)),
                    Step::Done(response) => {
                        self.observations.extend(call.take_observations());
                        let current = match response.and_then(|response| GetPolicyFile::parse(&response)) {
                            Ok(current) => current,
                            Err(error) => return PolicyStep::Done(Err(error)),
                        };
                        return match PolicyDocument::parse(current.policy.clone()) {
                            Ok(document) => self.resume(Stage::Editing(current), PolicyStep::Edit(document)),
                            Err(error) => PolicyStep::Done(Err(error.into())),
                        };
                    }
                },
                Stage::Editing(current) => {
                    self.stage = Stage::Editing(current);
                    return PolicyStep::Done(Err(BuildError::new("edit", "the edited document was not handed back (PolicyUpdate::edited) before polling again").into()));
                }
                Stage::Edited(current, document) => {
                    let params = match prepare_write(&current, &document, &self.options) {
                        Ok(PolicyWrite::Unchanged) => return PolicyStep::Done(Ok(current)),
                        Ok(PolicyWrite::Write(params)) => *params,
                        Err(error) => return PolicyStep::Done(Err(error)),
                    };
                    match typed_call::<SetPolicyFile>(params) {
                        Ok(call) => self.stage = Stage::Writing(call),
                        Err(error) => return PolicyStep::Done(Err(error)),
                    }
                }
                Stage::Writing(mut call) => match call.poll(session, now) {
                    Step::Send(request) => return self.resume(Stage::Writing(call), PolicyStep::Send(request)),
                    Step::Wait(delay) => return self.resume(Stage::Writing(call), PolicyStep::Wait(delay)),
                    Step::Done(response) => {
                        self.observations.extend(call.take_observations());
                        match response.and_then(|response| SetPolicyFile::parse(&response)) {
                            Err(error) if is_lost_race(&error) && self.reads < self.options.max_attempts => {
                                self.reads += 1;
                                match typed_call::<GetPolicyFile>(read_params()) {
                                    Ok(call) => self.stage = Stage::Reading(call),
                                    Err(error) => return PolicyStep::Done(Err(error)),
                                }
                            }
                            outcome => return PolicyStep::Done(outcome),
                        }
                    }
                },
                Stage::Finished => {
                    return PolicyStep::Done(Err(BuildError::new("update", "the policy update has already finished").into()));
                }
            }
        }
    }

    fn resume(&mut self, stage: Stage, step: PolicyStep) -> PolicyStep {
        self.stage = stage;
        step
    }

    /// Hands back the document of the last [`PolicyStep::Edit`], as the caller's edit left it.
    pub fn edited(&mut self, document: PolicyDocument) {
        if let Stage::Editing(current) = std::mem::replace(&mut self.stage, Stage::Finished) {
            self.stage = Stage::Edited(current, document);
        }
    }

    /// Reports the response to the request of the last [`PolicyStep::Send`].
    pub fn on_response(&mut self, session: &mut Session, response: HttpResponse, now: Duration, now_unix_seconds: u64) {
        if let Some(call) = self.call_mut() {
            call.on_response(session, response, now, now_unix_seconds);
        }
    }

    /// Reports that the request of the last [`PolicyStep::Send`] got no response.
    pub fn on_transport_error(&mut self, session: &mut Session, failure: TransportFailure, now: Duration, now_unix_seconds: u64) {
        if let Some(call) = self.call_mut() {
            call.on_transport_error(session, failure, now, now_unix_seconds);
        }
    }

    /// Observations of the reads and writes so far, since the last take (the session must
    /// observe, see [`Session::observe`]).
    pub fn take_observations(&mut self) -> Vec<Observation> {
        let mut observations = std::mem::take(&mut self.observations);
        if let Some(call) = self.call_mut() {
            observations.extend(call.take_observations());
        }
        observations
    }

    fn call_mut(&mut self) -> Option<&mut Call> {
        match &mut self.stage {
            Stage::Reading(call) | Stage::Writing(call) => Some(call),
            _ => None,
        }
    }
}

impl crate::resilience::ReportOutcome for PolicyUpdate {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Credentials};
    use crate::resilience::Auth;

    const POLICY: &str = "{\n  // who may tag\n  \"tagOwners\": {},\n  \"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]}],\n}\n";

    fn session() -> Session {
        Session::new(Config::default(), Auth::Static(Credentials::ApiKey("tskey-api-test".into())))
    }

    fn policy_response(status: u16, policy: &str, etag: &str) -> HttpResponse {
        HttpResponse::new(status, policy.to_owned()).with_header("content-type", "application/hujson").with_header("etag", etag)
    }

    /// Drives `update`, answering each request with the next response and editing with `edit`;
    /// returns the result and every request sent.
    fn drive(
        mut update: PolicyUpdate,
        mut responses: Vec<HttpResponse>,
        mut edit: impl FnMut(&mut PolicyDocument) -> Result<(), Error>,
    ) -> (Result<PolicyFile, Error>, Vec<HttpRequest>) {
        let mut session = session();
        let mut sent = Vec::new();
        responses.reverse();
        let now = Duration::from_secs(1);
        loop {
            match update.poll(&mut session, now) {
                PolicyStep::Send(request) => {
                    sent.push((*request).clone());
                    let response = responses.pop().expect("a response for every request");
                    update.on_response(&mut session, response, now, 1_700_000_000);
                }
                PolicyStep::Wait(_) => panic!("no waits expected"),
                PolicyStep::Edit(mut document) => match edit(&mut document) {
                    Ok(()) => update.edited(document),
                    Err(error) => return (Err(error), sent),
                },
                PolicyStep::Done(result) => return (result, sent),
            }
        }
    }

    fn tag_ci(document: &mut PolicyDocument) -> Result<(), Error> {
        Ok(document.set(&["tagOwners", "tag:ci"], serde_json::json!(["group:ops"]))?)
    }

    #[test]
    fn reads_edits_and_writes_with_if_match_keeping_comments() {
        let written = POLICY.replace("{},", "{\"tag:ci\": [\"group:ops\"]},");
        let (result, sent) = drive(
            PolicyUpdate::new(PolicyUpdateOptions::default()).unwrap(),
            vec![policy_response(200, POLICY, "\"e1\""), policy_response(200, &written, "\"e2\"")],
            tag_ci,
        );
        let file = result.unwrap();
        assert_eq!(file.etag.as_deref(), Some("\"e2\""));
        assert_eq!(sent.len(), 2);
        assert_eq!((sent[0].method.as_str(), sent[0].header("accept")), ("GET", Some("application/hujson")));
        assert_eq!((sent[1].method.as_str(), sent[1].header("if-match")), ("POST", Some("\"e1\"")));
        let body = String::from_utf8(sent[1].body.clone()).unwrap();
        assert!(body.contains("// who may tag") && body.contains("tag:ci"), "{body}");
    }

    #[test]
    fn an_edit_that_changes_nothing_writes_nothing() {
        let (result, sent) = drive(PolicyUpdate::new(PolicyUpdateOptions::default()).unwrap(), vec![policy_response(200, POLICY, "\"e1\"")], |_| Ok(()));
        assert_eq!(result.unwrap().policy, POLICY);
        assert_eq!(sent.len(), 1);
    }

    #[test]
    fn a_lost_race_reads_again_and_reapplies_the_edit() {
        let mut edits = 0;
        let (result, sent) = drive(
            PolicyUpdate::new(PolicyUpdateOptions::default()).unwrap(),
            vec![
                policy_response(200, POLICY, "\"e1\""),
                HttpResponse::new(412, r#"{"message":"precondition failed"}"#),
                policy_response(200, &POLICY.replace("who may tag", "changed elsewhere"), "\"e2\""),
                policy_response(200, POLICY, "\"e3\""),
            ],
            |document| {
                edits += 1;
                tag_ci(document)
            },
        );
        assert_eq!(result.unwrap().etag.as_deref(), Some("\"e3\""));
        assert_eq!(edits, 2);
        assert_eq!(sent.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "POST", "GET", "POST"]);
        assert_eq!(sent[3].header("if-match"), Some("\"e2\""));
        assert!(String::from_utf8(sent[3].body.clone()).unwrap().contains("changed elsewhere"));
    }

    #[test]
    fn lost_races_stop_after_max_attempts_with_the_412() {
        let options = PolicyUpdateOptions { max_attempts: 2, ..Default::default() };
        let lost = || HttpResponse::new(412, r#"{"message":"precondition failed"}"#);
        let update = PolicyUpdate::new(options).unwrap();
        let (result, sent) = drive(update, vec![policy_response(200, POLICY, "\"a\""), lost(), policy_response(200, POLICY, "\"b\""), lost()], tag_ci);
        assert_eq!(result.unwrap_err().status(), Some(412));
        assert_eq!(sent.len(), 4);
    }

    #[test]
    fn allow_all_is_refused_unless_allowed_and_ts_default_is_sent_when_asked() {
        let remove_rules = |document: &mut PolicyDocument| document.remove(&["acls"]).map(|_| ()).map_err(Error::from);
        let (result, sent) = drive(PolicyUpdate::new(PolicyUpdateOptions::default()).unwrap(), vec![policy_response(200, POLICY, "\"e1\"")], remove_rules);
        match result {
            Err(Error::Build(error)) => assert_eq!(error.parameter, "policy"),
            other => panic!("{other:?}"),
        }
        assert_eq!(sent.len(), 1, "nothing written");

        let options = PolicyUpdateOptions { allow_allow_all: true, replace_default_only: true, ..Default::default() };
        let (result, sent) = drive(PolicyUpdate::new(options).unwrap(), vec![policy_response(200, POLICY, "\"e1\""), policy_response(200, "{}", "\"e2\"")], remove_rules);
        assert!(result.is_ok());
        assert_eq!(sent[1].header("if-match"), Some(TS_DEFAULT_ETAG));
    }

    #[test]
    fn observations_cover_the_read_and_the_write_with_secrets_masked() {
        let mut session = session().with_observations(true);
        let mut update = PolicyUpdate::new(PolicyUpdateOptions::default()).unwrap();
        let mut responses = vec![policy_response(200, POLICY, "\"e2\""), policy_response(200, POLICY, "\"e1\"")];
        let (mut observed, mut at) = (Vec::new(), Duration::from_secs(10));
        loop {
            let step = update.poll(&mut session, at);
            observed.extend(update.take_observations());
            match step {
                PolicyStep::Send(_) => {
                    at += Duration::from_millis(25);
                    update.on_response(&mut session, responses.pop().unwrap(), at, 0);
                }
                PolicyStep::Edit(mut document) => {
                    tag_ci(&mut document).unwrap();
                    update.edited(document);
                }
                PolicyStep::Wait(_) => panic!("no waits expected"),
                PolicyStep::Done(result) => break assert!(result.is_ok()),
            }
        }
        observed.extend(update.take_observations());
        let summary: Vec<(String, Option<u16>, u64)> = observed
            .iter()
            .map(|o| match o {
                Observation::Request { operation, method, .. } => (format!("{operation} {method}"), None, 0),
                Observation::Response { operation, status, duration_ms, .. } => (operation.clone(), *status, *duration_ms),
            })
            .collect();
        assert_eq!(
            summary,
            [("getPolicyFile GET".into(), None, 0), ("getPolicyFile".into(), Some(200), 25), ("setPolicyFile POST".into(), None, 0), ("setPolicyFile".into(), Some(200), 25)]
        );
        assert!(!format!("{observed:?}").contains("tskey-api-test"), "the API key is masked");
        // Off by default: nothing recorded.
        let (mut quiet, mut plain) = (PolicyUpdate::new(PolicyUpdateOptions::default()).unwrap(), self::session());
        assert!(matches!(quiet.poll(&mut plain, at), PolicyStep::Send(_)));
        quiet.on_response(&mut plain, policy_response(200, POLICY, "\"e1\""), at, 0);
        assert!(quiet.take_observations().is_empty());
    }

    #[test]
    fn bad_options_and_misuse_are_errors_not_panics() {
        match PolicyUpdate::new(PolicyUpdateOptions { max_attempts: 0, ..Default::default() }) {
            Err(Error::Build(error)) => assert_eq!(error.parameter, "maxAttempts"),
            other => panic!("{other:?}"),
        }
        let mut update = PolicyUpdate::new(PolicyUpdateOptions::default()).unwrap();
        let mut session = session();
        let now = Duration::from_secs(1);
        assert!(matches!(update.poll(&mut session, now), PolicyStep::Send(_)));
        update.on_response(&mut session, policy_response(200, POLICY, "\"e1\""), now, 0);
        assert!(matches!(update.poll(&mut session, now), PolicyStep::Edit(_)));
        assert!(matches!(update.poll(&mut session, now), PolicyStep::Done(Err(Error::Build(_)))), "polled again without handing the document back");
        // A read that is not a policy ends the update with the parse error.
        let (result, _) = drive(PolicyUpdate::new(PolicyUpdateOptions::default()).unwrap(), vec![policy_response(200, "[1]", "\"e\"")], tag_ci);
        assert!(result.is_err());
        match result {
            Err(Error::PolicyEdit(failure)) => assert_eq!(failure.variant, crate::error::PolicyEditVariant::NotAnObject),
            other => panic!("a policy edit error, not {other:?}"),
        }
    }
}
