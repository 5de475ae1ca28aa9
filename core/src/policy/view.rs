//! Typed, read-only views of a policy's well-known sections. Unknown sections and fields stay
//! reachable through `extra`, as everywhere in this crate.

use std::collections::BTreeMap;

use serde_json::Value;

use super::document::PolicyDocument;

model! {
    /// A policy file's sections.
    pub struct PolicyView {
        /// Legacy ACL rules (`acls`); new policies use `grants`.
        "acls" => acls: Option<Vec<AclRule>>,
        /// Access grants: who may reach what, with network and app capabilities.
        "grants" => grants: Option<Vec<Grant>>,
        /// Group name (`group:eng`) to member logins.
        "groups" => groups: Option<BTreeMap<String, Vec<String>>>,
        /// Host alias to IP address or CIDR.
        "hosts" => hosts: Option<BTreeMap<String, String>>,
        /// Tag (`tag:server`) to who may apply it.
        "tagOwners" => tag_owners: Option<BTreeMap<String, Vec<String>>>,
        /// Access tests run whenever the policy is saved.
        "tests" => tests: Option<Vec<AclTest>>,
        /// Tailscale SSH tests, as raw JSON.
        "sshTests" => ssh_tests: Option<Vec<Value>>,
        /// Routes and exit nodes approved without an admin.
        "autoApprovers" => auto_approvers: Option<AutoApprovers>,
        /// Tailscale SSH rules.
        "ssh" => ssh: Option<Vec<SshRule>>,
        /// Attributes applied to matching devices.
        "nodeAttrs" => node_attrs: Option<Vec<NodeAttr>>,
        /// Posture name (`posture:latestMac`) to its conditions.
        "postures" => postures: Option<BTreeMap<String, Vec<String>>>,
        /// IP set name (`ipset:prod`) to its members.
        "ipsets" => ipsets: Option<BTreeMap<String, Vec<String>>>,
    }
}

model! {
    /// A legacy ACL rule.
    pub struct AclRule {
        /// Always `accept`.
        "action" => action: Option<String>,
        /// Sources: users, groups, tags, hosts or IPs.
        "src" => src: Option<Vec<String>>,
        /// Destinations as `host:ports`.
        "dst" => dst: Option<Vec<String>>,
        /// IP protocol to allow (`tcp`, `udp`, a number); all when absent.
        "proto" => proto: Option<String>,
        /// Postures a source device must satisfy.
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
        /// Sources: users, groups, tags, hosts or IPs.
        "src" => src: Option<Vec<String>>,
        /// Destinations: tags, hosts, IPs or `autogroup:` values.
        "dst" => dst: Option<Vec<String>>,
        /// Network access granted, as `proto:ports` or ports (`*` for all).
        "ip" => ip: Option<Vec<String>>,
        /// Application capabilities, by capability name, as raw JSON.
        "app" => app: Option<Value>,
        /// Postures a source device must satisfy.
        "srcPosture" => src_posture: Option<Vec<String>>,
        /// Tags of the routers or exit nodes the traffic must go through.
        "via" => via: Option<Vec<String>>,
    }
}

model! {
    /// A policy test: what `src` may and may not reach.
    pub struct AclTest {
        /// The user, group, tag or host the test runs as.
        "src" => src: Option<String>,
        /// Posture attributes to assume for the source device.
        "srcPostureAttrs" => src_posture_attrs: Option<BTreeMap<String, Value>>,
        /// IP protocol of the tested connections.
        "proto" => proto: Option<String>,
        /// `host:port` destinations that must be allowed.
        "accept" => accept: Option<Vec<String>>,
        /// `host:port` destinations that must be denied.
        "deny" => deny: Option<Vec<String>>,
    }
}

model! {
    /// Who may approve routes and exit nodes without an admin.
    pub struct AutoApprovers {
        /// Per subnet route (CIDR), who may advertise it without approval.
        "routes" => routes: Option<BTreeMap<String, Vec<String>>>,
        /// Who may advertise an exit node without approval.
        "exitNode" => exit_node: Option<Vec<String>>,
        /// Per service name, who may host that service without approval.
        "services" => services: Option<BTreeMap<String, Vec<String>>>,
    }
}

model! {
    /// A Tailscale SSH rule.
    pub struct SshRule {
        /// `accept`, or `check` to require a recent re-authentication.
        "action" => action: Option<String>,
        /// Who may connect: users, groups, tags or `autogroup:` values.
        "src" => src: Option<Vec<String>>,
        /// Devices to connect to: tags, hosts or `autogroup:` values.
        "dst" => dst: Option<Vec<String>>,
        /// Login users allowed on the destination (`root`, `autogroup:nonroot`).
        "users" => users: Option<Vec<String>>,
        /// With `check`: how long a re-authentication lasts (`12h`, `always`).
        "checkPeriod" => check_period: Option<String>,
        /// Environment variable names (globs allowed) the client may send.
        "acceptEnv" => accept_env: Option<Vec<String>>,
    }
}

model! {
    /// Node attributes applied to matching devices.
    pub struct NodeAttr {
        /// Devices the attributes apply to: users, groups, tags or `*`.
        "target" => target: Option<Vec<String>>,
        /// Attributes to apply (`funnel`, `mullvad`, …).
        "attr" => attr: Option<Vec<String>>,
        /// Application capabilities to apply, as raw JSON.
        "app" => app: Option<Value>,
    }
}

impl PolicyDocument {
    /// The well-known sections, typed. Fails only when a known section has an unexpected shape.
    pub fn view(&self) -> Result<PolicyView, super::PolicyEditError> {
        serde_json::from_value(self.to_json()).map_err(|e| super::PolicyEditError::Parse(e.to_string()))
    }
}
