//! Rust-side cost of the exported functions, called directly (no FFI): the part of a Kotlin or
//! Swift call that the library itself spends. `cargo run --release -p tailnet-uniffi --example per_call`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use tailnet_uniffi::*;

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

struct Stub(Vec<u8>);

#[async_trait::async_trait]
impl HttpTransport for Stub {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse { status: 200, headers: vec![HttpHeader { name: "content-type".into(), value: "application/json".into() }], body: self.0.clone() })
    }
    async fn sleep(&self, _millis: u64) {}
}

fn per_call(label: &str, n: u32, mut f: impl FnMut()) {
    for _ in 0..n / 5 {
        f();
    }
    let started = Instant::now();
    for _ in 0..n {
        f();
    }
    println!("{label:<58} {:8.2} µs/call ({n} calls)", started.elapsed().as_secs_f64() * 1e6 / f64::from(n));
}

fn main() {
    let small = br#"{"nodeId":"n1CNTRL","id":"1","name":"a.example.ts.net","addresses":["100.64.0.1"],"tags":["tag:a"]}"#.to_vec();
    let options = || ClientOptions { api_key: Some("tskey-api-x".into()), ..Default::default() };
    let client = TailnetClient::new(options(), Arc::new(Stub(small))).unwrap();
    let n = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20000);
    per_call("getDevice, typed records (build + stub send + parse)", n, || {
        let device = block_on(client.get_device(GetDeviceParams { device_id: "n1CNTRL".into(), ..Default::default() })).unwrap();
        assert_eq!(device.node_id.as_deref(), Some("n1CNTRL"));
    });
    per_call("callJson(getDevice) (JSON text in and out)", n, || {
        block_on(client.call_json("getDevice".into(), r#"{"deviceId":"n1CNTRL"}"#.into())).unwrap();
    });
    per_call("sans-IO buildRequest only", n, || {
        build_request("getDevice".into(), options(), r#"{"deviceId":"n1CNTRL"}"#.into()).unwrap();
    });
}
