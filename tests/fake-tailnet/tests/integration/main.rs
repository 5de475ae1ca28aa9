//! Integration tests over real loopback HTTP (one test binary, several areas).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod all_operations;
mod api;
mod binary;
mod common;
mod faults;
