//! The Rust type strings of the registry (`Option<Vec<Device>>`, `Json<Key>`, `PolicyResponse`)
//! read as Python types. One reading serves the generated stubs and the runtime (the native
//! module hands each operation's result spec to the Python client).

use tailnet::model::TypeRef;

/// A type as the Python package sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int,
    Float,
    Bool,
    /// Free-form JSON.
    Any,
    /// A secret string (`tailnet.Secret`, repr `[redacted]`).
    Secret,
    /// RFC 3339 text on the wire, a timezone-aware `datetime` in Python.
    Timestamp,
    /// A string enum (unknown values are kept, so it is a `str` in Python).
    Enum(String),
    Model(String),
    List(Box<Ty>),
    /// A JSON object with arbitrary string keys.
    Map(Box<Ty>),
    Optional(Box<Ty>),
    /// No result (`Empty`).
    Nothing,
    /// Device-list filters: `{field: value | [values]}`.
    Filters,
}

/// Models the core serializes without declaring them with `model!` (results of the policy
/// operations); the generator adds them to the model list.
/// `(name, wire name, Rust type)` of one field.
pub type FieldDecl = (&'static str, &'static str, &'static str);

pub const EXTRA_MODELS: &[(&str, &str, &[FieldDecl])] = &[
    (
        "PolicyFile",
        "The policy file as returned, with the `ETag` to send back as `if_match`.",
        &[("policy", "policy", "String"), ("etag", "etag", "Option<String>"), ("warnings", "warnings", "Vec<String>"), ("errors", "errors", "Vec<String>")],
    ),
    (
        "PolicyValidation",
        "The outcome of `validate_and_test_policy_file` (the API answers 200 even when tests fail).",
        &[("valid", "valid", "bool"), ("message", "message", "Option<String>"), ("results", "results", "Vec<AclTestResult>")],
    ),
];

/// Models the core declares outside the registry (policy views, webhook events): `(name, doc,
/// fields)`, read from their `model!` declarations.
pub fn core_models() -> Vec<(&'static str, &'static str, &'static [tailnet::model::FieldInfo])> {
    use tailnet::model::{Model, WireField};
    use tailnet::policy::{AclRule, AclTest, AutoApprovers, Grant, NodeAttr, PolicyView, SshRule};
    use tailnet::webhooks::{WebhookEvent, WebhookEventData};
    fn model<T: Model>(doc: &'static str) -> (&'static str, &'static str, &'static [tailnet::model::FieldInfo]) {
        (T::NAME, doc, <T as WireField>::FIELDS)
    }
    vec![
        model::<tailnet::AclTestResult>("One policy test result with `errors` and/or `warnings`; members this version does not know are in `.extra`."),
        model::<PolicyView>("A policy file's well-known sections (`PolicyDocument.view()`); other sections are in `.extra`."),
        model::<AclRule>("A legacy ACL rule."),
        model::<Grant>("A grant: network and application capabilities."),
        model::<AclTest>("A policy test: what `src` may and may not reach."),
        model::<AutoApprovers>("Who may approve routes and exit nodes without an admin."),
        model::<SshRule>("A Tailscale SSH rule."),
        model::<NodeAttr>("Node attributes applied to matching devices."),
        model::<WebhookEvent>("One event of a webhook delivery (`tailnet.webhooks.verify`); `type` is a `WebhookEventType`, or the text of a type this version does not know."),
        model::<WebhookEventData>("A webhook event's details; which fields are present depends on the event type."),
    ]
}

/// String enums that get a Python `enum` class (`StrEnum`: members compare equal to their text;
/// unknown values stay plain `str`).
pub const PY_ENUMS: &[&str] = &["WebhookEventType"];

fn is_model(name: &str) -> bool {
    tailnet::models::MODELS.iter().any(|(n, _)| *n == name)
        || EXTRA_MODELS.iter().any(|(n, _, _)| *n == name)
        || core_models().iter().any(|(n, _, _)| *n == name)
}

fn is_enum(name: &str) -> bool {
    name == "PolicyFormat" || tailnet::models::ENUMS.iter().any(|(n, _)| *n == name)
}

/// Reads a Rust type string from the registry.
pub fn parse(ty: &str) -> Ty {
    from_core(TypeRef::parse(ty))
}

fn from_core(ty: TypeRef) -> Ty {
    match ty {
        TypeRef::Str => Ty::Str,
        TypeRef::Int => Ty::Int,
        TypeRef::Float => Ty::Float,
        TypeRef::Bool => Ty::Bool,
        TypeRef::Any => Ty::Any,
        TypeRef::Secret => Ty::Secret,
        TypeRef::Timestamp => Ty::Timestamp,
        TypeRef::Nothing => Ty::Nothing,
        TypeRef::Filters => Ty::Filters,
        TypeRef::Named(name) if is_enum(&name) => Ty::Enum(name),
        TypeRef::Named(name) if is_model(&name) => Ty::Model(name),
        TypeRef::Named(_) => Ty::Any,
        TypeRef::List(inner) => Ty::List(Box::new(from_core(*inner))),
        TypeRef::Map(inner) => Ty::Map(Box::new(from_core(*inner))),
        TypeRef::Optional(inner) => Ty::Optional(Box::new(from_core(*inner))),
    }
}

impl Ty {
    /// The compact spec the Python runtime converts values with: `s i f b a k t`, `M:Name`,
    /// `[x]` (list), `{x}` (map). Optionality is implicit (every value may be absent).
    pub fn spec(&self) -> String {
        match self {
            Ty::Enum(name) if PY_ENUMS.contains(&name.as_str()) => format!("E:{name}"),
            Ty::Str | Ty::Enum(_) => "s".into(),
            Ty::Int => "i".into(),
            Ty::Float => "f".into(),
            Ty::Bool => "b".into(),
            Ty::Any | Ty::Filters => "a".into(),
            Ty::Secret => "k".into(),
            Ty::Timestamp => "t".into(),
            Ty::Nothing => "n".into(),
            Ty::Model(name) => format!("M:{name}"),
            Ty::List(inner) => format!("[{}]", inner.spec()),
            Ty::Map(inner) => format!("{{{}}}", inner.spec()),
            Ty::Optional(inner) => inner.spec(),
        }
    }

    /// The Python annotation of a value read from the API.
    pub fn output(&self) -> String {
        match self {
            Ty::Enum(name) if PY_ENUMS.contains(&name.as_str()) => format!("Union[{name}, str]"),
            Ty::Str | Ty::Enum(_) => "str".into(),
            Ty::Int => "int".into(),
            Ty::Float => "float".into(),
            Ty::Bool => "bool".into(),
            Ty::Any | Ty::Filters => "Any".into(),
            Ty::Secret => "Secret".into(),
            Ty::Timestamp => "datetime".into(),
            Ty::Nothing => "None".into(),
            Ty::Model(name) => name.clone(),
            Ty::List(inner) => format!("List[{}]", inner.output()),
            Ty::Map(inner) => format!("Dict[str, {}]", inner.output()),
            Ty::Optional(inner) => match inner.output().as_str() {
                "Any" => "Any".into(),
                other => format!("Optional[{other}]"),
            },
        }
    }

    /// The Python annotation of a value the caller passes in (models also as mappings).
    pub fn input(&self) -> String {
        match self {
            Ty::Str => "str".into(),
            Ty::Enum(name) => match enum_values(name) {
                Some(values) if !values.is_empty() => {
                    let literals: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                    format!("Union[Literal[{}], str]", literals.join(", "))
                }
                _ => "str".into(),
            },
            Ty::Int => "int".into(),
            Ty::Float => "float".into(),
            Ty::Bool => "bool".into(),
            Ty::Any => "Any".into(),
            Ty::Secret => "Union[str, Secret]".into(),
            Ty::Timestamp => "Union[datetime, str]".into(),
            Ty::Nothing => "None".into(),
            Ty::Filters => "Mapping[str, Union[str, Sequence[str]]]".into(),
            Ty::Model(name) => format!("Union[{name}, Mapping[str, Any]]"),
            Ty::List(inner) => format!("Sequence[{}]", inner.input()),
            Ty::Map(inner) => format!("Mapping[str, {}]", inner.input()),
            Ty::Optional(inner) => match inner.input().as_str() {
                "Any" => "Any".into(),
                other => format!("Optional[{other}]"),
            },
        }
    }

    pub fn is_optional(&self) -> bool {
        matches!(self, Ty::Optional(_))
    }
}

/// Known values of a string enum.
pub fn enum_values(name: &str) -> Option<Vec<&'static str>> {
    if name == "PolicyFormat" {
        return Some(vec!["hujson", "json"]);
    }
    tailnet::models::ENUMS.iter().find(|(n, _)| *n == name).map(|(_, values)| values.to_vec())
}

/// The runtime spec of an operation's result.
pub fn result_spec(response_ty: &str) -> String {
    parse(response_ty).spec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_registry_types() {
        assert_eq!(parse("Option<Vec<Device>>").spec(), "[M:Device]");
        assert_eq!(parse("Json<::std::collections::BTreeMap<String, Option<Vec<String>>>>").spec(), "{[s]}");
        assert_eq!(parse("Option<Timestamp>").output(), "Optional[datetime]");
        assert_eq!(parse("Option<Secret>").spec(), "k");
        assert_eq!(parse("PolicyResponse").spec(), "M:PolicyFile");
        assert_eq!(parse("Empty").spec(), "n");
        assert_eq!(parse("Option<KeyType>").spec(), "s");
        assert_eq!(parse("Option<WebhookEventType>").spec(), "E:WebhookEventType");
        assert_eq!(parse("Option<Vec<AclRule>>").spec(), "[M:AclRule]");
        assert_eq!(parse("Option<DeviceFilters>").input(), "Optional[Mapping[str, Union[str, Sequence[str]]]]");
    }

    #[test]
    fn every_registry_type_is_understood() {
        // Nothing the registry declares may fall through to `Any` by accident.
        let mut unknown = Vec::new();
        let mut check = |ty: &str| {
            fn walk(t: &Ty) -> bool {
                match t {
                    Ty::Any => false,
                    Ty::List(i) | Ty::Map(i) | Ty::Optional(i) => walk(i),
                    _ => true,
                }
            }
            if !walk(&parse(ty)) && !ty.contains("Value") {
                unknown.push(ty.to_owned());
            }
        };
        for op in tailnet::registry::OPERATIONS {
            check(op.response);
            op.params.iter().for_each(|p| check(p.ty));
            if let Some(body) = op.body {
                body.fields.iter().for_each(|f| check(f.ty));
            }
        }
        for (_, fields) in tailnet::models::MODELS {
            fields.iter().for_each(|f| check(f.ty));
        }
        for (_, _, fields) in core_models() {
            fields.iter().for_each(|f| check(f.ty));
        }
        assert!(unknown.is_empty(), "types read as Any: {unknown:?}");
    }
}
