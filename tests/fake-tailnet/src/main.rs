//! `fake-tailnet`: prints its base URL as the first stdout line, then serves until SIGTERM,
//! SIGINT or EOF on stdin (so a parent test process that dies takes the fake with it).

use std::io::{Read, Write};
use std::time::Duration;

use fake_tailnet::{FakeTailnet, Fault, OAuthClient, Options, RateLimitConfig};

const USAGE: &str = "usage: fake-tailnet [--listen ADDR] [--api-key KEY]... [--oauth-client ID:SECRET:SCOPE[,SCOPE...]]...
                    [--token-ttl SECONDS] [--devices N] [--state FILE] [--spec PATH] [--cors]
                    [--fault JSON]... [--rate-limit PER_SECOND[:BURST]] [--ignore-stdin]

Serves the Tailscale API v2 under http://ADDR/api/v2 (default ADDR 127.0.0.1:0) and prints the
base URL as the first line of stdout. Stops on SIGTERM/SIGINT, or when stdin reaches EOF unless
--ignore-stdin is given. Control endpoints: /_fake/requests, /_fake/violations, /_fake/faults,
/_fake/rate-limit, /_fake/reset, /_fake/state.";

struct Cli {
    options: Options,
    ignore_stdin: bool,
}

fn parse_args(args: Vec<String>) -> Result<Cli, String> {
    let mut o = Options::default();
    let mut ignore_stdin = false;
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--listen" => o.listen = value("--listen")?.parse().map_err(|e| format!("--listen: {e}"))?,
            "--api-key" => o.api_keys.push(value("--api-key")?),
            "--oauth-client" => o.oauth_clients.push(OAuthClient::parse(&value("--oauth-client")?)?),
            "--token-ttl" => o.token_ttl = Duration::from_secs(value("--token-ttl")?.parse().map_err(|e| format!("--token-ttl: {e}"))?),
            "--devices" => o.devices = value("--devices")?.parse().map_err(|e| format!("--devices: {e}"))?,
            "--state" => {
                let path = value("--state")?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("--state {path}: {e}"))?;
                o.state = Some(serde_json::from_str(&text).map_err(|e| format!("--state {path}: {e}"))?);
            }
            "--spec" => {
                let path = value("--spec")?;
                o.spec_text = Some(std::fs::read_to_string(&path).map_err(|e| format!("--spec {path}: {e}"))?);
            }
            "--cors" => o.cors = true,
            "--fault" => o.faults.push(serde_json::from_str(&value("--fault")?).map_err(|e| format!("--fault: {e}"))?),
            "--rate-limit" => {
                let v = value("--rate-limit")?;
                let (rate, burst) = match v.split_once(':') {
                    Some((r, b)) => (r.to_string(), Some(b.parse::<f64>().map_err(|e| format!("--rate-limit burst: {e}"))?)),
                    None => (v, None),
                };
                o.rate_limit = Some(RateLimitConfig { per_second: rate.parse().map_err(|e| format!("--rate-limit: {e}"))?, burst });
            }
            "--ignore-stdin" => ignore_stdin = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    Ok(Cli { options: o, ignore_stdin })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let cli = match parse_args(std::env::args().skip(1).collect()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    // Validate faults given by flag before binding, so a typo fails fast.
    if let Some(e) = cli.options.faults.iter().find_map(|f: &Fault| f.check().err()) {
        eprintln!("--fault: {e}");
        std::process::exit(2);
    }
    let fake = match FakeTailnet::start(cli.options).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("fake-tailnet: {e}");
            std::process::exit(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", fake.base_url());
        let _ = out.flush();
    }
    let (eof_tx, eof_rx) = tokio::sync::oneshot::channel::<()>();
    if !cli.ignore_stdin {
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            let mut stdin = std::io::stdin();
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 {
                    break;
                }
            }
            let _ = eof_tx.send(());
        });
    }
    let stdin_closed = async move {
        match eof_rx.await {
            Ok(()) => (),
            // The watcher was never started (--ignore-stdin): wait forever.
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
        _ = stdin_closed => {}
    }
    let violations = fake.violations();
    if !violations.is_empty() {
        eprintln!("fake-tailnet: {} response schema violation(s) recorded", violations.len());
    }
    fake.shutdown().await;
}
