//! The HuJSON document model, on the concrete syntax tree of `jsonc-parser`.
//!
//! The document keeps only its text (so it is `Send` and cheap to clone); each edit parses it,
//! changes the targeted node and prints the tree again, which leaves every other byte as it was.

use std::fmt;

use jsonc_parser::cst::{CstInputValue, CstNode, CstRootNode};
use jsonc_parser::ParseOptions;
use serde_json::Value;

/// A policy file as HuJSON text: JSON with comments and trailing commas.
#[derive(Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    text: String,
}

/// Why a policy document could not be read or edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyEditError {
    /// The text is not HuJSON (or, from [`PolicyDocument::view`], a known section has the wrong
    /// shape); the parser's message.
    #[error("the policy is not valid HuJSON: {0}")]
    Parse(String),
    /// The text parses, but its top-level value is not an object.
    #[error("the policy's top level must be an object")]
    NotAnObject,
    /// An edit at `path` cannot be made (an empty path, an index past the end, not an array, …).
    /// As a [`crate::Error`] it is a [`crate::error::PolicyEditFailure`] of variant `path`.
    #[error("cannot edit `{}`: {reason}", display_path(path))]
    Path {
        /// The edited path's keys (array indices as decimal strings); shown dot-separated
        /// (`(root)` for the document itself).
        path: Vec<String>,
        /// Why the edit was refused.
        reason: String,
    },
}

/// HuJSON is JSON plus comments and trailing commas; nothing looser.
fn hujson_options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_extended_string_escapes: false,
        allow_non_finite_numbers: false,
    }
}

fn display_path(path: &[impl AsRef<str>]) -> String {
    if path.is_empty() {
        return "(root)".to_owned();
    }
    path.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(".")
}

fn input_value(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(input_value).collect()),
        Value::Object(map) => CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), input_value(v))).collect()),
    }
}

impl PolicyDocument {
    /// Parses HuJSON text; the text is kept byte for byte.
    pub fn parse(text: impl Into<String>) -> Result<Self, PolicyEditError> {
        let text = text.into();
        let root = CstRootNode::parse(&text, &hujson_options()).map_err(|e| PolicyEditError::Parse(e.to_string()))?;
        if root.value().is_some() && root.object_value().is_none() {
            return Err(PolicyEditError::NotAnObject);
        }
        Ok(PolicyDocument { text })
    }

    /// The current HuJSON text, comments and formatting kept.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The current HuJSON text, by value.
    pub fn into_text(self) -> String {
        self.text
    }

    /// The document as plain JSON (comments dropped).
    pub fn to_json(&self) -> Value {
        jsonc_parser::parse_to_serde_value::<Value>(&self.text, &hujson_options())
            .ok()
            .unwrap_or(Value::Object(Default::default()))
    }

    /// The value at `path` (object keys; array indices as decimal strings).
    pub fn get(&self, path: &[&str]) -> Option<Value> {
        let mut value = self.to_json();
        for segment in path {
            value = match value {
                Value::Object(mut map) => map.remove(*segment)?,
                Value::Array(mut items) => {
                    let index: usize = segment.parse().ok()?;
                    if index >= items.len() {
                        return None;
                    }
                    items.swap_remove(index)
                }
                _ => return None,
            };
        }
        Some(value)
    }

    /// True when the policy says who may connect to what (`acls` or `grants`); a policy with
    /// neither allows everything.
    pub fn has_access_rules(&self) -> bool {
        let json = self.to_json();
        json.get("acls").is_some() || json.get("grants").is_some()
    }

    /// Sets the value at `path`, creating missing objects on the way. Untouched bytes stay.
    pub fn set(&mut self, path: &[&str], value: Value) -> Result<(), PolicyEditError> {
        let Some((last, parents)) = path.split_last() else {
            return Err(path_error(path, "the path is empty"));
        };
        self.edit(path, |root| {
            let container = walk(root, parents, true, path)?;
            let input = input_value(&value);
            if let Some(object) = container.as_object() {
                match object.get(last) {
                    Some(prop) => prop.set_value(input),
                    None => {
                        object.append(last, input);
                    }
                }
                return Ok(());
            }
            if let Some(array) = container.as_array() {
                let index = array_index(last, path)?;
                let elements = array.elements();
                match elements.get(index) {
                    Some(element) => {
                        array.insert(index, input);
                        element.clone().remove();
                    }
                    None if index == elements.len() => {
                        array.append(input);
                    }
                    None => return Err(path_error(path, format!("index {index} is past the end ({} elements)", elements.len()))),
                }
                return Ok(());
            }
            Err(path_error(path, "the parent is neither an object nor an array"))
        })
    }

    /// Appends `value` to the array at `path`, creating the array if it is missing.
    pub fn push(&mut self, path: &[&str], value: Value) -> Result<(), PolicyEditError> {
        let Some((last, parents)) = path.split_last() else {
            return Err(path_error(path, "the path is empty"));
        };
        self.edit(path, |root| {
            let container = walk(root, parents, true, path)?;
            let array = if let Some(object) = container.as_object() {
                match object.get(last) {
                    Some(prop) => prop.array_value().ok_or_else(|| path_error(path, "is not an array"))?,
                    None => object.array_value_or_set(last),
                }
            } else if let Some(array) = container.as_array() {
                let index = array_index(last, path)?;
                array.elements().get(index).and_then(CstNode::as_array).ok_or_else(|| path_error(path, "is not an array"))?
            } else {
                return Err(path_error(path, "the parent is neither an object nor an array"));
            };
            array.append(input_value(&value));
            Ok(())
        })
    }

    /// Removes the value at `path`. Returns whether something was there.
    pub fn remove(&mut self, path: &[&str]) -> Result<bool, PolicyEditError> {
        let Some((last, parents)) = path.split_last() else {
            return Err(path_error(path, "the path is empty"));
        };
        let mut removed = false;
        self.edit(path, |root| {
            let Ok(container) = walk(root, parents, false, path) else { return Ok(()) };
            if let Some(object) = container.as_object() {
                if let Some(prop) = object.get(last) {
                    prop.remove();
                    removed = true;
                }
            } else if let Some(array) = container.as_array() {
                let index = array_index(last, path)?;
                if let Some(element) = array.elements().get(index) {
                    element.clone().remove();
                    removed = true;
                }
            }
            Ok(())
        })?;
        Ok(removed)
    }

    fn edit(&mut self, path: &[&str], change: impl FnOnce(&CstNode) -> Result<(), PolicyEditError>) -> Result<(), PolicyEditError> {
        let root = CstRootNode::parse(&self.text, &hujson_options()).map_err(|e| PolicyEditError::Parse(e.to_string()))?;
        let object = match root.value() {
            None => root.object_value_or_set(),
            Some(_) => root.object_value().ok_or(PolicyEditError::NotAnObject)?,
        };
        change(&CstNode::from(object)).map_err(|e| match e {
            PolicyEditError::Path { .. } => e,
            other => path_error(path, other.to_string()),
        })?;
        self.text = root.to_string();
        Ok(())
    }
}

fn path_error(path: &[&str], reason: impl Into<String>) -> PolicyEditError {
    PolicyEditError::Path { path: path.iter().map(|&key| key.to_owned()).collect(), reason: reason.into() }
}

fn array_index(segment: &str, path: &[&str]) -> Result<usize, PolicyEditError> {
    segment.parse().map_err(|_| path_error(path, format!("`{segment}` is not an array index")))
}

/// Follows `parents` from `node`; with `create`, missing object members become `{}`.
fn walk(node: &CstNode, parents: &[&str], create: bool, path: &[&str]) -> Result<CstNode, PolicyEditError> {
    let mut current = node.clone();
    for segment in parents {
        current = if let Some(object) = current.as_object() {
            match object.get(segment) {
                Some(prop) => prop.value().ok_or_else(|| path_error(path, format!("`{segment}` has no value")))?,
                None if create => CstNode::from(object.object_value_or_set(segment)),
                None => return Err(path_error(path, format!("`{segment}` does not exist"))),
            }
        } else if let Some(array) = current.as_array() {
            let index = array_index(segment, path)?;
            array.elements().get(index).cloned().ok_or_else(|| path_error(path, format!("index {index} does not exist")))?
        } else {
            return Err(path_error(path, format!("`{segment}` is inside a value that is neither an object nor an array")));
        };
    }
    Ok(current)
}

impl fmt::Display for PolicyDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for PolicyDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyDocument").field("bytes", &self.text.len()).finish()
    }
}
