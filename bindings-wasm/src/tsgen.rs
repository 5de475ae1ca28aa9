//! TypeScript declarations generated from the registry: one interface per model, one string
//! union per enum, one parameter type and one result type per operation, the `OperationTypes`
//! map and the `OperationMethods` interface that `Client` implements.
//!
//! The input is the core's metadata (`registry::OPERATIONS`, `models::MODELS`, `models::ENUMS`,
//! `registry::POLICY_AND_WEBHOOK_MODELS`) whose types each declare their [`TypeRef`]; this module
//! maps them to TypeScript. tsify is not an option: the core must not depend on wasm-bindgen, and
//! the wire JSON the wrapper returns is exactly what these declarations describe.

use std::fmt::Write as _;

use tailnet::model::TypeRef;
use tailnet::registry::POLICY_AND_WEBHOOK_MODELS;
use tailnet::operation::{BodyInfo, OperationInfo, ParamLocation};

/// Model names that would shadow a global or an export of the package, and their TS names.
const RENAMED: &[(&str, &str)] = &[("Error", "ErrorBody")];

fn ts_name(model: &str) -> &str {
    RENAMED.iter().find(|(rust, _)| *rust == model).map(|(_, ts)| *ts).unwrap_or(model)
}

/// A Rust type as TypeScript sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Str,
    Num,
    Bool,
    Any,
    /// RFC 3339 text (a `Date` is accepted where it is a parameter).
    Timestamp,
    Enum(String),
    Model(String),
    List(Box<Ty>),
    Map(Box<Ty>),
    Optional(Box<Ty>),
    Nothing,
    Filters,
}

fn is_model(name: &str) -> bool {
    tailnet::models::MODELS.iter().any(|(n, _)| *n == name) || POLICY_AND_WEBHOOK_MODELS.iter().any(|m| m.name == name)
}

fn is_enum(name: &str) -> bool {
    name == "PolicyFormat" || tailnet::models::ENUMS.iter().any(|(n, _)| *n == name)
}

/// A registry type as TypeScript sees it.
pub fn ts_type(ty: &TypeRef) -> Ty {
    match *ty {
        TypeRef::Str | TypeRef::Secret => Ty::Str,
        TypeRef::Int | TypeRef::Float => Ty::Num,
        TypeRef::Bool => Ty::Bool,
        TypeRef::Any => Ty::Any,
        TypeRef::Timestamp => Ty::Timestamp,
        TypeRef::Nothing => Ty::Nothing,
        TypeRef::Filters => Ty::Filters,
        TypeRef::Named(name) if is_enum(name) => Ty::Enum(name.to_owned()),
        TypeRef::Named(name) if is_model(name) => Ty::Model(name.to_owned()),
        TypeRef::Named(_) => Ty::Any,
        TypeRef::List(inner) => Ty::List(Box::new(ts_type(inner))),
        TypeRef::Map(inner) => Ty::Map(Box::new(ts_type(inner))),
        TypeRef::Optional(inner) => Ty::Optional(Box::new(ts_type(inner))),
    }
}

impl Ty {
    /// The TypeScript type. `param` widens timestamps to `string | Date`.
    pub fn ts(&self, param: bool) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::Num => "number".into(),
            Ty::Bool => "boolean".into(),
            Ty::Any => "unknown".into(),
            Ty::Timestamp if param => "string | Date".into(),
            Ty::Timestamp => "string".into(),
            Ty::Enum(name) | Ty::Model(name) => ts_name(name).to_owned(),
            Ty::List(inner) => {
                let item = inner.ts(param);
                if item.contains(' ') {
                    format!("Array<{item}>")
                } else {
                    format!("{item}[]")
                }
            }
            Ty::Map(inner) => format!("Record<string, {}>", inner.ts(param)),
            Ty::Optional(inner) => format!("{} | null", inner.ts(param)),
            Ty::Nothing => "void".into(),
            Ty::Filters => "DeviceFilters".into(),
        }
    }

    /// The type of an optional field or parameter (`?:`), without the `| null`.
    fn field(&self, param: bool) -> (bool, String) {
        match self {
            Ty::Optional(inner) => (true, inner.ts(param)),
            other => (false, other.ts(param)),
        }
    }
}

fn pascal(id: &str) -> String {
    let mut chars = id.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn key(name: &str) -> String {
    let ident = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

/// Whether every field of a model is optional (so `{}` is a valid value).
fn model_all_optional(name: &str) -> bool {
    let fields = tailnet::models::MODELS.iter().find(|(n, _)| *n == name).map(|(_, fields)| *fields);
    let fields = fields.or_else(|| POLICY_AND_WEBHOOK_MODELS.iter().find(|m| m.name == name).map(|m| m.fields));
    fields.is_some_and(|fields| fields.iter().all(|f| matches!(f.ty, TypeRef::Optional(_))))
}

/// How an operation's body is given: as `body`, or (for object bodies) its fields at the top level.
enum BodyShape {
    None,
    /// An object model: `{ body: M }` or `M`'s fields among the parameters.
    Object { model: String, required_input: bool },
    /// Anything else (an array, a free-form map): only `{ body: T }`.
    Whole(String),
}

fn body_shape(body: Option<&BodyInfo>) -> BodyShape {
    let Some(body) = body else { return BodyShape::None };
    match ts_type(body.ty) {
        Ty::Model(name) => {
            let all_optional = model_all_optional(&name);
            // `validateAndTestPolicyFile` needs exactly one of its optional fields.
            let required_input = !all_optional || name == "PolicyValidationInput";
            BodyShape::Object { model: ts_name(&name).to_owned(), required_input }
        }
        other => BodyShape::Whole(other.ts(true)),
    }
}

fn doc(out: &mut String, indent: &str, lines: &[String]) {
    match lines {
        [] => {}
        [one] => {
            let _ = writeln!(out, "{indent}/** {one} */");
        }
        many => {
            let _ = writeln!(out, "{indent}/**");
            for line in many {
                let _ = writeln!(out, "{}", format!("{indent} * {line}").trim_end());
            }
            let _ = writeln!(out, "{indent} */");
        }
    }
}

/// Markdown text as TSDoc lines (`*/` cannot end the comment early).
fn text_lines(text: &str) -> Vec<String> {
    text.replace("*/", "*\\/").lines().map(str::trim_end).map(str::to_owned).collect()
}

/// The spec's text of a parameter or field, as TSDoc lines (none when the spec has none).
fn spec_doc(text: Option<&str>) -> Vec<String> {
    text.map(text_lines).unwrap_or_default()
}

/// An operation's TSDoc: the spec's summary and description, the endpoint and its scopes, how it
/// is retried, and the errors the API documents (the class each status raises).
fn op_doc(op: &OperationInfo) -> Vec<String> {
    let mut lines = text_lines(&op.doc_overview().join("\n"));
    lines.push(String::new());
    lines.push("@param params - the spec's parameters by wire name (see the parameter type for each one's description)".into());
    lines.push("@param options - an `AbortSignal` and per-call overrides".into());
    lines.push("@throws `BuildError` when a parameter is missing or malformed (it is named); nothing was sent".into());
    for (status, class, what) in op.documented_errors() {
        lines.push(format!("@throws `{class}` on {status}: {what}"));
    }
    lines.push("@throws `TransportError` when no HTTP response arrived".into());
    lines
}

/// The whole generated `generated.ts`.
pub fn generate() -> String {
    let mut out = String::new();
    out.push_str(
        "// @generated by `cargo run -p tailnet-wasm --bin tailnet-wasm-tsgen` from the tailnet core's registry\n\
         // (OPERATIONS, MODELS, ENUMS). Do not edit by hand; `bindings-wasm/run-tests.sh` checks it is current.\n\
         /* eslint-disable */\n\n\
         import type { CallOptions } from \"./types.js\";\n\n",
    );

    // Enums: the known values, and any other string (the API adds values without notice).
    out.push_str("// ----- enums: known values; unknown values arrive as they are ---------------------------\n\n");
    let mut enums: Vec<(&str, Vec<&str>)> = tailnet::models::ENUMS.iter().map(|(n, v)| (*n, v.to_vec())).collect();
    enums.push(("PolicyFormat", vec!["hujson", "json"]));
    for (name, values) in &enums {
        let literals: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        let union = if literals.is_empty() { "string".to_owned() } else { format!("{} | (string & {{}})", literals.join(" | ")) };
        let _ = writeln!(out, "export type {} = {union};", ts_name(name));
    }
    out.push('\n');

    out.push_str("// ----- models: wire (camelCase) field names; unknown fields are kept as they arrive ------\n\n");
    out.push_str("/** Device-list filters: `<field>=<value>` exact matches; a list matches all of its values. */\n");
    out.push_str("export type DeviceFilters = Record<string, string | string[]>;\n\n");
    for (name, fields) in tailnet::models::MODELS {
        doc(&mut out, "", &spec_doc(tailnet::docs::model(name)));
        let _ = writeln!(out, "export interface {} {{", ts_name(name));
        for field in fields.iter() {
            let (optional, ty) = ts_type(field.ty).field(false);
            doc(&mut out, "  ", &spec_doc(tailnet::docs::field(name, field.wire)));
            let _ = writeln!(out, "  {}{}: {ty};", key(field.wire), if optional { "?" } else { "" });
        }
        out.push_str("}\n\n");
    }
    out.push_str("// ----- policy bodies, results and view; webhook events --------------------------------------\n\n");
    for model in POLICY_AND_WEBHOOK_MODELS {
        doc(&mut out, "", &[model.doc.to_owned()]);
        let _ = writeln!(out, "export interface {} {{", model.name);
        for field in model.fields {
            let (optional, ty) = ts_type(field.ty).field(false);
            let _ = writeln!(out, "  {}{}: {ty};", key(field.wire), if optional { "?" } else { "" });
        }
        if model.keeps_unknown {
            out.push_str("  /** Sections or fields the core does not know, as they are. */\n  [key: string]: unknown;\n");
        }
        out.push_str("}\n\n");
    }

    out.push_str("// ----- operations: parameters and results -------------------------------------------------\n\n");
    let mut methods = String::new();
    let mut map = String::new();
    for op in tailnet::registry::OPERATIONS {
        let base = pascal(op.id);
        let mut args_required = false;
        let _ = writeln!(out, "/** Parameters of `{}` (wire names). */", op.id);
        let _ = writeln!(out, "export interface {base}Args {{");
        for param in op.params {
            let ty = ts_type(param.ty);
            let (optional, ts) = ty.field(true);
            // `tailnet` defaults to the client's; every other non-optional parameter is required.
            let optional = optional || (param.location == ParamLocation::Path && param.wire == "tailnet");
            args_required |= !optional;
            doc(&mut out, "  ", &spec_doc(op.param_doc(param.wire)));
            let _ = writeln!(out, "  {}{}: {ts};", key(param.wire), if optional { "?" } else { "" });
        }
        out.push_str("}\n");
        let (params_ty, params_required) = match body_shape(op.body.as_ref()) {
            BodyShape::None => (format!("{base}Args"), args_required),
            BodyShape::Object { model, required_input } => (
                format!("{base}Args & ({{ body: {model} }} | ({model} & {{ body?: undefined }}))"),
                args_required || required_input,
            ),
            BodyShape::Whole(ts) => (format!("{base}Args & {{ body: {ts} }}"), true),
        };
        let _ = writeln!(out, "export type {base}Params = {params_ty};");
        let result = match ts_type(op.response) {
            Ty::Nothing => "void".to_owned(),
            other => other.ts(false),
        };
        let _ = writeln!(out, "export type {base}Result = {result};\n");

        let _ = writeln!(map, "  {}: {{ params: {base}Params; result: {base}Result }};", op.id);
        doc(&mut methods, "  ", &op_doc(op));
        let _ = writeln!(
            methods,
            "  {}(params{}: {base}Params, options?: CallOptions): Promise<{base}Result>;",
            op.id,
            if params_required { "" } else { "?" }
        );
    }

    out.push_str("/** Parameters and result of every operation, by `operationId`. */\n");
    out.push_str("export interface OperationTypes {\n");
    out.push_str(&map);
    out.push_str("}\n\n");
    out.push_str("/** Every `operationId`. */\nexport type OperationId = keyof OperationTypes;\n\n");
    out.push_str("/** One method per operation, named by its `operationId`; `Client` implements it. */\n");
    out.push_str("export interface OperationMethods {\n");
    out.push_str(&methods);
    out.push_str("}\n\n");

    out.push_str("/** Every `operationId`, in registry order (the methods `Client` is stamped with). */\n");
    out.push_str("export const OPERATION_IDS: readonly OperationId[] = [\n");
    for op in tailnet::registry::OPERATIONS {
        let _ = writeln!(out, "  {:?},", op.id);
    }
    out.push_str("];\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_registry_types() {
        use std::collections::BTreeMap;
        use tailnet::model::Declared;
        assert_eq!(ts_type(&<Option<Vec<tailnet::models::Device>>>::TYPE_REF).ts(false), "Device[] | null");
        assert_eq!(ts_type(&<BTreeMap<String, Option<Vec<String>>>>::TYPE_REF).ts(false), "Record<string, string[] | null>");
        assert_eq!(ts_type(&<Option<tailnet::Timestamp>>::TYPE_REF).field(true), (true, "string | Date".to_owned()));
        assert_eq!(ts_type(&<tailnet::response::PolicyResponse>::TYPE_REF).ts(false), "PolicyFile");
        assert_eq!(ts_type(&<tailnet::response::Empty>::TYPE_REF), Ty::Nothing);
        assert_eq!(ts_type(&<Option<tailnet::request::DeviceFilters>>::TYPE_REF).field(true), (true, "DeviceFilters".to_owned()));
        assert_eq!(key("If-Match"), "\"If-Match\"");
    }

    #[test]
    fn every_registry_type_is_understood() {
        // A name neither a model nor an enum would become `unknown` by accident.
        let mut unknown = Vec::new();
        let mut check = |ty: &TypeRef| {
            if let Some(name) = ty.innermost_name() {
                if !is_model(name) && !is_enum(name) {
                    unknown.push(name);
                }
            }
        };
        for op in tailnet::registry::OPERATIONS {
            check(op.response);
            op.params.iter().for_each(|p| check(p.ty));
            if let Some(body) = op.body {
                check(body.ty);
                body.fields.iter().for_each(|f| check(f.ty));
            }
        }
        for (_, fields) in tailnet::models::MODELS {
            fields.iter().for_each(|f| check(f.ty));
        }
        for model in POLICY_AND_WEBHOOK_MODELS {
            model.fields.iter().for_each(|f| check(f.ty));
        }
        assert!(unknown.is_empty(), "types read as unknown: {unknown:?}");
    }
}
