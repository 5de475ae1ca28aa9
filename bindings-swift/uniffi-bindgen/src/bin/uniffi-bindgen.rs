//! `uniffi-bindgen generate --library <libtailnet_uniffi.so> --language kotlin|swift|python --out-dir …`
//! The same uniffi version as the runtime (the workspace pins `uniffi = "=x.y.z"`).
fn main() {
    uniffi::uniffi_bindgen_main()
}
