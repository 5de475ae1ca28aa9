//! Writes `bindings-wasm/js/src/generated.ts` (TypeScript declarations from the registry), or
//! with `--check` fails when the committed file differs from what would be written.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js/src/generated.ts");
    let text = tailnet_wasm::tsgen::generate();
    let check = std::env::args().any(|a| a == "--check");
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != text {
            eprintln!("{} is stale: run `cargo run -p tailnet-wasm --bin tailnet-wasm-tsgen`", path.display());
            return ExitCode::FAILURE;
        }
        println!("{} is current", path.display());
        return ExitCode::SUCCESS;
    }
    if let Some(dir) = path.parent() {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("cannot create {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    match std::fs::write(&path, text) {
        Ok(()) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
