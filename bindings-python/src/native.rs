//! `tailnet._native`: the pyo3 extension module.
//!
//! Everything here is generic over the registry: build/parse by operation id, the core's
//! `Session`/`Call` state machine for the Python client loops (which only send and sleep), and
//! [`JsonNode`], a lazy view of a parsed result (the typed parse happens in Rust; Python objects
//! are made only for what the caller touches).
//!
//! Errors cross as `NativeError(kind, payload_json, display)`; the Python package maps them to
//! its exception hierarchy. Every entry point runs under `catch_unwind`, so a Rust panic becomes
//! an `InternalError` instead of a `PanicException` (or worse).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use tailnet::resilience::{Auth, Call, Observation, RetryPolicy, Session, Step, TransportFailure};
use tailnet::policy::{PolicyStep, PolicyUpdate, PolicyUpdateOptions};
use tailnet::registry::ParsedView;
use tailnet::view::{JsonView, Serialized, View};
use tailnet::{registry, BuildError, ClientOptions, Error, HttpRequest, HttpResponse};

use crate::py_policy::PyPolicyDocument;
use crate::typespec::PyTy;

create_exception!(_native, NativeError, PyException, "An error from the tailnet core: args are (kind, payload JSON, message).");

/// The `User-Agent` this binding sends.
pub const USER_AGENT: &str = concat!("tailnet-python/", env!("CARGO_PKG_VERSION"));

const MAX_DEPTH: usize = 128;

// ----- errors -------------------------------------------------------------------------------

/// A core error (or a part of one: a `PolicyEditError`, a `WebhookError`) as
/// `NativeError(kind, detail, message)`, the core's one shape.
pub(crate) fn native_error(error: impl Into<Error>) -> PyErr {
    let error = error.into();
    NativeError::new_err((error.kind(), error.detail().to_string(), error.to_string()))
}

fn build_error(parameter: &str, reason: impl Into<String>) -> PyErr {
    native_error(BuildError::new(parameter, reason))
}

pub(crate) fn internal(message: impl Into<String>) -> PyErr {
    let message = tailnet::secret::redact_secrets(&message.into());
    NativeError::new_err(("internal", serde_json::json!({ "message": message }).to_string(), message))
}

/// Runs `f`, turning a Rust panic into an `internal` error.
pub(crate) fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(internal(format!("internal error (a Rust panic was caught): {text}")))
        }
    }
}

/// A `NativeError` as the package's public exception (`tailnet._errors.from_native`), for the
/// classes Python code uses directly (`PolicyDocument`); other errors pass through.
pub(crate) fn public(py: Python<'_>, err: PyErr) -> PyErr {
    if !err.is_instance_of::<NativeError>(py) {
        return err;
    }
    let mapped = py.import("tailnet._errors").and_then(|m| m.getattr("from_native")).and_then(|f| f.call1((err.value(py),)));
    match mapped {
        Ok(exc) => PyErr::from_value(exc),
        Err(_) => err,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> PyResult<MutexGuard<'_, T>> {
    mutex.lock().map_err(|_| internal("client state poisoned by an earlier panic"))
}

// ----- Python <-> JSON ---------------------------------------------------------------------

/// Object keys already made as Python strings (interned), by text: most keys are the models'
/// field names, so `to_python` makes each once instead of once per object. Bounded; a key too
/// long or met when the cache is full (or in use by another thread) is made fresh.
type Keys = HashMap<Box<str>, Py<PyString>, BuildHasherDefault<Fnv>>;
static KEYS: Mutex<Option<Keys>> = Mutex::new(None);
const KEYS_MAX: usize = 4096;
const KEY_MAX_LEN: usize = 64;

/// FNV-1a: the keys are short, and SipHash would cost more than the string it saves.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = self.0 ^ 0xcbf2_9ce4_8422_2325;
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

fn key_string<'py>(py: Python<'py>, keys: &mut Option<&mut Keys>, key: &str) -> Bound<'py, PyString> {
    if let Some(keys) = keys.as_deref_mut() {
        if let Some(found) = keys.get(key) {
            return found.bind(py).clone();
        }
        if key.len() <= KEY_MAX_LEN && keys.len() < KEYS_MAX {
            let made = PyString::intern(py, key);
            keys.insert(Box::from(key), made.clone().unbind());
            return made;
        }
    }
    PyString::new(py, key)
}

pub(crate) fn to_py<'py>(py: Python<'py>, value: &dyn JsonView) -> PyResult<Bound<'py, PyAny>> {
    match value.view() {
        View::Array(_) | View::Object(_) => {
            let mut cache = KEYS.try_lock().ok();
            let mut keys = cache.as_mut().map(|keys| keys.get_or_insert_with(Keys::default));
            to_py_in(py, value, &mut keys)
        }
        _ => to_py_in(py, value, &mut None),
    }
}

fn to_py_in<'py>(py: Python<'py>, value: &dyn JsonView, keys: &mut Option<&mut Keys>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value.view() {
        View::Null => py.None().into_bound(py),
        View::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        View::Int(i) => i.into_pyobject(py)?.into_any(),
        View::UInt(u) => u.into_pyobject(py)?.into_any(),
        View::Float(f) => f.into_pyobject(py)?.into_any(),
        View::Str(s) => PyString::new(py, s).into_any(),
        View::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for index in 0..items.len() {
                out.push(to_py_in(py, items.get(index).unwrap_or(&NULL), keys)?);
            }
            PyList::new(py, out)?.into_any()
        }
        View::Object(members) => {
            let dict = PyDict::new(py);
            for (key, item) in members.entries() {
                let item = to_py_in(py, item, keys)?;
                dict.set_item(key_string(py, keys, key), item)?;
            }
            dict.into_any()
        }
    })
}

/// Converts a Python value to JSON: None, bool, int, float, str, dict (str keys), list, tuple,
/// `datetime` (RFC 3339; naive means UTC), and anything with `__tailnet_json__()` (models, secrets).
pub(crate) fn to_json(obj: &Bound<'_, PyAny>, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err("nested too deeply".into());
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err("integer out of range".into());
    }
    if obj.is_instance_of::<PyFloat>() {
        let f = obj.extract::<f64>().map_err(|e| e.to_string())?;
        return Number::from_f64(f).map(Value::Number).ok_or_else(|| "a number must be finite".to_owned());
    }
    if obj.is_instance_of::<PyString>() {
        return obj.extract::<String>().map(Value::String).map_err(|e| e.to_string());
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, value) in dict.iter() {
            let key: String = key.extract().map_err(|_| "object keys must be strings".to_owned())?;
            let value = to_json(&value, depth + 1).map_err(|e| format!("{key}: {e}"))?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        return list.iter().map(|item| to_json(&item, depth + 1)).collect::<Result<Vec<_>, _>>().map(Value::Array);
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return tuple.iter().map(|item| to_json(&item, depth + 1)).collect::<Result<Vec<_>, _>>().map(Value::Array);
    }
    if obj.hasattr("__tailnet_json__").unwrap_or(false) {
        let plain = obj.call_method0("__tailnet_json__").map_err(|e| e.to_string())?;
        return to_json(&plain, depth + 1);
    }
    if obj.hasattr("isoformat").unwrap_or(false) && obj.hasattr("tzinfo").unwrap_or(false) {
        let naive = obj.getattr("tzinfo").map(|t| t.is_none()).unwrap_or(true);
        let text: String = obj.call_method0("isoformat").and_then(|t| t.extract()).map_err(|e| e.to_string())?;
        let text = if naive { format!("{text}Z") } else { text.replace("+00:00", "Z") };
        return Ok(Value::String(text));
    }
    if obj.hasattr("items").unwrap_or(false) {
        let items = obj.call_method0("items").map_err(|e| e.to_string())?;
        let dict = PyDict::new(obj.py());
        for pair in items.try_iter().map_err(|e| e.to_string())? {
            let pair = pair.map_err(|e| e.to_string())?;
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>().map_err(|e| e.to_string())?;
            dict.set_item(k, v).map_err(|e| e.to_string())?;
        }
        return to_json(dict.as_any(), depth);
    }
    let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(format!("cannot send a value of type {type_name} as JSON"))
}

/// Keyword arguments → the registry's JSON parameters, naming the parameter that fails.
fn params_to_json(params: Option<&Bound<'_, PyDict>>) -> PyResult<Value> {
    let mut map = Map::new();
    if let Some(params) = params {
        for (key, value) in params.iter() {
            let key: String = key.extract()?;
            if value.is_none() {
                continue; // `x=None` means "not given", as in any Python API
            }
            let value = to_json(&value, 0).map_err(|reason| build_error(&key, reason))?;
            map.insert(key, value);
        }
    }
    Ok(Value::Object(map))
}

// ----- lazy results ------------------------------------------------------------------------

/// What a missing member or item reads as.
static NULL: () = ();

#[derive(Clone)]
enum Seg {
    Key(Arc<str>),
    Index(usize),
}

/// A read-only view of a JSON object or array inside a parsed result. Scalars come out as
/// Python values, containers as further nodes; `to_python()` converts the whole subtree.
///
/// The root is the typed result itself (seen through [`JsonView`]), so parsing builds no JSON
/// tree and no Python objects; a node is its root plus a path.
#[pyclass(frozen, module = "tailnet._native", name = "JsonNode")]
pub struct JsonNode {
    root: ParsedView,
    path: Vec<Seg>,
}

impl JsonNode {
    fn node(&self) -> &dyn JsonView {
        let mut node: &dyn JsonView = &*self.root;
        for seg in &self.path {
            node = match (seg, node.view()) {
                (Seg::Key(k), View::Object(members)) => members.get(k).unwrap_or(&NULL),
                (Seg::Index(i), View::Array(items)) => items.get(*i).unwrap_or(&NULL),
                _ => &NULL,
            };
        }
        node
    }

    fn child<'py>(&self, py: Python<'py>, node: &dyn JsonView, seg: Seg) -> PyResult<Bound<'py, PyAny>> {
        match node.view() {
            View::Object(_) | View::Array(_) => {
                let mut path = Vec::with_capacity(self.path.len() + 1);
                path.extend(self.path.iter().cloned());
                path.push(seg);
                Ok(Bound::new(py, JsonNode { root: self.root.clone(), path })?.into_any())
            }
            _ => to_py(py, node),
        }
    }
}

/// A result for Python: containers become a lazy [`JsonNode`], scalars Python values.
pub(crate) fn wrap_view(py: Python<'_>, root: ParsedView) -> PyResult<Bound<'_, PyAny>> {
    match root.view() {
        View::Object(_) | View::Array(_) => Ok(Bound::new(py, JsonNode { root, path: Vec::new() })?.into_any()),
        _ => to_py(py, &*root),
    }
}

pub(crate) fn wrap_result(py: Python<'_>, value: Value) -> PyResult<Bound<'_, PyAny>> {
    wrap_view(py, Arc::new(value))
}

#[pymethods]
impl JsonNode {
    /// The member `key` of an object (None when absent or when this is not an object).
    fn get<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        match self.node().view() {
            View::Object(members) => match members.get(key) {
                Some(v) => self.child(py, v, Seg::Key(Arc::from(key))),
                None => Ok(py.None().into_bound(py)),
            },
            _ => Ok(py.None().into_bound(py)),
        }
    }

    /// The items of an array (nodes for containers).
    fn elements<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        if let View::Array(items) = self.node().view() {
            for index in 0..items.len() {
                list.append(self.child(py, items.get(index).unwrap_or(&NULL), Seg::Index(index))?)?;
            }
        }
        Ok(list)
    }

    /// `(key, value)` pairs of an object (nodes for containers).
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        if let View::Object(members) = self.node().view() {
            for (key, item) in members.entries() {
                let pair = PyTuple::new(py, [PyString::new(py, key).into_any(), self.child(py, item, Seg::Key(Arc::from(key)))?])?;
                list.append(pair)?;
            }
        }
        Ok(list)
    }

    fn keys(&self) -> Vec<String> {
        match self.node().view() {
            View::Object(members) => members.entries().into_iter().map(|(key, _)| key.to_owned()).collect(),
            _ => Vec::new(),
        }
    }

    fn is_array(&self) -> bool {
        matches!(self.node().view(), View::Array(_))
    }

    /// The whole subtree as plain Python values (dicts, lists, str, int, float, bool, None).
    fn to_python<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let node = self.node();
            let _pause = if is_large(node) { Some(GcPause::new(py)) } else { None };
            to_py(py, node)
        })
    }

    /// Converts every field of `table` (absent and null fields are None) into `target` (the
    /// model's `__dict__`), in one call: what `Model.__getattr__` does on an object's first read.
    fn fill(&self, py: Python<'_>, table: &FieldTable, target: &Bound<'_, PyDict>) -> PyResult<()> {
        guard(|| {
            let _pause = if table.builds_many { Some(GcPause::new(py)) } else { None };
            let members = match self.node().view() {
                View::Object(members) => Some(members),
                _ => None,
            };
            let mut path = self.path.clone();
            for field in &table.fields {
                let value = match members.and_then(|m| m.get(&field.wire)) {
                    Some(value) if !matches!(value.view(), View::Null) => value,
                    _ => {
                        target.set_item(field.name.bind(py), py.None())?;
                        continue;
                    }
                };
                path.push(Seg::Key(field.wire.clone()));
                let converted = self.convert(py, table, &field.conv, value, &mut path);
                let converted = match converted {
                    Ok(Some(v)) => Ok(v),
                    Ok(None) => self.as_read(py, value, &path).and_then(|v| field.fallback.bind(py).call1((v,))),
                    Err(e) => Err(e),
                };
                path.pop();
                target.set_item(field.name.bind(py), converted?)?;
            }
            Ok(())
        })
    }

    /// The subtree as JSON text.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&Serialized(self.node())).map_err(|e| internal(e.to_string()))
    }

    fn __len__(&self) -> usize {
        match self.node().view() {
            View::Object(members) => members.len(),
            View::Array(items) => items.len(),
            _ => 0,
        }
    }

    fn __repr__(&self) -> String {
        match self.node().view() {
            View::Object(members) => format!("<JsonNode object with {} keys>", members.len()),
            View::Array(items) => format!("<JsonNode array of {} items>", items.len()),
            _ => "<JsonNode>".to_owned(),
        }
    }
}

// ----- one-pass field conversion (the models' first attribute read) -------------------------

/// How one field converts: the native form of the runtime type specs (`s`, `t`, `M:Device`,
/// `[M:Route]`, `E:DeviceOs`, `k`, `{[s]}`, …) that `tailnet._model.convert` implements in Python.
enum Conv {
    /// `s`, `i`, `b`: the value as read (containers stay nodes).
    AsRead,
    /// `a` and lists/maps of scalars: the whole subtree as plain values.
    Plain,
    /// `f`: ints become floats.
    Float,
    /// `t`: RFC 3339 text becomes an aware `datetime` (None for other text or "").
    Time,
    /// `n`: always None.
    Nil,
    /// `k`: `Secret(value)`.
    Secret(Py<PyAny>),
    /// `M:Name`: an instance of the model class over the node.
    Model(Py<PyAny>),
    /// `E:Name`: the member whose value is the text (unknown text stays a plain str).
    Enum(Py<PyDict>),
    /// `[inner]`: a list, nulls kept as None.
    List(Box<Conv>),
    /// `{inner}`: a dict, nulls kept as None.
    Map(Box<Conv>),
}

fn compile_conv(spec: &Bound<'_, PyAny>) -> PyResult<Conv> {
    let (code, payload): (String, Bound<'_, PyAny>) = spec.extract()?;
    Ok(match code.as_str() {
        "s" => Conv::AsRead,
        "a" => Conv::Plain,
        "f" => Conv::Float,
        "t" => Conv::Time,
        "n" => Conv::Nil,
        "k" => Conv::Secret(payload.unbind()),
        "M" => Conv::Model(payload.unbind()),
        "E" => Conv::Enum(payload.cast_into::<PyDict>()?.unbind()),
        "[" => Conv::List(Box::new(compile_conv(&payload)?)),
        "{" => Conv::Map(Box::new(compile_conv(&payload)?)),
        other => return Err(internal(format!("unknown compiled field spec {other:?}"))),
    })
}

struct Field {
    name: Py<PyString>,
    wire: Arc<str>,
    conv: Conv,
    /// The Python converter of the spec, for values whose shape the compiled form does not expect.
    fallback: Py<PyAny>,
}

/// A model class's fields compiled once (`tailnet._model` builds it on the class's first read):
/// `JsonNode.fill` converts every field of an object with it in one native call.
#[pyclass(frozen, module = "tailnet._native", name = "FieldTable")]
pub struct FieldTable {
    fields: Vec<Field>,
    /// A field is a list or map of models: filling builds objects in proportion to the data.
    builds_many: bool,
    datetime: Py<PyAny>,
    utc: Py<PyAny>,
    parse_timestamp: Py<PyAny>,
}

#[pymethods]
impl FieldTable {
    /// `fields`: `(name, wire, compiled spec, python converter)`; `compiled spec` is a
    /// `(code, payload)` pair. `datetime`, `utc` and `parse_timestamp` serve `t` fields.
    #[new]
    fn new(py: Python<'_>, fields: Vec<(String, String, Bound<'_, PyAny>, Bound<'_, PyAny>)>, datetime: Bound<'_, PyAny>, utc: Bound<'_, PyAny>, parse_timestamp: Bound<'_, PyAny>) -> PyResult<Self> {
        guard(|| {
            let fields = fields
                .into_iter()
                .map(|(name, wire, spec, fallback)| Ok(Field { name: PyString::intern(py, &name).unbind(), wire: Arc::from(wire), conv: compile_conv(&spec)?, fallback: fallback.unbind() }))
                .collect::<PyResult<Vec<_>>>()?;
            let builds_many = fields.iter().any(|f| builds_many(&f.conv));
            Ok(FieldTable { fields, builds_many, datetime: datetime.unbind(), utc: utc.unbind(), parse_timestamp: parse_timestamp.unbind() })
        })
    }

    fn __len__(&self) -> usize {
        self.fields.len()
    }
}

fn two(b: &[u8], at: usize) -> Option<u32> {
    match (b.get(at), b.get(at + 1)) {
        (Some(x @ b'0'..=b'9'), Some(y @ b'0'..=b'9')) => Some(u32::from(x - b'0') * 10 + u32::from(y - b'0')),
        _ => None,
    }
}

/// The fields of `YYYY-MM-DD[Tt ]HH:MM:SS[.fraction][Zz]`: (year, month, day, hour, minute,
/// second, microsecond). Anything else (offsets, non-ASCII digits, a trailing newline) is None
/// and goes to the Python `parse_timestamp`, so both agree on every text.
fn parse_utc_timestamp(text: &str) -> Option<[u32; 7]> {
    let b = text.as_bytes();
    let year = two(b, 0)? * 100 + two(b, 2)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (month, day, hour, minute, second) = (two(b, 5)?, two(b, 8)?, two(b, 11)?, two(b, 14)?, two(b, 17)?);
    let mut at = 19;
    let mut micro = 0u32;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while let Some(d @ b'0'..=b'9') = b.get(at) {
            if at - start < 6 {
                micro = micro * 10 + u32::from(d - b'0');
            }
            at += 1;
        }
        let digits = at - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..6 {
            micro *= 10;
        }
    }
    if matches!(b.get(at), Some(b'Z' | b'z')) && at + 1 == b.len() {
        Some([year, month, day, hour, minute, second.min(59), micro])
    } else {
        None
    }
}

/// Pauses Python's cyclic garbage collector while one native call builds many containers at
/// once (`to_python`, a list of models): the collector would otherwise run over the young
/// objects every 700 allocations mid-build, finding nothing (nothing built here is a cycle).
/// It is enabled again when this is dropped, only if it was enabled before; allocations still
/// count, so the next collection happens as usual after the call.
struct GcPause<'py> {
    enable: Option<Bound<'py, PyAny>>,
}

static GC_ISENABLED: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static GC_DISABLE: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
static GC_ENABLE: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();

impl<'py> GcPause<'py> {
    fn new(py: Python<'py>) -> Self {
        let pause = || -> PyResult<Option<Bound<'py, PyAny>>> {
            let enabled = GC_ISENABLED.import(py, "gc", "isenabled")?.call0()?.is_truthy()?;
            if !enabled {
                return Ok(None);
            }
            let enable = GC_ENABLE.import(py, "gc", "enable")?.clone();
            GC_DISABLE.import(py, "gc", "disable")?.call0()?;
            Ok(Some(enable))
        };
        GcPause { enable: pause().ok().flatten() }
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if let Some(enable) = self.enable.take() {
            let _ = enable.call0();
        }
    }
}

/// An array of many items, or an object with one (a list result): worth a [`GcPause`].
fn is_large(node: &dyn JsonView) -> bool {
    const MANY: usize = 64;
    match node.view() {
        View::Array(items) => items.len() >= MANY,
        View::Object(members) => members.entries().into_iter().any(|(_, item)| matches!(item.view(), View::Array(items) if items.len() >= MANY)),
        _ => false,
    }
}

fn builds_many(conv: &Conv) -> bool {
    match conv {
        Conv::List(inner) | Conv::Map(inner) => !matches!(**inner, Conv::AsRead | Conv::Plain | Conv::Float | Conv::Time | Conv::Nil | Conv::Enum(_)),
        _ => false,
    }
}

impl JsonNode {
    /// A value as `JsonNode.get` gives it: containers as nodes at `path`, scalars as Python values.
    fn as_read<'py>(&self, py: Python<'py>, value: &dyn JsonView, path: &[Seg]) -> PyResult<Bound<'py, PyAny>> {
        match value.view() {
            View::Object(_) | View::Array(_) => Ok(Bound::new(py, JsonNode { root: self.root.clone(), path: path.to_vec() })?.into_any()),
            _ => to_py(py, value),
        }
    }

    fn timestamp<'py>(&self, py: Python<'py>, table: &FieldTable, text: &str) -> PyResult<Bound<'py, PyAny>> {
        if text.is_empty() {
            return Ok(py.None().into_bound(py));
        }
        match parse_utc_timestamp(text) {
            Some([year, month, day, hour, minute, second, micro]) => {
                match table.datetime.bind(py).call1((year, month, day, hour, minute, second, micro, table.utc.bind(py))) {
                    Ok(dt) => Ok(dt),
                    Err(e) if e.is_instance_of::<pyo3::exceptions::PyValueError>(py) => Ok(py.None().into_bound(py)),
                    Err(e) => Err(e),
                }
            }
            None => table.parse_timestamp.bind(py).call1((text,)),
        }
    }

    /// `value` (at `path`, not null) converted by `conv`; None when its shape is not the one
    /// `conv` expects (the caller then uses the Python converter).
    fn convert<'py>(&self, py: Python<'py>, table: &FieldTable, conv: &Conv, value: &dyn JsonView, path: &mut Vec<Seg>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let view = value.view();
        Ok(Some(match conv {
            Conv::AsRead => self.as_read(py, value, path)?,
            Conv::Plain => to_py(py, value)?,
            Conv::Nil => py.None().into_bound(py),
            Conv::Float => match view {
                View::Int(i) => PyFloat::new(py, i as f64).into_any(),
                View::UInt(u) => PyFloat::new(py, u as f64).into_any(),
                _ => self.as_read(py, value, path)?,
            },
            Conv::Time => match view {
                View::Str(s) => self.timestamp(py, table, s)?,
                _ => self.as_read(py, value, path)?,
            },
            Conv::Secret(cls) => cls.bind(py).call1((self.as_read(py, value, path)?,))?,
            Conv::Enum(members) => match view {
                View::Str(s) => {
                    let text = PyString::new(py, s);
                    match members.bind(py).get_item(&text)? {
                        Some(member) => member,
                        None => text.into_any(),
                    }
                }
                _ => self.as_read(py, value, path)?,
            },
            Conv::Model(cls) => {
                let cls = cls.bind(py);
                let obj = cls.call_method1(pyo3::intern!(py, "__new__"), (cls,))?;
                let dict = obj.getattr(pyo3::intern!(py, "__dict__"))?;
                dict.cast::<PyDict>()?.set_item(pyo3::intern!(py, "_raw"), self.as_read(py, value, path)?)?;
                obj
            }
            Conv::List(inner) => {
                let View::Array(items) = view else { return Ok(None) };
                let list = PyList::empty(py);
                for index in 0..items.len() {
                    let item = items.get(index).unwrap_or(&NULL);
                    if matches!(item.view(), View::Null) {
                        list.append(py.None())?;
                        continue;
                    }
                    path.push(Seg::Index(index));
                    let converted = self.convert(py, table, inner, item, path);
                    path.pop();
                    match converted? {
                        Some(v) => list.append(v)?,
                        None => return Ok(None),
                    }
                }
                list.into_any()
            }
            Conv::Map(inner) => {
                let View::Object(members) = view else { return Ok(None) };
                let dict = PyDict::new(py);
                for (key, item) in members.entries() {
                    if matches!(item.view(), View::Null) {
                        dict.set_item(key, py.None())?;
                        continue;
                    }
                    path.push(Seg::Key(Arc::from(key)));
                    let converted = self.convert(py, table, inner, item, path);
                    path.pop();
                    match converted? {
                        Some(v) => dict.set_item(key, v)?,
                        None => return Ok(None),
                    }
                }
                dict.into_any()
            }
        }))
    }
}

// ----- sans-IO functions -------------------------------------------------------------------

/// `tailnet::ClientOptions` from its JSON form (camelCase names, secrets as text), as the Python
/// clients fill it: the core's names, defaults and checks.
fn client_options(options: Option<&Bound<'_, PyDict>>) -> PyResult<ClientOptions> {
    let Some(options) = options else { return Ok(ClientOptions::default()) };
    let value = to_json(options.as_any(), 0).map_err(|reason| build_error("options", reason))?;
    serde_json::from_value(value).map_err(|e| build_error("options", e.to_string()))
}

fn request_parts<'py>(py: Python<'py>, request: &HttpRequest) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let headers = PyList::empty(py);
    for (name, value) in request.headers.iter() {
        headers.append((name.as_str(), String::from_utf8_lossy(value.as_bytes()).into_owned()))?;
    }
    Ok(vec![
        PyString::new(py, request.method.as_str()).into_any(),
        PyString::new(py, &request.url).into_any(),
        headers.into_any(),
        PyBytes::new(py, &request.body).into_any(),
    ])
}

fn response_of(status: u16, headers: Vec<(String, String)>, body: &[u8]) -> HttpResponse {
    let mut response = HttpResponse::new(status, body.to_vec());
    for (name, value) in headers {
        response = response.with_header(&name, &value);
    }
    response
}

/// Builds the request of an operation: `(method, url, [(header, value)], body)`; `options` are the
/// client options (only the base URL, tailnet, user agent and static credentials matter here).
#[pyfunction]
#[pyo3(signature = (operation_id, params=None, options=None))]
fn build_request<'py>(py: Python<'py>, operation_id: &str, params: Option<&Bound<'py, PyDict>>, options: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyTuple>> {
    guard(|| {
        let config = client_options(options)?.config_with_credentials(USER_AGENT).map_err(native_error)?;
        let params = params_to_json(params)?;
        let request = registry::build(operation_id, &config, params).map_err(native_error)?;
        PyTuple::new(py, request_parts(py, &request)?)
    })
}

/// Parses a response of an operation into its result (a `JsonNode`, a scalar, or None).
#[pyfunction]
#[pyo3(signature = (operation_id, status, headers, body))]
fn parse_response<'py>(py: Python<'py>, operation_id: &str, status: u16, headers: Vec<(String, String)>, body: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    guard(|| {
        let response = response_of(status, headers, body);
        let parsed = py.detach(|| catch_unwind(AssertUnwindSafe(|| registry::parse_view(operation_id, &response))));
        match parsed {
            Ok(Ok(parsed)) => wrap_view(py, parsed),
            Ok(Err(e)) => Err(native_error(e)),
            Err(_) => Err(internal("internal error (a Rust panic was caught while parsing)")),
        }
    })
}

/// The docstring of an operation's client method (the spec's reference text), for `help()`.
#[pyfunction]
fn operation_doc(operation_id: &str) -> PyResult<String> {
    let op = registry::find(operation_id).ok_or_else(|| internal(format!("operation {operation_id} is not in the registry")))?;
    Ok(crate::stubgen::operation_docstring(op))
}

/// Every operation: `(id, name, method, path, authenticated, idempotent, scopes, result_spec, params,
/// positional, body_fields)`; `params`, `positional` and `body_fields` are `(wire, name)` pairs.
#[pyfunction]
fn operations(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for op in registry::OPERATIONS {
        let params: Vec<(&str, &str)> = op.params.iter().map(|p| (p.wire, p.name)).collect();
        let positional: Vec<(&str, &str)> = crate::stubgen::positional_params(op).iter().map(|p| (p.wire, p.name)).collect();
        let body: Vec<(&str, &str)> = op.body.map(|b| b.fields.iter().map(|f| (f.wire, f.name)).collect()).unwrap_or_default();
        let item = (op.id, op.name, op.method, op.full_path(), op.authenticated, op.idempotent, op.scopes.to_vec(), op.response.spec(), params, positional, body);
        list.append(item)?;
    }
    Ok(list)
}

/// Every model with its fields as `(name, wire, spec)`, the same list the stubs are written from.
#[pyfunction]
fn models(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for model in crate::stubgen::all_models() {
        let fields: Vec<(String, String, String)> = model.fields.into_iter().map(|(name, wire, ty)| (name, wire, ty.spec())).collect();
        list.append((model.name, fields))?;
    }
    Ok(list)
}

/// Masks secrets (`tskey-…`, secret JSON members, form secrets) in free text.
#[pyfunction]
fn redact(text: &str) -> String {
    tailnet::secret::redact_secrets(text)
}

/// Test hook: panics inside the guard (the caller must see an exception, not a crash).
#[pyfunction]
#[allow(clippy::panic)]
fn _panic(message: &str) -> PyResult<()> {
    guard(|| panic!("{message}"))
}

// ----- the client state machine --------------------------------------------------------------

fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// State shared by every call of one client: config, credentials and OAuth token, retry policy,
/// rate limiter. Held behind a lock that is never held while Python does IO.
#[pyclass(frozen, module = "tailnet._native", name = "Session")]
pub struct NativeSession {
    inner: Mutex<Session>,
    origin: Instant,
    base_url: String,
    tailnet: String,
}

#[pymethods]
impl NativeSession {
    /// The session of `tailnet::ClientOptions` in its JSON form (the core fills in its defaults and
    /// checks every option, naming it).
    #[new]
    #[pyo3(signature = (options=None))]
    fn new(options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        guard(|| {
            let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
            let session = client_options(options)?.session(USER_AGENT, seed).map_err(native_error)?;
            Ok(NativeSession {
                base_url: session.config.get_base_url().to_owned(),
                tailnet: session.config.get_tailnet().to_owned(),
                inner: Mutex::new(session),
                origin: Instant::now(),
            })
        })
    }

    /// OAuth token requests started so far.
    fn token_fetches(&self) -> PyResult<u64> {
        Ok(lock(&self.inner)?.token_fetches())
    }

    /// Replaces the OIDC ID token of a workload-identity client.
    fn set_id_token(&self, id_token: String) -> PyResult<()> {
        if let Auth::OAuth(oauth) = &mut lock(&self.inner)?.auth {
            oauth.set_id_token(id_token);
        }
        Ok(())
    }

    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    #[getter]
    fn tailnet(&self) -> &str {
        &self.tailnet
    }

    fn __repr__(&self) -> String {
        format!("Session(base_url={:?}, tailnet={:?})", self.base_url, self.tailnet)
    }
}

fn send_step<'py>(py: Python<'py>, request: &HttpRequest) -> PyResult<Bound<'py, PyTuple>> {
    let mut parts = vec![0i64.into_pyobject(py)?.into_any()];
    parts.extend(request_parts(py, request)?);
    PyTuple::new(py, parts)
}

fn tagged<'py>(py: Python<'py>, tag: i64, value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, [tag.into_pyobject(py)?.into_any(), value])
}

/// Reports an outcome to a state machine (a call or a policy update) at the session's clock. Locks
/// in the order `poll` does: the machine, then the session.
fn report<M>(machine: &Mutex<M>, session: &NativeSession, f: impl FnOnce(&mut M, &mut Session, Duration, u64)) -> PyResult<()> {
    guard(|| {
        let mut machine = lock(machine)?;
        let mut state = lock(&session.inner)?;
        f(&mut machine, &mut state, session.origin.elapsed(), unix_seconds());
        Ok(())
    })
}

/// `durationMs` → `duration_ms`: the core's camelCase observation keys, as Python names.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The core's observations (secrets already masked) as dicts with snake_case keys; `headers` is a
/// list of `(name, value)` tuples.
fn observations_py(py: Python<'_>, observations: Vec<Observation>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for observation in observations {
        let dict = PyDict::new(py);
        if let Value::Object(members) = serde_json::to_value(&observation).map_err(|e| internal(e.to_string()))? {
            for (key, value) in members {
                let item = match (key.as_str(), &value) {
                    ("headers", Value::Array(pairs)) => {
                        let headers = PyList::empty(py);
                        for pair in pairs {
                            let name = pair.get(0).and_then(Value::as_str).unwrap_or_default();
                            let text = pair.get(1).and_then(Value::as_str).unwrap_or_default();
                            headers.append((name, text))?;
                        }
                        headers.into_any()
                    }
                    _ => to_py(py, &value)?,
                };
                dict.set_item(snake_case(&key), item)?;
            }
        }
        list.append(dict)?;
    }
    Ok(list)
}

/// One invocation of one operation across its attempts (the core's `Call`).
#[pyclass(frozen, module = "tailnet._native", name = "Call")]
pub struct NativeCall {
    call: Mutex<Call>,
    operation: &'static str,
}

#[pymethods]
impl NativeCall {
    #[new]
    #[pyo3(signature = (operation_id, params=None))]
    fn new(operation_id: &str, params: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        guard(|| {
            let params = params_to_json(params)?;
            let call = Call::by_id(operation_id, params).map_err(native_error)?;
            let operation = call.operation().id;
            Ok(NativeCall { call: Mutex::new(call), operation })
        })
    }

    #[getter]
    fn operation(&self) -> &'static str {
        self.operation
    }

    /// What to do next: `(0, method, url, headers, body)` send; `(1, seconds)` sleep;
    /// `(2, result)` done. Errors that end the call are raised.
    fn poll<'py>(&self, py: Python<'py>, session: &NativeSession) -> PyResult<Bound<'py, PyTuple>> {
        guard(|| {
            let step = {
                let mut call = lock(&self.call)?;
                let mut state = lock(&session.inner)?;
                call.poll(&mut state, session.origin.elapsed())
            };
            match step {
                Step::Send(request) => send_step(py, &request),
                Step::Wait(delay) => tagged(py, 1, delay.as_secs_f64().into_pyobject(py)?.into_any()),
                Step::Done(Ok(response)) => {
                    let operation = self.operation;
                    let parsed = py.detach(|| catch_unwind(AssertUnwindSafe(|| registry::parse_view(operation, &response))));
                    match parsed {
                        Ok(Ok(value)) => tagged(py, 2, wrap_view(py, value)?),
                        Ok(Err(e)) => Err(native_error(e)),
                        Err(_) => Err(internal("internal error (a Rust panic was caught while parsing)")),
                    }
                }
                Step::Done(Err(e)) => Err(native_error(e)),
            }
        })
    }

    /// Reports the response to the request of the last `Send`.
    fn on_response(&self, session: &NativeSession, status: u16, headers: Vec<(String, String)>, body: &[u8]) -> PyResult<()> {
        report(&self.call, session, |call, state, now, unix| call.on_response(state, response_of(status, headers, body), now, unix))
    }

    /// Reports that the request of the last `Send` got no response.
    fn on_transport_error(&self, session: &NativeSession, message: &str, maybe_sent: bool, timed_out: bool) -> PyResult<()> {
        report(&self.call, session, |call, state, now, unix| call.on_transport_error(state, TransportFailure::new(message, maybe_sent, timed_out), now, unix))
    }

    /// The observations recorded since the last take (only when the session's options set
    /// `observe`): dicts with snake_case keys, secrets masked.
    fn take_observations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        guard(|| {
            let observations = lock(&self.call)?.take_observations();
            observations_py(py, observations)
        })
    }
}

/// A safe read-modify-write of the policy file (the core's `PolicyUpdate`), driven like a
/// [`NativeCall`] plus one step: `(3, document)` asks the caller to edit the `PolicyDocument` in
/// place and hand it back with `edited(document)`.
#[pyclass(frozen, module = "tailnet._native", name = "PolicyUpdate")]
pub struct NativePolicyUpdate {
    update: Mutex<PolicyUpdate>,
}

#[pymethods]
impl NativePolicyUpdate {
    #[new]
    #[pyo3(signature = (*, max_attempts, allow_allow_all, replace_default_only))]
    fn new(max_attempts: &Bound<'_, PyAny>, allow_allow_all: bool, replace_default_only: bool) -> PyResult<Self> {
        guard(|| {
            // A negative count is "less than 1" to the core; anything but an int is refused here.
            let max_attempts = match max_attempts.extract::<i64>() {
                Ok(n) if !max_attempts.is_instance_of::<PyBool>() => u32::try_from(n.max(0)).unwrap_or(u32::MAX),
                _ => return Err(build_error("maxAttempts", "must be an integer")),
            };
            let options = PolicyUpdateOptions { max_attempts, allow_allow_all, replace_default_only };
            let update = PolicyUpdate::new(options).map_err(native_error)?;
            Ok(NativePolicyUpdate { update: Mutex::new(update) })
        })
    }

    /// As `Call.poll`, plus `(3, document)`: edit it, then `edited(document)`. The result is the
    /// policy file written (or read, when the edit changed nothing).
    fn poll<'py>(&self, py: Python<'py>, session: &NativeSession) -> PyResult<Bound<'py, PyTuple>> {
        guard(|| {
            let step = {
                let mut update = lock(&self.update)?;
                let mut state = lock(&session.inner)?;
                update.poll(&mut state, session.origin.elapsed())
            };
            match step {
                PolicyStep::Send(request) => send_step(py, &request),
                PolicyStep::Wait(delay) => tagged(py, 1, delay.as_secs_f64().into_pyobject(py)?.into_any()),
                PolicyStep::Done(Ok(file)) => tagged(py, 2, wrap_view(py, Arc::new(file))?),
                PolicyStep::Done(Err(e)) => Err(native_error(e)),
                PolicyStep::Edit(doc) => tagged(py, 3, Bound::new(py, PyPolicyDocument { doc })?.into_any()),
            }
        })
    }

    /// Hands back the document of the last `(3, document)` step, as the edit left it.
    fn edited(&self, document: PyRef<'_, PyPolicyDocument>) -> PyResult<()> {
        guard(|| {
            lock(&self.update)?.edited(document.doc.clone());
            Ok(())
        })
    }

    /// As `Call.on_response`.
    fn on_response(&self, session: &NativeSession, status: u16, headers: Vec<(String, String)>, body: &[u8]) -> PyResult<()> {
        report(&self.update, session, |update, state, now, unix| update.on_response(state, response_of(status, headers, body), now, unix))
    }

    /// As `Call.on_transport_error`.
    fn on_transport_error(&self, session: &NativeSession, message: &str, maybe_sent: bool, timed_out: bool) -> PyResult<()> {
        report(&self.update, session, |update, state, now, unix| update.on_transport_error(state, TransportFailure::new(message, maybe_sent, timed_out), now, unix))
    }

    /// As `Call.take_observations` (the read's and the write's).
    fn take_observations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        guard(|| {
            let observations = lock(&self.update)?.take_observations();
            observations_py(py, observations)
        })
    }
}

#[pymodule]
#[pyo3(name = "_native")]
fn native_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add("USER_AGENT", USER_AGENT)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The core's defaults, for the Python signatures (`RetryPolicy()`, `Client(...)`, `update_policy_file`).
    let retry = RetryPolicy::default();
    m.add("RETRY_DEFAULT", (retry.max_attempts, retry.base_delay.as_secs_f64(), retry.max_delay.as_secs_f64(), retry.budget.as_secs_f64()))?;
    m.add("DEFAULT_BASE_URL", tailnet::config::DEFAULT_BASE_URL)?;
    m.add("DEFAULT_TAILNET", tailnet::config::DEFAULT_TAILNET)?;
    m.add("POLICY_MAX_ATTEMPTS", PolicyUpdateOptions::default().max_attempts)?;
    m.add("DEFAULT_MAX_RESPONSE_BYTES", tailnet::resilience::call::DEFAULT_MAX_RESPONSE_BYTES)?;
    m.add_class::<JsonNode>()?;
    m.add_class::<FieldTable>()?;
    m.add_class::<NativeSession>()?;
    m.add_class::<NativeCall>()?;
    m.add_class::<NativePolicyUpdate>()?;
    m.add_function(wrap_pyfunction!(build_request, m)?)?;
    m.add_function(wrap_pyfunction!(parse_response, m)?)?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_function(wrap_pyfunction!(operation_doc, m)?)?;
    m.add_function(wrap_pyfunction!(models, m)?)?;
    m.add_function(wrap_pyfunction!(redact, m)?)?;
    m.add_function(wrap_pyfunction!(_panic, m)?)?;
    crate::py_policy::register(m)?;
    crate::py_webhooks::register(m)?;
    Ok(())
}
