//! Policy files: the core's lossless HuJSON [`PolicyDocument`] and the safe read-modify-write
//! [`TailnetClient::update_policy_file`], which drives the core's `tailnet::policy::PolicyUpdate`
//! (the read, the allow-all guard, `ts-default`, the `If-Match` write, the re-read after a 412 and
//! the attempt limit are all the core's): this only sends, sleeps and hands each `Edit` to the
//! foreign [`PolicyEditor`].
//!
//! Paths are lists of keys (array indices as decimal strings), never dotted strings: keys such
//! as `tag:ci` or `host.example` contain dots and colons. Values cross as JSON text, like the
//! rest of the binding's free-form JSON (`callJson`, `extra`).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tailnet::policy::{self as core_policy, PolicyStep, PolicyUpdate};
use tailnet::{PolicyEditFailure, PolicyFile};

use crate::{TailnetClient, TailnetError};

/// What went wrong with a policy document (`TailnetError.PolicyEdit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PolicyEditKind {
    /// The text is not valid HuJSON.
    Parse,
    /// The top level is not an object.
    NotAnObject,
    /// The path cannot be followed or edited (missing parent, index out of range, empty path).
    Path,
    /// The value is not valid JSON text.
    Value,
}

pub(crate) fn show_path(path: &[String]) -> String {
    serde_json::to_string(path).unwrap_or_else(|_| "?".to_owned())
}

/// A core policy error as the `PolicyEdit` case (`From<tailnet::Error>`).
fn core_error(error: impl Into<tailnet::Error>) -> TailnetError {
    error.into().into()
}

fn refs(path: &[String]) -> Vec<&str> {
    path.iter().map(String::as_str).collect()
}

/// A policy file as HuJSON text (comments, trailing commas), edited by path and written back with
/// every comment, key order and untouched byte preserved (`tailnet::policy::PolicyDocument`).
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Eq)]
pub struct PolicyDocument {
    document: Mutex<core_policy::PolicyDocument>,
}

impl PartialEq for PolicyDocument {
    fn eq(&self, other: &Self) -> bool {
        // One lock at a time: `a == b` and `b == a` on two threads must not deadlock.
        std::ptr::eq(self, other) || self.snapshot() == *other.lock()
    }
}

impl Eq for PolicyDocument {}

impl PolicyDocument {
    /// A poisoned lock still holds a whole document (every edit replaces the text at once).
    fn lock(&self) -> MutexGuard<'_, core_policy::PolicyDocument> {
        self.document.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn snapshot(&self) -> core_policy::PolicyDocument {
        self.lock().clone()
    }

    fn value_of(path: &[String], value_json: &str) -> Result<serde_json::Value, TailnetError> {
        serde_json::from_str(value_json).map_err(|e| core_error(PolicyEditFailure::value(path, format!("the value is not JSON text: {e}"))))
    }
}

#[uniffi::export]
impl PolicyDocument {
    /// Parses HuJSON text; the text is kept byte for byte.
    #[uniffi::constructor]
    pub fn new(text: String) -> Result<Arc<Self>, TailnetError> {
        let document = core_policy::PolicyDocument::parse(text).map_err(core_error)?;
        Ok(Arc::new(PolicyDocument { document: Mutex::new(document) }))
    }

    /// The HuJSON text, comments and formatting included.
    pub fn text(&self) -> String {
        self.lock().text().to_owned()
    }

    /// The document as plain JSON text (comments dropped).
    pub fn to_json(&self) -> String {
        self.lock().to_json().to_string()
    }

    /// The value at `path` as JSON text, or null when there is none. An empty path is the whole
    /// document.
    pub fn get(&self, path: Vec<String>) -> Option<String> {
        self.lock().get(&refs(&path)).map(|value| value.to_string())
    }

    /// Sets the value (JSON text) at `path`, creating missing objects on the way; every other
    /// byte stays as it was.
    pub fn set(&self, path: Vec<String>, value_json: String) -> Result<(), TailnetError> {
        let value = Self::value_of(&path, &value_json)?;
        self.lock().set(&refs(&path), value).map_err(core_error)
    }

    /// Appends the value (JSON text) to the array at `path`, creating the array when missing.
    pub fn push(&self, path: Vec<String>, value_json: String) -> Result<(), TailnetError> {
        let value = Self::value_of(&path, &value_json)?;
        self.lock().push(&refs(&path), value).map_err(core_error)
    }

    /// Removes the value at `path`; returns whether there was one.
    pub fn remove(&self, path: Vec<String>) -> Result<bool, TailnetError> {
        self.lock().remove(&refs(&path)).map_err(core_error)
    }

    /// True when the policy has `acls` or `grants` (a policy with neither allows all traffic).
    pub fn has_access_rules(&self) -> bool {
        self.lock().has_access_rules()
    }

    /// An independent copy.
    pub fn copy(&self) -> Arc<PolicyDocument> {
        Arc::new(PolicyDocument { document: Mutex::new(self.snapshot()) })
    }
}

/// Options of `updatePolicyFile`. An unset `maxAttempts` is the core's
/// (`tailnet::policy::PolicyUpdateOptions::default()`); the guards are off unless set.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct PolicyUpdateOptions {
    /// Reads (and re-applications of the edit) allowed while other writers keep winning (412).
    /// Default: the core's (5).
    #[uniffi(default)]
    pub max_attempts: Option<u32>,
    /// Write a policy with neither `acls` nor `grants` — which allows all traffic.
    #[uniffi(default)]
    pub allow_allow_all: bool,
    /// First write of a new tailnet: `If-Match: "ts-default"`, so the write only succeeds while
    /// the default policy is untouched.
    #[uniffi(default)]
    pub replace_default_only: bool,
}

impl PolicyUpdateOptions {
    fn to_core(&self) -> core_policy::PolicyUpdateOptions {
        let defaults = core_policy::PolicyUpdateOptions::default();
        core_policy::PolicyUpdateOptions {
            max_attempts: self.max_attempts.unwrap_or(defaults.max_attempts),
            allow_allow_all: self.allow_allow_all,
            replace_default_only: self.replace_default_only,
        }
    }
}

/// The edit of `updatePolicyFile`, implemented in Swift or Kotlin: change the document in place.
/// It may run more than once (after a lost race it runs again on the re-read policy). Whatever it
/// throws ends the update with an error: a `TailnetException`/`TailnetError` as is, anything
/// else as `Callback`.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait PolicyEditor: Send + Sync {
    async fn edit(&self, document: Arc<PolicyDocument>) -> Result<(), TailnetError>;
}

#[uniffi::export]
impl TailnetClient {
    /// Safe read-modify-write of the policy file: GET (HuJSON + `ETag`) → `editor.edit(document)`
    /// → POST with `If-Match`; when another writer won (412), re-read and re-apply, up to
    /// `options.maxAttempts` reads. Nothing is written when the edit changed nothing (the policy
    /// read is returned). A policy with neither `acls` nor `grants` is refused (`Build`, parameter
    /// `policy`) unless `allowAllowAll`. Returns the policy file as written.
    #[uniffi::method(default(options))]
    pub async fn update_policy_file(&self, editor: Arc<dyn PolicyEditor>, options: PolicyUpdateOptions) -> Result<PolicyFile, TailnetError> {
        let mut update = PolicyUpdate::new(options.to_core())?;
        loop {
            let step = update.poll(&mut *self.lock()?, self.now());
            match step {
                PolicyStep::Done(result) => return Ok(result?),
                PolicyStep::Wait(delay) => self.sleep(delay).await,
                PolicyStep::Edit(document) => {
                    let document = Arc::new(PolicyDocument { document: Mutex::new(document) });
                    editor.edit(Arc::clone(&document)).await?;
                    update.edited(document.snapshot());
                }
                PolicyStep::Send(request) => {
                    let (outcome, now, unix) = self.exchange(*request).await?;
                    let mut session = self.lock()?;
                    match outcome {
                        Ok(response) => update.on_response(&mut session, response, now, unix),
                        Err(failure) => update.on_transport_error(&mut session, failure, now, unix),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    const SMALL: &str = "{\n  // rules\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"a\"], \"dst\": [\"b:*\"]}, // first\n  ],\n}\n";

    fn path(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| (*k).to_owned()).collect()
    }

    #[test]
    fn edits_keep_comments_and_errors_name_the_path() {
        let doc = PolicyDocument::new(SMALL.to_owned()).unwrap();
        assert_eq!(doc.text(), SMALL);
        doc.set(path(&["tagOwners", "tag:ci"]), r#"["group:ops"]"#.to_owned()).unwrap();
        doc.push(path(&["acls"]), r#"{"action":"accept","src":["x"],"dst":["y:*"]}"#.to_owned()).unwrap();
        assert!(doc.text().contains("// rules") && doc.text().contains("// first"));
        assert_eq!(doc.get(path(&["tagOwners", "tag:ci"])).as_deref(), Some(r#"["group:ops"]"#));
        assert_eq!(doc.get(path(&["nope"])), None);
        match doc.set(path(&["acls", "7", "src"]), "[]".to_owned()) {
            Err(TailnetError::PolicyEdit { kind: PolicyEditKind::Path, path: Some(p), .. }) => assert_eq!(p, path(&["acls", "7", "src"])),
            other => panic!("{other:?}"),
        }
        assert!(matches!(doc.set(path(&["x"]), "{nope".to_owned()), Err(TailnetError::PolicyEdit { kind: PolicyEditKind::Value, .. })));
        assert!(matches!(PolicyDocument::new("[1]".to_owned()), Err(TailnetError::PolicyEdit { kind: PolicyEditKind::NotAnObject, .. })));
        assert!(matches!(PolicyDocument::new("{'a': 1}".to_owned()), Err(TailnetError::PolicyEdit { kind: PolicyEditKind::Parse, path: None, .. })));
        assert!(doc.remove(path(&["acls"])).unwrap() && !doc.has_access_rules());
        assert!(doc.copy() == doc);
    }
}
