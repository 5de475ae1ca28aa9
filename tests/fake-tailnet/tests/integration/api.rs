//! Behaviour of the fake's API: devices, policy, secrets, auth, validation, CORS, logging.

use std::time::Duration;

use fake_tailnet::{OAuthClient, Options};
use serde_json::{json, Value};

use crate::common::{default, start, KEY};

fn devices(v: &Value) -> Vec<Value> {
    v.get("devices").and_then(Value::as_array).cloned().unwrap_or_default()
}

#[tokio::test]
async fn device_list_fields_and_filters() {
    let t = start(Options { devices: 20, ..Options::default() }).await;
    let all = devices(&t.get("/tailnet/-/devices?fields=all").await.json());
    let default = devices(&t.get("/tailnet/-/devices").await.json());
    assert_eq!(all.len(), 20);
    assert_eq!(default.len(), 20);
    for k in ["enabledRoutes", "advertisedRoutes", "clientConnectivity", "postureIdentity"] {
        assert!(all.iter().all(|d| d.get(k).is_some()), "fields=all has {k}");
        assert!(default.iter().all(|d| d.get(k).is_none()), "default omits {k}");
    }
    let explicit_default = devices(&t.get("/tailnet/-/devices?fields=default").await.json());
    assert_eq!(explicit_default, default);
    for d in &all {
        let node = d["nodeId"].as_str().unwrap();
        assert!(node.starts_with('n') && node.ends_with("CNTRL"));
        assert!(d["name"].as_str().unwrap().ends_with(".tail1234.ts.net"));
    }

    let linux = devices(&t.get("/tailnet/-/devices?os=linux").await.json());
    assert!(!linux.is_empty() && linux.iter().all(|d| d["os"] == "linux"));
    let has = |d: &Value, tag: &str| d["tags"].as_array().unwrap().iter().any(|x| x == tag);
    let server = all.iter().filter(|d| has(d, "tag:server")).count();
    let prod = all.iter().filter(|d| has(d, "tag:prod")).count();
    let either = all.iter().filter(|d| has(d, "tag:server") || has(d, "tag:prod")).count();
    assert!(prod > 0 && server > prod);
    assert_eq!(devices(&t.get("/tailnet/-/devices?tags=tag:prod").await.json()).len(), prod);
    // Repeated keys are any-of.
    assert_eq!(devices(&t.get("/tailnet/-/devices?tags=tag:prod&tags=tag:server").await.json()).len(), either);
    // Different keys are all-of.
    let both = devices(&t.get("/tailnet/-/devices?tags=tag:server&os=linux&fields=all").await.json());
    assert!(both.iter().all(|d| d["os"] == "linux" && has(d, "tag:server")));
    assert_eq!(devices(&t.get("/tailnet/-/devices?os=plan9").await.json()).len(), 0);

    // Deterministic: same N gives byte-identical output from a second fake.
    let t2 = start(Options { devices: 20, ..Options::default() }).await;
    assert_eq!(t.get("/tailnet/-/devices?fields=all").await.text, t2.get("/tailnet/-/devices?fields=all").await.text);
    // Tailnet addressed by '-', id and legacy name; unknown is 404.
    assert_eq!(t.get("/tailnet/T1234CNTRL/devices").await.status, 200);
    assert_eq!(t.get("/tailnet/example.com/devices").await.status, 200);
    assert_eq!(t.get("/tailnet/other.org/devices").await.status, 404);
    // Numeric id works as well as nodeId.
    let id = all[0]["id"].as_str().unwrap();
    assert_eq!(t.get(&format!("/device/{id}")).await.json()["nodeId"], all[0]["nodeId"]);
    t.assert_no_violations();
}

#[tokio::test]
async fn policy_etag_race_and_ts_default() {
    let t = default().await;
    let first = t.get("/tailnet/-/acl").await;
    assert_eq!(first.header("content-type").as_deref(), Some("application/hujson"));
    assert!(first.text.contains("// Example/default ACLs"), "HuJSON served verbatim");
    let etag = first.header("etag").unwrap();
    assert!(etag.starts_with('"') && etag.ends_with('"'));

    // ts-default succeeds only while the policy is untouched.
    let p1 = "{\n  // one\n  \"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]},],\n  \"tagOwners\": {\"tag:server\": [\"autogroup:admin\"]},\n}";
    let r = t.send("POST", "/tailnet/-/acl", &[("If-Match", "\"ts-default\"")], Some(p1.into())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.text, p1, "POST returns the stored text");
    let etag1 = r.header("etag").unwrap();
    assert_ne!(etag1, etag);
    let r = t.send("POST", "/tailnet/-/acl", &[("If-Match", "\"ts-default\"")], Some(p1.into())).await;
    assert_eq!(r.status, 412);

    // Two writers with the same ETag: the first wins, the second gets 412.
    let if_match = [("If-Match", etag1.as_str())];
    let (a, b) = tokio::join!(
        t.send("POST", "/tailnet/-/acl", &if_match, Some(p1.replace("one", "writer A"))),
        t.send("POST", "/tailnet/-/acl", &if_match, Some(p1.replace("one", "writer B"))),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    let loser = if a.status == 412 { &a } else { &b };
    assert_eq!(loser.message(), "precondition failed, invalid old hash");
    let winner_text = if a.status == 200 { &a.text } else { &b.text };
    assert_eq!(&t.get("/tailnet/-/acl").await.text, winner_text);

    // JSON view strips comments; details gives base64 text.
    let j = t.send("GET", "/tailnet/-/acl", &[("Accept", "application/json")], None).await;
    assert_eq!(j.header("content-type").as_deref(), Some("application/json"));
    assert!(j.json()["acls"].is_array());
    let d = t.get("/tailnet/-/acl?details=true").await.json();
    assert!(d["acl"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(t.get("/tailnet/-/acl?details=maybe").await.status, 400);
    t.assert_no_violations();
}

#[tokio::test]
async fn policy_tests_validate_and_preview() {
    let t = default().await;
    let failing = json!({
        "groups": {"group:ops": ["bob@example.com"]},
        "acls": [{"action": "accept", "src": ["group:ops"], "dst": ["db:5432"]}],
        "hosts": {"db": "100.64.0.9"},
        "tests": [
            {"src": "bob@example.com", "accept": ["db:5432"], "deny": ["db:22"]},
            {"src": "carol@example.com", "accept": ["db:5432"]},
        ],
    });
    let v = t.post("/tailnet/-/acl/validate", failing.clone()).await;
    assert_eq!(v.status, 200);
    let body = v.json();
    assert_eq!(body["message"], "test(s) failed");
    assert_eq!(body["data"][0]["user"], "carol@example.com");
    assert!(body["data"][0]["errors"][0].as_str().unwrap().contains("db:5432"));
    let set = t.post("/tailnet/-/acl", failing).await;
    assert_eq!(set.status, 400);
    assert_eq!(set.json()["message"], "test(s) failed");

    let ok = t.post("/tailnet/-/acl/validate", json!({"acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}], "tests": [{"src": "x@example.com", "accept": ["h:1"]}]})).await;
    assert_eq!((ok.status, ok.json()), (200, json!({})));

    let p = t.post("/tailnet/-/acl/preview?type=user&previewFor=alice@example.com", json!({"acls": [{"action": "accept", "src": ["alice@example.com"], "dst": ["*:22"]}, {"action": "accept", "src": ["bob@example.com"], "dst": ["*:80"]}]})).await;
    assert_eq!(p.status, 200);
    let pj = p.json();
    assert_eq!(pj["matches"].as_array().unwrap().len(), 1);
    assert_eq!(pj["matches"][0]["ports"], json!(["*:22"]));
    assert_eq!(t.post("/tailnet/-/acl/preview?type=group&previewFor=x", json!({})).await.status, 400);
    assert_eq!(t.post("/tailnet/-/acl/preview", json!({})).await.status, 400, "type and previewFor required");
    t.assert_no_violations();
}

#[tokio::test]
async fn secrets_are_returned_once() {
    let t = default().await;
    let k = t.post("/tailnet/-/keys", json!({"capabilities": {"devices": {"create": {"reusable": false, "tags": ["tag:server"]}}}, "expirySeconds": 3600})).await.json();
    assert!(k["key"].as_str().unwrap().starts_with("tskey-auth-"));
    let id = k["id"].as_str().unwrap();
    assert!(t.get(&format!("/tailnet/-/keys/{id}")).await.json().get("key").is_none());
    let list = t.get("/tailnet/-/keys?all=true").await.json();
    assert!(list["keys"].as_array().unwrap().iter().all(|k| k.get("key").is_none()));
    assert!(list["keys"].as_array().unwrap().iter().any(|k| k["id"] == id));

    let w = t.post("/tailnet/-/webhooks", json!({"endpointUrl": "https://hooks.example.com/x", "providerType": "slack", "subscriptions": ["nodeCreated"]})).await.json();
    let secret = w["secret"].as_str().unwrap().to_string();
    let wid = w["endpointId"].as_str().unwrap();
    assert!(t.get(&format!("/webhooks/{wid}")).await.json().get("secret").is_none());
    assert!(t.get("/tailnet/-/webhooks").await.json()["webhooks"].as_array().unwrap().iter().all(|w| w.get("secret").is_none()));
    let rotated = t.post(&format!("/webhooks/{wid}/rotate"), json!(null)).await.json();
    assert!(rotated["secret"].as_str().is_some_and(|s| s != secret));

    let app = t.post("/tailnet/-/oauth-apps", json!({"name": "my-app", "redirectURIs": ["https://app.example.com/cb"], "scopes": ["devices:core:read"]})).await.json();
    assert!(app["clientSecret"].as_str().is_some());
    let aid = app["id"].as_str().unwrap();
    assert!(t.get(&format!("/tailnet/-/oauth-apps/{aid}")).await.json().get("clientSecret").is_none());
    assert!(t.get("/tailnet/-/oauth-apps").await.json()["oauthApps"].as_array().unwrap().iter().all(|a| a.get("clientSecret").is_none()));

    let pi = t.post("/tailnet/-/posture/integrations", json!({"provider": "kolide", "clientSecret": "s3cr3t"})).await.json();
    assert!(pi.get("clientSecret").is_none());
    t.assert_no_violations();
}

#[tokio::test]
async fn scopes_and_token_expiry() {
    let t = start(Options {
        oauth_clients: vec![
            OAuthClient::parse("reader:rsecret:devices:core:read,users:read").unwrap(),
            OAuthClient::parse("admin:asecret:all").unwrap(),
            OAuthClient::parse("auditor:xsecret:all:read").unwrap(),
        ],
        token_ttl: Duration::from_secs(1),
        ..Options::default()
    })
    .await;
    let tok = t.token("reader", "rsecret", None).await.json();
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 1);
    assert_eq!(tok["scope"], "devices:core:read users:read");
    let bearer = format!("Bearer {}", tok["access_token"].as_str().unwrap());
    let auth = [("Authorization", bearer.as_str())];
    assert_eq!(t.send("GET", "/tailnet/-/devices", &auth, None).await.status, 200);
    assert_eq!(t.send("GET", "/tailnet/-/users", &auth, None).await.status, 200);
    let denied = t.send("POST", "/device/n1000007919CNTRL/authorized", &auth, Some(r#"{"authorized":true}"#.into())).await;
    assert_eq!(denied.status, 403);
    assert!(denied.message().contains("devices:core"), "{}", denied.message());
    let denied = t.send("GET", "/tailnet/-/webhooks", &auth, None).await;
    assert_eq!(denied.status, 403);
    assert!(denied.message().contains("webhooks:read"), "{}", denied.message());

    // A narrower scope request is honoured; a wider one is refused.
    let narrow = t.token("reader", "rsecret", Some("users:read")).await.json();
    assert_eq!(narrow["scope"], "users:read");
    assert_eq!(t.token("reader", "rsecret", Some("devices:core")).await.status, 400);
    assert_eq!(t.token("reader", "wrong", None).await.status, 401);
    assert_eq!(t.token("nobody", "x", None).await.status, 401);

    // all:read reads everything, writes nothing; all does both.
    let ro = t.token("auditor", "xsecret", None).await.json();
    let ro = format!("Bearer {}", ro["access_token"].as_str().unwrap());
    assert_eq!(t.send("GET", "/tailnet/-/settings", &[("Authorization", &ro)], None).await.status, 200);
    assert_eq!(t.send("PATCH", "/tailnet/-/settings", &[("Authorization", &ro)], Some("{}".into())).await.status, 403);
    let rw = t.token("admin", "asecret", None).await.json();
    let rw = format!("Bearer {}", rw["access_token"].as_str().unwrap());
    assert_eq!(t.send("PATCH", "/tailnet/-/settings", &[("Authorization", &rw)], Some("{}".into())).await.status, 200);

    // Expiry: the 1 s token stops working.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let expired = t.send("GET", "/tailnet/-/devices", &auth, None).await;
    assert_eq!(expired.status, 401);
    assert!(!expired.message().is_empty());

    // Token exchange: any non-empty jwt for a known client id.
    let r = t.client.post(format!("{}/oauth/token-exchange", t.fake.api_url())).header("Content-Type", "application/x-www-form-urlencoded").body("client_id=reader&jwt=eyJhbGciOi.x.y").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = t.client.post(format!("{}/oauth/token-exchange", t.fake.api_url())).header("Content-Type", "application/x-www-form-urlencoded").body("client_id=reader&jwt=").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    t.assert_no_violations();
}

#[tokio::test]
async fn oauth_client_created_as_key_can_mint_tokens() {
    let t = default().await;
    let k = t.post("/tailnet/-/keys", json!({"keyType": "client", "scopes": ["dns:read"]})).await.json();
    let (id, secret) = (k["id"].as_str().unwrap(), k["key"].as_str().unwrap());
    let tok = t.token(id, secret, None).await.json();
    let bearer = format!("Bearer {}", tok["access_token"].as_str().unwrap());
    assert_eq!(t.send("GET", "/tailnet/-/dns/nameservers", &[("Authorization", &bearer)], None).await.status, 200);
    assert_eq!(t.send("POST", "/tailnet/-/dns/nameservers", &[("Authorization", &bearer)], Some(r#"{"dns":[]}"#.into())).await.status, 403);
}

#[tokio::test]
async fn credentials_bearer_basic_and_bad() {
    let t = default().await;
    let basic = format!("Basic {}", base64_encode(&format!("{KEY}:")));
    assert_eq!(t.send("GET", "/tailnet/-/devices", &[("Authorization", &basic)], None).await.status, 200);
    let bad_basic = format!("Basic {}", base64_encode("tskey-api-nope:"));
    assert_eq!(t.send("GET", "/tailnet/-/devices", &[("Authorization", &bad_basic)], None).await.status, 401);
    let r = t.send("GET", "/tailnet/-/devices", &[("Authorization", "Bearer tskey-api-wrong")], None).await;
    assert_eq!(r.status, 401);
    assert!(!r.message().is_empty());
    let no_auth = t.client.get(format!("{}/tailnet/-/devices", t.fake.api_url())).send().await.unwrap();
    assert_eq!(no_auth.status().as_u16(), 401);
    // Configured keys replace the default one.
    let t2 = start(Options { api_keys: vec!["tskey-api-custom".into()], ..Options::default() }).await;
    assert_eq!(t2.get("/tailnet/-/devices").await.status, 401);
    assert_eq!(t2.send("GET", "/tailnet/-/devices", &[("Authorization", "Bearer tskey-api-custom")], None).await.status, 200);
}

fn base64_encode(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn invalid_requests_are_400_naming_the_problem() {
    let t = default().await;
    let r = t.post("/device/n1000007919CNTRL/authorized", json!({"authorized": "yes"})).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("authorized") && r.message().contains("boolean"), "{}", r.message());
    let r = t.post("/device/n1000007919CNTRL/name", json!({})).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("name"), "{}", r.message());
    let r = t.call("POST", "/tailnet/-/webhooks", Some(json!({"endpointUrl": "https://x.example", "subscriptions": ["nodeExploded"]}))).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("nodeExploded"), "{}", r.message());
    let r = t.send("POST", "/device/n1000007919CNTRL/tags", &[], Some("{not json".into())).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("JSON"), "{}", r.message());
    let r = t.get("/tailnet/-/devices?fields=some").await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("fields"), "{}", r.message());
    let r = t.get("/tailnet/-/users?role=emperor").await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("role"), "{}", r.message());
    let r = t.get("/tailnet/-/keys?all=perhaps").await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("all") && r.message().contains("boolean"), "{}", r.message());
    let r = t.get("/tailnet/-/logging/configuration?end=2026-01-01T00:00:00Z").await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("start"), "{}", r.message());
    let r = t.get("/tailnet/-/logging/network?start=yesterday&end=2026-01-01T00:00:00Z").await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("start"), "{}", r.message());
    let r = t.get("/tailnet/-/users?colour=blue").await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("colour"), "{}", r.message());
    let r = t.get("/tailnet/-/logging/bogus/stream").await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("logType"), "{}", r.message());
    // Tags must be owned in the current policy.
    let r = t.post("/device/n1000007919CNTRL/tags", json!({"tags": ["tag:server", "tag:foo"]})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.message(), "requested tags [tag:foo] are invalid or not permitted");
    // Routing: unknown path, wrong method, unknown device.
    assert_eq!(t.get("/no/such/thing").await.status, 404);
    let r = t.call("PUT", "/tailnet/-/devices", None).await;
    assert_eq!(r.status, 405);
    assert!(r.header("allow").unwrap().contains("GET"));
    assert_eq!(t.get("/device/nNOPE").await.status, 404);
    // MagicDNS needs a nameserver.
    assert_eq!(t.post("/tailnet/-/dns/nameservers", json!({"dns": []})).await.json()["magicDNS"], false);
    let r = t.post("/tailnet/-/dns/preferences", json!({"magicDNS": true})).await;
    assert_eq!((r.status, r.message()), (400, "need at least one nameserver to enable MagicDNS".to_string()));
    t.assert_no_violations();
}

/// What the official Go client sends: `null` for every unset optional field, `""` for a webhook
/// without a provider. The real API accepts both; so must a fake that users test against.
#[tokio::test]
async fn null_optional_fields_and_documented_empty_strings_are_accepted() {
    let t = default().await;
    let key = json!({"capabilities": {"devices": {"create": {"reusable": false, "ephemeral": true, "preauthorized": false, "tags": null}}},
                     "expirySeconds": 0, "description": ""});
    let r = t.post("/tailnet/-/keys", key).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["capabilities"]["devices"]["create"]["ephemeral"], true);
    let settings = json!({"devicesApprovalOn": true, "aclsExternalLink": null, "aclsExternallyManagedOn": null, "usersRoleAllowedToJoinExternalTailnets": null});
    let r = t.call("PATCH", "/tailnet/-/settings", Some(settings)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["devicesApprovalOn"], true);
    let r = t.post("/tailnet/-/webhooks", json!({"endpointUrl": "https://hooks.example.com/x", "providerType": "", "subscriptions": ["nodeCreated"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Still strict where the real API is: an unknown provider, a null required field, a wrong type.
    let r = t.post("/tailnet/-/webhooks", json!({"endpointUrl": "https://hooks.example.com/x", "providerType": "pager", "subscriptions": ["nodeCreated"]})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.message().contains("pager"), "{}", r.message());
    let r = t.post("/tailnet/-/webhooks", json!({"endpointUrl": null, "subscriptions": ["nodeCreated"]})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.message().contains("endpointUrl"), "{}", r.message());
    let r = t.call("PATCH", "/tailnet/-/settings", Some(json!({"devicesApprovalOn": "yes"}))).await;
    assert_eq!(r.status, 400, "{}", r.text);
    // In a free-form map `null` is data, not absence: it clears a split DNS domain.
    let r = t.call("PATCH", "/tailnet/-/dns/split-dns", Some(json!({"lab.example": ["10.0.0.53"]}))).await;
    assert_eq!(r.json()["lab.example"], json!(["10.0.0.53"]), "{}", r.text);
    let r = t.call("PATCH", "/tailnet/-/dns/split-dns", Some(json!({"lab.example": null}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json().get("lab.example").is_none_or(Value::is_null), "{}", r.text);
    t.assert_no_violations();
}

#[tokio::test]
async fn request_log_redacts_secrets() {
    let t = start(Options { oauth_clients: vec![OAuthClient::parse("cid:supersecret:all").unwrap()], ..Options::default() }).await;
    assert_eq!(t.token("cid", "supersecret", None).await.status, 200);
    t.post("/tailnet/-/posture/integrations", json!({"provider": "intune", "clientId": "abc", "clientSecret": "hunter2"})).await;
    let exchange = t.client.post(format!("{}/oauth/token-exchange", t.fake.api_url())).header("Content-Type", "application/x-www-form-urlencoded").body("client_id=cid&jwt=header.payload.sig").send().await.unwrap();
    assert_eq!(exchange.status().as_u16(), 200);
    let log = t.get("/_fake/requests").await;
    let text = log.text.clone();
    for secret in ["supersecret", "hunter2", "header.payload.sig", KEY] {
        assert!(!text.contains(secret), "log leaks {secret}: {text}");
    }
    let entries = log.json();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["path"], "/api/v2/oauth/token");
    assert!(entries[0]["body"].as_str().unwrap().contains("client_id=cid"));
    assert!(entries[0]["body"].as_str().unwrap().contains("client_secret=%5Bredacted%5D"));
    assert_eq!(entries[1]["headers"]["authorization"], "[redacted]");
    assert!(entries[1]["body"].as_str().unwrap().contains("abc"));
    assert_eq!(t.fake.request_log().len(), 3);
    assert_eq!(t.call("DELETE", "/_fake/requests", None).await.status, 200);
    assert!(t.fake.request_log().is_empty());
}

#[tokio::test]
async fn cors_preflight_and_exposed_headers() {
    let t = start(Options { cors: true, ..Options::default() }).await;
    let r = t
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/tailnet/-/acl", t.fake.api_url()))
        .header("Origin", "https://app.example.com")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,if-match")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let h = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(h("access-control-allow-origin"), "https://app.example.com");
    assert!(h("access-control-allow-methods").contains("POST"));
    assert!(h("access-control-allow-headers").to_lowercase().contains("if-match"));
    let g = t.send("GET", "/tailnet/-/acl", &[("Origin", "https://app.example.com")], None).await;
    let expose = g.header("access-control-expose-headers").unwrap();
    assert!(expose.contains("ETag") && expose.contains("Retry-After"));
    // Without --cors there are no CORS headers.
    let plain = default().await;
    assert!(plain.get("/tailnet/-/acl").await.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn reset_and_state_seed() {
    let t = start(Options { devices: 3, ..Options::default() }).await;
    assert_eq!(t.call("DELETE", "/device/n1000007919CNTRL", None).await.status, 200);
    assert_eq!(devices(&t.get("/tailnet/-/devices").await.json()).len(), 2);
    assert_eq!(t.call("POST", "/_fake/reset", None).await.status, 200);
    assert_eq!(devices(&t.get("/tailnet/-/devices").await.json()).len(), 3);
    // A dumped state seeds another fake.
    let mut state: fake_tailnet::State = serde_json::from_str(&t.get("/_fake/state").await.text).unwrap();
    state.devices.truncate(1);
    let t2 = start(Options { state: Some(state), ..Options::default() }).await;
    assert_eq!(devices(&t2.get("/tailnet/-/devices").await.json()).len(), 1);
}

#[test]
fn spawn_without_async_runtime() {
    use std::io::{Read, Write};
    let fake = fake_tailnet::FakeTailnet::spawn(Options::default()).unwrap();
    let addr = fake.base_url().trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /_fake/health HTTP/1.0\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.") && out.contains(" 200 ") && out.contains("\"ok\":true"), "{out}");
    drop(fake);
}
