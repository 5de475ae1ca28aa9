//! Writes the generated Python surface (`python/tailnet/models.py`, `python/tailnet/_client.pyi`)
//! from the registry. `--check` only compares and fails when a file is stale (CI).

use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (path, text) in tailnet_python::stubgen::render() {
        let target = root.join(path);
        let current = std::fs::read_to_string(&target).unwrap_or_default();
        if current == text {
            continue;
        }
        if check {
            stale.push(path);
        } else if let Err(e) = std::fs::write(&target, text) {
            eprintln!("cannot write {}: {e}", target.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {path}");
        }
    }
    if !stale.is_empty() {
        eprintln!("stale generated files (run `cargo run -p tailnet-python --bin tailnet-python-stubgen`): {}", stale.join(", "));
        return ExitCode::FAILURE;
    }
    if check {
        println!("generated Python files are current");
    }
    ExitCode::SUCCESS
}
