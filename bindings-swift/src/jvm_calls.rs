//! The JVM's direct typed calls: the core's sans-IO [`Call`] of a `TailnetClient` operation,
//! stepped by the Kotlin side through C functions with primitive arguments and buffers, instead of
//! a generated uniffi async method.
//!
//! A generated async method costs a handle clone, a `rustbuffer_alloc` for the parameters, the
//! future's poll and continuation callback, `rust_future_complete`, a `rustbuffer_free` of the
//! result and `rust_future_free`: four of them pass a JNA call-status `Structure` and three return
//! a `RustBuffer` by value, about twenty tracked JNA `Memory` blocks per call, and its transport
//! is reached through uniffi's async callbacks (another two dozen, and two thread hops). On the JVM
//! those cost far more than the call itself.
//!
//! Here the Kotlin side (`JvmCalls.kt`, and the generated `JvmTailnetClient.kt`, which overrides
//! every operation method of `TailnetClient`) writes the parameters with the generated
//! `FfiConverter`s into a byte array; [`tailnet_jvm_call_start`] reads them with uniffi's own
//! `Lift`, makes the operation's `Call` and advances it to its first step; each step is written
//! into the caller's buffer as one frame: *send* this request (the serialized [`HttpRequest`]),
//! *wait* this long, or *done* (the output or the `TailnetError`, as uniffi serializes them). The
//! Kotlin loop sends or sleeps with its transport in the calling coroutine and reports the outcome
//! ([`tailnet_jvm_call_respond`], [`tailnet_jvm_call_fail`], [`tailnet_jvm_call_resume`]), which
//! advances the call to its next step. The decisions (credentials, retries, backoff, rate limits,
//! the size cap) are the core's, through the same `Session` the client's other calls use — the
//! same as `TailnetClient::drive`, one crossing per step: a call with one request is two.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};

use tailnet::resilience::{Call, Step};
use tailnet::Operation;

use crate::{build_error, outcome_of, request_to_ffi, unix_now, HttpRequest, HttpResponse, TailnetClient, TailnetError, TransportError, UniFfiTag};

/// The bytes of a `TailnetError` as the generated `FfiConverterTypeTailnetError` reads them.
fn error_bytes(error: TailnetError) -> Vec<u8> {
    <TailnetError as uniffi::LowerError<UniFfiTag>>::lower_error(error).destroy_into_vec()
}

/// An operation's output as bytes: a `RustBuffer`'s contents, or nothing for `()`.
trait IntoBytes {
    fn into_bytes(self) -> Vec<u8>;
}

impl IntoBytes for uniffi::RustBuffer {
    fn into_bytes(self) -> Vec<u8> {
        self.destroy_into_vec()
    }
}

impl IntoBytes for () {
    fn into_bytes(self) -> Vec<u8> {
        Vec::new()
    }
}

/// Parses the final response of the call's operation into the done frame's bytes.
type Parse = fn(&'static tailnet::OperationInfo, &tailnet::HttpResponse) -> Result<Vec<u8>, Vec<u8>>;
type Start = fn(&[u8]) -> Result<(Call, Parse), Vec<u8>>;

fn parse<O: Operation>(_: &'static tailnet::OperationInfo, response: &tailnet::HttpResponse) -> Result<Vec<u8>, Vec<u8>>
where
    O::Output: uniffi::LowerReturn<UniFfiTag>,
    <O::Output as uniffi::LowerReturn<UniFfiTag>>::ReturnType: IntoBytes,
{
    let output = O::parse(response).map_err(|e| error_bytes(e.into()))?;
    match <O::Output as uniffi::LowerReturn<UniFfiTag>>::lower_return(output) {
        Ok(lowered) => Ok(lowered.into_bytes()),
        Err(_) => Err(error_bytes(build_error("result", "cannot lower the result"))),
    }
}

fn start<O: Operation>(mut params: &[u8]) -> Result<(Call, Parse), Vec<u8>>
where
    O::Params: uniffi::Lift<UniFfiTag> + Send + Sync + 'static,
    O::Output: uniffi::LowerReturn<UniFfiTag>,
    <O::Output as uniffi::LowerReturn<UniFfiTag>>::ReturnType: IntoBytes,
{
    let decoded = <O::Params as uniffi::Lift<UniFfiTag>>::try_read(&mut params).map_err(|e| error_bytes(build_error("params", e)))?;
    if !params.is_empty() {
        return Err(error_bytes(build_error("params", "trailing bytes after the parameters")));
    }
    Ok((crate::call_of::<O>(&O::INFO, decoded), parse::<O>))
}

/// `callJson`: any operation by `operationId` with JSON parameters, the result as JSON text (the
/// same as `TailnetClient::call_json`). Its parameters are the two strings, its output the string,
/// as the generated `FfiConverterString` writes and reads them inside a buffer.
fn start_json(mut params: &[u8]) -> Result<(Call, Parse), Vec<u8>> {
    let mut text = || <String as uniffi::Lift<UniFfiTag>>::try_read(&mut params).map_err(|e| error_bytes(build_error("params", e)));
    let (operation_id, params_json) = (text()?, text()?);
    let value: serde_json::Value = serde_json::from_str(&params_json).map_err(|e| error_bytes(build_error("params", e)))?;
    let call = Call::by_id(&operation_id, value).map_err(|e| error_bytes(e.into()))?;
    Ok((call, parse_json))
}

fn parse_json(info: &'static tailnet::OperationInfo, response: &tailnet::HttpResponse) -> Result<Vec<u8>, Vec<u8>> {
    let json = crate::parse_to_json(info.id, response).map_err(|e| error_bytes(e.into()))?;
    let mut bytes = Vec::new();
    <String as uniffi::Lower<UniFfiTag>>::write(json, &mut bytes);
    Ok(bytes)
}

macro_rules! starters {
    ($( ($ty:ident, $snake:ident, $id:literal) ),* $(,)?) => {
        /// Every operation: the Kotlin method's snake-case name and its typed start; then
        /// `call_json`.
        static STARTERS: &[(&str, Start)] = &[ $( (stringify!($snake), start::<tailnet::operations::$ty>) ,)* ("call_json", start_json) ];
    };
}

tailnet::for_each_operation!(starters);

/// The index of an operation by its snake-case name (`get_device`), or -1.
#[no_mangle]
pub extern "C" fn tailnet_jvm_op_index(name: *const u8, name_len: i32) -> i32 {
    let name = crate::jvm_port::bytes_at(name, name_len);
    STARTERS.iter().position(|(snake, _)| snake.as_bytes() == name).and_then(|i| i32::try_from(i).ok()).unwrap_or(-1)
}

/// Releases a client handle the JVM cloned (`TailnetClient.uniffiCloneHandle()`) for its calls.
#[no_mangle]
pub extern "C" fn tailnet_jvm_client_free(client: u64) {
    if client != 0 {
        // SAFETY: `client` is a handle uniffi made from `Arc<TailnetClient>` and the JVM owns it.
        drop(unsafe { uniffi::Handle::from_raw_unchecked(client).into_arc::<TailnetClient>() });
    }
}

// ---- Calls in progress --------------------------------------------------------------------------

/// Frame kinds (the first byte of a step's frame).
const DONE: u8 = 0;
const ERROR: u8 = 1;
const INTERNAL: u8 = 2;
const SEND: u8 = 3;
const WAIT: u8 = 4;

struct InProgress {
    client: Arc<TailnetClient>,
    call: Call,
    parse: Parse,
    /// The size cap of the request in flight's response.
    max_response_bytes: usize,
}

fn calls() -> &'static Mutex<HashMap<u64, InProgress>> {
    static CALLS: OnceLock<Mutex<HashMap<u64, InProgress>>> = OnceLock::new();
    CALLS.get_or_init(Default::default)
}

/// Frames larger than the caller's buffer, until [`tailnet_jvm_call_output`] takes them.
fn pending() -> &'static Mutex<HashMap<u64, Vec<u8>>> {
    static PENDING: OnceLock<Mutex<HashMap<u64, Vec<u8>>>> = OnceLock::new();
    PENDING.get_or_init(Default::default)
}

fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 1);
    frame.push(kind);
    frame.extend_from_slice(payload);
    frame
}

fn error_frame(error: TailnetError) -> Vec<u8> {
    frame(ERROR, &error_bytes(error))
}

impl InProgress {
    /// Advances the call to its next step: a frame, and whether the call is finished.
    fn advance(&mut self) -> (Vec<u8>, bool) {
        let step = match self.client.lock() {
            Ok(mut session) => {
                self.max_response_bytes = session.max_response_bytes;
                self.call.poll(&mut session, self.client.now())
            }
            Err(e) => return (error_frame(e.into()), true),
        };
        match step {
            Step::Done(Ok(response)) => match (self.parse)(self.call.operation(), &response) {
                Ok(output) => (frame(DONE, &output), true),
                Err(error) => (frame(ERROR, &error), true),
            },
            Step::Done(Err(e)) => (error_frame(e.into()), true),
            Step::Wait(delay) => (frame(WAIT, &crate::millis(delay).to_be_bytes()), false),
            Step::Send(request) => {
                let mut bytes = vec![SEND];
                <HttpRequest as uniffi::Lower<UniFfiTag>>::write(request_to_ffi(*request, self.max_response_bytes), &mut bytes);
                (bytes, false)
            }
        }
    }

    /// Reports the transport's answer to the request in flight, then advances.
    fn report(&mut self, outcome: Result<HttpResponse, TransportError>) -> (Vec<u8>, bool) {
        let outcome = outcome_of(outcome, self.max_response_bytes);
        let (now, unix) = (self.client.now(), unix_now().as_secs());
        match self.client.lock() {
            Ok(mut session) => match outcome {
                Ok(response) => self.call.on_response(&mut session, response, now, unix),
                Err(failure) => self.call.on_transport_error(&mut session, failure, now, unix),
            },
            Err(e) => return (error_frame(e.into()), true),
        }
        self.advance()
    }
}

/// Writes `frame` into `out` (capacity `cap`) when it fits, else keeps it for
/// [`tailnet_jvm_call_output`]; an unfinished call goes back into the table. Returns the frame's
/// length either way.
fn emit(call: u64, state: Option<InProgress>, frame: Vec<u8>, finished: bool, out: *mut u8, cap: i32) -> i32 {
    let len = i32::try_from(frame.len()).unwrap_or(i32::MAX);
    if let (false, Some(state)) = (finished, state) {
        if let Ok(mut map) = calls().lock() {
            map.insert(call, state);
        }
    }
    if !copy_out(&frame, out, cap) {
        if let Ok(mut map) = pending().lock() {
            map.insert(call, frame);
        }
    }
    len
}

/// Copies `frame` into `out` (`cap` bytes) if it fits.
fn copy_out(frame: &[u8], out: *mut u8, cap: i32) -> bool {
    let fits = usize::try_from(cap).is_ok_and(|cap| frame.len() <= cap) && !out.is_null();
    if fits {
        // SAFETY: `out` is the JVM's direct buffer of `cap` bytes, valid during this call.
        unsafe { std::ptr::copy_nonoverlapping(frame.as_ptr(), out, frame.len()) };
    }
    fits
}

fn internal(message: &str) -> Vec<u8> {
    frame(INTERNAL, message.as_bytes())
}

/// Runs `step` on call `call` taken out of the table (a panic is the call's internal error).
fn with_call(call: u64, out: *mut u8, cap: i32, step: impl FnOnce(&mut InProgress) -> (Vec<u8>, bool)) -> i32 {
    let state = calls().lock().ok().and_then(|mut map| map.remove(&call));
    let Some(mut state) = state else {
        return emit(call, None, internal("no such call (finished or cancelled)"), true, out, cap);
    };
    match catch_unwind(AssertUnwindSafe(|| step(&mut state))) {
        Ok((frame, finished)) => emit(call, Some(state), frame, finished, out, cap),
        Err(_) => emit(call, None, internal("Rust panic"), true, out, cap),
    }
}

/// Starts operation `op` (an index from [`tailnet_jvm_op_index`]) of the client `client` (a handle
/// the JVM keeps alive during this function) with its serialized parameters, under the JVM's id
/// `call`; writes the first step's frame into `out` and returns its length.
#[no_mangle]
pub extern "C" fn tailnet_jvm_call_start(client: u64, op: i32, call: u64, params: *const u8, params_len: i32, out: *mut u8, cap: i32) -> i32 {
    let params = crate::jvm_port::bytes_at(params, params_len);
    let Some((_, start)) = usize::try_from(op).ok().and_then(|i| STARTERS.get(i)) else {
        return emit(call, None, error_frame(build_error("operationId", format!("unknown operation index {op}"))), true, out, cap);
    };
    // SAFETY: `client` is a live handle of an `Arc<TailnetClient>` owned by the JVM caller; this
    // takes a reference of its own for the call.
    let client = unsafe { uniffi::Handle::from_raw_unchecked(client).clone_arc_handle::<TailnetClient>().into_arc::<TailnetClient>() };
    let started = catch_unwind(AssertUnwindSafe(|| start(params)));
    let (call_state, parse) = match started {
        Ok(Ok(started)) => started,
        Ok(Err(error)) => return emit(call, None, frame(ERROR, &error), true, out, cap),
        Err(_) => return emit(call, None, internal("Rust panic"), true, out, cap),
    };
    let mut state = InProgress { client, call: call_state, parse, max_response_bytes: 0 };
    match catch_unwind(AssertUnwindSafe(|| state.advance())) {
        Ok((frame, finished)) => emit(call, Some(state), frame, finished, out, cap),
        Err(_) => emit(call, None, internal("Rust panic"), true, out, cap),
    }
}

/// The response to the request of the last *send* frame (as the generated
/// `FfiConverterTypeHttpResponse` writes it); writes the next frame.
#[no_mangle]
pub extern "C" fn tailnet_jvm_call_respond(call: u64, response: *const u8, response_len: i32, out: *mut u8, cap: i32) -> i32 {
    let mut bytes = crate::jvm_port::bytes_at(response, response_len);
    let outcome = match <HttpResponse as uniffi::Lift<UniFfiTag>>::try_read(&mut bytes) {
        Ok(response) if bytes.is_empty() => Ok(response),
        _ => Err(TransportError::Failed { reason: "the transport's response did not decode".to_owned(), maybe_sent: true, timed_out: false }),
    };
    with_call(call, out, cap, |state| state.report(outcome))
}

/// The last *send* got no response: `flags` bit 0 = maybe sent, bit 1 = timed out, bit 2 = not a
/// `TransportException` (any other exception; `reason` is its text, reported as uniffi's async
/// callbacks report it). Writes the next frame.
#[no_mangle]
pub extern "C" fn tailnet_jvm_call_fail(call: u64, reason: *const u8, reason_len: i32, flags: i32, out: *mut u8, cap: i32) -> i32 {
    let reason = String::from_utf8_lossy(crate::jvm_port::bytes_at(reason, reason_len)).into_owned();
    let error = if flags & 4 != 0 {
        TransportError::from(uniffi::UnexpectedUniFFICallbackError::new(reason))
    } else {
        TransportError::Failed { reason, maybe_sent: flags & 1 != 0, timed_out: flags & 2 != 0 }
    };
    with_call(call, out, cap, |state| state.report(Err(error)))
}

/// The *wait* of the last frame is over; writes the next frame.
#[no_mangle]
pub extern "C" fn tailnet_jvm_call_resume(call: u64, out: *mut u8, cap: i32) -> i32 {
    with_call(call, out, cap, InProgress::advance)
}

/// Copies the frame that did not fit into the caller's buffer into `out` (`cap` at least its
/// length). Returns the frame's length, or -1 (no such frame, or `out` too small: kept).
#[no_mangle]
pub extern "C" fn tailnet_jvm_call_output(call: u64, out: *mut u8, cap: i32) -> i32 {
    let Ok(mut map) = pending().lock() else { return -1 };
    let Some(frame) = map.get(&call) else { return -1 };
    if !copy_out(frame, out, cap) {
        return -1;
    }
    let len = i32::try_from(frame.len()).unwrap_or(-1);
    map.remove(&call);
    len
}

/// Abandons a call (its coroutine was cancelled, or the transport threw a non-exception).
#[no_mangle]
pub extern "C" fn tailnet_jvm_call_free(call: u64) {
    let state = calls().lock().ok().and_then(|mut map| map.remove(&call));
    drop(state);
    if let Ok(mut map) = pending().lock() {
        map.remove(&call);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Never called: the tests answer the steps themselves.
    struct NoTransport;

    #[async_trait::async_trait]
    impl crate::HttpTransport for NoTransport {
        async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, TransportError> {
            panic!("the stepped call must not use the client's transport")
        }
        async fn sleep(&self, _millis: u64) {}
    }

    fn client() -> u64 {
        let options = crate::ClientOptions { api_key: Some("tskey-api-x".to_owned()), ..Default::default() };
        let client = TailnetClient::new(options, Arc::new(NoTransport)).unwrap();
        uniffi::Handle::from_arc(client).as_raw()
    }

    fn op(name: &str) -> i32 {
        tailnet_jvm_op_index(name.as_ptr(), name.len() as i32)
    }

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
        let response = HttpResponse {
            status,
            headers: headers.iter().map(|(n, v)| crate::HttpHeader { name: (*n).to_owned(), value: (*v).to_owned() }).collect(),
            body: body.as_bytes().to_vec(),
        };
        let mut bytes = Vec::new();
        <HttpResponse as uniffi::Lower<UniFfiTag>>::write(response, &mut bytes);
        bytes
    }

    /// Runs `step` with a buffer of `cap` bytes; the frame (fetched with `output` when larger).
    fn frame_of(call: u64, cap: usize, step: impl FnOnce(*mut u8, i32) -> i32) -> Vec<u8> {
        let mut out = vec![0u8; cap];
        let len = step(out.as_mut_ptr(), cap as i32) as usize;
        if len <= cap {
            out.truncate(len);
            return out;
        }
        let mut large = vec![0u8; len];
        assert_eq!(tailnet_jvm_call_output(call, large.as_mut_ptr(), len as i32) as usize, len);
        large
    }

    #[test]
    fn a_call_steps_through_send_wait_and_done() {
        let client = client();
        let mut params = Vec::new();
        let get: crate::GetDeviceParams = serde_json::from_value(serde_json::json!({"deviceId": "n1"})).unwrap();
        <crate::GetDeviceParams as uniffi::Lower<UniFfiTag>>::write(get, &mut params);
        let call = 7001;
        let first = frame_of(call, 4096, |out, cap| tailnet_jvm_call_start(client, op("get_device"), call, params.as_ptr(), params.len() as i32, out, cap));
        assert_eq!(first[0], SEND);
        let request = <HttpRequest as uniffi::Lift<UniFfiTag>>::try_read(&mut &first[1..]).unwrap();
        assert_eq!((request.method.as_str(), request.url.as_str()), ("GET", "https://api.tailscale.com/api/v2/device/n1"));
        assert!(request.headers.iter().any(|h| h.name == "authorization" && h.value == "Bearer tskey-api-x"));

        // A 429 with Retry-After: the core decides to wait 1 s and send again.
        let busy = response(429, &[("retry-after", "1")], r#"{"message":"slow down"}"#);
        let wait = frame_of(call, 4096, |out, cap| tailnet_jvm_call_respond(call, busy.as_ptr(), busy.len() as i32, out, cap));
        assert_eq!(wait[0], WAIT);
        assert_eq!(u64::from_be_bytes(wait[1..9].try_into().unwrap()), 1000);
        let again = frame_of(call, 4096, |out, cap| tailnet_jvm_call_resume(call, out, cap));
        assert_eq!(again[0], SEND);

        // The answer, through a buffer too small for the done frame.
        let ok = response(200, &[("content-type", "application/json")], r#"{"nodeId":"n1","name":"a.example","tags":["tag:a"]}"#);
        let done = frame_of(call, 8, |out, cap| tailnet_jvm_call_respond(call, ok.as_ptr(), ok.len() as i32, out, cap));
        assert_eq!(done[0], DONE);
        let device = <tailnet::models::Device as uniffi::Lift<UniFfiTag>>::try_read(&mut &done[1..]).unwrap();
        assert_eq!((device.node_id.as_deref(), device.name.as_deref()), (Some("n1"), Some("a.example")));

        // Finished: the call is gone.
        let gone = frame_of(call, 4096, |out, cap| tailnet_jvm_call_resume(call, out, cap));
        assert_eq!(gone[0], INTERNAL);
        tailnet_jvm_client_free(client);
    }

    #[test]
    fn errors_come_back_as_tailnet_errors() {
        let client = client();
        let mut params = Vec::new();
        let get: crate::GetDeviceParams = serde_json::from_value(serde_json::json!({"deviceId": ""})).unwrap();
        <crate::GetDeviceParams as uniffi::Lower<UniFfiTag>>::write(get, &mut params);
        let invalid = frame_of(7002, 4096, |out, cap| tailnet_jvm_call_start(client, op("get_device"), 7002, params.as_ptr(), params.len() as i32, out, cap));
        assert_eq!(invalid[0], ERROR);
        let error = <TailnetError as uniffi::Lift<UniFfiTag>>::try_read(&mut &invalid[1..]).unwrap();
        assert!(matches!(&error, TailnetError::Build { parameter, .. } if parameter == "deviceId"), "{error:?}");

        // Garbage parameters, an unknown operation, a refused connection with one attempt.
        let garbage = frame_of(7003, 4096, |out, cap| tailnet_jvm_call_start(client, op("get_device"), 7003, [1u8, 2, 3].as_ptr(), 3, out, cap));
        assert_eq!(garbage[0], ERROR);
        assert_eq!(op("no_such_operation"), -1);
        let unknown = frame_of(7004, 4096, |out, cap| tailnet_jvm_call_start(client, 9999, 7004, params.as_ptr(), 0, out, cap));
        assert_eq!(unknown[0], ERROR);

        let mut params = Vec::new();
        let get: crate::GetDeviceParams = serde_json::from_value(serde_json::json!({"deviceId": "n1"})).unwrap();
        <crate::GetDeviceParams as uniffi::Lower<UniFfiTag>>::write(get, &mut params);
        let send = frame_of(7005, 4096, |out, cap| tailnet_jvm_call_start(client, op("get_device"), 7005, params.as_ptr(), params.len() as i32, out, cap));
        assert_eq!(send[0], SEND);
        let reason = b"connection refused";
        let mut next = frame_of(7005, 4096, |out, cap| tailnet_jvm_call_fail(7005, reason.as_ptr(), reason.len() as i32, 0, out, cap));
        // Retried with the core's backoff (never sent, so safe), then given up.
        while next[0] != ERROR {
            next = match next[0] {
                WAIT => frame_of(7005, 4096, |out, cap| tailnet_jvm_call_resume(7005, out, cap)),
                SEND => frame_of(7005, 4096, |out, cap| tailnet_jvm_call_fail(7005, reason.as_ptr(), reason.len() as i32, 0, out, cap)),
                other => panic!("unexpected frame {other}"),
            };
        }
        let error = <TailnetError as uniffi::Lift<UniFfiTag>>::try_read(&mut &next[1..]).unwrap();
        assert!(matches!(&error, TailnetError::Transport { reason, .. } if reason.contains("connection refused")), "{error:?}");

        // Abandoning a call in progress frees it.
        let send = frame_of(7006, 4096, |out, cap| tailnet_jvm_call_start(client, op("get_device"), 7006, params.as_ptr(), params.len() as i32, out, cap));
        assert_eq!(send[0], SEND);
        tailnet_jvm_call_free(7006);
        let gone = frame_of(7006, 4096, |out, cap| tailnet_jvm_call_resume(7006, out, cap));
        assert_eq!(gone[0], INTERNAL);
        tailnet_jvm_client_free(client);
    }
}
