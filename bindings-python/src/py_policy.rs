//! `tailnet.PolicyDocument`, the core's lossless HuJSON document (the read-modify-write that edits
//! it is the core's `PolicyUpdate`, driven as `_native.PolicyUpdate`).
//!
//! Paths are lists of keys (array indices as decimal strings or ints), never dotted strings: keys
//! such as `tag:ci` or `host.example` contain dots and colons.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::Value;

use tailnet::policy::{self, PolicyDocument};
use tailnet::PolicyEditFailure;

use crate::native::{guard, internal, native_error, public, to_json, to_py, wrap_result};

/// A path argument: a list or tuple of str (or non-negative int for array indices).
fn path_of(obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    const USAGE: &str = "a policy path is a list of keys, e.g. [\"tagOwners\", \"tag:ci\"] or [\"acls\", \"0\", \"src\"]";
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!("{USAGE}, not a string (keys contain dots and colons, so a dotted string would be ambiguous)")));
    }
    let items: Vec<Bound<'_, PyAny>> = if let Ok(list) = obj.cast::<PyList>() {
        list.iter().collect()
    } else if let Ok(tuple) = obj.cast::<PyTuple>() {
        tuple.iter().collect()
    } else {
        let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        return Err(PyTypeError::new_err(format!("{USAGE}, not {type_name}")));
    };
    items
        .iter()
        .map(|item| {
            if item.is_instance_of::<PyString>() {
                item.extract::<String>()
            } else if item.is_instance_of::<PyInt>() && !item.is_instance_of::<PyBool>() {
                item.extract::<u64>().map(|i| i.to_string()).map_err(|_| PyTypeError::new_err(format!("{USAGE}: an array index must be a non-negative integer")))
            } else {
                let type_name = item.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
                Err(PyTypeError::new_err(format!("{USAGE}: a key must be a str, not {type_name}")))
            }
        })
        .collect()
}

fn refs(path: &[String]) -> Vec<&str> {
    path.iter().map(String::as_str).collect()
}

/// A policy file as HuJSON text (comments, trailing commas), edited by path and written back with
/// every comment, key order and untouched byte preserved (`tailnet::policy::PolicyDocument`).
#[pyclass(module = "tailnet", name = "PolicyDocument")]
pub struct PyPolicyDocument {
    pub(crate) doc: PolicyDocument,
}

impl PyPolicyDocument {
    fn parse_text(py: Python<'_>, text: String) -> PyResult<Self> {
        guard(|| PolicyDocument::parse(text).map(|doc| PyPolicyDocument { doc }).map_err(native_error)).map_err(|e| public(py, e))
    }

    fn value_at<'py>(&self, py: Python<'py>, path: &Bound<'py, PyAny>, value: &Bound<'py, PyAny>) -> PyResult<(Vec<String>, Value)> {
        let path = path_of(path)?;
        let value = to_json(value, 0).map_err(|reason| public(py, native_error(PolicyEditFailure::value(&path, reason))))?;
        Ok((path, value))
    }
}

#[pymethods]
impl PyPolicyDocument {
    /// Parses HuJSON text; the text is kept byte for byte.
    #[new]
    fn new(py: Python<'_>, text: String) -> PyResult<Self> {
        Self::parse_text(py, text)
    }

    /// Same as `PolicyDocument(text)`.
    #[classmethod]
    fn parse(cls: &Bound<'_, PyType>, text: String) -> PyResult<Self> {
        Self::parse_text(cls.py(), text)
    }

    /// The HuJSON text, comments and formatting included.
    #[getter]
    fn text(&self) -> &str {
        self.doc.text()
    }

    /// The document as plain JSON (a dict; comments dropped).
    fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| to_py(py, &self.doc.to_json()))
    }

    /// The value at `path` (a copy, as plain Python values), or `default` when absent.
    #[pyo3(signature = (path, default=None))]
    fn get<'py>(&self, py: Python<'py>, path: &Bound<'py, PyAny>, default: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let path = path_of(path)?;
        guard(|| match self.doc.get(&refs(&path)) {
            Some(value) => to_py(py, &value),
            None => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
        })
    }

    /// Sets the value at `path`, creating missing objects on the way; other bytes stay as they are.
    fn set<'py>(&mut self, py: Python<'py>, path: &Bound<'py, PyAny>, value: &Bound<'py, PyAny>) -> PyResult<()> {
        let (path, value) = self.value_at(py, path, value)?;
        guard(|| self.doc.set(&refs(&path), value).map_err(native_error)).map_err(|e| public(py, e))
    }

    /// Appends `value` to the array at `path`, creating the array when it is missing.
    fn push<'py>(&mut self, py: Python<'py>, path: &Bound<'py, PyAny>, value: &Bound<'py, PyAny>) -> PyResult<()> {
        let (path, value) = self.value_at(py, path, value)?;
        guard(|| self.doc.push(&refs(&path), value).map_err(native_error)).map_err(|e| public(py, e))
    }

    /// Removes the value at `path`; returns whether there was one.
    fn remove<'py>(&mut self, py: Python<'py>, path: &Bound<'py, PyAny>) -> PyResult<bool> {
        let path = path_of(path)?;
        guard(|| self.doc.remove(&refs(&path)).map_err(native_error)).map_err(|e| public(py, e))
    }

    /// True when the policy has `acls` or `grants` (a policy with neither allows all traffic).
    fn has_access_rules(&self) -> bool {
        self.doc.has_access_rules()
    }

    /// The well-known sections, typed (`tailnet.models.PolicyView`; unknown sections in `.extra`).
    fn view<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let raw = guard(|| {
            let view = self.doc.view().map_err(native_error)?;
            let value = serde_json::to_value(&view).map_err(|e| internal(e.to_string()))?;
            wrap_result(py, value)
        })
        .map_err(|e| public(py, e))?;
        py.import("tailnet.models")?.getattr("PolicyView")?.call_method1("_from_raw", (raw,))
    }

    /// An independent copy.
    fn copy(&self) -> Self {
        PyPolicyDocument { doc: self.doc.clone() }
    }

    fn __copy__(&self) -> Self {
        self.copy()
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.copy()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyType>, (String,))> {
        Ok((slf.get_type(), (slf.borrow().doc.text().to_owned(),)))
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.doc == other.doc
    }

    fn __str__(&self) -> String {
        self.doc.text().to_owned()
    }

    fn __repr__(&self) -> String {
        format!("PolicyDocument(<{} bytes>)", self.doc.text().len())
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPolicyDocument>()?;
    m.add("TS_DEFAULT_ETAG", policy::TS_DEFAULT_ETAG)?;
    Ok(())
}
