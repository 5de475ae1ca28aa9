//! The Rust type strings of the registry (`Option<Vec<Device>>`, `Json<Key>`, `PolicyResponse`)
//! read as Python types. One reading serves the generated stubs and the runtime (the native
//! module hands each operation's result spec to the Python client).

use tailnet::model::TypeRef;

/// A registry type as the Python package sees it: the core's reading ([`TypeRef`]); a name is a
/// model, a string enum, or free-form JSON when the package knows neither ([`named`]).
pub type Ty = TypeRef;

/// What a type name is to the Python package.
enum Named {
    Model,
    /// A string enum (unknown values are kept, so it is a `str` in Python).
    Enum,
    /// A string enum with its own Python `enum` class ([`PY_ENUMS`]).
    PyEnum,
    Unknown,
}

fn named(name: &str) -> Named {
    if PY_ENUMS.contains(&name) {
        Named::PyEnum
    } else if is_enum(name) {
        Named::Enum
    } else if is_model(name) {
        Named::Model
    } else {
        Named::Unknown
    }
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
    TypeRef::parse(ty)
}

/// The Python views of a registry type.
pub trait PyTy {
    /// The compact spec the Python runtime converts values with: `s i f b a k t`, `M:Name`,
    /// `E:Name`, `[x]` (list), `{x}` (map). Optionality is implicit (every value may be absent).
    fn spec(&self) -> String;
    /// The Python annotation of a value read from the API.
    fn output(&self) -> String;
    /// The Python annotation of a value the caller passes in (models also as mappings).
    fn input(&self) -> String;
    /// Whether the value may be absent.
    fn is_optional(&self) -> bool;
}

impl PyTy for Ty {
    fn spec(&self) -> String {
        match self {
            Ty::Str => "s".into(),
            Ty::Int => "i".into(),
            Ty::Float => "f".into(),
            Ty::Bool => "b".into(),
            Ty::Any | Ty::Filters => "a".into(),
            Ty::Secret => "k".into(),
            Ty::Timestamp => "t".into(),
            Ty::Nothing => "n".into(),
            Ty::Named(name) => match named(name) {
                Named::PyEnum => format!("E:{name}"),
                Named::Enum => "s".into(),
                Named::Model => format!("M:{name}"),
                Named::Unknown => "a".into(),
            },
            Ty::List(inner) => format!("[{}]", inner.spec()),
            Ty::Map(inner) => format!("{{{}}}", inner.spec()),
            Ty::Optional(inner) => inner.spec(),
        }
    }

    fn output(&self) -> String {
        match self {
            Ty::Str => "str".into(),
            Ty::Int => "int".into(),
            Ty::Float => "float".into(),
            Ty::Bool => "bool".into(),
            Ty::Any | Ty::Filters => "Any".into(),
            Ty::Secret => "Secret".into(),
            Ty::Timestamp => "datetime".into(),
            Ty::Nothing => "None".into(),
            Ty::Named(name) => match named(name) {
                Named::PyEnum => format!("Union[{name}, str]"),
                Named::Enum => "str".into(),
                Named::Model => name.clone(),
                Named::Unknown => "Any".into(),
            },
            Ty::List(inner) => format!("List[{}]", inner.output()),
            Ty::Map(inner) => format!("Dict[str, {}]", inner.output()),
            Ty::Optional(inner) => match inner.output().as_str() {
                "Any" => "Any".into(),
                other => format!("Optional[{other}]"),
            },
        }
    }

    fn input(&self) -> String {
        match self {
            Ty::Named(name) => match named(name) {
                Named::Enum | Named::PyEnum => match enum_values(name) {
                    Some(values) if !values.is_empty() => {
                        let literals: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                        format!("Union[Literal[{}], str]", literals.join(", "))
                    }
                    _ => "str".into(),
                },
                Named::Model => format!("Union[{name}, Mapping[str, Any]]"),
                Named::Unknown => "Any".into(),
            },
            Ty::Secret => "Union[str, Secret]".into(),
            Ty::Timestamp => "Union[datetime, str]".into(),
            Ty::Filters => "Mapping[str, Union[str, Sequence[str]]]".into(),
            Ty::List(inner) => format!("Sequence[{}]", inner.input()),
            Ty::Map(inner) => format!("Mapping[str, {}]", inner.input()),
            Ty::Optional(inner) => match inner.input().as_str() {
                "Any" => "Any".into(),
                other => format!("Optional[{other}]"),
            },
            other => other.output(),
        }
    }

    fn is_optional(&self) -> bool {
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
                    Ty::Named(name) => !matches!(named(name), Named::Unknown),
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
