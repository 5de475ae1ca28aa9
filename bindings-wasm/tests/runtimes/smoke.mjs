// The smoke test every JavaScript runtime runs against the fake tailnet, on the package as
// installed from its tarball: Node, Deno and Bun through `run.mjs`, workerd through `worker.mjs`
// (scripts/smoke-dist.sh), headless Chromium through `tests/browser/smoke.html`
// (browser.test.mjs). It takes the imported package, so each runtime resolves "tailnet" its own
// way (export conditions `node`, `workerd`, `default`; a plain path in the browser).
export async function smoke(tailnet, url, apiKey = "tskey-api-fake") {
  const { Client, NotFoundError, ApiError, webhooks } = tailnet;
  const client = new Client({ apiKey, baseUrl: url });

  const { devices = [] } = await client.listTailnetDevices({ fields: "all" });
  if (devices.length !== 5) throw new Error(`${devices.length} devices`);

  let error;
  try {
    await client.getDevice({ deviceId: "nNOSUCHDEVICE" });
  } catch (e) {
    error = e;
  }
  if (!(error instanceof NotFoundError && error instanceof ApiError && error.status === 404)) throw new Error(`expected a NotFoundError, got ${error}`);

  // A policy edit through the core's read-modify-write (If-Match with the ETag read).
  const written = await client.updatePolicyFile((doc) => doc.set(["tagOwners", "tag:smoke"], ["autogroup:admin"]));
  const reread = await client.getPolicyFile();
  if (!written.policy.includes("tag:smoke") || !reread.policy.includes("tag:smoke")) throw new Error("the policy edit did not land");

  // A webhook delivery signed as Tailscale signs it, verified; a tampered one refused.
  const secret = "tskey-webhook-smoke";
  const body = JSON.stringify([{ timestamp: "2026-12-03T12:00:00Z", version: 1, type: "nodeCreated", tailnet: "example.com", message: "Node n1 created" }]);
  const now = Math.floor(Date.now() / 1000);
  const events = webhooks.verify(webhooks.sign(body, secret, now), body, secret, { now });
  if (events.length !== 1 || events[0].type !== "nodeCreated") throw new Error(`webhook events ${JSON.stringify(events)}`);
  let refused = false;
  try {
    webhooks.verify(webhooks.sign(body, secret, now), body.replace("n1", "n2"), secret, { now });
  } catch (e) {
    refused = e instanceof tailnet.WebhookVerificationError;
  }
  if (!refused) throw new Error("a tampered webhook body verified");

  return `${devices.length} devices (${devices[0].name}), typed 404 (${error.constructor.name}), policy edited (etag ${written.etag}), webhook verified`;
}
