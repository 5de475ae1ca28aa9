//! Every one of the 96 operations on its success path, then: zero response-schema violations.

use std::collections::BTreeSet;

use fake_tailnet::spec::{Spec, EMBEDDED_SPEC};
use fake_tailnet::{OAuthClient, Options};
use serde_json::{json, Value};

use crate::common::{start, Resp, T};

struct Cover<'a> {
    t: &'a T,
    hit: BTreeSet<String>,
}

impl Cover<'_> {
    /// Calls an operation and asserts a 2xx answer.
    async fn op(&mut self, id: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
        let r = self.t.call(method, path, body).await;
        assert!((200..300).contains(&r.status), "{id} {method} {path} -> {} {}", r.status, r.text);
        self.hit.insert(id.to_string());
        r
    }

    async fn raw(&mut self, id: &str, method: &str, path: &str, headers: &[(&str, &str)], body: Option<String>) -> Resp {
        let r = self.t.send(method, path, headers, body).await;
        assert!((200..300).contains(&r.status), "{id} {method} {path} -> {} {}", r.status, r.text);
        self.hit.insert(id.to_string());
        r
    }
}

fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_else(|| panic!("missing {k} in {v}")).to_string()
}

#[tokio::test]
async fn every_operation_succeeds_without_schema_violations() {
    let t = start(Options { devices: 12, oauth_clients: vec![OAuthClient::parse("ops:opsecret:all").unwrap()], ..Options::default() }).await;
    let mut c = Cover { t: &t, hit: BTreeSet::new() };

    // OAuth (outside the spec).
    let tok = t.token("ops", "opsecret", Some("all")).await;
    assert_eq!(tok.status, 200);
    c.hit.insert("oauthToken".into());
    let ex = t.client.post(format!("{}/oauth/token-exchange", t.fake.api_url())).header("Content-Type", "application/x-www-form-urlencoded").body("client_id=ops&jwt=a.b.c").send().await.unwrap();
    assert_eq!(ex.status().as_u16(), 200);
    c.hit.insert("oauthTokenExchange".into());

    // Devices.
    let list = c.op("listTailnetDevices", "GET", "/tailnet/-/devices?fields=all", None).await.json();
    let d = s(&list["devices"][0], "nodeId");
    let d2 = s(&list["devices"][1], "nodeId");
    c.op("getDevice", "GET", &format!("/device/{d}?fields=all"), None).await;
    c.op("listDeviceRoutes", "GET", &format!("/device/{d}/routes"), None).await;
    let routes = c.op("setDeviceRoutes", "POST", &format!("/device/{d}/routes"), Some(json!({"routes": ["10.1.0.0/24", "0.0.0.0/0"]}))).await.json();
    assert_eq!(routes["enabledRoutes"], json!(["10.1.0.0/24", "0.0.0.0/0"]));
    c.op("authorizeDevice", "POST", &format!("/device/{d}/authorized"), Some(json!({"authorized": true}))).await;
    c.op("setDeviceName", "POST", &format!("/device/{d}/name"), Some(json!({"name": "renamed"}))).await;
    c.op("setDeviceTags", "POST", &format!("/device/{d}/tags"), Some(json!({"tags": ["tag:server"]}))).await;
    c.op("updateDeviceKey", "POST", &format!("/device/{d}/key"), Some(json!({"keyExpiryDisabled": true}))).await;
    c.op("setDeviceIp", "POST", &format!("/device/{d}/ip"), Some(json!({"ipv4": "100.80.1.2"}))).await;
    c.op("getDevicePostureAttributes", "GET", &format!("/device/{d}/attributes"), None).await;
    let set = c.op("setCustomDevicePostureAttributes", "POST", &format!("/device/{d}/attributes/custom:score"), Some(json!({"value": 87, "expiry": "2030-01-01T00:00:00Z", "comment": "x"}))).await.json();
    assert_eq!(set["attributes"]["custom:score"], 87);
    c.op("deleteCustomDevicePostureAttributes", "DELETE", &format!("/device/{d}/attributes/custom:score"), None).await;
    c.op("batchUpdateCustomDevicePostureAttributes", "PATCH", "/tailnet/-/device-attributes", Some(json!({"nodes": {d.clone(): {"custom:a": {"value": "x"}, "custom:b": null}}, "comment": "batch"}))).await;
    c.op("expireDeviceKey", "POST", &format!("/device/{d2}/expire"), None).await;

    // Device invites.
    let inv = c.op("createDeviceInvites", "POST", &format!("/device/{d}/device-invites"), Some(json!([{"multiUse": true, "allowExitNode": true, "email": "friend@example.org"}]))).await.json();
    let inv_id = s(&inv[0], "id");
    c.op("listDeviceInvites", "GET", &format!("/device/{d}/device-invites"), None).await;
    c.op("getDeviceInvite", "GET", &format!("/device-invites/{inv_id}"), None).await;
    c.op("resendDeviceInvite", "POST", &format!("/device-invites/{inv_id}/resend"), None).await;
    c.op("acceptDeviceInvite", "POST", "/device-invites/-/accept", Some(json!({"invite": s(&inv[0], "inviteUrl")}))).await;
    c.op("deleteDeviceInvite", "DELETE", &format!("/device-invites/{inv_id}"), None).await;

    // User invites.
    let ui = c.op("createUserInvites", "POST", "/tailnet/-/user-invites", Some(json!([{"role": "admin", "email": "new@example.com"}]))).await.json();
    let ui_id = s(&ui[0], "id");
    c.op("listUserInvites", "GET", "/tailnet/-/user-invites", None).await;
    c.op("getUserInvite", "GET", &format!("/user-invites/{ui_id}"), None).await;
    c.op("resendUserInvite", "POST", &format!("/user-invites/{ui_id}/resend"), None).await;
    c.op("deleteUserInvite", "DELETE", &format!("/user-invites/{ui_id}"), None).await;

    // Logs.
    let audit = c.op("listConfigurationAuditLogs", "GET", "/tailnet/-/logging/configuration?start=2025-12-31T00:00:00Z&end=2025-12-31T05:30:00Z", None).await.json();
    assert_eq!(audit["logs"].as_array().unwrap().len(), 6, "time range filter");
    let net = c.op("listNetworkFlowLogs", "GET", "/tailnet/-/logging/network?start=2025-12-31T00:00:00Z&end=2026-01-01T00:00:00Z", None).await.json();
    assert_eq!(net["logs"].as_array().unwrap().len(), 12);

    // Log streaming and AWS.
    c.op("setLogStreamingConfiguration", "PUT", "/tailnet/-/logging/network/stream", Some(json!({"destinationType": "splunk", "url": "https://splunk.example.com:8088", "user": "u", "token": "tok", "uploadPeriodMinutes": 5, "compressionFormat": "zstd"}))).await;
    let conf = c.op("getLogStreamingConfiguration", "GET", "/tailnet/-/logging/network/stream", None).await.json();
    assert!(conf.get("token").is_none(), "write-only token not served");
    c.op("getLogStreamingStatus", "GET", "/tailnet/-/logging/network/stream/status", None).await;
    c.op("disableLogStreaming", "DELETE", "/tailnet/-/logging/network/stream", None).await;
    let ext = c.op("getAwsExternalId", "POST", "/tailnet/-/aws-external-id", Some(json!({"reusable": true}))).await.json();
    c.op("validateAwsExternalId", "POST", &format!("/tailnet/-/aws-external-id/{}/validate-aws-trust-policy", s(&ext, "externalId")), Some(json!({"roleArn": "arn:aws:iam::123456789012:role/logs"}))).await;

    // DNS.
    c.op("listDnsNameservers", "GET", "/tailnet/-/dns/nameservers", None).await;
    c.op("setDnsNameservers", "POST", "/tailnet/-/dns/nameservers", Some(json!({"dns": ["1.1.1.1", "9.9.9.9"]}))).await;
    c.op("getDnsPreferences", "GET", "/tailnet/-/dns/preferences", None).await;
    c.op("setDnsPreferences", "POST", "/tailnet/-/dns/preferences", Some(json!({"magicDNS": true}))).await;
    c.op("listDnsSearchPaths", "GET", "/tailnet/-/dns/searchpaths", None).await;
    c.op("setDnsSearchPaths", "POST", "/tailnet/-/dns/searchpaths", Some(json!({"searchPaths": ["a.example.com"]}))).await;
    c.op("getSplitDns", "GET", "/tailnet/-/dns/split-dns", None).await;
    c.op("setSplitDns", "PUT", "/tailnet/-/dns/split-dns", Some(json!({"one.example": ["10.0.0.1"], "two.example": ["10.0.0.2"]}))).await;
    let split = c.op("updateSplitDns", "PATCH", "/tailnet/-/dns/split-dns", Some(json!({"one.example": null, "three.example": ["10.0.0.3"]}))).await.json();
    assert_eq!(split, json!({"two.example": ["10.0.0.2"], "three.example": ["10.0.0.3"]}));
    c.op("getDnsConfiguration", "GET", "/tailnet/-/dns/configuration", None).await;
    c.op("setDnsConfiguration", "POST", "/tailnet/-/dns/configuration", Some(json!({"nameservers": [{"address": "8.8.4.4", "useWithExitNode": true}], "splitDNS": {"corp.example": [{"address": "10.1.1.1"}]}, "searchPaths": ["corp.example"], "preferences": {"overrideLocalDNS": true, "magicDNS": true}}))).await;

    // Keys.
    let key = c.op("createKey", "POST", "/tailnet/-/keys", Some(json!({"capabilities": {"devices": {"create": {"reusable": true, "ephemeral": false, "preauthorized": true, "tags": ["tag:server"]}}}, "expirySeconds": 86400}))).await.json();
    c.op("listTailnetKeys", "GET", "/tailnet/-/keys?all=true", None).await;
    c.op("getKey", "GET", &format!("/tailnet/-/keys/{}", s(&key, "id")), None).await;
    let client = t.post("/tailnet/-/keys", json!({"keyType": "client", "scopes": ["devices:core"], "tags": ["tag:server"]})).await.json();
    let updated = c.op("setKey", "PUT", &format!("/tailnet/-/keys/{}", s(&client, "id")), Some(json!({"keyType": "client", "scopes": ["devices:core", "dns"], "tags": ["tag:server"]}))).await.json();
    assert_eq!(updated["scopes"], json!(["devices:core", "dns"]));
    c.op("deleteKey", "DELETE", &format!("/tailnet/-/keys/{}", s(&key, "id")), None).await;

    // Policy file.
    let got = c.op("getPolicyFile", "GET", "/tailnet/-/acl", None).await;
    let etag = got.header("etag").unwrap();
    let policy = "{\"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]}], \"tagOwners\": {\"tag:server\": []}, \"tests\": [{\"src\": \"a@example.com\", \"accept\": [\"h:22\"]}]}";
    c.raw("setPolicyFile", "POST", "/tailnet/-/acl", &[("If-Match", &etag), ("Accept", "application/json")], Some(policy.into())).await;
    c.raw("previewRuleMatches", "POST", "/tailnet/-/acl/preview?type=ipport&previewFor=100.64.0.1:22", &[], Some(policy.into())).await;
    c.raw("validateAndTestPolicyFile", "POST", "/tailnet/-/acl/validate", &[], Some(policy.into())).await;

    // Posture integrations.
    let pi = c.op("createPostureIntegration", "POST", "/tailnet/-/posture/integrations", Some(json!({"provider": "falcon", "cloudId": "us-1", "clientId": "cid", "clientSecret": "sec"}))).await.json();
    let pi_id = s(&pi, "id");
    c.op("getPostureIntegrations", "GET", "/tailnet/-/posture/integrations", None).await;
    c.op("getPostureIntegration", "GET", &format!("/posture/integrations/{pi_id}"), None).await;
    c.op("updatePostureIntegration", "PATCH", &format!("/posture/integrations/{pi_id}"), Some(json!({"cloudId": "eu-1", "clientSecret": "new"}))).await;
    c.op("deletePostureIntegration", "DELETE", &format!("/posture/integrations/{pi_id}"), None).await;

    // Users.
    let users = c.op("listUsers", "GET", "/tailnet/-/users?type=all&role=all", None).await.json();
    let id_of = |login: &str| users["users"].as_array().unwrap().iter().find(|u| u["loginName"] == login).map(|u| s(u, "id")).unwrap();
    let (bob, carol, dave, erin) = (id_of("bob@example.com"), id_of("carol@example.com"), id_of("dave@partner.example"), id_of("erin@example.com"));
    c.op("getUser", "GET", &format!("/users/{bob}"), None).await;
    c.op("updateUserRole", "POST", &format!("/users/{bob}/role"), Some(json!({"role": "it-admin"}))).await;
    c.op("approveUser", "POST", &format!("/users/{erin}/approve"), None).await;
    c.op("suspendUser", "POST", &format!("/users/{carol}/suspend"), None).await;
    c.op("restoreUser", "POST", &format!("/users/{carol}/restore"), None).await;
    c.op("deleteUser", "POST", &format!("/users/{dave}/delete"), None).await;

    // Contacts.
    c.op("getContacts", "GET", "/tailnet/-/contacts", None).await;
    c.op("updateContact", "PATCH", "/tailnet/-/contacts/support", Some(json!({"email": "help@example.com"}))).await;
    c.op("resendContactVerificationEmail", "POST", "/tailnet/-/contacts/support/resend-verification-email", None).await;

    // Webhooks.
    let w = c.op("createWebhook", "POST", "/tailnet/-/webhooks", Some(json!({"endpointUrl": "https://hooks.example.com/a", "providerType": "discord", "subscriptions": ["nodeCreated", "userDeleted"]}))).await.json();
    let wid = s(&w, "endpointId");
    c.op("listWebhooks", "GET", "/tailnet/-/webhooks", None).await;
    c.op("getWebhook", "GET", &format!("/webhooks/{wid}"), None).await;
    c.op("updateWebhook", "PATCH", &format!("/webhooks/{wid}"), Some(json!({"subscriptions": ["policyUpdate"]}))).await;
    let tested = c.op("testWebhook", "POST", &format!("/webhooks/{wid}/test"), None).await;
    assert_eq!((tested.status, tested.text.as_str()), (202, ""));
    c.op("rotateWebhookSecret", "POST", &format!("/webhooks/{wid}/rotate"), None).await;
    c.op("deleteWebhook", "DELETE", &format!("/webhooks/{wid}"), None).await;

    // Settings.
    c.op("getTailnetSettings", "GET", "/tailnet/-/settings", None).await;
    let st = c.op("updateTailnetSettings", "PATCH", "/tailnet/-/settings", Some(json!({"devicesApprovalOn": true, "devicesKeyDurationDays": 30}))).await.json();
    assert_eq!((st["devicesApprovalOn"].clone(), st["httpsEnabled"].clone()), (json!(true), json!(true)), "partial merge");

    // Services and their vip-services twins (one store).
    c.op("updateService", "PUT", "/tailnet/-/services/svc:api", Some(json!({"name": "svc:api", "comment": "api", "ports": ["tcp:443"], "tags": ["tag:server"]}))).await;
    c.op("listServices", "GET", "/tailnet/-/services", None).await;
    c.op("getService", "GET", "/tailnet/-/services/svc:api", None).await;
    c.op("updateServiceDeviceApproval", "POST", &format!("/tailnet/-/services/svc:api/device/{d}/approved"), Some(json!({"approved": true}))).await;
    c.op("getServiceDeviceApproval", "GET", &format!("/tailnet/-/services/svc:api/device/{d}/approved"), None).await;
    let hosts = c.op("listServiceHosts", "GET", "/tailnet/-/services/svc:api/devices", None).await.json();
    assert_eq!(hosts["hosts"][0]["approvalLevel"], "approved:manual");
    c.op("deleteService", "DELETE", "/tailnet/-/services/svc:api", None).await;
    c.op("updateVipService", "PUT", "/tailnet/-/vip-services/svc:legacy", Some(json!({"name": "svc:legacy", "ports": ["tcp:80"]}))).await;
    let vip = c.op("listVipServices", "GET", "/tailnet/-/vip-services", None).await.json();
    assert!(vip["vipServices"].as_array().unwrap().iter().any(|v| v["name"] == "svc:legacy"));
    c.op("getVipService", "GET", "/tailnet/-/vip-services/svc:legacy", None).await;
    assert_eq!(t.get("/tailnet/-/services/svc:legacy").await.status, 200, "twins share one store");
    c.op("deleteVipService", "DELETE", "/tailnet/-/vip-services/svc:legacy", None).await;

    // OAuth apps.
    let app = c.op("createOAuthApp", "POST", "/tailnet/-/oauth-apps", Some(json!({"name": "ci-app", "redirectURIs": ["https://ci.example.com/cb"], "scopes": ["devices:core:read"]}))).await.json();
    let app_id = s(&app, "id");
    c.op("listOAuthApps", "GET", "/tailnet/-/oauth-apps", None).await;
    c.op("getOAuthApp", "GET", &format!("/tailnet/-/oauth-apps/{app_id}"), None).await;
    c.op("updateOAuthApp", "PUT", &format!("/tailnet/-/oauth-apps/{app_id}"), Some(json!({"name": "ci-app-2", "redirectURIs": [], "scopes": ["dns:read"], "allowedNodeAttributes": ["custom:x"]}))).await;
    c.op("deleteOAuthApp", "DELETE", &format!("/tailnet/-/oauth-apps/{app_id}"), None).await;

    // Last: delete a device.
    c.op("deleteDevice", "DELETE", &format!("/device/{d2}"), None).await;
    assert_eq!(t.get(&format!("/device/{d2}")).await.status, 404);

    // Coverage: all 90 spec operations plus the 6 extras.
    let spec = Spec::parse(EMBEDDED_SPEC).unwrap();
    assert_eq!(spec.spec_operation_count(), 90);
    let all: BTreeSet<String> = spec.ops.iter().map(|o| o.id.clone()).collect();
    assert_eq!(all.len(), 96);
    let missing: Vec<&String> = all.difference(&c.hit).collect();
    assert!(missing.is_empty(), "operations not exercised: {missing:?}");
    assert_eq!(c.hit.len(), 96);
    t.assert_no_violations();
    let v = t.get("/_fake/violations").await.json();
    assert_eq!(v, json!([]));
}
