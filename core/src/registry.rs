//! Every operation in one list, and `build`/`parse` by `operationId` with JSON in and out —
//! the generic surface the language bindings are stamped on.

use serde_json::{Map, Value};

use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::operation::{Operation, OperationInfo};
use crate::request::HttpRequest;
use crate::response::HttpResponse;
use crate::view::JsonView;

/// A model outside [`crate::models::MODELS`], as the bindings declare it.
#[derive(Debug, Clone, Copy)]
pub struct ModelDecl {
    /// The name in every binding.
    pub name: &'static str,
    /// Language-neutral documentation.
    pub doc: &'static str,
    /// The fields, with their wire names and types.
    pub fields: &'static [crate::model::FieldInfo],
    /// Whether members this version does not know are kept (models declared with `model!`).
    pub keeps_unknown: bool,
}

const fn decl(name: &'static str, doc: &'static str, fields: &'static [crate::model::FieldInfo], keeps_unknown: bool) -> ModelDecl {
    ModelDecl { name, doc, fields, keeps_unknown }
}

/// The models the bindings declare beside [`crate::models::MODELS`]: the policy operations'
/// bodies and results, the typed view of a policy file and its test results, and the events of
/// a webhook delivery. Their fields are the core's declarations.
pub const POLICY_AND_WEBHOOK_MODELS: &[ModelDecl] = {
    use crate::model::WireField;
    use crate::policy::{AclRule, AclTest, AutoApprovers, Grant, NodeAttr, PolicyView, SshRule};
    use crate::request::{PolicySource, PolicyValidationInput};
    use crate::webhooks::{WebhookEvent, WebhookEventData};
    use crate::{AclTestResult, PolicyFile, PolicyValidation};
    &[
        decl("PolicyFile", "The policy file as returned (HuJSON or JSON text), with the `ETag` to send back as `If-Match`.", PolicyFile::FIELDS, false),
        decl("PolicyValidation", "The outcome of validating a policy file (the API answers 200 even when tests fail).", PolicyValidation::FIELDS, false),
        decl("PolicySource", "A policy file as text (HuJSON or JSON), sent verbatim.", PolicySource::FIELDS, false),
        decl(
            "PolicyValidationInput",
            "What policy validation checks: a whole policy file (`policy`), or only `tests` against the current policy. Give exactly one.",
            PolicyValidationInput::FIELDS,
            false,
        ),
        decl("AclTestResult", "One policy test result with `errors` and/or `warnings`; members this version does not know are kept.", AclTestResult::FIELDS, true),
        decl("PolicyView", "A policy file's well-known sections (`PolicyDocument.view()`); unknown sections are kept.", PolicyView::FIELDS, true),
        decl("AclRule", "A legacy ACL rule (`users`/`ports` are the pre-2022 spellings of `src`/`dst`).", AclRule::FIELDS, true),
        decl("Grant", "A grant: network and application capabilities.", Grant::FIELDS, true),
        decl("AclTest", "A policy test: what `src` may and may not reach.", AclTest::FIELDS, true),
        decl("AutoApprovers", "Who may approve routes and exit nodes without an admin.", AutoApprovers::FIELDS, true),
        decl("SshRule", "A Tailscale SSH rule.", SshRule::FIELDS, true),
        decl("NodeAttr", "Node attributes applied to matching devices.", NodeAttr::FIELDS, true),
        decl("WebhookEvent", "One event of a webhook delivery; anything else it carries is kept as it arrived.", WebhookEvent::FIELDS, true),
        decl("WebhookEventData", "A webhook event's details; which fields are present depends on the event type.", WebhookEventData::FIELDS, true),
    ]
};

macro_rules! registry {
    ($( ($ty:ident, $snake:ident, $id:literal) ),* $(,)?) => {
        /// Every operation: the spec's 90, the two OAuth token endpoints, the four `/vip-services` twins.
        pub const OPERATIONS: &[OperationInfo] = &[$(<crate::operations::$ty as Operation>::INFO),*];

        fn builder_by_id(id: &str, params: Value) -> Option<Result<RequestBuilder, Error>> {
            match id {
                $( $id | stringify!($snake) => Some(typed_builder::<crate::operations::$ty>(params)), )*
                _ => None,
            }
        }

        fn parse_view_by_id(id: &str, response: &HttpResponse) -> Option<Result<ParsedView, Error>> {
            match id {
                $( $id | stringify!($snake) => Some(parse_typed_view::<crate::operations::$ty>(response)), )*
                _ => None,
            }
        }
    };
}

crate::for_each_operation!(registry);

/// Looks an operation up by `operationId` (`listTailnetDevices`) or snake_case name.
pub fn find(id: &str) -> Option<&'static OperationInfo> {
    OPERATIONS.iter().find(|op| op.id == id || op.name == id)
}

/// Builds the request of any operation from JSON parameters.
///
/// `params` is an object keyed by the spec's parameter names (`deviceId`, `fields`, `If-Match`;
/// snake_case names work too). The body goes under `"body"`, or its fields may be given at the top
/// level (`{"deviceId": "n1", "tags": ["tag:a"]}`), as keyword arguments are in the bindings.
pub fn build(operation_id: &str, config: &Config, params: Value) -> Result<HttpRequest, Error> {
    builder(operation_id, params)?(config)
}

/// Builds an attempt's request for a config carrying the current credentials.
pub type RequestBuilder = Box<dyn Fn(&Config) -> Result<HttpRequest, Error> + Send + Sync>;

/// The request builder of any operation from JSON parameters (as [`build`] takes them), which are
/// checked and decoded once, here: each attempt of a call then builds from the typed parameters.
pub fn builder(operation_id: &str, params: Value) -> Result<RequestBuilder, Error> {
    builder_by_id(operation_id, params)
        .unwrap_or_else(|| Err(BuildError::new("operationId", format!("unknown operation {operation_id:?}")).into()))
}

/// Parses the response of any operation into its result as JSON (wire field names).
pub fn parse(operation_id: &str, response: &HttpResponse) -> Result<Value, Error> {
    // Through the typed result's JSON view: one conversion for every operation.
    let view = parse_view(operation_id, response)?;
    serde_json::to_value(crate::view::Serialized(&*view))
        .map_err(|e| crate::error::DecodeError::new(response.status, ".", e.to_string(), &response.body, None).into())
}

/// A parsed result behind its JSON view (see [`parse_view`]).
pub type ParsedView = std::sync::Arc<dyn JsonView + Send + Sync>;

/// Parses a response of any operation into its typed result, seen through [`JsonView`]: the same
/// JSON as [`parse`] returns, without building a `Value` tree (bindings convert on access).
pub fn parse_view(operation_id: &str, response: &HttpResponse) -> Result<ParsedView, Error> {
    parse_view_by_id(operation_id, response)
        .unwrap_or_else(|| Err(BuildError::new("operationId", format!("unknown operation {operation_id:?}")).into()))
}

fn parse_typed_view<O: Operation>(response: &HttpResponse) -> Result<ParsedView, Error> {
    let output: ParsedView = std::sync::Arc::new(O::parse(response)?);
    Ok(output)
}

/// An operation's typed parameters from JSON parameters (as [`build`] takes them: keyword-style
/// body fields gathered, unknown names refused), each error naming the parameter.
pub fn typed_params<O: Operation>(params: Value) -> Result<O::Params, Error> {
    let text = params_text(&O::INFO, params)?;
    serde_json::from_slice(&text).map_err(|error| params_error(&text, &error))
}

// The parts that do not depend on the parameters' type stay out of the 96 copies of `typed_params`.

/// The parameters as JSON text, body fields gathered. Decoded from text, not `from_value`, so each
/// type has one deserializer (the responses' one), which keeps the library small.
#[inline(never)]
fn params_text(info: &OperationInfo, params: Value) -> Result<Vec<u8>, Error> {
    let params = gather_body(info, params)?;
    serde_json::to_vec(&params).map_err(|e| BuildError::new("params", e.to_string()).into())
}

#[inline(never)]
fn params_error(text: &[u8], error: &serde_json::Error) -> Error {
    let path = crate::json_path::path_of(text, error);
    let reason = without_position(error);
    let parameter = if path == "." { unknown_field_name(&reason).unwrap_or_else(|| ".".to_owned()) } else { path };
    BuildError::new(parameter, reason).into()
}

/// serde_json's message without its " at line 1 column 7" (a position in text the caller never saw).
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&suffix) {
        Some(reason) => reason.to_owned(),
        None => message,
    }
}

fn typed_builder<O: Operation>(params: Value) -> Result<RequestBuilder, Error>
where
    O::Params: Send + Sync + 'static,
{
    let typed = typed_params::<O>(params)?;
    Ok(Box::new(move |config| O::build(config, &typed)))
}

/// Moves top-level keys that are not parameters into `"body"` (keyword-argument style), and
/// rejects keys that belong to neither.
pub fn gather_body(info: &OperationInfo, params: Value) -> Result<Value, BuildError> {
    let mut object = match params {
        Value::Object(object) => object,
        Value::Null => Map::new(),
        other => return Err(BuildError::new("params", format!("expected an object of parameters, got {}", json_kind(&other)))),
    };
    let Some(body) = info.body else {
        if let Some(unknown) = object.keys().find(|k| info.param(k).is_none()) {
            return Err(BuildError::new(unknown.clone(), format!("`{}` takes no parameter named `{unknown}`", info.id)));
        }
        return Ok(Value::Object(object));
    };
    if object.contains_key("body") {
        return Ok(Value::Object(object));
    }
    let loose: Vec<String> = object.keys().filter(|k| info.param(k).is_none()).cloned().collect();
    if loose.is_empty() {
        return Ok(Value::Object(object));
    }
    let mut gathered = Map::new();
    for key in loose {
        let wire = body.fields.iter().find(|f| f.wire == key || f.name == key).map(|f| f.wire);
        match wire {
            Some(wire) => {
                if let Some(value) = object.remove(&key) {
                    gathered.insert(wire.to_owned(), value);
                }
            }
            // A free-form map body (split DNS): every key is an entry.
            None if body.free_form_keys => {
                if let Some(value) = object.remove(&key) {
                    gathered.insert(key, value);
                }
            }
            None => return Err(BuildError::new(key.clone(), format!("`{}` takes no parameter or body field named `{key}`", info.id))),
        }
    }
    object.insert("body".to_owned(), Value::Object(gathered));
    Ok(Value::Object(object))
}

fn unknown_field_name(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_owned())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_complete_and_unique() {
        assert_eq!(OPERATIONS.len(), 96);
        let mut ids: Vec<_> = OPERATIONS.iter().map(|o| o.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 96);
    }
}
