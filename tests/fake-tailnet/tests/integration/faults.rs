//! Fault injection and rate limiting, as a client sees them.

use std::time::{Duration, Instant};

use fake_tailnet::{Fault, Options, RateLimitConfig};
use serde_json::json;

use crate::common::{default, start};

#[tokio::test]
async fn status_429_with_retry_after_then_recovers() {
    let t = default().await;
    let r = t.post("/_fake/faults", json!({"kind": "status", "status": 429, "retryAfter": "2", "count": 2})).await;
    assert_eq!(r.status, 200);
    for _ in 0..2 {
        let r = t.get("/tailnet/-/devices").await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after").as_deref(), Some("2"));
        assert!(!r.message().is_empty());
    }
    assert_eq!(t.get("/tailnet/-/devices").await.status, 200);
}

#[tokio::test]
async fn status_503_once() {
    let t = default().await;
    t.post("/_fake/faults", json!({"kind": "status", "status": 503, "count": 1})).await;
    assert_eq!(t.get("/tailnet/-/devices").await.status, 503);
    assert_eq!(t.get("/tailnet/-/devices").await.status, 200);
}

#[tokio::test]
async fn html_502() {
    let t = default().await;
    t.post("/_fake/faults", json!({"kind": "html", "status": 502})).await;
    let r = t.get("/tailnet/-/devices").await;
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("<html>"));
}

#[tokio::test]
async fn truncated_json_and_short_body() {
    let t = default().await;
    // Cut: a complete HTTP response whose JSON is cut in half.
    t.post("/_fake/faults", json!({"kind": "truncated"})).await;
    let r = t.get("/tailnet/-/devices").await;
    assert_eq!(r.status, 200);
    assert!(!r.text.is_empty());
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err(), "cut JSON must not parse");
    // Length: Content-Length promises more than is sent; reading the body fails.
    t.post("/_fake/faults", json!({"kind": "truncated", "mode": "length"})).await;
    let resp = t.client.get(format!("{}/tailnet/-/devices", t.fake.api_url())).header("Authorization", &t.auth).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let announced = resp.content_length().unwrap();
    match resp.bytes().await {
        Err(_) => {}
        Ok(b) => panic!("expected a body error, got {} of {announced} bytes", b.len()),
    }
}

#[tokio::test]
async fn delay() {
    let t = default().await;
    t.post("/_fake/faults", json!({"kind": "delay", "ms": 500})).await;
    let start = Instant::now();
    assert_eq!(t.get("/tailnet/-/devices").await.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(500));
    let start = Instant::now();
    t.get("/tailnet/-/devices").await;
    assert!(start.elapsed() < Duration::from_millis(400), "only the next request is delayed");
}

#[tokio::test]
async fn reset_closes_the_connection() {
    let t = default().await;
    t.post("/_fake/faults", json!({"kind": "reset"})).await;
    // A fresh client without pooling, so no retry on another connection hides the failure.
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let r = client.get(format!("{}/tailnet/-/devices", t.fake.api_url())).header("Authorization", &t.auth).send().await;
    let e = r.expect_err("connection must fail");
    assert!(e.is_request() || e.is_connect() || e.is_body(), "{e:?}");
    assert_eq!(t.get("/tailnet/-/devices").await.status, 200, "only one request is reset");
}

#[tokio::test]
async fn faults_match_method_and_path_prefix() {
    let t = default().await;
    t.post("/_fake/faults", json!({"kind": "status", "status": 500, "method": "POST", "pathPrefix": "/api/v2/tailnet/-/dns"})).await;
    assert_eq!(t.get("/tailnet/-/dns/nameservers").await.status, 200, "GET not matched");
    assert_eq!(t.post("/tailnet/-/keys", json!({"capabilities": {}})).await.status, 200, "other path not matched");
    assert_eq!(t.post("/tailnet/-/dns/searchpaths", json!({"searchPaths": []})).await.status, 500);
    assert_eq!(t.post("/tailnet/-/dns/searchpaths", json!({"searchPaths": []})).await.status, 200);
    // Bad fault specs are refused.
    assert_eq!(t.post("/_fake/faults", json!({"kind": "explode"})).await.status, 400);
    assert_eq!(t.post("/_fake/faults", json!({"kind": "status"})).await.status, 400);
}

#[tokio::test]
async fn faults_from_options_and_library() {
    let t = start(Options { faults: vec![serde_json::from_value::<Fault>(json!({"kind": "status", "status": 503})).unwrap()], ..Options::default() }).await;
    assert_eq!(t.get("/tailnet/-/devices").await.status, 503);
    assert_eq!(t.get("/tailnet/-/devices").await.status, 200);
    t.fake.add_fault(serde_json::from_value(json!({"kind": "status", "status": 429, "retryAfter": "1"})).unwrap()).unwrap();
    assert_eq!(t.get("/tailnet/-/devices").await.status, 429);
}

#[tokio::test]
async fn token_bucket_rate_limit() {
    let t = default().await;
    let r = t.post("/_fake/rate-limit", json!({"perSecond": 1, "burst": 2})).await;
    assert_eq!(r.status, 200);
    assert_eq!(t.get("/tailnet/-/devices").await.status, 200);
    assert_eq!(t.get("/tailnet/-/devices").await.status, 200);
    let limited = t.get("/tailnet/-/devices").await;
    assert_eq!(limited.status, 429);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(wait >= 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(t.get("/tailnet/-/devices").await.status, 200);
    assert_eq!(t.call("DELETE", "/_fake/rate-limit", None).await.status, 200);
    for _ in 0..5 {
        assert_eq!(t.get("/tailnet/-/devices").await.status, 200);
    }
    // Also settable at start.
    let t2 = start(Options { rate_limit: Some(RateLimitConfig { per_second: 0.5, burst: Some(1.0) }), ..Options::default() }).await;
    assert_eq!(t2.get("/tailnet/-/devices").await.status, 200);
    assert_eq!(t2.get("/tailnet/-/devices").await.status, 429);
}
