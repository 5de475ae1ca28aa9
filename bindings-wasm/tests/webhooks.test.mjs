// Webhook deliveries: signature vectors (checked against node:crypto's HMAC), rejections with
// their `reason`, secret rotation, raw bytes, headers in every shape, and no secret in any error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";

import { webhooks, WebhookVerificationError, BuildError, TailnetError } from "tailnet";

const SECRET = "whsec-nodetest-SECRET0099";
const NOW = 1_763_798_400;
const BODY =
  '[{"timestamp":"2026-11-22T08:00:00Z","version":1,"type":"nodeCreated","tailnet":"example.com","message":"Node höst created",' +
  '"data":{"nodeID":"n1CNTRL","deviceName":"höst","managedBy":"alice@example.com","actor":"alice@example.com"}},' +
  '{"type":"somethingNew","version":2,"data":{"x":1}}]';
const BYTES = new TextEncoder().encode(BODY);

function hmacHex(body, secret, timestamp) {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

/** Runs `f`, which must throw a `WebhookVerificationError` with `reason`; returns the error. */
function rejection(f, reason) {
  let caught;
  assert.throws(f, (e) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof WebhookVerificationError && caught instanceof TailnetError, String(caught));
  assert.equal(caught.kind, "webhook");
  assert.equal(caught.reason, reason, caught.message);
  const shown = `${caught.message} ${caught.stack} ${JSON.stringify(caught)}`;
  assert.ok(!shown.includes(SECRET), "the secret never appears in an error");
  assert.ok(!shown.includes(hmacHex(BYTES, SECRET, NOW)), "nor the expected signature");
  return caught;
}

test("constants", () => {
  assert.equal(webhooks.SIGNATURE_HEADER, "Tailscale-Webhook-Signature");
  assert.equal(webhooks.DEFAULT_TOLERANCE_SECONDS, 300);
});

test("sign is Tailscale's scheme: HMAC-SHA256 over `<t>.<raw body>`", () => {
  assert.equal(webhooks.sign(BODY, SECRET, NOW), `t=${NOW},v1=${hmacHex(BYTES, SECRET, NOW)}`);
  assert.equal(webhooks.sign(BYTES, SECRET, NOW), webhooks.sign(BODY, SECRET, NOW));
  assert.equal(webhooks.sign(BODY, SECRET, new Date(NOW * 1000)), webhooks.sign(BODY, SECRET, NOW));
});

test("a valid delivery gives its events, typed and unknown alike", () => {
  const header = webhooks.sign(BODY, SECRET, NOW);
  const events = webhooks.verify(header, BODY, SECRET, { now: NOW + 10 });
  assert.equal(events.length, 2);
  assert.equal(events[0].type, "nodeCreated");
  assert.equal(events[0].data.nodeID, "n1CNTRL");
  assert.equal(events[0].data.deviceName, "höst");
  assert.equal(events[1].type, "somethingNew");
  assert.deepEqual(events[1].data, { x: 1 }, "unknown fields are kept");
  assert.deepEqual(webhooks.parseEvents(BODY), events);
  // `now` defaults to the clock.
  const fresh = webhooks.sign(BODY, SECRET, Math.floor(Date.now() / 1000));
  assert.equal(webhooks.verify(fresh, BODY, SECRET).length, 2);
  rejection(() => webhooks.verify(header, BODY, SECRET), "stale");
});

test("raw bytes: Uint8Array, Buffer, ArrayBuffer, a view; re-encoded text does not verify", () => {
  const header = webhooks.sign(BYTES, SECRET, NOW);
  const options = { now: NOW };
  assert.equal(webhooks.verify(header, BYTES, SECRET, options).length, 2);
  assert.equal(webhooks.verify(header, Buffer.from(BYTES), SECRET, options).length, 2);
  assert.equal(webhooks.verify(header, BYTES.slice().buffer, SECRET, options).length, 2);
  const padded = new Uint8Array(BYTES.length + 8);
  padded.set(BYTES, 4);
  assert.equal(webhooks.verify(header, new DataView(padded.buffer, 4, BYTES.length), SECRET, options).length, 2);
  assert.equal(webhooks.verify(header, padded.subarray(4, 4 + BYTES.length), SECRET, options).length, 2);
  // The same text decoded as Latin-1 and re-encoded is other bytes: the HMAC must fail.
  const mangled = Buffer.from(Buffer.from(BYTES).toString("latin1"), "utf8");
  rejection(() => webhooks.verify(header, mangled, SECRET, options), "mismatch");
  rejection(() => webhooks.verify(header, 42, SECRET, options), "invalid_body");
});

test("every core rejection is its `webhook` kind, thrown as exactly WebhookVerificationError with the core's message", () => {
  const header = webhooks.sign(BODY, SECRET, NOW);
  const notEvents = '{"not":"an array"}';
  const cases = [
    [() => webhooks.verify(undefined, BODY, SECRET, { now: NOW }), "missing", "the Tailscale-Webhook-Signature header is missing or empty"],
    [() => webhooks.verify("t=abc,v1=00", BODY, SECRET, { now: NOW }), "malformed", "the Tailscale-Webhook-Signature header is malformed: `t` is not a Unix timestamp"],
    [() => webhooks.verify(header, BODY, SECRET, { now: NOW + 301 }), "stale", "the delivery is 301 s old, beyond the 300 s tolerance (a replay?)"],
    [() => webhooks.verify(header, BODY, SECRET, { now: NOW - 301 }), "future", "the delivery is timestamped 301 s in the future, beyond the 300 s tolerance"],
    [() => webhooks.verify(header, BODY, "whsec-other", { now: NOW }), "mismatch", "no signature in the header matches the body and secret"],
    [() => webhooks.sign(BODY, "", NOW), "empty_secret", "the webhook secret is empty"],
    [() => webhooks.verify(webhooks.sign(notEvents, SECRET, NOW), notEvents, SECRET, { now: NOW }), "invalid_body", undefined],
  ];
  for (const [action, reason, message] of cases) {
    const e = rejection(action, reason);
    assert.equal(Object.getPrototypeOf(e), WebhookVerificationError.prototype, `${e}`);
    assert.ok(!(e instanceof BuildError));
    assert.equal(e.name, "WebhookVerificationError");
    if (message !== undefined) assert.equal(e.message, message);
  }
  assert.equal(rejection(cases[1][0], "malformed").detail, "`t` is not a Unix timestamp");
});

test("rejections: tampered body, wrong secret, stale, future, missing, malformed, empty secret, not events", () => {
  const header = webhooks.sign(BODY, SECRET, NOW);
  const tampered = BYTES.slice();
  tampered[3] ^= 1;
  rejection(() => webhooks.verify(header, tampered, SECRET, { now: NOW }), "mismatch");
  rejection(() => webhooks.verify(header, BODY.replace("n1CNTRL", "n2CNTRL"), SECRET, { now: NOW }), "mismatch");
  rejection(() => webhooks.verify(header, BODY, "whsec-other", { now: NOW }), "mismatch");

  const stale = rejection(() => webhooks.verify(header, BODY, SECRET, { now: NOW + 301 }), "stale");
  assert.equal(stale.ageSeconds, 301);
  assert.equal(stale.toleranceSeconds, 300);
  assert.equal(webhooks.verify(header, BODY, SECRET, { now: NOW + 300 }).length, 2, "the tolerance is inclusive");
  assert.equal(webhooks.verify(header, BODY, SECRET, { now: NOW + 3600, toleranceSeconds: 3600 }).length, 2);
  const future = rejection(() => webhooks.verify(header, BODY, SECRET, { now: NOW - 301 }), "future");
  assert.equal(future.aheadSeconds, 301);
  rejection(() => webhooks.verify(header, BODY, SECRET, { now: NOW - 11, toleranceSeconds: 10 }), "future");

  rejection(() => webhooks.verify(undefined, BODY, SECRET, { now: NOW }), "missing");
  rejection(() => webhooks.verify(null, BODY, SECRET, { now: NOW }), "missing");
  rejection(() => webhooks.verify("", BODY, SECRET, { now: NOW }), "missing");
  rejection(() => webhooks.verify({ "content-type": "application/json" }, BODY, SECRET, { now: NOW }), "missing");
  for (const garbled of ["t=abc,v1=00", "v1=zz", `t=${NOW}`, "nonsense", `t=1,t=2,v1=${"0".repeat(64)}`, `t=${NOW},v1=${"g".repeat(64)}`]) {
    const e = rejection(() => webhooks.verify(garbled, BODY, SECRET, { now: NOW }), "malformed");
    assert.equal(typeof e.detail, "string");
  }
  // An absurd timestamp is refused, not a crash.
  assert.throws(() => webhooks.verify(`t=18446744073709551615,v1=${"0".repeat(64)}`, BODY, SECRET, { now: NOW }), WebhookVerificationError);

  rejection(() => webhooks.verify(header, BODY, "", { now: NOW }), "empty_secret");
  const notEvents = '{"not":"an array"}';
  const e = rejection(() => webhooks.verify(webhooks.sign(notEvents, SECRET, NOW), notEvents, SECRET, { now: NOW }), "invalid_body");
  assert.ok(e.detail);
  rejection(() => webhooks.parseEvents("nope"), "invalid_body");
  rejection(() => webhooks.sign(BODY, "", NOW), "empty_secret");
});

test("several v1 signatures (secret rotation): any match verifies", () => {
  const good = webhooks.sign(BODY, SECRET, NOW).split("v1=")[1];
  const old = hmacHex(BYTES, "whsec-retired", NOW);
  assert.equal(webhooks.verify(`t=${NOW},v1=${old},v1=${good}`, BODY, SECRET, { now: NOW }).length, 2);
  assert.equal(webhooks.verify(`t=${NOW}, v1=${good} ,v0=ignored`, BODY, SECRET, { now: NOW }).length, 2);
  assert.equal(webhooks.verify(`t=${NOW},v1=${old},v1=${good}`, BODY, "whsec-retired", { now: NOW }).length, 2);
  rejection(() => webhooks.verify(`t=${NOW},v1=${old},v1=${"0".repeat(64)}`, BODY, SECRET, { now: NOW }), "mismatch");
});

test("headers in every shape: Headers, Node's object (any case), pairs", () => {
  const header = webhooks.sign(BODY, SECRET, NOW);
  const options = { now: NOW };
  assert.equal(webhooks.verify(new Headers({ "Tailscale-Webhook-Signature": header }), BODY, SECRET, options).length, 2);
  assert.equal(webhooks.verify({ "tailscale-webhook-signature": header, host: "x" }, BODY, SECRET, options).length, 2);
  assert.equal(webhooks.verify([["TAILSCALE-WEBHOOK-SIGNATURE", header]], BODY, SECRET, options).length, 2);
  assert.equal(webhooks.signatureHeader({ "Tailscale-Webhook-Signature": ["a", "b"] }), "a,b");
  assert.equal(webhooks.signatureHeader(new Headers()), undefined);
  // Two headers joined are ambiguous: refused.
  rejection(() => webhooks.verify({ "tailscale-webhook-signature": [header, header] }, BODY, SECRET, options), "malformed");
});

test("argument checks are BuildErrors that never show the secret", () => {
  const header = webhooks.sign(BODY, SECRET, NOW);
  for (const now of [-1, Number.NaN, Infinity, "soon"]) {
    assert.throws(() => webhooks.verify(header, BODY, SECRET, { now }), (e) => e instanceof BuildError && e.parameter === "now");
  }
  assert.throws(() => webhooks.verify(header, BODY, SECRET, { now: NOW, toleranceSeconds: -5 }), (e) => e instanceof BuildError && e.parameter === "toleranceSeconds");
  assert.throws(() => webhooks.verify(header, BODY, 12345, { now: NOW }), (e) => e instanceof BuildError && e.parameter === "secret" && !e.message.includes("12345"));
  assert.throws(() => webhooks.sign(BODY, SECRET, -1), (e) => e instanceof BuildError && e.parameter === "timestamp");
});
