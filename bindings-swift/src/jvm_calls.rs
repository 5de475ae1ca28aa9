//! The JVM's direct typed calls: a `TailnetClient` operation started, run and answered through
//! C functions with primitive arguments and byte arrays, instead of a generated uniffi async method.
//!
//! A generated async method costs a handle clone, a `rustbuffer_alloc` for the parameters, the
//! future's poll and continuation callback, `rust_future_complete`, a `rustbuffer_free` of the
//! result and `rust_future_free`: four of them pass a JNA call-status `Structure` and three return
//! a `RustBuffer` by value, about twenty tracked JNA `Memory` blocks per call, which on the JVM
//! cost far more than the call itself. Here the Kotlin side (`JvmCalls.kt` and the generated
//! `JvmTailnetClient.kt`, which overrides every operation method of `TailnetClient`) writes the
//! parameters with the generated `FfiConverter`s into a byte array, [`tailnet_jvm_call_start`]
//! reads them with uniffi's own `Lift`, runs the same typed call (`TailnetClient::call_operation`:
//! the core decides, the transport sends) and hands the result or the `TailnetError` to the `done`
//! callback as uniffi's serialization, which the generated converters read. The call's future is
//! polled in the thread that starts it and then in whichever thread wakes it (the transport's
//! answer, `jvm_port`): with a transport that answers at once, the whole call happens inside
//! `tailnet_jvm_call_start`.

use std::collections::HashMap;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

use tailnet::Operation;

use crate::{build_error, TailnetClient, TailnetError, UniFfiTag};

/// `done(call, kind, data, len)`: kind 0 = the result (uniffi serialization of the operation's
/// output; empty for none), 1 = a `TailnetError` (its serialization), 2 = an internal error (UTF-8
/// text: a panic). The bytes are valid for the duration of the call only.
type Done = extern "C" fn(call: u64, kind: i32, data: *const u8, len: i32);

static DONE: Mutex<Option<Done>> = Mutex::new(None);

/// Installs the JVM's completion callback (null removes it). Returns 1 when installed.
#[no_mangle]
pub extern "C" fn tailnet_jvm_call_install(done: Option<Done>) -> i32 {
    if let Ok(mut slot) = DONE.lock() {
        *slot = done;
    }
    i32::from(done.is_some())
}

type CallFuture = Pin<Box<dyn Future<Output = Result<Vec<u8>, Vec<u8>>> + Send>>;
type Start = fn(Arc<TailnetClient>, &[u8]) -> Result<CallFuture, Vec<u8>>;

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

fn start<O: Operation>(client: Arc<TailnetClient>, mut params: &[u8]) -> Result<CallFuture, Vec<u8>>
where
    O::Params: uniffi::Lift<UniFfiTag> + Send + Sync + 'static,
    O::Output: uniffi::LowerReturn<UniFfiTag> + Send + 'static,
    <O::Output as uniffi::LowerReturn<UniFfiTag>>::ReturnType: IntoBytes,
{
    let decoded = <O::Params as uniffi::Lift<UniFfiTag>>::try_read(&mut params).map_err(|e| error_bytes(build_error("params", e)))?;
    if !params.is_empty() {
        return Err(error_bytes(build_error("params", "trailing bytes after the parameters")));
    }
    Ok(Box::pin(async move {
        let output = client.call_operation::<O>(&O::INFO, decoded).await.map_err(|e| error_bytes(e.into()))?;
        match <O::Output as uniffi::LowerReturn<UniFfiTag>>::lower_return(output) {
            Ok(lowered) => Ok(lowered.into_bytes()),
            Err(_) => Err(error_bytes(build_error("result", "cannot lower the result"))),
        }
    }))
}

macro_rules! starters {
    ($( ($ty:ident, $snake:ident, $id:literal) ),* $(,)?) => {
        /// Every operation: the Kotlin method's snake-case name and its typed start.
        static STARTERS: &[(&str, Start)] = &[ $( (stringify!($snake), start::<tailnet::operations::$ty>) ),* ];
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

// ---- Tasks -------------------------------------------------------------------------------------

const IDLE: u8 = 0;
const RUNNING: u8 = 1;
const NOTIFIED: u8 = 2;

struct Task {
    id: u64,
    future: Mutex<Option<CallFuture>>,
    state: AtomicU8,
}

fn tasks() -> &'static Mutex<HashMap<u64, Arc<Task>>> {
    static TASKS: OnceLock<Mutex<HashMap<u64, Arc<Task>>>> = OnceLock::new();
    TASKS.get_or_init(Default::default)
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.run();
    }
}

enum Finished {
    Output(Vec<u8>),
    Error(Vec<u8>),
    Panic,
}

impl Task {
    /// Polls the future until it is pending or done; a wake while another thread polls makes that
    /// thread poll again.
    fn run(self: Arc<Self>) {
        loop {
            match self.state.compare_exchange(IDLE, RUNNING, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(RUNNING) => {
                    if self.state.compare_exchange(RUNNING, NOTIFIED, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
        loop {
            let waker = Waker::from(self.clone());
            let mut cx = Context::from_waker(&waker);
            let finished = match self.future.lock() {
                Ok(mut slot) => match slot.as_mut() {
                    None => Some(None),
                    Some(future) => match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
                        Ok(Poll::Pending) => None,
                        Ok(Poll::Ready(result)) => {
                            *slot = None;
                            Some(Some(match result {
                                Ok(bytes) => Finished::Output(bytes),
                                Err(bytes) => Finished::Error(bytes),
                            }))
                        }
                        Err(_) => {
                            *slot = None;
                            Some(Some(Finished::Panic))
                        }
                    },
                },
                Err(_) => Some(Some(Finished::Panic)),
            };
            match finished {
                Some(outcome) => {
                    self.state.store(IDLE, Ordering::Release);
                    if let Some(outcome) = outcome {
                        self.deliver(outcome);
                    }
                    return;
                }
                None => {
                    if self.state.compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                        return;
                    }
                    self.state.store(RUNNING, Ordering::Release);
                }
            }
        }
    }

    fn deliver(&self, outcome: Finished) {
        let waiting = tasks().lock().ok().and_then(|mut map| map.remove(&self.id)).is_some();
        let done = DONE.lock().map(|d| *d).unwrap_or(None);
        let (Some(done), true) = (done, waiting) else { return };
        let (kind, bytes) = match outcome {
            Finished::Output(bytes) => (0, bytes),
            Finished::Error(bytes) => (1, bytes),
            Finished::Panic => (2, b"Rust panic".to_vec()),
        };
        let len = i32::try_from(bytes.len()).unwrap_or(0);
        done(self.id, kind, bytes.as_ptr(), len);
    }
}

/// Starts operation `op` (an index from [`tailnet_jvm_op_index`]) of the client `client` (a handle
/// the JVM keeps alive for the duration of this function) with its serialized parameters; `call`
/// is the JVM's id for it, passed back to `done` exactly once (unless cancelled first).
#[no_mangle]
pub extern "C" fn tailnet_jvm_call_start(client: u64, op: i32, call: u64, params: *const u8, params_len: i32) {
    let params = crate::jvm_port::bytes_at(params, params_len);
    // SAFETY: `client` is a live handle of an `Arc<TailnetClient>` owned by the JVM caller; this
    // takes a reference of its own for the call.
    let client = unsafe { uniffi::Handle::from_raw_unchecked(client).clone_arc_handle::<TailnetClient>().into_arc::<TailnetClient>() };
    let task = Arc::new(Task { id: call, future: Mutex::new(None), state: AtomicU8::new(IDLE) });
    if let Ok(mut map) = tasks().lock() {
        map.insert(call, task.clone());
    }
    let started = match usize::try_from(op).ok().and_then(|i| STARTERS.get(i)) {
        Some((_, start)) => catch_unwind(AssertUnwindSafe(|| start(client, params))).unwrap_or_else(|_| Err(error_bytes(build_error("params", "panic while reading the parameters")))),
        None => Err(error_bytes(build_error("operationId", format!("unknown operation index {op}")))),
    };
    match started {
        Ok(future) => {
            if let Ok(mut slot) = task.future.lock() {
                *slot = Some(future);
            }
            task.run();
        }
        Err(error) => task.deliver(Finished::Error(error)),
    }
}

/// Cancels a call the JVM no longer waits for (its coroutine was cancelled): drops its future
/// (which cancels an exchange in flight); `done` is not called for it.
#[no_mangle]
pub extern "C" fn tailnet_jvm_call_cancel(call: u64) {
    let task = tasks().lock().ok().and_then(|mut map| map.remove(&call));
    if let Some(task) = task {
        let future = task.future.lock().ok().and_then(|mut slot| slot.take());
        drop(future);
    }
}
