//! Writes the generated Python surface (`python/tailnet/models.py`, `python/tailnet/_client.pyi`)
//! from the registry: build outputs, not tracked; build-dist.sh runs this before `maturin sdist`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, text) in tailnet_python::stubgen::render() {
        let target = root.join(path);
        if std::fs::read_to_string(&target).is_ok_and(|current| current == text) {
            continue; // unchanged: keep the mtime, so maturin and cargo see nothing new
        }
        if let Err(e) = std::fs::write(&target, text) {
            eprintln!("cannot write {}: {e}", target.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
