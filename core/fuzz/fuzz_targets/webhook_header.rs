//! The webhook signature header parser and verifier with arbitrary headers and bodies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailnet::webhooks::{parse_signature_header, verify};

fuzz_target!(|data: &[u8]| {
    let [split, rest @ ..] = data else { return };
    let cut = (*split as usize).min(rest.len());
    let (header, body) = rest.split_at(cut);
    let Ok(header) = std::str::from_utf8(header) else { return };
    let _ = parse_signature_header(header);
    if let Err(error) = verify(Some(header), body, "whsec-fuzz-SECRET", 1_763_798_400, 300) {
        assert!(!error.to_string().contains("whsec-fuzz-SECRET"));
    }
});
