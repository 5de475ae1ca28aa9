//! The request pipeline: log → faults → rate limit → route → auth → validate → handle → check.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming, SizeHint};
use serde_json::{json, Value};

use crate::auth::{missing_scope, Auth, AuthError};
use crate::faults::{self, Fault, RateLimitConfig, RateLimiter};
use crate::handlers::{self, err, ok as json_reply, Cx, Reply, ReplyBody, Req};
use crate::spec::{Operation, RouteResult, Spec};
use crate::state::State;

const MAX_BODY: usize = 8 * 1024 * 1024;
const REDACTED: &str = "[redacted]";

/// State and credentials change together (creating an OAuth-client key registers a client).
pub struct World {
    pub state: State,
    pub auth: Auth,
}

pub struct Shared {
    pub spec: Spec,
    pub world: Mutex<World>,
    pub seed: State,
    pub faults: Mutex<Vec<Fault>>,
    pub rate: Mutex<Option<RateLimiter>>,
    pub log: Mutex<Vec<Value>>,
    pub violations: Mutex<Vec<Value>>,
    pub cors: bool,
}

/// Poison-tolerant lock: a panicking handler must not take the fake down with it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Returned from the service to make hyper drop the connection without answering.
#[derive(Debug)]
pub struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by fault injection")
    }
}

impl std::error::Error for ResetConnection {}

/// Response body. `Short` hides its length so hyper keeps a Content-Length we set by hand
/// (announcing more bytes than are sent); it pauses after its data so hyper flushes the head
/// and the partial body before the early end makes it close the connection.
pub enum OutBody {
    Sized(Option<Bytes>),
    Short(Option<Bytes>, Option<Pin<Box<tokio::time::Sleep>>>),
}

impl hyper::body::Body for OutBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            OutBody::Sized(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            OutBody::Short(b, pause) => {
                if let Some(b) = b.take() {
                    return Poll::Ready(Some(Ok(Frame::data(b))));
                }
                if let Some(p) = pause {
                    if p.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *pause = None;
                }
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, OutBody::Sized(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OutBody::Sized(b) => SizeHint::with_exact(b.as_ref().map(|b| b.len() as u64).unwrap_or(0)),
            OutBody::Short(..) => SizeHint::default(),
        }
    }
}

pub async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<OutBody>, ResetConnection> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query: Vec<(String, String)> = form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
    let origin = parts.headers.get("origin").and_then(|v| v.to_str().ok()).map(str::to_string);
    let bytes = match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => return Ok(finish(&shared, err(413, "request body too large or unreadable"), None, origin.as_deref())),
    };
    if path == "/_fake" || path.starts_with("/_fake/") {
        return Ok(finish(&shared, control(&shared, &parts.method, &path, &bytes), None, None));
    }
    let rel = match path.strip_prefix("/api/v2") {
        Some(r) if r.is_empty() || r.starts_with('/') => r.to_string(),
        _ => return Ok(finish(&shared, err(404, "not found"), None, origin.as_deref())),
    };
    if shared.cors && parts.method == Method::OPTIONS {
        let reply = handlers::status_empty(204).with_header("Access-Control-Max-Age", "600");
        return Ok(finish(&shared, reply, None, origin.as_deref()));
    }
    record(&shared, &parts.method, &path, parts.uri.query(), &parts.headers, &bytes);

    let fault = faults::take(&mut lock(&shared.faults), parts.method.as_str(), &path);
    let mut truncate = None;
    if let Some(f) = fault {
        match f.kind.as_str() {
            "reset" => return Err(ResetConnection),
            "delay" => tokio::time::sleep(Duration::from_millis(f.ms.unwrap_or(0))).await,
            "truncated" => truncate = Some(f.mode.clone().unwrap_or_else(|| "cut".into())),
            "html" => {
                let status = f.status.unwrap_or(502);
                let page = format!("<html>\r\n<head><title>{status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>{status} Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n");
                let reply = Reply { status, headers: Vec::new(), body: ReplyBody::Text("text/html", page) };
                return Ok(finish(&shared, reply, None, origin.as_deref()));
            }
            _ => {
                let status = f.status.unwrap_or(500);
                let message = match status {
                    429 => "rate limit exceeded".to_string(),
                    503 => "service unavailable".to_string(),
                    s => format!("injected fault: status {s}"),
                };
                let mut reply = err(status, message);
                if let Some(ra) = &f.retry_after {
                    reply = reply.with_header("Retry-After", ra.clone());
                }
                return Ok(finish(&shared, reply, None, origin.as_deref()));
            }
        }
    }
    let limited = lock(&shared.rate).as_mut().map(RateLimiter::acquire);
    if let Some(Err(wait)) = limited {
        let reply = err(429, "rate limit exceeded").with_header("Retry-After", wait.to_string());
        return Ok(finish(&shared, reply, None, origin.as_deref()));
    }

    let reply = process(&shared, &parts.method, &rel, &path, &query, &parts.headers, &bytes);
    Ok(finish(&shared, reply, truncate.as_deref(), origin.as_deref()))
}

fn process(shared: &Shared, method: &Method, rel: &str, full_path: &str, query: &[(String, String)], headers: &HeaderMap, bytes: &Bytes) -> Reply {
    let spec = &shared.spec;
    let m = match spec.route(method.as_str(), rel) {
        RouteResult::Found(m) => m,
        RouteResult::NotFound => return err(404, format!("no such endpoint: {method} {full_path}")),
        RouteResult::MethodNotAllowed(allowed) => {
            return err(405, format!("method {method} not allowed for {full_path}")).with_header("Allow", allowed.join(", "));
        }
    };
    let op = m.op;
    if op.id.starts_with("oauthToken") {
        return oauth(shared, op, headers, bytes);
    }
    let reply = {
        let mut world = lock(&shared.world);
        let World { state, auth } = &mut *world;
        match authorize_and_run(spec, state, auth, &m, query, headers, bytes) {
            Ok(r) | Err(r) => r,
        }
    };
    check_response(shared, op, method, full_path, &reply);
    reply
}

fn authorize_and_run(
    spec: &Spec,
    state: &mut State,
    auth: &mut Auth,
    m: &crate::spec::Matched<'_>,
    query: &[(String, String)],
    headers: &HeaderMap,
    bytes: &Bytes,
) -> Result<Reply, Reply> {
    let op = m.op;
    let principal = auth.authenticate(headers.get("authorization").and_then(|v| v.to_str().ok())).map_err(|e| match e {
        AuthError::Unauthorized(msg) => err(401, msg),
        AuthError::BadRequest(msg) => err(400, msg),
    })?;
    if let Some(missing) = missing_scope(&principal, &op.scopes) {
        return Err(err(403, format!("calling actor does not have enough permissions to perform this function: {} requires scope {missing}", op.id)));
    }
    spec.check_params(m, query).map_err(|e| err(400, e))?;
    let (body, raw) = parse_body(spec, op, bytes).map_err(|e| err(400, e))?;
    let req = Req { op: &op.id, params: &m.path_params, query, headers, body, raw: &raw };
    // A handler bug must show up as a 500 (and a violation), never take the server down.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handlers::dispatch(&mut Cx { state, auth }, &req)));
    Ok(outcome.unwrap_or_else(|_| err(500, format!("fake-tailnet handler for {} panicked", op.id))))
}

const POLICY_OPS: [&str; 3] = ["setPolicyFile", "previewRuleMatches", "validateAndTestPolicyFile"];

/// Parses and validates the request body against the operation's JSON schema.
fn parse_body(spec: &Spec, op: &Operation, bytes: &Bytes) -> Result<(Option<Value>, String), String> {
    let raw = String::from_utf8(bytes.to_vec()).map_err(|_| "request body is not valid UTF-8".to_string())?;
    if raw.trim().is_empty() {
        if op.request_required {
            return Err("request body is required".into());
        }
        return Ok((None, raw));
    }
    if POLICY_OPS.contains(&op.id.as_str()) {
        // Policy bodies are HuJSON whatever the content type. The spec's JSON schema for
        // validate (array of tests | string) omits the policy object that the API accepts.
        let v = crate::util::parse_hujson(&raw)?;
        let ok = match op.id.as_str() {
            "validateAndTestPolicyFile" => v.is_object() || v.is_array() || v.is_string(),
            _ => v.is_object(),
        };
        if !ok {
            return Err("invalid policy: must be a JSON object".into());
        }
        return Ok((Some(v), raw));
    }
    let Some(schema) = &op.request_schema else {
        // A body on an operation that takes none is ignored, as the real API does.
        return Ok((serde_json::from_str(&raw).ok(), raw));
    };
    let mut v: Value = serde_json::from_str(&raw).map_err(|e| format!("invalid JSON request body: {e}"))?;
    spec.drop_null_optionals(schema, &mut v);
    let key = format!("request:{}", op.schema_of.as_deref().unwrap_or(&op.id));
    if let Some(problem) = spec.validate(&key, schema, &v).first() {
        return Err(format!("invalid request body: {problem}"));
    }
    Ok((Some(v), raw))
}

/// Checks a reply against the spec; a mismatch is a bug in the fake and is recorded.
fn check_response(shared: &Shared, op: &Operation, method: &Method, path: &str, reply: &Reply) {
    if op.extra && op.schema_of.is_none() {
        return;
    }
    let id = op.schema_of.as_deref().unwrap_or(&op.id);
    let body = match &reply.body {
        ReplyBody::Json(v) => Some(v),
        _ => None,
    };
    let spec = &shared.spec;
    let key = format!("response:{id}:{}", reply.status);
    let problems = match spec.response_schema(id, reply.status) {
        Some(Some(schema)) => match (&reply.body, body) {
            (_, Some(v)) => spec.validate(&key, &schema, v),
            (ReplyBody::Text(..), _) => Vec::new(),
            _ => vec!["the spec declares a JSON body for this status but none was sent".to_string()],
        },
        Some(None) if body.is_some() => vec!["the spec declares no body for this status but JSON was sent".to_string()],
        Some(None) => Vec::new(),
        None if reply.status < 400 => vec![format!("status {} is not declared for this operation", reply.status)],
        None => match body {
            // Undeclared error statuses (401, 405…) must still carry the common Error shape.
            Some(v) => spec.validate("response:Error", &json!({"$ref": "#/components/schemas/Error"}), v),
            None => vec!["error response without a JSON body".to_string()],
        },
    };
    if !problems.is_empty() {
        let v = json!({"operationId": op.id, "method": method.as_str(), "path": path, "status": reply.status, "errors": problems});
        eprintln!("fake-tailnet: response schema violation: {v}");
        lock(&shared.violations).push(v);
    }
}

fn oauth(shared: &Shared, op: &Operation, headers: &HeaderMap, bytes: &Bytes) -> Reply {
    let form: Vec<(String, String)> = form_urlencoded::parse(bytes).into_owned().collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let exchange = op.id == "oauthTokenExchange";
    if let Some(gt) = get("grant_type") {
        if !exchange && gt != "client_credentials" {
            return err(400, format!("unsupported grant_type {gt:?}"));
        }
    }
    let (mut id, mut secret) = (get("client_id"), get("client_secret"));
    // client_secret_basic is the other standard way to present client credentials.
    if id.is_none() {
        let basic = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|h| h.strip_prefix("Basic "));
        let decoded = basic.and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok()).and_then(|d| String::from_utf8(d).ok());
        if let Some((i, s)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
            id = Some(i.to_string());
            secret = Some(s.to_string());
        }
    }
    let Some(id) = id.filter(|i| !i.is_empty()) else { return err(401, "client_id is required") };
    let mut world = lock(&shared.world);
    let checked_secret = if exchange {
        if get("jwt").unwrap_or_default().is_empty() {
            return err(401, "jwt is required");
        }
        None
    } else {
        match secret {
            Some(s) => Some(s),
            None => return err(401, "client_secret is required"),
        }
    };
    let ttl = world.auth.ttl.as_secs();
    match world.auth.issue(&id, checked_secret.as_deref(), get("scope").as_deref()) {
        Ok((token, scopes)) => json_reply(json!({"access_token": token, "token_type": "Bearer", "expires_in": ttl, "scope": scopes.join(" ")})),
        Err(AuthError::Unauthorized(m)) => err(401, m),
        Err(AuthError::BadRequest(m)) => err(400, m),
    }
}

fn is_secret_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    ["secret", "token", "jwt", "password", "key"].iter().any(|s| k == *s || k.ends_with(s)) || k.contains("secret")
}

fn redact_json(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if is_secret_key(k) && !x.is_object() && !x.is_array() {
                    *x = json!(REDACTED);
                } else {
                    redact_json(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// The body as logged: secrets in form fields and JSON members replaced.
fn redacted_body(headers: &HeaderMap, bytes: &Bytes) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    let Ok(text) = std::str::from_utf8(bytes) else { return json!(format!("<{} bytes>", bytes.len())) };
    let ct = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if ct.starts_with("application/x-www-form-urlencoded") {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(bytes) {
            out.append_pair(&k, if is_secret_key(&k) { REDACTED } else { &v });
        }
        return json!(out.finish());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(mut v) if v.is_object() || v.is_array() => {
            redact_json(&mut v);
            json!(v.to_string())
        }
        _ => json!(text),
    }
}

fn record(shared: &Shared, method: &Method, path: &str, query: Option<&str>, headers: &HeaderMap, bytes: &Bytes) {
    let mut hs = BTreeMap::new();
    for (name, value) in headers {
        let n = name.as_str();
        let v = if matches!(n, "authorization" | "proxy-authorization" | "cookie") { REDACTED.to_string() } else { String::from_utf8_lossy(value.as_bytes()).to_string() };
        hs.insert(n.to_string(), v);
    }
    let entry = json!({
        "method": method.as_str(),
        "path": path,
        "query": query.unwrap_or_default(),
        "headers": hs,
        "body": redacted_body(headers, bytes),
    });
    lock(&shared.log).push(entry);
}

fn finish(shared: &Shared, reply: Reply, truncate: Option<&str>, origin: Option<&str>) -> Response<OutBody> {
    let (content_type, bytes) = match reply.body {
        ReplyBody::Empty => (None, Bytes::new()),
        ReplyBody::Json(v) => (Some("application/json"), Bytes::from(serde_json::to_vec(&v).unwrap_or_default())),
        ReplyBody::Text(ct, s) => (Some(ct), Bytes::from(s)),
    };
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert("content-type", HeaderValue::from_static(ct));
    }
    let mut extra = reply.headers;
    if shared.cors {
        if let Some(o) = origin {
            extra.push(("Access-Control-Allow-Origin".into(), o.to_string()));
            extra.push(("Vary".into(), "Origin".into()));
        } else {
            extra.push(("Access-Control-Allow-Origin".into(), "*".into()));
        }
        extra.push(("Access-Control-Allow-Methods".into(), "GET, POST, PUT, PATCH, DELETE, OPTIONS".into()));
        extra.push(("Access-Control-Allow-Headers".into(), "Authorization, Content-Type, If-Match, Accept".into()));
        extra.push(("Access-Control-Expose-Headers".into(), "ETag, Retry-After".into()));
    }
    for (k, v) in extra {
        if let (Ok(k), Ok(v)) = (http::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(&v)) {
            headers.append(k, v);
        }
    }
    let half = bytes.slice(..bytes.len() / 2);
    let body = match truncate {
        // Announce the full length, send half, then hyper closes the connection.
        Some("length") => {
            headers.insert("content-length", HeaderValue::from(bytes.len()));
            OutBody::Short(Some(half), Some(Box::pin(tokio::time::sleep(Duration::from_millis(100)))))
        }
        // A well-formed response whose JSON is cut in the middle.
        Some(_) => OutBody::Sized(Some(half)),
        None => OutBody::Sized(Some(bytes)),
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
}

/// /_fake/… inspection and control endpoints (no auth: loopback test harness only).
fn control(shared: &Shared, method: &Method, path: &str, bytes: &Bytes) -> Reply {
    let body: Option<Value> = if bytes.is_empty() { None } else { serde_json::from_slice(bytes).ok() };
    match (method.as_str(), path.trim_end_matches('/')) {
        ("GET", "/_fake/health") => json_reply(json!({"ok": true})),
        ("GET", "/_fake/requests") => json_reply(Value::Array(lock(&shared.log).clone())),
        ("DELETE", "/_fake/requests") => {
            lock(&shared.log).clear();
            handlers::empty()
        }
        ("GET", "/_fake/violations") => json_reply(Value::Array(lock(&shared.violations).clone())),
        ("DELETE", "/_fake/violations") => {
            lock(&shared.violations).clear();
            handlers::empty()
        }
        ("GET", "/_fake/faults") => json_reply(json!(*lock(&shared.faults))),
        ("DELETE", "/_fake/faults") => {
            lock(&shared.faults).clear();
            handlers::empty()
        }
        ("POST", "/_fake/faults") => {
            let list = match body {
                Some(Value::Array(a)) => a,
                Some(v) => vec![v],
                None => return err(400, "body must be a fault object or an array of them"),
            };
            let mut parsed = Vec::new();
            for v in list {
                match serde_json::from_value::<Fault>(v).map_err(|e| e.to_string()).and_then(|f| f.check().map(|_| f)) {
                    Ok(f) => parsed.push(f),
                    Err(e) => return err(400, format!("invalid fault: {e}")),
                }
            }
            lock(&shared.faults).extend(parsed);
            json_reply(json!(*lock(&shared.faults)))
        }
        ("POST", "/_fake/rate-limit") => {
            let cfg = body.ok_or("body required".to_string()).and_then(|b| serde_json::from_value::<RateLimitConfig>(b).map_err(|e| e.to_string()));
            match cfg.and_then(RateLimiter::new) {
                Ok(rl) => {
                    let c = rl.config.clone();
                    *lock(&shared.rate) = Some(rl);
                    json_reply(json!(c))
                }
                Err(e) => err(400, format!("invalid rate limit: {e}")),
            }
        }
        ("DELETE", "/_fake/rate-limit") => {
            *lock(&shared.rate) = None;
            handlers::empty()
        }
        ("POST", "/_fake/reset") => {
            lock(&shared.world).state = shared.seed.clone();
            handlers::empty()
        }
        ("GET", "/_fake/state") => json_reply(serde_json::to_value(&lock(&shared.world).state).unwrap_or(Value::Null)),
        _ => err(404, format!("no fake control endpoint {method} {path}")),
    }
}
