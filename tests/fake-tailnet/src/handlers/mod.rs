//! Operation handlers: plain functions over the in-memory state, one module per API area.

use std::collections::HashMap;

use http::HeaderMap;
use serde_json::{json, Map, Value};

use crate::auth::Auth;
use crate::state::State;

mod devices;
mod dns;
mod invites;
mod keys;
mod logging;
mod misc;
mod policy;
mod users;

/// A validated request, as handlers see it.
pub struct Req<'a> {
    pub op: &'a str,
    pub params: &'a HashMap<String, String>,
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    /// Parsed JSON body (HuJSON-stripped for policy operations); None when empty.
    pub body: Option<Value>,
    /// Raw body text (policy operations store it verbatim).
    pub raw: &'a str,
}

impl Req<'_> {
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or_default()
    }
    pub fn query_one(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn query_all(&self, name: &str) -> Vec<&str> {
        self.query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
    pub fn query_bool(&self, name: &str) -> bool {
        matches!(self.query_one(name), Some("1" | "t" | "T" | "true" | "TRUE" | "True"))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn body_field(&self, name: &str) -> Option<&Value> {
        self.body.as_ref().and_then(|b| b.get(name))
    }
    pub fn body_str(&self, name: &str) -> Option<&str> {
        self.body_field(name).and_then(Value::as_str)
    }
}

pub enum ReplyBody {
    Empty,
    Json(Value),
    Text(&'static str, String),
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: ReplyBody,
}

impl Reply {
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

pub fn ok(v: Value) -> Reply {
    Reply { status: 200, headers: Vec::new(), body: ReplyBody::Json(v) }
}

pub fn obj(m: &Map<String, Value>) -> Reply {
    ok(Value::Object(m.clone()))
}

pub fn empty() -> Reply {
    Reply { status: 200, headers: Vec::new(), body: ReplyBody::Empty }
}

pub fn status_empty(status: u16) -> Reply {
    Reply { status, headers: Vec::new(), body: ReplyBody::Empty }
}

pub fn err(status: u16, message: impl Into<String>) -> Reply {
    Reply { status, headers: Vec::new(), body: ReplyBody::Json(json!({ "message": message.into() })) }
}

pub fn not_found(what: &str) -> Reply {
    err(404, format!("{what} not found"))
}

/// Mutable context for handlers: the tailnet and the credential store (keys mint OAuth clients).
pub struct Cx<'a> {
    pub state: &'a mut State,
    pub auth: &'a mut Auth,
}

pub fn dispatch(cx: &mut Cx<'_>, r: &Req<'_>) -> Reply {
    if let Some(t) = r.params.get("tailnet") {
        if !cx.state.is_tailnet(t) {
            return not_found("tailnet");
        }
    }
    let s = &mut *cx.state;
    match r.op {
        "listTailnetDevices" => devices::list(s, r),
        "getDevice" => devices::get(s, r),
        "deleteDevice" => devices::delete(s, r),
        "expireDeviceKey" => devices::expire(s, r),
        "listDeviceRoutes" => devices::routes(s, r),
        "setDeviceRoutes" => devices::set_routes(s, r),
        "authorizeDevice" => devices::authorize(s, r),
        "setDeviceName" => devices::set_name(s, r),
        "setDeviceTags" => devices::set_tags(s, r),
        "updateDeviceKey" => devices::set_key(s, r),
        "setDeviceIp" => devices::set_ip(s, r),
        "getDevicePostureAttributes" => devices::attributes(s, r),
        "setCustomDevicePostureAttributes" => devices::set_attribute(s, r),
        "deleteCustomDevicePostureAttributes" => devices::delete_attribute(s, r),
        "batchUpdateCustomDevicePostureAttributes" => devices::batch_attributes(s, r),
        "listDeviceInvites" => invites::list_device(s, r),
        "createDeviceInvites" => invites::create_device(s, r),
        "getDeviceInvite" => invites::get_device(s, r),
        "deleteDeviceInvite" => invites::delete_device(s, r),
        "resendDeviceInvite" => invites::resend_device(s, r),
        "acceptDeviceInvite" => invites::accept_device(s, r),
        "listUserInvites" => invites::list_user(s, r),
        "createUserInvites" => invites::create_user(s, r),
        "getUserInvite" => invites::get_user(s, r),
        "deleteUserInvite" => invites::delete_user(s, r),
        "resendUserInvite" => invites::resend_user(s, r),
        "listConfigurationAuditLogs" => logging::audit(s, r),
        "listNetworkFlowLogs" => logging::network(s, r),
        "getLogStreamingStatus" => logging::stream_status(s, r),
        "getLogStreamingConfiguration" => logging::stream_get(s, r),
        "setLogStreamingConfiguration" => logging::stream_set(s, r),
        "disableLogStreaming" => logging::stream_delete(s, r),
        "getAwsExternalId" => logging::aws_external_id(s, r),
        "validateAwsExternalId" => logging::aws_validate(s, r),
        "listDnsNameservers" => dns::nameservers(s),
        "setDnsNameservers" => dns::set_nameservers(s, r),
        "getDnsPreferences" => dns::preferences(s),
        "setDnsPreferences" => dns::set_preferences(s, r),
        "listDnsSearchPaths" => dns::search_paths(s),
        "setDnsSearchPaths" => dns::set_search_paths(s, r),
        "getSplitDns" => dns::split(s),
        "updateSplitDns" => dns::patch_split(s, r),
        "setSplitDns" => dns::set_split(s, r),
        "getDnsConfiguration" => dns::configuration(s),
        "setDnsConfiguration" => dns::set_configuration(s, r),
        "listTailnetKeys" => keys::list(s, r),
        "createKey" => keys::create(cx, r),
        "getKey" => keys::get(s, r),
        "deleteKey" => keys::delete(s, r),
        "setKey" => keys::set(cx, r),
        "getPolicyFile" => policy::get(s, r),
        "setPolicyFile" => policy::set(s, r),
        "previewRuleMatches" => policy::preview(s, r),
        "validateAndTestPolicyFile" => policy::validate(s, r),
        "getPostureIntegrations" => misc::integrations(s),
        "createPostureIntegration" => misc::create_integration(s, r),
        "getPostureIntegration" => misc::get_integration(s, r),
        "updatePostureIntegration" => misc::update_integration(s, r),
        "deletePostureIntegration" => misc::delete_integration(s, r),
        "listUsers" => users::list(s, r),
        "getUser" => users::get(s, r),
        "updateUserRole" => users::set_role(s, r),
        "approveUser" => users::set_status(s, r, "approve"),
        "suspendUser" => users::set_status(s, r, "suspend"),
        "restoreUser" => users::set_status(s, r, "restore"),
        "deleteUser" => users::delete(s, r),
        "getContacts" => users::contacts(s),
        "updateContact" => users::update_contact(s, r),
        "resendContactVerificationEmail" => users::resend_contact(s, r),
        "listWebhooks" => users::webhooks(s),
        "createWebhook" => users::create_webhook(s, r),
        "getWebhook" => users::get_webhook(s, r),
        "updateWebhook" => users::update_webhook(s, r),
        "deleteWebhook" => users::delete_webhook(s, r),
        "testWebhook" => users::test_webhook(s, r),
        "rotateWebhookSecret" => users::rotate_webhook(s, r),
        "getTailnetSettings" => misc::settings(s),
        "updateTailnetSettings" => misc::update_settings(s, r),
        "listServices" | "listVipServices" => misc::services(s),
        "getService" | "getVipService" => misc::get_service(s, r),
        "updateService" | "updateVipService" => misc::put_service(s, r),
        "deleteService" | "deleteVipService" => misc::delete_service(s, r),
        "listServiceHosts" => misc::service_hosts(s, r),
        "getServiceDeviceApproval" => misc::service_approval(s, r),
        "updateServiceDeviceApproval" => misc::set_service_approval(s, r),
        "listOAuthApps" => misc::oauth_apps(s),
        "createOAuthApp" => misc::create_oauth_app(s, r),
        "getOAuthApp" => misc::get_oauth_app(s, r),
        "updateOAuthApp" => misc::update_oauth_app(s, r),
        "deleteOAuthApp" => misc::delete_oauth_app(s, r),
        other => err(501, format!("operation {other} is not implemented by the fake")),
    }
}

/// A generated secret-ish token for ids and secrets (unique per state counter).
pub fn token(s: &mut State, len: usize) -> String {
    let n = s.fresh_id();
    let mut rng = crate::util::Rng(n.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ crate::util::now_unix() as u64);
    rng.alnum(len)
}

pub fn now() -> String {
    crate::util::rfc3339(crate::util::now_unix())
}

/// A list of strings from a JSON value (non-strings skipped).
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
}
