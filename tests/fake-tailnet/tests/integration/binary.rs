//! The `fake-tailnet` binary: URL on the first stdout line, exits on stdin EOF or SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-tailnet"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    (child, line.trim().to_string())
}

fn wait_exit(child: &mut Child, within: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[tokio::test]
async fn prints_url_first_and_exits_when_stdin_closes() {
    let (mut child, url) = spawn(&[
        "--listen",
        "127.0.0.1:0",
        "--devices",
        "4",
        "--api-key",
        "tskey-api-bin",
        "--oauth-client",
        "bin:binsecret:devices:core:read",
        "--fault",
        r#"{"kind":"status","status":503}"#,
        "--cors",
    ]);
    assert!(url.starts_with("http://127.0.0.1:"), "first line is the base URL: {url:?}");
    let client = reqwest::Client::new();
    let get = || client.get(format!("{url}/api/v2/tailnet/-/devices")).header("Authorization", "Bearer tskey-api-bin").send();
    assert_eq!(get().await.unwrap().status().as_u16(), 503, "--fault applies");
    let r = get().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().contains_key("access-control-allow-origin"), "--cors applies");
    let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["devices"].as_array().unwrap().len(), 4);
    let tok = client.post(format!("{url}/api/v2/oauth/token")).header("Content-Type", "application/x-www-form-urlencoded").body("client_id=bin&client_secret=binsecret").send().await.unwrap();
    assert_eq!(tok.status().as_u16(), 200);
    let v: serde_json::Value = serde_json::from_str(&client.get(format!("{url}/_fake/violations")).send().await.unwrap().text().await.unwrap()).unwrap();
    assert_eq!(v, serde_json::json!([]));
    drop(child.stdin.take());
    assert!(wait_exit(&mut child, Duration::from_secs(5)), "exits on stdin EOF");
}

#[test]
fn exits_on_sigterm_and_rejects_bad_flags() {
    let (mut child, url) = spawn(&["--ignore-stdin", "--token-ttl", "5"]);
    assert!(url.starts_with("http://127.0.0.1:"));
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert!(wait_exit(&mut child, Duration::from_secs(5)), "exits on SIGTERM");

    let out = Command::new(env!("CARGO_BIN_EXE_fake-tailnet")).args(["--fault", r#"{"kind":"nope"}"#]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
    let out = Command::new(env!("CARGO_BIN_EXE_fake-tailnet")).arg("--bogus").stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
