//! The one tailnet the fake serves. Entities are kept as JSON objects shaped like the API's
//! responses, so what is stored is what is served (and what the oracle checks).
//! Serializable: `--state FILE` seeds from it and `GET /_fake/state` dumps it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Resolver {
    pub address: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub use_with_exit_node: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Dns {
    pub nameservers: Vec<Resolver>,
    pub magic_dns: bool,
    pub override_local_dns: bool,
    pub search_paths: Vec<String>,
    pub split_dns: BTreeMap<String, Vec<Resolver>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct State {
    pub tailnet_id: String,
    /// Legacy tailnet name (`example.com`), also accepted in paths.
    pub tailnet_name: String,
    /// Numeric tailnet id used in invites.
    pub tailnet_num: i64,
    pub devices: Vec<Map<String, Value>>,
    /// nodeId → attribute key → {value, expiry?}.
    pub posture: BTreeMap<String, BTreeMap<String, Value>>,
    pub device_invites: Vec<Map<String, Value>>,
    pub user_invites: Vec<Map<String, Value>>,
    pub users: Vec<Map<String, Value>>,
    /// Keys as served by get/list (never with the `key` secret).
    pub keys: Vec<Map<String, Value>>,
    pub policy: String,
    /// False while `policy` is still the untouched default (for `If-Match: "ts-default"`).
    pub policy_touched: bool,
    pub dns: Dns,
    pub webhooks: Vec<Map<String, Value>>,
    pub settings: Map<String, Value>,
    pub contacts: Map<String, Value>,
    pub posture_integrations: Vec<Map<String, Value>>,
    pub audit_logs: Vec<Value>,
    pub network_logs: Vec<Value>,
    /// logType → configuration (secrets such as `token` stripped).
    pub log_streams: BTreeMap<String, Map<String, Value>>,
    pub aws_external_ids: Vec<Map<String, Value>>,
    /// Service name → VIPServiceInfo.
    pub services: BTreeMap<String, Map<String, Value>>,
    /// Service name → nodeId → approved.
    pub service_approvals: BTreeMap<String, BTreeMap<String, bool>>,
    pub oauth_apps: Vec<Map<String, Value>>,
    /// Counter for generated ids.
    pub next_id: u64,
}

impl State {
    /// Whether a `{tailnet}` path value addresses this tailnet.
    pub fn is_tailnet(&self, t: &str) -> bool {
        t == "-" || t == self.tailnet_id || t == self.tailnet_name
    }

    /// Finds a device by nodeId or numeric id.
    pub fn device_index(&self, id: &str) -> Option<usize> {
        self.devices.iter().position(|d| {
            d.get("nodeId").and_then(Value::as_str) == Some(id) || d.get("id").and_then(Value::as_str) == Some(id)
        })
    }

    pub fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The `tagOwners` keys of the current policy (empty when it does not parse).
    pub fn policy_tags(&self) -> Vec<String> {
        crate::util::parse_hujson(&self.policy)
            .ok()
            .and_then(|p| p.get("tagOwners").and_then(Value::as_object).map(|o| o.keys().cloned().collect()))
            .unwrap_or_default()
    }
}

/// Finds an object in a list by a string field.
pub fn find_by<'a>(list: &'a mut [Map<String, Value>], field: &str, id: &str) -> Option<&'a mut Map<String, Value>> {
    list.iter_mut().find(|o| o.get(field).and_then(Value::as_str) == Some(id))
}
