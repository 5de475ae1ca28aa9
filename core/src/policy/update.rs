//! The decisions of a safe read-modify-write of the policy file. The loop itself (GET, edit,
//! POST with `If-Match`, re-read on 412) lives in each client; these functions keep the rules in
//! one place.

use crate::error::{BuildError, Error};
use crate::operations::{GetPolicyFileParams, SetPolicyFileParams};
use crate::request::{PolicyFormat, PolicySource};
use crate::response::PolicyFile;

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
