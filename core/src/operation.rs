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
    Path,
    Query,
    Header,
}

/// Static description of one parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ParamInfo {
    /// The spec's name (`deviceId`, `If-Match`).
    pub wire: &'static str,
    /// Rust / Python name (`device_id`, `if_match`).
    pub name: &'static str,
    pub location: ParamLocation,
    /// Rust type as declared.
    pub ty: &'static str,
}

/// Static description of an operation's request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BodyInfo {
    pub content_type: &'static str,
    /// Rust type as declared (`Json<SetDeviceTagsRequest>`).
    pub ty: &'static str,
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
    pub method: &'static str,
    /// Path template under `/api/v2` (`/tailnet/{tailnet}/devices`).
    pub path: &'static str,
    /// OAuth scopes that allow the call (any one suffices).
    pub scopes: &'static [&'static str],
    /// Documented success statuses.
    pub success: &'static [u16],
    /// Whether the request carries the configured credentials (false for the token endpoints).
    pub authenticated: bool,
    pub params: &'static [ParamInfo],
    pub body: Option<BodyInfo>,
    /// Rust type of the result as declared (`Json<Device>`, `Empty`).
    pub response: &'static str,
    /// True when repeating the request has the same effect as sending it once, so a retry after
    /// a possible receipt is safe. GET, PUT and DELETE are; POST and PATCH are listed one by one.
    pub idempotent: bool,
}

impl OperationInfo {
    /// Full path template including the `/api/v2` prefix.
    pub fn full_path(&self) -> String {
        format!("/api/v2{}", self.path)
    }

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
            match crate::model::TypeRef::parse(body.ty) {
                crate::model::TypeRef::Named(model) => crate::docs::field(&model, wire),
                _ => None,
            }
        })
    }
}

/// An API operation: builds its request from typed parameters and parses its response.
pub trait Operation {
    const INFO: OperationInfo;
    type Params: Serialize + DeserializeOwned + Default + Clone + fmt::Debug + PartialEq;
    type Output: Serialize + crate::view::JsonView + Send + Sync + Clone + fmt::Debug + PartialEq + 'static;

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
            params: $params:ident {
                $( $(#[$param_meta:meta])* $location:ident $field:ident $snake_name:literal : $param_ty:ty = $wire:literal ),* $(,)?
            },
            $( body: $body:ty, )?
            response: $response:ty $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name;

        #[doc = concat!("Parameters of [`", stringify!($name), "`].")]
        #[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
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
                        ty: stringify!($param_ty),
                    },
                )*],
                body: operation!(@body_info $($body)?),
                response: stringify!($response),
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
    (@body_info) => { None };
    (@body_info $body:ty) => {
        Some($crate::operation::BodyInfo {
            content_type: <$body as $crate::request::RequestBody>::CONTENT_TYPE,
            ty: stringify!($body),
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
