//! A guided tour of the client: against an embedded fake tailnet, or against the real API when
//! `TAILSCALE_API_KEY` is set (then read-only: nothing in your tailnet is changed).

use tailnet::models::{CreateKeyRequest, DeviceFields, KeyCapabilities, KeyCapabilitiesDevices, KeyCapabilitiesDevicesCreate};
use tailnet::operations::*;
use tailnet::{Client, Config, Error, PolicySource};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

pub async fn run() -> Result<()> {
    match std::env::var("TAILSCALE_API_KEY") {
        Ok(key) if !key.trim().is_empty() => {
            println!("TAILSCALE_API_KEY is set: touring the real API at https://api.tailscale.com (read-only).\n");
            let mut config = Config::with_api_key(key.trim());
            if let Ok(tailnet) = std::env::var("TAILSCALE_TAILNET") {
                config = config.tailnet(tailnet)?;
            }
            tour(Client::new(config)?, false).await
        }
        _ => {
            let fake = fake_tailnet::FakeTailnet::start(fake_tailnet::Options { devices: 8, ..Default::default() }).await?;
            println!("No TAILSCALE_API_KEY: touring an embedded fake tailnet at {}.", fake.base_url());
            println!("(Set TAILSCALE_API_KEY=tskey-api-… to run the read-only part against your tailnet.)\n");
            let config = Config::with_api_key(fake_tailnet::DEFAULT_API_KEY).base_url(fake.base_url())?;
            let outcome = tour(Client::new(config)?, true).await;
            fake.shutdown().await;
            outcome
        }
    }
}

async fn tour(client: Client, may_write: bool) -> Result<()> {
    println!("1. List devices (GET /api/v2/tailnet/-/devices?fields=all)");
    let listed = client.list_tailnet_devices(ListTailnetDevicesParams { fields: Some(DeviceFields::All), ..Default::default() }).await?;
    let devices = listed.devices.unwrap_or_default();
    for device in devices.iter().take(8) {
        println!(
            "   {:<40} {:<8} {:<16} last seen {}",
            device.name.as_deref().unwrap_or("?"),
            device.os.as_deref().unwrap_or("?"),
            device.addresses.as_ref().and_then(|a| a.first()).map(String::as_str).unwrap_or("-"),
            device.last_seen.as_ref().map(|t| t.as_str()).unwrap_or("never"),
        );
    }
    println!("   {} device(s)\n", devices.len());

    if may_write {
        println!("2. Create a reusable, ephemeral auth key (POST /api/v2/tailnet/-/keys)");
        let body = CreateKeyRequest {
            capabilities: Some(KeyCapabilities {
                devices: Some(KeyCapabilitiesDevices {
                    create: Some(KeyCapabilitiesDevicesCreate { reusable: Some(true), ephemeral: Some(true), ..Default::default() }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            expiry_seconds: Some(3600),
            description: Some("tailnet demo".into()),
            ..Default::default()
        };
        let key = client.create_key(CreateKeyParams { body, ..Default::default() }).await?;
        let id = key.id.clone().unwrap_or_default();
        match &key.key {
            Some(secret) => println!(
                "   created key {id}; its secret ({} characters) is returned once, and printing it shows {secret}",
                secret.expose().len()
            ),
            None => println!("   created key {id}; the server returned no secret"),
        }
        client.delete_key(DeleteKeyParams { key_id: id.clone(), ..Default::default() }).await?;
        println!("   deleted key {id}\n");
    } else {
        println!("2. List keys (GET /api/v2/tailnet/-/keys)");
        let keys = client.list_tailnet_keys(ListTailnetKeysParams::default()).await?.keys.unwrap_or_default();
        println!("   {} key(s)\n", keys.len());
    }

    println!("3. Read the policy file with its ETag (GET /api/v2/tailnet/-/acl, HuJSON)");
    let policy = client.get_policy_file(GetPolicyFileParams::default()).await?;
    let etag = policy.etag.clone().unwrap_or_default();
    println!("   {} bytes, {} line(s), ETag {etag}", policy.policy.len(), policy.policy.lines().count());

    if may_write {
        println!("\n4. Read-modify-write with If-Match (POST /api/v2/tailnet/-/acl)");
        let edited = format!("// Reviewed by the tailnet demo.\n{}", policy.policy);
        let written = client
            .set_policy_file(SetPolicyFileParams { if_match: Some(etag.clone()), body: PolicySource::new(edited), ..Default::default() })
            .await?;
        println!("   written; new ETag {}", written.etag.as_deref().unwrap_or("?"));
        println!("   a second writer still holding the old ETag {etag} …");
        let stale = client
            .set_policy_file(SetPolicyFileParams { if_match: Some(etag), body: PolicySource::new(policy.policy.clone()), ..Default::default() })
            .await;
        match stale {
            Err(Error::Api(e)) if e.status == 412 => println!("   … is refused: {e}. No write was lost."),
            Err(other) => return Err(format!("expected 412 Precondition Failed, got: {other}").into()),
            Ok(_) => return Err("expected 412 Precondition Failed, but the stale write succeeded".into()),
        }
    } else {
        println!("\n4. Validate the current policy without changing it (POST /api/v2/tailnet/-/acl/validate)");
        let outcome = client
            .validate_and_test_policy_file(ValidateAndTestPolicyFileParams {
                body: tailnet::PolicyValidationInput { policy: Some(policy.policy.clone()), tests: None },
                ..Default::default()
            })
            .await?;
        println!("   valid: {}, {} test result(s)", outcome.valid, outcome.results.len());
    }
    println!("\nDone.");
    Ok(())
}
