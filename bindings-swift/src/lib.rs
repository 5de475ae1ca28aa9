//! Binding crate: the generated surface is stamped from `tailnet::for_each_operation!`.
//! This crate currently exposes only the operation list the stamp produces; the language
//! surface (wasm-bindgen / pyo3 / uniffi) is added by its own issue.

macro_rules! operation_ids {
    ($( ($ty:ident, $snake:ident, $id:literal) ),* $(,)?) => {
        /// Every operation id this binding will expose, in registry order.
        pub const OPERATION_IDS: &[&str] = &[$($id),*];
    };
}

tailnet::for_each_operation!(operation_ids);

#[cfg(test)]
mod tests {
    #[test]
    fn stamps_every_registry_operation() {
        let registry: Vec<&str> = tailnet::registry::OPERATIONS.iter().map(|o| o.id).collect();
        assert_eq!(super::OPERATION_IDS, registry.as_slice());
    }
}
