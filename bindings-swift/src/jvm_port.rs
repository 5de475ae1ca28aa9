//! The JVM's direct transport path: how a call reaches a Kotlin `HttpTransport` without uniffi's
//! foreign-future machinery.
//!
//! Through uniffi, each `send` of a Kotlin transport is an async callback: a JNA callback with
//! structure arguments, a coroutine launched on `Dispatchers.Default` (a thread hop there and one
//! back), a native completion function invoked through a JNA proxy, a "dropped" callback, and about
//! two dozen JNA `Structure`/`Memory` allocations (each tracked in a global map and registered with
//! a cleaner). On the JVM that is most of a typed call's cost.
//!
//! Here the same exchange crosses with primitive arguments only. The Kotlin runtime
//! (`JvmPort.kt`) installs three C callbacks once (send, sleep, cancel); a client whose transport is a Kotlin object
//! (`uniffi_foreign_handle`) then hands each request to `start_send` as the uniffi serialization
//! of [`HttpRequest`] (the bytes the generated `FfiConverterTypeHttpRequest` reads), and Kotlin
//! answers with [`tailnet_jvm_port_respond`] (the serialized [`HttpResponse`]),
//! [`tailnet_jvm_port_fail`] or [`tailnet_jvm_port_slept`], from whatever thread its coroutine
//! finishes on: with a transport that answers at once (a stub, a cache) that is still inside
//! `start_send`, so the call completes in its first poll. The decisions stay in the core; Kotlin
//! converts and runs the transport's `send`/`sleep`. Without the callbacks (Swift, Python, or
//! Kotlin with the path switched off) the uniffi async trait is used, with the same results.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::{HttpRequest, HttpResponse, HttpTransport, TransportError, UniFfiTag};

/// `start_send(port, exchange, request, request_len)`: `port` is the transport's foreign handle,
/// the request bytes are valid for the duration of the call only.
type StartSend = extern "C" fn(port: u64, exchange: u64, request: *const u8, request_len: i32);
/// `start_sleep(port, exchange, millis)`.
type StartSleep = extern "C" fn(port: u64, exchange: u64, millis: u64);
/// `cancel(exchange)`: the call was dropped (its coroutine cancelled) while the exchange was
/// outstanding; nobody waits for its outcome any more.
type Cancel = extern "C" fn(exchange: u64);

#[derive(Clone, Copy)]
struct Callbacks {
    send: StartSend,
    sleep: StartSleep,
    cancel: Cancel,
}

static CALLBACKS: Mutex<Option<Callbacks>> = Mutex::new(None);

fn callbacks() -> Option<Callbacks> {
    CALLBACKS.lock().map(|c| *c).unwrap_or(None)
}

/// Installs the JVM's callbacks (every pointer non-null), or removes them (any null): clients then
/// use the uniffi async trait again, from their next exchange. Returns 1 when installed.
#[no_mangle]
pub extern "C" fn tailnet_jvm_port_install(send: Option<StartSend>, sleep: Option<StartSleep>, cancel: Option<Cancel>) -> i32 {
    let installed = match (send, sleep, cancel) {
        (Some(send), Some(sleep), Some(cancel)) => Some(Callbacks { send, sleep, cancel }),
        _ => None,
    };
    let on = installed.is_some();
    if let Ok(mut slot) = CALLBACKS.lock() {
        *slot = installed;
    }
    i32::from(on)
}

// ---- Exchanges -------------------------------------------------------------------------------

enum Outcome {
    Response(HttpResponse),
    Failed(TransportError),
    Slept,
}

#[derive(Default)]
struct Slot {
    outcome: Option<Outcome>,
    waker: Option<Waker>,
}

type Exchanges = Mutex<HashMap<u64, Arc<Mutex<Slot>>>>;

fn exchanges() -> &'static Exchanges {
    static EXCHANGES: std::sync::OnceLock<Exchanges> = std::sync::OnceLock::new();
    EXCHANGES.get_or_init(Default::default)
}

static NEXT_EXCHANGE: AtomicU64 = AtomicU64::new(1);

/// Delivers an outcome to the exchange still waiting for it (an unknown id was cancelled: ignored).
fn complete(exchange: u64, outcome: Outcome) {
    let slot = exchanges().lock().ok().and_then(|mut map| map.remove(&exchange));
    let Some(slot) = slot else { return };
    let waker = match slot.lock() {
        Ok(mut slot) => {
            slot.outcome = Some(outcome);
            slot.waker.take()
        }
        Err(_) => None,
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// The future of one exchange; dropping it before the outcome arrived cancels it on the JVM side.
struct Pending {
    id: u64,
    slot: Arc<Mutex<Slot>>,
    cancel: Cancel,
    done: bool,
}

impl Pending {
    /// Registers a new exchange; `start` hands it to the JVM (it may complete it before returning).
    fn start(callbacks: Callbacks, start: impl FnOnce(u64)) -> Pending {
        let id = NEXT_EXCHANGE.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Mutex::new(Slot::default()));
        if let Ok(mut map) = exchanges().lock() {
            map.insert(id, slot.clone());
        }
        start(id);
        Pending { id, slot, cancel: callbacks.cancel, done: false }
    }
}

impl Future for Pending {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let outcome = match self.slot.lock() {
            Ok(mut slot) => match slot.outcome.take() {
                Some(outcome) => Some(outcome),
                None => {
                    slot.waker = Some(cx.waker().clone());
                    None
                }
            },
            Err(_) => Some(Outcome::Failed(TransportError::Failed {
                reason: "the exchange's state was poisoned".to_owned(),
                maybe_sent: true,
                timed_out: false,
            })),
        };
        match outcome {
            Some(outcome) => {
                self.done = true;
                Poll::Ready(outcome)
            }
            None => Poll::Pending,
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let removed = exchanges().lock().ok().and_then(|mut map| map.remove(&self.id)).is_some();
        if removed {
            (self.cancel)(self.id);
        }
    }
}

// ---- The transport seen from the client -------------------------------------------------------

/// A client's transport: the direct path when the transport is a Kotlin object and the JVM's
/// callbacks are installed, the uniffi async trait otherwise.
pub(crate) struct Transport {
    transport: Arc<dyn HttpTransport>,
    /// The foreign handle of a foreign transport (a clone of it, owned by `_handle_owner`, which
    /// releases it when the client goes).
    port: Option<u64>,
    _handle_owner: Option<Arc<dyn HttpTransport>>,
}

impl Transport {
    pub(crate) fn new(transport: Arc<dyn HttpTransport>) -> Transport {
        let owner = transport
            .uniffi_foreign_handle()
            .and_then(|handle| {
                let raw = handle.as_raw();
                <Arc<dyn HttpTransport> as uniffi::Lift<UniFfiTag>>::try_lift(handle).ok().map(|owner| (raw, owner))
            });
        let (port, owner) = match owner {
            Some((port, owner)) => (Some(port), Some(owner)),
            None => (None, None),
        };
        Transport { transport, port, _handle_owner: owner }
    }

    fn direct(&self) -> Option<(u64, Callbacks)> {
        Some((self.port?, callbacks()?))
    }

    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let Some((port, callbacks)) = self.direct() else {
            return self.transport.send(request).await;
        };
        let mut bytes = Vec::new();
        <HttpRequest as uniffi::Lower<UniFfiTag>>::write(request, &mut bytes);
        let Ok(len) = i32::try_from(bytes.len()) else {
            return Err(TransportError::Failed { reason: "request larger than 2 GiB".to_owned(), maybe_sent: false, timed_out: false });
        };
        let pending = Pending::start(callbacks, |exchange| (callbacks.send)(port, exchange, bytes.as_ptr(), len));
        drop(bytes);
        match pending.await {
            Outcome::Response(response) => Ok(response),
            Outcome::Failed(error) => Err(error),
            Outcome::Slept => Err(TransportError::Failed { reason: "the transport answered a send with a sleep".to_owned(), maybe_sent: true, timed_out: false }),
        }
    }

    pub(crate) async fn sleep(&self, millis: u64) {
        let Some((port, callbacks)) = self.direct() else {
            return self.transport.sleep(millis).await;
        };
        let pending = Pending::start(callbacks, |exchange| (callbacks.sleep)(port, exchange, millis));
        let _ = pending.await;
    }
}

/// Borrows `len` bytes at `data` (null or a negative length: none).
pub(crate) fn bytes_at<'a>(data: *const u8, len: i32) -> &'a [u8] {
    match usize::try_from(len) {
        // SAFETY: the JVM passes a pinned array of at least `len` bytes, valid during this call.
        Ok(len) if !data.is_null() && len > 0 => unsafe { std::slice::from_raw_parts(data, len) },
        _ => &[],
    }
}

/// The outcome of a send: the response, as the generated `FfiConverterTypeHttpResponse` writes it.
#[no_mangle]
pub extern "C" fn tailnet_jvm_port_respond(exchange: u64, response: *const u8, response_len: i32) {
    let mut bytes = bytes_at(response, response_len);
    let outcome = match <HttpResponse as uniffi::Lift<UniFfiTag>>::try_read(&mut bytes) {
        Ok(response) if bytes.is_empty() => Outcome::Response(response),
        _ => Outcome::Failed(TransportError::Failed { reason: "the transport's response did not decode".to_owned(), maybe_sent: true, timed_out: false }),
    };
    complete(exchange, outcome);
}

/// The outcome of a send that got no response: `flags` bit 0 = maybe sent, bit 1 = timed out,
/// bit 2 = not a `TransportException` (any other exception: `reason` is its text, reported as the
/// uniffi async path reports it).
#[no_mangle]
pub extern "C" fn tailnet_jvm_port_fail(exchange: u64, reason: *const u8, reason_len: i32, flags: i32) {
    let reason = String::from_utf8_lossy(bytes_at(reason, reason_len)).into_owned();
    let error = if flags & 4 != 0 {
        TransportError::from(uniffi::UnexpectedUniFFICallbackError::new(reason))
    } else {
        TransportError::Failed { reason, maybe_sent: flags & 1 != 0, timed_out: flags & 2 != 0 }
    };
    complete(exchange, Outcome::Failed(error));
}

/// The outcome of a sleep.
#[no_mangle]
pub extern "C" fn tailnet_jvm_port_slept(exchange: u64) {
    complete(exchange, Outcome::Slept);
}
