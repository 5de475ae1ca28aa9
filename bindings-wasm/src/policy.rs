//! Policy files for the npm package (internal; `js/src/policy.ts` is the public API): the core's
//! lossless HuJSON document and `prepare_write`, the decision of a policy read-modify-write.
//!
//! The JavaScript `PolicyDocument` holds only its text, as the core's does; every function here
//! takes the text, parses it, and returns the edited text. No wasm object outlives a call, so a
//! panic reset never invalidates a document.
//!
//! Paths arrive as JSON arrays of strings (keys; array indices as decimal strings), never dotted
//! strings: keys such as `tag:ci` or `db.example.com` contain colons and dots.
//! Errors are the core's: `TailnetNativeError`s of kind `policy` with `{variant, path, reason}`.

use js_sys::Array;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use tailnet::resilience::TransportFailure;
use tailnet::policy::{self, PolicyDocument, PolicyStep, PolicyUpdate, PolicyUpdateOptions, PolicyWrite};
use tailnet::{PolicyEditFailure, PolicyEditVariant};

use crate::wasm::{build_error, duration_of_millis, js_error, observations_json, response_of, send_step, unix_seconds, wait_step, WasmSession};

fn document(text: String) -> Result<PolicyDocument, JsValue> {
    PolicyDocument::parse(text).map_err(js_error)
}

fn path_of(path_json: &str) -> Result<Vec<String>, JsValue> {
    serde_json::from_str(path_json).map_err(|_| {
        let usage = "a policy path is an array of keys, e.g. [\"tagOwners\", \"tag:ci\"] or [\"acls\", \"0\", \"src\"]";
        js_error(PolicyEditFailure::new(PolicyEditVariant::Path, None, usage))
    })
}

fn value_of(path: &[String], value_json: &str) -> Result<Value, JsValue> {
    serde_json::from_str(value_json).map_err(|e| js_error(PolicyEditFailure::value(path, format!("the value is not JSON: {e}"))))
}

fn refs(path: &[String]) -> Vec<&str> {
    path.iter().map(String::as_str).collect()
}

fn json_text(value: &impl serde::Serialize, what: &str) -> Result<String, JsValue> {
    serde_json::to_string(value).map_err(|e| build_error(what, format!("cannot serialize: {e}")))
}

/// Checks that `text` is a HuJSON object (throws the parse error otherwise).
#[wasm_bindgen(js_name = policyParse)]
pub fn policy_parse(text: String) -> Result<(), JsValue> {
    document(text).map(drop)
}

/// The document as plain JSON text (comments dropped).
#[wasm_bindgen(js_name = policyToJson)]
pub fn policy_to_json(text: String) -> Result<String, JsValue> {
    json_text(&document(text)?.to_json(), "policy")
}

/// The value at `path` as JSON text, or `undefined` when absent.
#[wasm_bindgen(js_name = policyGet)]
pub fn policy_get(text: String, path_json: &str) -> Result<Option<String>, JsValue> {
    let path = path_of(path_json)?;
    match document(text)?.get(&refs(&path)) {
        Some(value) => json_text(&value, "policy").map(Some),
        None => Ok(None),
    }
}

/// Sets the value at `path` (missing objects created); returns the edited text.
#[wasm_bindgen(js_name = policySet)]
pub fn policy_set(text: String, path_json: &str, value_json: &str) -> Result<String, JsValue> {
    let path = path_of(path_json)?;
    let value = value_of(&path, value_json)?;
    let mut doc = document(text)?;
    doc.set(&refs(&path), value).map_err(js_error)?;
    Ok(doc.into_text())
}

/// Appends to the array at `path` (created when missing); returns the edited text.
#[wasm_bindgen(js_name = policyPush)]
pub fn policy_push(text: String, path_json: &str, value_json: &str) -> Result<String, JsValue> {
    let path = path_of(path_json)?;
    let value = value_of(&path, value_json)?;
    let mut doc = document(text)?;
    doc.push(&refs(&path), value).map_err(js_error)?;
    Ok(doc.into_text())
}

/// Removes the value at `path`: the edited text, or `undefined` when nothing was there.
#[wasm_bindgen(js_name = policyRemove)]
pub fn policy_remove(text: String, path_json: &str) -> Result<Option<String>, JsValue> {
    let path = path_of(path_json)?;
    let mut doc = document(text)?;
    let removed = doc.remove(&refs(&path)).map_err(js_error)?;
    Ok(removed.then(|| doc.into_text()))
}

/// Whether the policy has `acls` or `grants` (with neither, it allows all traffic).
#[wasm_bindgen(js_name = policyHasAccessRules)]
pub fn policy_has_access_rules(text: String) -> Result<bool, JsValue> {
    Ok(document(text)?.has_access_rules())
}

/// The well-known sections, typed (`PolicyView` as JSON text; unknown sections kept).
#[wasm_bindgen(js_name = policyView)]
pub fn policy_view(text: String) -> Result<String, JsValue> {
    let view = document(text)?.view().map_err(js_error)?;
    json_text(&view, "policy")
}

/// The core's decision after an edit: `undefined` when the edit changed nothing, otherwise the
/// `setPolicyFile` parameters as JSON text (`If-Match` with the ETag read, or `"ts-default"`).
/// Refuses a policy with neither `acls` nor `grants` unless `allow_allow_all` (`BuildError`
/// naming `policy`).
#[wasm_bindgen(js_name = policyPrepareWrite)]
pub fn policy_prepare_write(
    current_policy: String,
    etag: Option<String>,
    edited: String,
    allow_allow_all: bool,
    replace_default_only: bool,
) -> Result<Option<String>, JsValue> {
    let current = tailnet::PolicyFile { policy: current_policy, etag, ..Default::default() };
    let edited = document(edited)?;
    let options = PolicyUpdateOptions { allow_allow_all, replace_default_only, ..Default::default() };
    match policy::prepare_write(&current, &edited, &options).map_err(js_error)? {
        PolicyWrite::Unchanged => Ok(None),
        PolicyWrite::Write(params) => {
            // The parameters as `setPolicyFile` takes them (wire names), without the unset ones.
            let mut value = serde_json::to_value(&*params).map_err(|e| build_error("policy", format!("cannot serialize: {e}")))?;
            if let Value::Object(map) = &mut value {
                map.retain(|_, v| !v.is_null());
            }
            json_text(&value, "policy").map(Some)
        }
    }
}

/// `"ts-default"` (quoted): the `If-Match` that only replaces an untouched default policy.
#[wasm_bindgen(js_name = policyDefaultEtag)]
pub fn policy_default_etag() -> String {
    policy::TS_DEFAULT_ETAG.to_owned()
}

/// The options of `Client.updatePolicyFile` as JSON (`maxAttempts`, `allowAllowAll`,
/// `replaceDefaultOnly`); what is left out takes the core's default.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct UpdateOptions {
    max_attempts: Option<Value>,
    allow_allow_all: Option<bool>,
    replace_default_only: Option<bool>,
}

/// The core's policy read-modify-write (`tailnet::policy::PolicyUpdate`), driven by the wrapper's
/// client loop like a `Call`, with one more step: `[3, text]` asks for the caller's edit of that
/// document, handed back with `edited(text)`.
#[wasm_bindgen(js_name = PolicyUpdate)]
pub struct WasmPolicyUpdate {
    update: PolicyUpdate,
}

#[wasm_bindgen(js_class = PolicyUpdate)]
impl WasmPolicyUpdate {
    #[wasm_bindgen(constructor)]
    pub fn new(options_json: &str) -> Result<WasmPolicyUpdate, JsValue> {
        let given: UpdateOptions = serde_json::from_str(options_json).map_err(|e| build_error("options", e.to_string()))?;
        let defaults = PolicyUpdateOptions::default();
        let max_attempts = match given.max_attempts {
            None => defaults.max_attempts,
            Some(n) if n.as_u64().is_some_and(|n| n >= 1) => n.as_u64().map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            Some(_) => return Err(build_error("maxAttempts", "must be a whole number of at least 1")),
        };
        let options = PolicyUpdateOptions {
            max_attempts,
            allow_allow_all: given.allow_allow_all.unwrap_or(defaults.allow_allow_all),
            replace_default_only: given.replace_default_only.unwrap_or(defaults.replace_default_only),
        };
        Ok(WasmPolicyUpdate { update: PolicyUpdate::new(options).map_err(js_error)? })
    }

    /// `[0, method, url, headers, body]` send; `[1, ms]` sleep; `[3, text]` edit this document;
    /// `[2, json]` done with the policy file. An error that ends the update is thrown.
    pub fn poll(&mut self, session: &mut WasmSession, now_ms: f64) -> Result<Array, JsValue> {
        match self.update.poll(&mut session.inner, duration_of_millis(now_ms)) {
            PolicyStep::Send(request) => Ok(send_step(&request)),
            PolicyStep::Wait(delay) => Ok(wait_step(delay)),
            PolicyStep::Edit(document) => Ok(Array::of2(&JsValue::from_f64(3.0), &JsValue::from_str(document.text()))),
            PolicyStep::Done(Ok(file)) => Ok(Array::of2(&JsValue::from_f64(2.0), &JsValue::from_str(&json_text(&file, "result")?))),
            PolicyStep::Done(Err(e)) => Err(js_error(e)),
        }
    }

    /// Hands back the edited document's text.
    pub fn edited(&mut self, text: String) -> Result<(), JsValue> {
        self.update.edited(document(text)?);
        Ok(())
    }

    /// The observations of the reads and writes recorded since the last take, as a JSON array.
    #[wasm_bindgen(js_name = takeObservations)]
    pub fn take_observations(&mut self) -> String {
        observations_json(self.update.take_observations())
    }

    /// Reports the response to the request of the last send step.
    #[wasm_bindgen(js_name = onResponse)]
    pub fn on_response(&mut self, session: &mut WasmSession, status: u16, headers: Vec<String>, body: Vec<u8>, now_ms: f64, unix_ms: f64) {
        let response = response_of(status, &headers, body);
        self.update.on_response(&mut session.inner, response, duration_of_millis(now_ms), unix_seconds(unix_ms));
    }

    /// Reports that the request of the last send step got no response.
    #[wasm_bindgen(js_name = onTransportError)]
    pub fn on_transport_error(&mut self, session: &mut WasmSession, message: &str, maybe_sent: bool, timed_out: bool, now_ms: f64, unix_ms: f64) {
        self.update.on_transport_error(&mut session.inner, TransportFailure::new(message, maybe_sent, timed_out), duration_of_millis(now_ms), unix_seconds(unix_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prepared_write_is_setpolicyfile_params() {
        let current = "{\"acls\": []}".to_owned();
        let edited = "{\"acls\": [], \"hosts\": {}}".to_owned();
        let params = policy_prepare_write(current.clone(), Some("\"e1\"".into()), edited.clone(), false, false).unwrap().unwrap();
        let value: Value = serde_json::from_str(&params).unwrap();
        // Accept: HuJSON, so the response keeps the comments the write just sent.
        assert_eq!(value, json!({ "Accept": "hujson", "If-Match": "\"e1\"", "body": { "policy": edited } }));
        // The same JSON builds the request through the registry.
        let config = tailnet::Config::new();
        let request = tailnet::registry::build("setPolicyFile", &config, value).unwrap();
        assert_eq!(request.headers.get("if-match").map(|v| v.as_bytes()), Some(&b"\"e1\""[..]));
        assert_eq!(request.headers.get("accept").map(|v| v.as_bytes()), Some(&b"application/hujson"[..]));
        assert_eq!(policy_prepare_write(current.clone(), None, current, false, false).unwrap(), None);
    }
}
