//! Policy files done right: a HuJSON document that is edited by path and written back with every
//! comment, key order and untouched byte preserved; typed views of the well-known sections; and
//! the pieces of a safe read-modify-write (`If-Match`, 412 → re-read and re-apply, allow-all guard).

mod document;
mod update;
mod view;

pub use document::{PolicyDocument, PolicyEditError};
pub use update::{is_lost_race, prepare_write, read_params, PolicyStep, PolicyUpdate, PolicyUpdateOptions, PolicyWrite, TS_DEFAULT_ETAG};
pub use view::*;
