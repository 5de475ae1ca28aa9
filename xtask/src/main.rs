//! `cargo run -q -p xtask -- operations` prints every operation as JSON:
//! `[{"id": "listTailnetDevices", "method": "GET", "path": "/api/v2/tailnet/{tailnet}/devices"}, …]`.
//! `operations --full` adds scopes, parameters, body and response types.
//! `cargo run -q -p xtask -- demo` runs the guided tour (see `demo.rs`).
//! `cargo run -q -p xtask -- names [--check]` writes (or checks) the README's table of every
//! operation's name in each language (see `names.rs`).

use std::process::ExitCode;

mod demo;
mod names;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("operations") => {
            let full = args.iter().any(|a| a == "--full");
            let table: Vec<serde_json::Value> = tailnet::registry::OPERATIONS
                .iter()
                .map(|op| {
                    let mut entry = serde_json::json!({"id": op.id, "method": op.method, "path": op.full_path()});
                    if full {
                        if let (Some(object), Ok(serde_json::Value::Object(info))) = (entry.as_object_mut(), serde_json::to_value(op)) {
                            for (key, value) in info {
                                if key != "path" {
                                    object.insert(key, value);
                                }
                            }
                        }
                    }
                    entry
                })
                .collect();
            match serde_json::to_string_pretty(&table) {
                Ok(text) => {
                    println!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cannot serialize the operation table: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("demo") => {
            let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(e) => {
                    eprintln!("cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(demo::run()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("demo failed: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("names") => match names::run(args.iter().any(|a| a == "--check")) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: cargo run -q -p xtask -- operations [--full] | demo | names [--check]");
            ExitCode::from(2)
        }
    }
}
