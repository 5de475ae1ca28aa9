//! The registry's types (each declares its [`TypeRef`]) as Python types. One mapping serves the
//! generated stubs and the runtime (the native module hands each operation's result spec to the
//! Python client).

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

/// String enums that get a Python `enum` class (`StrEnum`: members compare equal to their text;
/// unknown values stay plain `str`).
pub const PY_ENUMS: &[&str] = &["WebhookEventType"];

fn is_model(name: &str) -> bool {
    tailnet::models::MODELS.iter().any(|(n, _)| *n == name) || tailnet::registry::POLICY_AND_WEBHOOK_MODELS.iter().any(|m| m.name == name)
}

fn is_enum(name: &str) -> bool {
    name == "PolicyFormat" || tailnet::models::ENUMS.iter().any(|(n, _)| *n == name)
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
                Named::Model => (*name).to_owned(),
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


#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use tailnet::model::Declared;

    #[test]
    fn maps_registry_types() {
        assert_eq!(<Option<Vec<tailnet::models::Device>>>::TYPE_REF.spec(), "[M:Device]");
        assert_eq!(<BTreeMap<String, Option<Vec<String>>>>::TYPE_REF.spec(), "{[s]}");
        assert_eq!(<Option<tailnet::Timestamp>>::TYPE_REF.output(), "Optional[datetime]");
        assert_eq!(<Option<tailnet::Secret>>::TYPE_REF.spec(), "k");
        assert_eq!(<tailnet::response::PolicyResponse>::TYPE_REF.spec(), "M:PolicyFile");
        assert_eq!(<tailnet::response::Empty>::TYPE_REF.spec(), "n");
        assert_eq!(<Option<tailnet::models::KeyType>>::TYPE_REF.spec(), "s");
        assert_eq!(<Option<tailnet::models::WebhookEventType>>::TYPE_REF.spec(), "E:WebhookEventType");
        assert_eq!(<Option<Vec<tailnet::policy::AclRule>>>::TYPE_REF.spec(), "[M:AclRule]");
        assert_eq!(<Option<tailnet::DeviceFilters>>::TYPE_REF.input(), "Optional[Mapping[str, Union[str, Sequence[str]]]]");
    }

    #[test]
    fn every_registry_type_is_understood() {
        // A name neither a model nor an enum would fall through to `Any` by accident.
        let mut unknown = Vec::new();
        let mut check = |ty: &TypeRef| {
            if let Some(name) = ty.innermost_name() {
                if matches!(named(name), Named::Unknown) {
                    unknown.push(name);
                }
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
        for model in tailnet::registry::POLICY_AND_WEBHOOK_MODELS {
            model.fields.iter().for_each(|f| check(f.ty));
        }
        assert!(unknown.is_empty(), "types read as Any: {unknown:?}");
    }
}
