//! Parses a deterministic 10,000-device `fields=all` list (~12 MB) into the typed model and, in
//! the same run, into `serde_json::Value`. Report the ratio typed / Value (goal ≤ 0.8). Also the
//! two generic entry points the bindings use: `registry::parse` and `registry::parse_view`.
//!
//! `cargo bench -p tailnet --bench parse_devices`

#![allow(clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use tailnet::operations::ListTailnetDevices;
use tailnet::{HttpResponse, Operation};

/// A realistic `fields=all` device, varied by index so no two are alike.
fn device(i: usize) -> Value {
    let os = ["linux", "windows", "macOS", "iOS", "android"][i % 5];
    json!({
        "addresses": [format!("100.{}.{}.{}", 64 + i % 64, (i / 256) % 256, i % 256), format!("fd7a:115c:a1e0::{:x}", i + 1)],
        "id": format!("{}", 9_000_000_000_000_000u64 + i as u64),
        "nodeId": format!("n{:010}CNTRL", i),
        "user": format!("user{}@example.com", i % 97),
        "name": format!("host-{i:05}.tail1234.ts.net"),
        "hostname": format!("host-{i:05}"),
        "clientVersion": format!("1.{}.{}-t1234abcd-g5678efgh", 60 + i % 20, i % 7),
        "updateAvailable": i % 3 == 0,
        "os": os,
        "created": format!("2024-{:02}-{:02}T{:02}:{:02}:{:02}Z", 1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60),
        "connectedToControl": i % 4 != 0,
        "lastSeen": format!("2026-11-{:02}T{:02}:{:02}:00Z", 1 + i % 21, i % 24, i % 60),
        "keyExpiryDisabled": i % 10 == 0,
        "expires": format!("2027-{:02}-{:02}T00:00:00Z", 1 + i % 12, 1 + i % 28),
        "authorized": true,
        "isExternal": i % 50 == 0,
        "multipleConnections": false,
        "machineKey": format!("mkey:{:064x}", i * 2_654_435_761),
        "nodeKey": format!("nodekey:{:064x}", i * 40_503),
        "blocksIncomingConnections": i % 9 == 0,
        "enabledRoutes": if i % 10 == 0 { json!(["10.0.0.0/16", "192.168.1.0/24"]) } else { json!([]) },
        "advertisedRoutes": if i % 10 == 0 { json!(["10.0.0.0/16", "192.168.1.0/24", "0.0.0.0/0", "::/0"]) } else { json!([]) },
        "clientConnectivity": {
            "endpoints": [format!("203.0.113.{}:41641", i % 250), format!("[2001:db8::{:x}]:41641", i)],
            "mappingVariesByDestIP": i % 6 == 0,
            "latency": {
                "Dallas": {"latencyMs": 30.5 + (i % 13) as f64, "preferred": i % 2 == 0},
                "New York City": {"latencyMs": 12.25 + (i % 7) as f64},
                "Frankfurt": {"latencyMs": 95.0 + (i % 11) as f64}
            },
            "clientSupports": {"hairPinning": false, "ipv6": i % 2 == 0, "pcp": false, "pmp": false, "udp": true, "upnp": i % 3 == 0}
        },
        "tags": if i % 3 == 0 { json!(["tag:server", format!("tag:env-{}", i % 4)]) } else { json!([]) },
        "tailnetLockError": "",
        "tailnetLockKey": format!("tlpub:{:064x}", i * 97),
        "sshEnabled": i % 5 == 0,
        "postureIdentity": {"serialNumbers": [format!("SN{:08}", i)], "disabled": false},
        "isEphemeral": i % 25 == 0,
        "distro": {"name": "ubuntu", "version": "24.04", "codeName": "noble"}
    })
}

fn bench(c: &mut Criterion) {
    let devices: Vec<Value> = (0..10_000).map(device).collect();
    let body = serde_json::to_vec(&json!({ "devices": devices })).unwrap_or_default();
    let response = HttpResponse::new(200, body.clone());
    // Sanity: the typed parse must succeed and see every device, or the comparison means nothing.
    let parsed = ListTailnetDevices::parse(&response).map(|r| r.devices.map(|d| d.len()));
    assert!(matches!(parsed, Ok(Some(10_000))), "typed parse failed: {parsed:?}");
    eprintln!("body: {:.1} MB", body.len() as f64 / 1e6);

    let mut group = c.benchmark_group("parse_10k_devices");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.sample_size(20);
    group.bench_function("typed", |b| b.iter(|| ListTailnetDevices::parse(std::hint::black_box(&response))));
    group.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(std::hint::black_box(&response.body)))
    });
    // The generic surface: `registry::parse` (typed parse, then a `Value` tree) vs
    // `registry::parse_view` (typed parse behind a JSON view; what the Python binding uses).
    group.bench_function("registry_parse", |b| {
        b.iter(|| tailnet::registry::parse("listTailnetDevices", std::hint::black_box(&response)))
    });
    group.bench_function("registry_parse_view", |b| {
        b.iter(|| tailnet::registry::parse_view("listTailnetDevices", std::hint::black_box(&response)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
