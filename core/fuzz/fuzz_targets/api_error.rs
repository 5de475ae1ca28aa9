//! The error parser: any status, any body, any Retry-After.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailnet::response::api_error;
use tailnet::operations::SetPolicyFile;
use tailnet::{HttpResponse, Operation};

fuzz_target!(|data: &[u8]| {
    let [status_hi, status_lo, split, rest @ ..] = data else { return };
    let status = 100 + (u16::from_be_bytes([*status_hi, *status_lo]) % 500);
    let cut = (*split as usize).min(rest.len());
    let (retry_after, body) = rest.split_at(cut);
    let mut response = HttpResponse::new(status, body.to_vec());
    if let Ok(value) = std::str::from_utf8(retry_after) {
        response = response.with_header("retry-after", value);
    }
    // The policy write: the one operation whose error `data` may be typed policy test results.
    let error = api_error(&response, &SetPolicyFile::INFO);
    let _ = format!("{error} {error:?}");
});
