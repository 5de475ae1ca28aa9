//! One declaration per API operation: the [`Operation`] trait, its metadata, and the
//! `operation!` macro that the generated declarations in `operations.rs` use.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::Config;
use crate::error::Error;
use crate::request::HttpRequest;
use crate::response::HttpResponse;

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParamLocation {
    /// Substituted into the path template (`{deviceId}`), percent-encoded.
    Path,
    /// Appended to the query string.
    Query,
    /// Sent as a request header (`If-Match`, `Accept`).
    Header,
}

/// Static description of one parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ParamInfo {
    /// The spec's name (`deviceId`, `If-Match`).
    pub wire: &'static str,
    /// Rust / Python name (`device_id`, `if_match`).
    pub name: &'static str,
    /// Where the parameter is sent.
    pub location: ParamLocation,
    /// The parameter's type.
    pub ty: &'static crate::model::TypeRef,
}

/// Static description of an operation's request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BodyInfo {
    /// The body's media type (`application/json`).
    pub content_type: &'static str,
    /// The body's type (`SetDeviceTagsRequest`).
    pub ty: &'static crate::model::TypeRef,
    /// Known top-level fields, for gathering keyword parameters into the body.
    pub fields: &'static [crate::model::FieldInfo],
    /// The body is a map whose keys are data (split DNS domains).
    pub free_form_keys: bool,
}

/// Static description of an operation, listed in [`crate::registry::OPERATIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationInfo {
    /// The spec's `operationId` (`listTailnetDevices`).
    pub id: &'static str,
    /// snake_case name (`list_tailnet_devices`).
    pub name: &'static str,
    /// HTTP method, upper case (`GET`, `POST`).
    pub method: &'static str,
    /// Path template under `/api/v2` (`/tailnet/{tailnet}/devices`).
    pub path: &'static str,
    /// OAuth scopes that allow the call (any one suffices).
    pub scopes: &'static [&'static str],
    /// Documented success statuses.
    pub success: &'static [u16],
    /// Whether the request carries the configured credentials (false for the token endpoints).
    pub authenticated: bool,
    /// Path, query and header parameters, in declaration order.
    pub params: &'static [ParamInfo],
    /// The request body, for operations that send one.
    pub body: Option<BodyInfo>,
    /// The result's type.
    pub response: &'static crate::model::TypeRef,
    /// True when repeating the request has the same effect as sending it once, so a retry after
    /// a possible receipt is safe. GET, PUT and DELETE are; POST and PATCH are listed one by one.
    pub idempotent: bool,
}

impl OperationInfo {
    /// Full path template including the `/api/v2` prefix.
    pub fn full_path(&self) -> String {
        format!("/api/v2{}", self.path)
    }

    /// A parameter by its wire name (`deviceId`) or snake_case name (`device_id`).
    pub fn param(&self, wire_or_name: &str) -> Option<&'static ParamInfo> {
        self.params.iter().find(|p| p.wire == wire_or_name || p.name == wire_or_name)
    }

    /// The spec's reference text of this operation.
    pub fn doc(&self) -> Option<&'static crate::docs::OperationDoc> {
        crate::docs::operation(self.id)
    }

    /// The spec's description of a parameter or request-body field, by wire name.
    pub fn param_doc(&self, wire: &str) -> Option<&'static str> {
        let param = self.doc().and_then(|doc| doc.params.iter().find(|(name, _)| *name == wire)).map(|(_, text)| *text);
        param.or_else(|| {
            let body = self.body?;
            match *body.ty {
                crate::model::TypeRef::Named(model) => crate::docs::field(model, wire),
                _ => None,
            }
        })
    }

    /// The language-neutral part of every binding's method documentation, as Markdown lines: the
    /// spec's summary and description, the endpoint, its OAuth scopes and how it is retried.
    /// Each binding adds its own parameter and error syntax (see [`Self::documented_errors`]).
    pub fn doc_overview(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(doc) = self.doc() {
            if !doc.summary.is_empty() {
                lines.push(format!("{}.", doc.summary.trim_end_matches('.')));
            }
            if !doc.description.is_empty() {
                lines.push(String::new());
                lines.extend(doc.description.lines().map(|l| l.trim_end().to_owned()));
            }
            lines.push(String::new());
        }
        lines.push(format!("`{} {}` (`{}`).", self.method, self.full_path(), self.id));
        if !self.scopes.is_empty() {
            let scopes: Vec<String> = self.scopes.iter().map(|s| format!("`{s}`")).collect();
            lines.push(format!("OAuth scopes (any one): {}.", scopes.join(", ")));
        }
        if !self.authenticated {
            lines.push("Sent without credentials.".into());
        }
        lines.push(if self.idempotent {
            "Idempotent: retried after 5xx and connection failures.".into()
        } else {
            "Not idempotent: retried only after 429 or when the request certainly never left.".into()
        });
        lines
    }

    /// The error responses the spec documents: status, the error class it raises in every
    /// binding ([`crate::error::api_error_class`]) and one sentence (the spec's first paragraph,
    /// or the status's meaning when the spec says nothing), without a final period.
    pub fn documented_errors(&self) -> Vec<(u16, &'static str, String)> {
        let errors = self.doc().map(|d| d.errors).unwrap_or_default();
        errors
            .iter()
            .map(|(status, text)| {
                let first = first_paragraph(text);
                let what = if first.is_empty() { status_meaning(*status).to_owned() } else { first };
                (*status, crate::error::api_error_class(*status), what.trim_end_matches('.').to_owned())
            })
            .collect()
    }
}

/// The first paragraph of Markdown text, on one line.
pub fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn status_meaning(status: u16) -> &'static str {
    match status {
        400 => "bad request",
        401 => "missing or invalid credentials",
        403 => "the credentials lack permission",
        404 => "not found",
        409 => "conflict",
        412 => "the If-Match precondition failed",
        429 => "too many requests",
        500 => "internal server error",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "the request took too long",
        _ => "error",
    }
}

/// An API operation: builds its request from typed parameters and parses its response.
pub trait Operation {
    /// The operation's static metadata.
    const INFO: OperationInfo;
    /// The typed parameters (path, query, header and body), one struct per operation.
    type Params: Serialize + DeserializeOwned + Default + Clone + fmt::Debug + PartialEq;
    /// The typed result of a success response.
    type Output: Serialize + crate::view::JsonView + Send + Sync + Clone + fmt::Debug + PartialEq + 'static;

    /// Builds the HTTP request for `params` against `config` (base URL, default tailnet,
    /// credentials); fails with [`Error::Build`] when a parameter is missing or cannot be encoded.
    fn build(config: &Config, params: &Self::Params) -> Result<HttpRequest, Error>;

    /// Parses any response: a success status gives the result, anything else an [`Error::Api`].
    fn parse(response: &HttpResponse) -> Result<Self::Output, Error>;
}

/// Whether `status` counts as success for an operation (the documented ones, and any other 2xx,
/// so an API that starts answering 201 instead of 200 does not break callers).
pub fn is_success(info: &OperationInfo, status: u16) -> bool {
    info.success.contains(&status) || (200..300).contains(&status)
}

/// Declares one operation: its parameters struct, metadata and [`Operation`] impl.
macro_rules! operation {
    (
        $(#[$meta:meta])*
        $name:ident {
            id: $id:literal,
            name: $snake:literal,
            method: $method:ident,
            path: $path:literal,
            scopes: [$($scope:literal),* $(,)?],
            success: [$($status:literal),* $(,)?],
            authenticated: $authenticated:literal,
            idempotent: $idempotent:literal,
            params: $(#[$params_meta:meta])* $params:ident {
                $( $(#[$param_meta:meta])* $location:ident $field:ident $snake_name:literal : $param_ty:ty = $wire:literal ),* $(,)?
            },
            $( body: $body:ty, )?
            response: $response:ty $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name;

        #[cfg_attr(feature = "uniffi", derive(::uniffi::Record))]
        $(#[$params_meta])*
        #[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize)]
        pub struct $params {
            $(
                $(#[$param_meta])*
                #[serde(rename = $wire)]
                pub $field: $param_ty,
            )*
            $(
                /// The request body.
                pub body: <$body as $crate::request::RequestBody>::Value,
            )?
        }

        // By hand rather than derived: one small visitor per operation (the derive's is several
        // times larger, and there are 96). Missing parameters take their default; a parameter
        // may be named by its wire or snake_case name; unknown names are refused.
        impl<'de> ::serde::Deserialize<'de> for $params {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ParamsVisitor;
                impl<'de> ::serde::de::Visitor<'de> for ParamsVisitor {
                    type Value = $params;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("the parameters of ", $id))
                    }
                    #[allow(unused_mut)]
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$params, A::Error> {
                        let mut out = $params::default();
                        while let Some(key) = map.next_key::<$crate::model::Key<'de>>()? {
                            let key: &str = &key.0;
                            $(
                                if key == $wire || key == $snake_name {
                                    out.$field = map.next_value()?;
                                    continue;
                                }
                            )*
                            $(
                                if key == "body" {
                                    out.body = map.next_value::<<$body as $crate::request::RequestBody>::Value>()?;
                                    continue;
                                }
                            )?
                            return Err(::serde::de::Error::unknown_field(key, &[$($wire,)* $(operation!(@body_name $body))?]));
                        }
                        Ok(out)
                    }
                }
                deserializer.deserialize_map(ParamsVisitor)
            }
        }

        impl $crate::operation::Operation for $name {
            const INFO: $crate::operation::OperationInfo = $crate::operation::OperationInfo {
                id: $id,
                name: $snake,
                method: stringify!($method),
                path: $path,
                scopes: &[$($scope),*],
                success: &[$($status),*],
                authenticated: $authenticated,
                idempotent: $idempotent,
                params: &[$(
                    $crate::operation::ParamInfo {
                        wire: $wire,
                        name: $snake_name,
                        location: operation!(@location $location),
                        ty: &<$param_ty as $crate::model::Declared>::TYPE_REF,
                    },
                )*],
                body: operation!(@body_info $($body)?),
                response: &<$response as $crate::model::Declared>::TYPE_REF,
            };
            type Params = $params;
            type Output = <$response as $crate::response::ResponseBody>::Output;

            #[allow(unused_variables, unused_mut)]
            fn build(config: &$crate::Config, params: &$params) -> Result<$crate::HttpRequest, $crate::Error> {
                let mut parts = $crate::request::RequestParts::new(config, $path);
                $( operation!(@apply $location parts params.$field, $wire); )*
                $( parts.body = Some(<$body as $crate::request::RequestBody>::encode(&params.body)?); )?
                let negotiates_accept = Self::INFO.params.iter().any(|p| p.wire == "Accept");
                Ok(parts.finish(::http::Method::$method, $authenticated, negotiates_accept)?)
            }

            fn parse(response: &$crate::HttpResponse) -> Result<Self::Output, $crate::Error> {
                if $crate::operation::is_success(&Self::INFO, response.status) {
                    <$response as $crate::response::ResponseBody>::parse(response)
                } else {
                    Err($crate::response::api_error(response, &Self::INFO).into())
                }
            }
        }
    };
    (@location path) => { $crate::operation::ParamLocation::Path };
    (@location query) => { $crate::operation::ParamLocation::Query };
    (@location header) => { $crate::operation::ParamLocation::Header };
    (@body_name $body:ty) => { "body" };
    (@body_info) => { None };
    (@body_info $body:ty) => {
        Some($crate::operation::BodyInfo {
            content_type: <$body as $crate::request::RequestBody>::CONTENT_TYPE,
            ty: &<$body as $crate::model::Declared>::TYPE_REF,
            fields: <$body as $crate::request::RequestBody>::FIELDS,
            free_form_keys: <$body as $crate::request::RequestBody>::FREE_FORM_KEYS,
        })
    };
    (@apply path $parts:ident $value:expr, $wire:literal) => {
        $parts.path_param($wire, &$value)?
    };
    (@apply query $parts:ident $value:expr, $wire:literal) => {
        $crate::request::QueryValue::append_to(&$value, $wire, &mut $parts.query)?
    };
    (@apply header $parts:ident $value:expr, $wire:literal) => {
        $crate::request::HeaderParam::apply(&$value, $wire, &mut $parts.headers)?
    };
}

pub(crate) use operation;
