//! The Python binding of the tailnet core.
//!
//! - [`typespec`] reads the registry's Rust type strings as Python types;
//! - [`stubgen`] generates `tailnet/models.py` and `tailnet/_client.pyi` from the registry;
//! - `native` (feature `python`) is the pyo3 extension module `tailnet._native`: build/parse by
//!   operation id, the core's client state machine (`Session`/`Call`), lazy JSON results.
//!
//! No code here is written per operation or per model: the operation list is stamped from
//! `for_each_operation!` and everything else is read from the registry.

pub mod stubgen;
pub mod typespec;

#[cfg(feature = "python")]
mod native;
#[cfg(feature = "python")]
mod py_policy;
#[cfg(feature = "python")]
mod py_webhooks;

macro_rules! operation_ids {
    ($( ($ty:ident, $snake:ident, $id:literal) ),* $(,)?) => {
        /// Every operation id this binding exposes, in registry order (stamped).
        pub const OPERATION_IDS: &[&str] = &[$($id),*];
        /// The Python method names, in the same order (stamped).
        pub const METHOD_NAMES: &[&str] = &[$(stringify!($snake)),*];
    };
}

tailnet::for_each_operation!(operation_ids);

#[cfg(test)]
mod tests {
    #[test]
    fn stamps_every_registry_operation() {
        let registry: Vec<&str> = tailnet::registry::OPERATIONS.iter().map(|o| o.id).collect();
        assert_eq!(super::OPERATION_IDS, registry.as_slice());
        let names: Vec<&str> = tailnet::registry::OPERATIONS.iter().map(|o| o.name).collect();
        assert_eq!(super::METHOD_NAMES, names.as_slice());
    }
}
