//! Typed, read-only views of a policy's well-known sections. Unknown sections and fields stay
//! reachable through `extra`, as everywhere in this crate.

use std::collections::BTreeMap;

use serde_json::Value;

use super::document::PolicyDocument;

model! {
    /// A policy file's sections.
    pub struct PolicyView {
        "acls" => acls: Option<Vec<AclRule>>,
        "grants" => grants: Option<Vec<Grant>>,
        "groups" => groups: Option<BTreeMap<String, Vec<String>>>,
        "hosts" => hosts: Option<BTreeMap<String, String>>,
        "tagOwners" => tag_owners: Option<BTreeMap<String, Vec<String>>>,
        "tests" => tests: Option<Vec<AclTest>>,
        "sshTests" => ssh_tests: Option<Vec<Value>>,
        "autoApprovers" => auto_approvers: Option<AutoApprovers>,
        "ssh" => ssh: Option<Vec<SshRule>>,
        "nodeAttrs" => node_attrs: Option<Vec<NodeAttr>>,
        "postures" => postures: Option<BTreeMap<String, Vec<String>>>,
        "ipsets" => ipsets: Option<BTreeMap<String, Vec<String>>>,
    }
}

model! {
    /// A legacy ACL rule.
    pub struct AclRule {
        "action" => action: Option<String>,
        "src" => src: Option<Vec<String>>,
        "dst" => dst: Option<Vec<String>>,
        "proto" => proto: Option<String>,
        "srcPosture" => src_posture: Option<Vec<String>>,
        /// Pre-2022 spelling of `src`.
        "users" => users: Option<Vec<String>>,
        /// Pre-2022 spelling of `dst`.
        "ports" => ports: Option<Vec<String>>,
    }
}

model! {
    /// A grant: network and application capabilities.
    pub struct Grant {
        "src" => src: Option<Vec<String>>,
        "dst" => dst: Option<Vec<String>>,
        "ip" => ip: Option<Vec<String>>,
        "app" => app: Option<Value>,
        "srcPosture" => src_posture: Option<Vec<String>>,
        "via" => via: Option<Vec<String>>,
    }
}

model! {
    /// A policy test: what `src` may and may not reach.
    pub struct AclTest {
        "src" => src: Option<String>,
        "srcPostureAttrs" => src_posture_attrs: Option<BTreeMap<String, Value>>,
        "proto" => proto: Option<String>,
        "accept" => accept: Option<Vec<String>>,
        "deny" => deny: Option<Vec<String>>,
    }
}

model! {
    /// Who may approve routes and exit nodes without an admin.
    pub struct AutoApprovers {
        "routes" => routes: Option<BTreeMap<String, Vec<String>>>,
        "exitNode" => exit_node: Option<Vec<String>>,
        "services" => services: Option<BTreeMap<String, Vec<String>>>,
    }
}

model! {
    /// A Tailscale SSH rule.
    pub struct SshRule {
        "action" => action: Option<String>,
        "src" => src: Option<Vec<String>>,
        "dst" => dst: Option<Vec<String>>,
        "users" => users: Option<Vec<String>>,
        "checkPeriod" => check_period: Option<String>,
        "acceptEnv" => accept_env: Option<Vec<String>>,
    }
}

model! {
    /// Node attributes applied to matching devices.
    pub struct NodeAttr {
        "target" => target: Option<Vec<String>>,
        "attr" => attr: Option<Vec<String>>,
        "app" => app: Option<Value>,
    }
}

impl PolicyDocument {
    /// The well-known sections, typed. Fails only when a known section has an unexpected shape.
    pub fn view(&self) -> Result<PolicyView, super::PolicyEditError> {
        serde_json::from_value(self.to_json()).map_err(|e| super::PolicyEditError::Parse(e.to_string()))
    }
}
