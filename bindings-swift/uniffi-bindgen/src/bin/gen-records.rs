//! Writes `bindings-swift/src/generated.rs`: uniffi mirror records and enums of every model and
//! enum of the core (`tailnet::models::{MODELS, ENUMS}`), one parameters record per operation
//! (`tailnet::registry::OPERATIONS`), and one `TailnetClient` method per operation. Each carries
//! the spec's reference text (`tailnet::docs`) as doc comments, which uniffi copies into KDoc and
//! Swift doc comments. Nothing here is written by hand per model or per operation.
//!
//! ```sh
//! cargo run -p tailnet-uniffi-bindgen --bin gen-records            # rewrite
//! cargo run -p tailnet-uniffi-bindgen --bin gen-records -- --check  # fail when stale
//! ```
//!
//! The mirrors (de)serialize with the wire names, so a core value converts through its JSON:
//! unknown fields land in `extra` (a map of JSON texts) and unknown enum values in `Unknown`.

#![allow(clippy::panic)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop",
    "match", "mod", "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "typeof", "unsized", "virtual", "yield", "try",
];

/// Core model names that would clash with a foreign language's own names.
fn record_name(core: &str) -> String {
    match core {
        // `Error` is a protocol in Swift and a class in Kotlin.
        "Error" => "ApiErrorBody".to_owned(),
        other => other.to_owned(),
    }
}

fn ident(name: &str) -> String {
    if RUST_KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// Splits `A, B<C, D>` at top-level commas.
fn split_args(s: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0usize, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out
}

fn generic<'a>(ty: &'a str, name: &str) -> Option<&'a str> {
    ty.strip_prefix(name).and_then(|rest| rest.strip_prefix('<')).and_then(|rest| rest.strip_suffix('>'))
}

/// The mirror type of a core type string (as `FieldInfo::ty` / `ParamInfo::ty` spell it).
fn ffi_type(ty: &str) -> String {
    let ty = ty.trim().trim_start_matches("::std::collections::").trim_start_matches("std::collections::");
    if let Some(inner) = generic(ty, "Option") {
        return format!("Option<{}>", ffi_type(inner));
    }
    if let Some(inner) = generic(ty, "Vec") {
        return format!("Vec<{}>", ffi_type(inner));
    }
    if let Some(inner) = generic(ty, "BTreeMap") {
        let args = split_args(inner);
        return format!("HashMap<{}, {}>", ffi_type(args[0]), ffi_type(args[1]));
    }
    match ty {
        "String" | "Secret" | "Timestamp" => "String".to_owned(),
        "bool" | "i32" | "i64" | "u32" | "u64" | "f64" => ty.to_owned(),
        "serde_json::Value" | "::serde_json::Value" => "JsonValue".to_owned(),
        // Device-list filters: field name → values (one value is a list of one).
        "DeviceFilters" => "HashMap<String, Vec<String>>".to_owned(),
        other => record_name(other),
    }
}

fn is_defaultable(ffi: &str) -> bool {
    ffi.starts_with("Option<") || ffi.starts_with("Vec<") || ffi.starts_with("HashMap<")
}

/// `it-admin` → `ItAdmin`, `nodeKeyExpiry.enabled` → `NodeKeyExpiryEnabled`.
fn variant_name(wire: &str, taken: &mut Vec<String>) -> String {
    let mut name = String::new();
    let mut upper = true;
    for c in wire.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                name.extend(c.to_uppercase());
            } else {
                name.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("V{name}");
    }
    if name == "Unknown" {
        name = "UnknownValue".to_owned();
    }
    let base = name.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `text` as `///` lines at `indent` (Kotlin wraps them in `/** */`, so `*/` is broken up).
fn doc(out: &mut String, indent: &str, text: &str) {
    for line in text.replace("*/", "*\\/").lines() {
        let line = line.trim_end();
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

fn field(out: &mut String, wire: &str, name: &str, ty: &str, description: Option<&str>) {
    if let Some(text) = description {
        doc(out, "    ", text);
    }
    let ffi = ffi_type(ty);
    let mut serde = format!("rename = {wire:?}");
    if ffi.starts_with("Option<") {
        serde.push_str(", skip_serializing_if = \"Option::is_none\"");
    }
    if ty.contains("DeviceFilters") {
        serde.push_str(", deserialize_with = \"crate::one_or_many_filters\"");
    }
    let _ = writeln!(out, "    #[serde({serde})]");
    if is_defaultable(&ffi) {
        let _ = writeln!(out, "    #[uniffi(default)]");
    }
    let _ = writeln!(out, "    pub {}: {ffi},", ident(name));
}

fn output_type(response: &str) -> String {
    match response {
        "Empty" => "()".to_owned(),
        "PolicyResponse" => "crate::PolicyFile".to_owned(),
        "ValidationResponse" => "crate::PolicyValidation".to_owned(),
        other => match generic(other, "Json") {
            Some(inner) => ffi_type(inner),
            None => panic!("gen-records: no mirror for response type {other}"),
        },
    }
}

fn generate() -> String {
    let mut out = String::new();
    out.push_str(
        "// @generated by `cargo run -p tailnet-uniffi-bindgen --bin gen-records` from the core's\n\
         // MODELS, ENUMS and OPERATIONS. Do not edit by hand (run-tests.sh fails when it is stale).\n\
         #![allow(clippy::all)]\n\n\
         use std::collections::HashMap;\n\n\
         use serde::{Deserialize, Serialize};\n\n\
         use crate::{JsonValue, TailnetClient};\n\n",
    );

    // Enums: known values, plus Unknown(value) for values this version does not know.
    let mut enums: Vec<(&str, &[&str])> = tailnet::models::ENUMS.to_vec();
    enums.push(("PolicyFormat", tailnet::PolicyFormat::VALUES));
    for (name, values) in &enums {
        let mut taken = Vec::new();
        let _ = writeln!(out, "crate::ffi_enum! {{\n    {name} {{");
        for value in values.iter() {
            let _ = writeln!(out, "        {} = {value:?},", variant_name(value, &mut taken));
        }
        out.push_str("    }\n}\n\n");
    }

    // Models: every known field plus `extra` (unknown fields, as JSON texts, written back).
    for (name, fields) in tailnet::models::MODELS {
        match tailnet::docs::model(name) {
            Some(text) => doc(&mut out, "", text),
            None => {
                let _ = writeln!(out, "/// The `{name}` object of the Tailscale API.");
            }
        }
        out.push_str("#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, uniffi::Record)]\n#[serde(default)]\n");
        let _ = writeln!(out, "pub struct {} {{", record_name(name));
        for f in fields.iter() {
            field(&mut out, f.wire, f.name, f.ty, tailnet::docs::field(name, f.wire));
        }
        out.push_str("    /// Fields this version does not know: name → JSON text. Written back unchanged.\n");
        out.push_str("    #[serde(flatten)]\n    #[uniffi(default)]\n    pub extra: HashMap<String, JsonValue>,\n}\n\n");
    }

    // One parameters record per operation, serialized with the spec's parameter names.
    for op in tailnet::registry::OPERATIONS {
        let ty = upper_first(op.id);
        let _ = writeln!(out, "/// Parameters of `{}` (`{} /api/v2{}`).", op.id, op.method, op.path);
        out.push_str("#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, uniffi::Record)]\n#[serde(default)]\n");
        let _ = writeln!(out, "pub struct {ty}Params {{");
        for p in op.params {
            field(&mut out, p.wire, p.name, p.ty, op.param_doc(p.wire));
        }
        if let Some(body) = &op.body {
            if let Some(inner) = generic(body.ty, "Json").or_else(|| generic(body.ty, "Form")) {
                field(&mut out, "body", "body", inner, Some("The request body."));
            } else {
                // Text bodies (policy files, validation input): their fields at the top level.
                for f in body.fields {
                    field(&mut out, f.wire, f.name, f.ty, op.param_doc(f.wire));
                }
            }
        }
        out.push_str("}\n\n");
    }

    // Per-operation aliases for the stamped methods: `op::<name>::{Params, Output}`.
    out.push_str("/// The parameter and result types of each operation, for the stamped `TailnetClient` methods.\n");
    out.push_str("#[allow(non_snake_case, unused_imports)]\npub mod op {\n    use super::*;\n");
    for op in tailnet::registry::OPERATIONS {
        let _ = writeln!(
            out,
            "    pub mod {} {{\n        use super::*;\n        pub type Params = {}Params;\n        pub type Output = {};\n    }}",
            op.name,
            upper_first(op.id),
            output_type(op.response)
        );
    }
    out.push_str("}\n\n");

    // One method per operation, documented; the core's `Call` does the work (`call_typed`).
    out.push_str("#[uniffi::export]\nimpl TailnetClient {\n");
    for op in tailnet::registry::OPERATIONS {
        doc(&mut out, "    ", &method_doc(op));
        let _ = writeln!(
            out,
            "    pub async fn {name}(&self, params: op::{name}::Params) -> Result<op::{name}::Output, crate::TailnetError> {{\n        self.call_typed({id:?}, &params).await\n    }}\n",
            name = op.name,
            id = op.id,
        );
    }
    out.push_str("}\n");
    out
}

/// A method's doc comment: the core's overview, then the errors (the `Api` case with that status
/// in Kotlin's `TailnetException` and Swift's `TailnetError`; in parentheses the class the other
/// bindings raise).
fn method_doc(op: &tailnet::OperationInfo) -> String {
    let mut lines = op.doc_overview();
    lines.push(String::new());
    lines.push("Errors: `Api` with `status` (Kotlin `TailnetException.Api`, Swift `TailnetError.Api`); `Build` when a parameter is missing or malformed (nothing was sent); `Transport` when no response arrived.".into());
    for (status, class, what) in op.documented_errors() {
        lines.push(format!("- {status} ({class}): {what}."));
    }
    lines.join("\n")
}

fn main() -> ExitCode {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../src/generated.rs"));
    let path = path.canonicalize().unwrap_or(path);
    let text = generate();
    if std::env::args().any(|a| a == "--check") {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != text {
            eprintln!("{} is stale: run `cargo run -p tailnet-uniffi-bindgen --bin gen-records`", path.display());
            return ExitCode::FAILURE;
        }
        println!("{} is current", path.display());
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {}", path.display());
    ExitCode::SUCCESS
}
