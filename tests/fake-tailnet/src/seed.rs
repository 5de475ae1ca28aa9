//! Deterministic sample tailnet: the same device count always gives byte-identical output.

use serde_json::{json, Map, Value};

use crate::state::{Dns, Resolver, State};
use crate::util::{rfc3339, Rng};

/// 2026-01-01T00:00:00Z: all seeded timestamps are fixed offsets from it.
pub const BASE_TIME: i64 = 1_767_225_600;

pub const DEFAULT_POLICY: &str = r#"// Example/default ACLs for unrestricted connections.
{
	// Declare static groups of users. Use autogroups for all users or users with a specific role.
	"groups": {
		"group:eng": ["alice@example.com", "bob@example.com"],
	},

	// Define the tags which can be applied to devices and by which users.
	"tagOwners": {
		"tag:server": ["autogroup:admin"],
		"tag:prod":   ["autogroup:admin"],
		"tag:ci":     ["group:eng"],
	},

	// Define access control lists for users, groups, autogroups, tags,
	// Tailscale IP addresses, and subnet ranges.
	"acls": [
		// Allow all connections.
		{"action": "accept", "src": ["*"], "dst": ["*:*"]},
	],

	// Define users and devices that can use Tailscale SSH.
	"ssh": [
		{
			"action": "check",
			"src":    ["autogroup:member"],
			"dst":    ["autogroup:self"],
			"users":  ["autogroup:nonroot", "root"],
		},
	],
}
"#;

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

const USERS: [(&str, &str, &str, &str, &str); 5] = [
    ("alice@example.com", "Alice Example", "owner", "member", "active"),
    ("bob@example.com", "Bob Example", "admin", "member", "active"),
    ("carol@example.com", "Carol Example", "member", "member", "idle"),
    ("dave@partner.example", "Dave Partner", "member", "shared", "active"),
    ("erin@example.com", "Erin Example", "member", "member", "needs-approval"),
];

const OSES: [(&str, &str); 5] = [
    ("linux", "1.80.2-t1a2b3c4d-g5e6f7a8b9"),
    ("windows", "1.78.1-tabcdef012-g0123456789"),
    ("macOS", "1.80.0-t0f1e2d3c-gaabbccddee"),
    ("iOS", "1.76.6-t9a8b7c6d-g1234567890"),
    ("android", "1.80.2-t1a2b3c4d-g5e6f7a8b9"),
];

fn device(i: usize, rng: &mut Rng) -> Map<String, Value> {
    let n = i + 1;
    let (os, version) = OSES[i % OSES.len()];
    let user = USERS[i % 3].0;
    let created = BASE_TIME - (n as i64) * 86_400 * 3;
    let host = format!("host-{n:04}");
    let tags: Vec<&str> = match i % 4 {
        1 => vec!["tag:server"],
        3 => vec!["tag:server", "tag:prod"],
        _ => vec![],
    };
    let advertised: Vec<String> = if i % 5 == 0 { vec![format!("10.{}.0.0/24", n % 256), "0.0.0.0/0".into(), "::/0".into()] } else { vec![] };
    let enabled: Vec<String> = advertised.iter().take(1).cloned().collect();
    let hex = |rng: &mut Rng| format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
    let mut d = json!({
        "addresses": [format!("100.{}.{}.{}", 64 + (n / 65_536) % 64, (n / 256) % 256, n % 256), std::net::Ipv6Addr::new(0xfd7a, 0x115c, 0xa1e0, 0, 0, 0, (n / 65_536) as u16, (n % 65_536) as u16).to_string()],
        "id": format!("{}", 7_000_000_000_000_000u64 + (n as u64) * 1_000_003),
        "nodeId": format!("n{:010}CNTRL", 1_000_000_000u64 + (n as u64) * 7919),
        "user": user,
        "name": format!("{host}.tail1234.ts.net"),
        "hostname": host,
        "clientVersion": version,
        "updateAvailable": i % 3 == 1,
        "os": os,
        "created": rfc3339(created),
        "connectedToControl": i % 2 == 0,
        "lastSeen": rfc3339(BASE_TIME - (n as i64) * 600),
        "keyExpiryDisabled": !tags.is_empty(),
        "expires": rfc3339(created + 180 * 86_400),
        "authorized": i % 7 != 6,
        "isExternal": false,
        "multipleConnections": false,
        "machineKey": format!("mkey:{}", hex(rng)),
        "nodeKey": format!("nodekey:{}", hex(rng)),
        "blocksIncomingConnections": false,
        "enabledRoutes": enabled,
        "advertisedRoutes": advertised,
        "clientConnectivity": {
            "endpoints": [format!("203.0.113.{}:41641", n % 250), format!("[2001:db8::{:x}]:41641", n)],
            "mappingVariesByDestIP": i % 6 == 5,
            "latency": {
                "Frankfurt": {"latencyMs": 10.0 + (i % 13) as f64 * 1.5},
                "New York City": {"preferred": true, "latencyMs": 4.0 + (i % 7) as f64 * 0.5},
            },
            "clientSupports": {"hairPinning": null, "ipv6": i % 2 == 0, "pcp": false, "pmp": false, "udp": true, "upnp": i % 3 == 0},
        },
        "tags": tags,
        "tailnetLockError": "",
        "tailnetLockKey": format!("tlpub:{}", hex(rng)),
        "sshEnabled": os == "linux",
        "postureIdentity": {"serialNumbers": [format!("SN{:08}", 10_000 + n)], "disabled": false},
        "isEphemeral": false,
    });
    if os == "linux" {
        if let Some(m) = d.as_object_mut() {
            m.insert("distro".into(), json!({"name": "ubuntu", "version": "24.04", "codeName": "noble"}));
        }
    }
    obj(d)
}

pub fn seed(devices: usize) -> State {
    let mut rng = Rng(0x007a_11e7);
    let users = USERS
        .iter()
        .enumerate()
        .map(|(i, (login, display, role, ty, status))| {
            obj(json!({
                "id": format!("u{:08}CNTRL", 20_000_000 + i * 17),
                "displayName": display,
                "loginName": login,
                "profilePicUrl": format!("https://example.com/avatars/{i}.png"),
                "tailnetId": "T1234CNTRL",
                "created": rfc3339(BASE_TIME - 400 * 86_400 + i as i64 * 86_400),
                "type": ty,
                "role": role,
                "status": status,
                "deviceCount": (0..devices).filter(|d| d % 3 == i).count(),
                "lastSeen": rfc3339(BASE_TIME - i as i64 * 3600),
                "currentlyConnected": i == 0,
            }))
        })
        .collect();
    let audit_logs = (0..12)
        .map(|i| {
            let (action, ty, prop) = [("CREATE", "NODE", None), ("UPDATE", "TAILNET", Some("ACL")), ("LOGIN", "USER", None), ("DELETE", "API_KEY", None)][i % 4];
            let mut e = json!({
                "eventTime": rfc3339(BASE_TIME - 86_400 + i as i64 * 3600),
                "type": "CONFIG",
                "eventGroupID": format!("{:016x}", 0xabc0_0000u64 + i as u64),
                "origin": if i % 2 == 0 { "ADMIN_CONSOLE" } else { "CONFIG_API" },
                "actor": {"id": "u20000000CNTRL", "type": "USER", "loginName": "alice@example.com", "displayName": "Alice Example"},
                "target": {"id": format!("target-{i}"), "name": format!("target {i}"), "type": ty},
                "action": action,
            });
            if let (Some(p), Some(t)) = (prop, e.pointer_mut("/target").and_then(Value::as_object_mut)) {
                t.insert("property".into(), json!(p));
            }
            e
        })
        .collect();
    let network_logs = (0..12)
        .map(|i| {
            let start = BASE_TIME - 86_400 + i as i64 * 3600;
            json!({
                "logged": rfc3339(start + 10),
                "nodeId": format!("n{:010}CNTRL", 1_000_000_000u64 + ((i % devices.max(1)) as u64 + 1) * 7919),
                "start": rfc3339(start),
                "end": rfc3339(start + 5),
                "virtualTraffic": [{"proto": "tcp", "src": "100.64.0.1:51234", "dst": "100.64.0.2:22", "txPkts": 10 + i, "txBytes": 1200 + i * 10, "rxPkts": 8, "rxBytes": 900}],
                "physicalTraffic": [{"src": "100.64.0.1:0", "dst": "203.0.113.5:41641", "txPkts": 12, "txBytes": 1600, "rxPkts": 9, "rxBytes": 1100}],
            })
        })
        .collect();
    State {
        tailnet_id: "T1234CNTRL".into(),
        tailnet_name: "example.com".into(),
        tailnet_num: 123_456_789,
        devices: (0..devices).map(|i| device(i, &mut rng)).collect(),
        users,
        keys: vec![obj(json!({
            "id": "kSeed1CNTRL",
            "keyType": "auth",
            "description": "seeded auth key",
            "created": rfc3339(BASE_TIME - 10 * 86_400),
            "expires": rfc3339(BASE_TIME + 80 * 86_400),
            "expirySeconds": 90 * 86_400,
            "capabilities": {"devices": {"create": {"reusable": true, "ephemeral": false, "preauthorized": true, "tags": ["tag:server"]}}},
            "tags": ["tag:server"],
            "invalid": false,
            "userId": "u20000000CNTRL",
        }))],
        policy: DEFAULT_POLICY.to_string(),
        policy_touched: false,
        dns: Dns {
            nameservers: vec![Resolver { address: "8.8.8.8".into(), use_with_exit_node: false }],
            magic_dns: true,
            override_local_dns: false,
            search_paths: vec!["corp.example.com".into()],
            split_dns: [("internal.example.com".to_string(), vec![Resolver { address: "10.0.0.53".into(), use_with_exit_node: false }])].into_iter().collect(),
        },
        settings: obj(json!({
            "aclsExternallyManagedOn": false,
            "aclsExternalLink": "https://github.com/example/acls",
            "devicesApprovalOn": false,
            "devicesAutoUpdatesOn": true,
            "devicesKeyDurationDays": 180,
            "usersApprovalOn": true,
            "usersRoleAllowedToJoinExternalTailnets": "member",
            "networkFlowLoggingOn": true,
            "regionalRoutingOn": false,
            "postureIdentityCollectionOn": true,
            "httpsEnabled": true,
        })),
        contacts: obj(json!({
            "account": {"email": "alice@example.com", "needsVerification": false},
            "support": {"email": "support@example.com", "needsVerification": false},
            "security": {"email": "security@example.com", "fallbackEmail": "alice@example.com", "needsVerification": true},
        })),
        audit_logs,
        network_logs,
        services: [(
            "svc:web".to_string(),
            obj(json!({"name": "svc:web", "addrs": ["100.100.0.1", "fd7a:115c:a1e0::1"], "comment": "seeded service", "ports": ["tcp:443"], "tags": ["tag:server"]})),
        )]
        .into_iter()
        .collect(),
        next_id: 1000,
        ..State::default()
    }
}
