//! The response parser of every operation: byte 0 picks the operation, byte 1 the status and
//! headers, the rest is the body. Any input must give a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailnet::registry::{parse, OPERATIONS};
use tailnet::HttpResponse;

const STATUSES: [u16; 16] = [200, 200, 200, 201, 202, 204, 400, 401, 403, 404, 412, 429, 500, 502, 503, 302];

fuzz_target!(|data: &[u8]| {
    let [op, flags, body @ ..] = data else { return };
    let info = &OPERATIONS[*op as usize % OPERATIONS.len()];
    let mut response = HttpResponse::new(STATUSES[(*flags & 0x0f) as usize], body.to_vec());
    if flags & 0x10 != 0 {
        response = response.with_header("content-type", "application/json");
    }
    if flags & 0x20 != 0 {
        response = response.with_header("etag", "\"abc\"");
    }
    if flags & 0x40 != 0 {
        response = response.with_header("retry-after", std::str::from_utf8(body).unwrap_or("7"));
    }
    let result = parse(info.id, &response);
    // Errors must format (Display and Debug walk every field).
    if let Err(error) = result {
        let _ = format!("{error} {error:?}");
    }
});
