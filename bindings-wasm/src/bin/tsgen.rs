//! Writes the TypeScript declarations of the registry (`generated.ts`, a build output that
//! build.sh writes next to the copied js/src before tsc): `tailnet-wasm-tsgen <out.ts>`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: tailnet-wasm-tsgen <out.ts>");
        return ExitCode::FAILURE;
    };
    match std::fs::write(&path, tailnet_wasm::tsgen::generate()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cannot write {path}: {e}");
            ExitCode::FAILURE
        }
    }
}
