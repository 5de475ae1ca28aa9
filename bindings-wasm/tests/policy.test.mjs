// Policy files: the lossless HuJSON document over the core's corpus, the sans-IO write decision,
// and `client.updatePolicyFile` against the fake tailnet (two concurrent editors, a forced 412,
// the attempt limit, the allow-all guard).
import { test, describe, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import {
  Client,
  PolicyDocument,
  PolicyEditError,
  BuildError,
  PreconditionFailedError,
  InternalError,
  TailnetError,
  TS_DEFAULT_ETAG,
  __testPanic,
  buildRequest,
  isLostRace,
  parseResponse,
  preparePolicyWrite,
} from "tailnet";
import { API_KEY, Fake } from "./helpers.mjs";

const POLICIES = process.env.TAILNET_POLICIES;
const CORPUS = POLICIES ? readdirSync(POLICIES).filter((f) => f.endsWith(".hujson")).sort() : [];
const RULE = { action: "accept", src: ["group:new"], dst: ["tag:new:443"] };

/** Every comment of a text, line by line. */
function comments(text) {
  const out = [];
  for (const line of text.split(/\r?\n/)) {
    for (const marker of ["//", "/*"]) {
      const i = line.indexOf(marker);
      if (i >= 0) out.push(line.slice(i).trimEnd());
    }
  }
  return out;
}

/** The part of `before` an edit replaced: between the common prefix and the common suffix. */
function replacedRegion(before, after) {
  let prefix = 0;
  while (prefix < Math.min(before.length, after.length) && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < Math.min(before.length, after.length) - prefix && before.at(-1 - suffix) === after.at(-1 - suffix)) suffix++;
  return before.slice(prefix, before.length - suffix);
}

describe("PolicyDocument over the core's corpus", () => {
  test("the corpus is there", () => {
    assert.ok(CORPUS.length >= 6, `TAILNET_POLICIES=${POLICIES}: ${CORPUS}`);
  });

  for (const file of CORPUS) {
    test(`${file}: parse then write is byte-identical`, () => {
      const text = readFileSync(join(POLICIES, file), "utf8"); // CRLF stays CRLF
      const doc = new PolicyDocument(text);
      assert.equal(doc.text, text);
      assert.equal(String(doc), text);
      assert.ok(PolicyDocument.parse(text).equals(doc));
      const json = doc.toJSON();
      assert.equal(typeof json, "object");
      assert.deepEqual(JSON.parse(JSON.stringify(doc)), json);
      assert.deepEqual(doc.view(), json, "the typed view drops nothing");
      assert.equal(doc.clone().text, text);
    });

    test(`${file}: edits touch only their target and keep every comment`, () => {
      const text = readFileSync(join(POLICIES, file), "utf8");
      const original = new PolicyDocument(text);
      const before = original.toJSON();

      let doc = original.clone();
      doc.push(["acls"], RULE);
      let expected = structuredClone(before);
      (expected.acls ??= []).push(RULE);
      assert.deepEqual(doc.toJSON(), expected);
      assert.deepEqual(comments(doc.text), comments(text));
      const pushed = replacedRegion(text, doc.text);
      assert.ok(!pushed.includes("//") && !pushed.includes("/*") && pushed.length < 16, JSON.stringify(pushed));
      assert.equal(original.text, text, "edits of a copy leave the original alone");

      doc = original.clone();
      doc.set(["tagOwners", "tag:ci"], ["group:ops"]);
      expected = structuredClone(before);
      (expected.tagOwners ??= {})["tag:ci"] = ["group:ops"];
      assert.deepEqual(doc.toJSON(), expected);
      assert.deepEqual(doc.get(["tagOwners", "tag:ci"]), ["group:ops"]);
      assert.deepEqual(comments(doc.text), comments(text));

      doc = original.clone();
      const had = before.hosts !== undefined && "db-primary" in before.hosts;
      assert.equal(doc.remove(["hosts", "db-primary"]), had);
      if (!had) {
        assert.equal(doc.text, text);
      } else {
        expected = structuredClone(before);
        delete expected.hosts["db-primary"];
        assert.deepEqual(doc.toJSON(), expected);
        assert.ok(doc.text.includes("// the office"));
        assert.equal(doc.get(["hosts", "db-primary"]), undefined);
      }
    });
  }
});

const SMALL = '{\n  // rules\n  "acls": [\n    {"action": "accept", "src": ["a"], "dst": ["b:*"]}, // first\n  ],\n  "custom": {"x": 1},\n}\n';

test("paths, values and errors", () => {
  const doc = new PolicyDocument(SMALL);
  doc.set(["acls", "0", "src"], ["group:x"]);
  assert.deepEqual(doc.get(["acls", 0, "src"]), ["group:x"]);
  assert.ok(doc.text.includes("// first") && doc.text.includes("// rules"));
  assert.equal(doc.get(["nope"]), undefined);
  assert.equal(doc.get(["acls", 9]), undefined);
  assert.deepEqual(doc.get([]), doc.toJSON());

  assert.throws(
    () => doc.set(["acls", "7", "src"], []),
    (e) => {
      assert.ok(e instanceof PolicyEditError && e instanceof TailnetError && e instanceof Error);
      assert.equal(e.kind, "policy");
      assert.equal(e.variant, "path");
      assert.deepEqual(e.path, ["acls", "7", "src"]);
      assert.ok(e.message.includes('["acls","7","src"]'), e.message);
      return true;
    },
  );

  // A dotted string is refused with a clear message: keys contain dots and colons.
  assert.throws(
    () => doc.get("tagOwners.tag:ci"),
    (e) => e instanceof PolicyEditError && e.variant === "path" && /not a string/.test(e.message) && /array of keys/.test(e.message),
  );
  for (const bad of [{ acls: 1 }, null, undefined, 7]) {
    assert.throws(() => doc.get(bad), (e) => e instanceof PolicyEditError && e.variant === "path", String(bad));
  }
  assert.throws(() => doc.set(["acls", 1.5], 1), PolicyEditError);
  assert.throws(() => doc.remove(["acls", -1]), PolicyEditError);
  assert.throws(() => doc.set(["x"], undefined), (e) => e instanceof PolicyEditError && e.variant === "value" && e.path[0] === "x");
  assert.throws(() => doc.set(["x"], 10n), (e) => e instanceof PolicyEditError && e.variant === "value");
  const cyclic = {};
  cyclic.self = cyclic;
  assert.throws(() => doc.push(["x"], cyclic), (e) => e instanceof PolicyEditError && e.variant === "value");
  assert.throws(() => doc.remove([]), (e) => e instanceof PolicyEditError && e.variant === "path");
  assert.throws(() => new PolicyDocument("{'single': 1}"), (e) => e instanceof PolicyEditError && e.variant === "parse" && e.path === undefined);
  assert.throws(() => new PolicyDocument("[1, 2]"), (e) => e instanceof PolicyEditError && e.variant === "not_an_object");
  assert.throws(() => new PolicyDocument(42), (e) => e instanceof PolicyEditError && e.variant === "parse");
  assert.ok(doc.text.includes("// first"), "failed edits leave the document as it was");

  // Keys with dots and colons are plain keys.
  doc.set(["hosts", "db.example.com"], "100.64.0.9");
  doc.set(["tagOwners", "tag:ci"], ["autogroup:admin"]);
  assert.deepEqual(doc.toJSON().hosts, { "db.example.com": "100.64.0.9" });
  assert.deepEqual(doc.get(["tagOwners", "tag:ci"]), ["autogroup:admin"]);

  // Values go through JSON (a Date becomes its ISO text).
  doc.set(["custom", "when"], new Date(0));
  assert.equal(doc.get(["custom", "when"]), "1970-01-01T00:00:00.000Z");
  assert.ok(doc.hasAccessRules());
  assert.equal(doc.remove(["acls"]), true);
  assert.equal(doc.hasAccessRules(), false);
  assert.equal(doc.remove(["acls"]), false);
  doc.push(["grants"], { src: ["*"], dst: ["*"], ip: ["*"] });
  assert.ok(doc.hasAccessRules());

  // A document is only its text: it outlives a reset of the module after a Rust panic.
  assert.throws(() => __testPanic("policy"), InternalError);
  doc.set(["after"], 1);
  assert.equal(doc.get(["after"]), 1);
});

test("every core policy failure is its `policy` kind, thrown as exactly PolicyEditError", () => {
  const doc = new PolicyDocument('{\n  // rules\n  "acls": [{"action": "accept", "src": ["a"], "dst": ["b:*"]}],\n}\n');
  const cases = [
    [() => doc.set(["acls", "7", "src"], []), "path", ["acls", "7", "src"], "index 7 does not exist", 'cannot edit ["acls","7","src"]: index 7 does not exist'],
    [() => doc.remove([]), "path", [], "the path is empty", "cannot edit []: the path is empty"],
    [() => doc.push(["acls", "0"], 1), "path", ["acls", "0"], "is not an array", 'cannot edit ["acls","0"]: is not an array'],
    [() => new PolicyDocument("[1, 2]"), "not_an_object", undefined, "the policy's top level must be an object", "the policy's top level must be an object"],
  ];
  for (const [action, variant, path, reason, message] of cases) {
    assert.throws(action, (e) => {
      assert.equal(Object.getPrototypeOf(e), PolicyEditError.prototype, `${e}`);
      assert.ok(!(e instanceof BuildError));
      assert.deepEqual([e.name, e.kind, e.variant, e.path, e.reason, e.message], ["PolicyEditError", "policy", variant, path, reason, message]);
      return true;
    });
  }
  assert.throws(
    () => new PolicyDocument("{'single': 1}"),
    (e) => Object.getPrototypeOf(e) === PolicyEditError.prototype && e.variant === "parse" && e.message === `the policy is not valid HuJSON: ${e.reason}`,
  );
});

test("a policy read that is not an object ends updatePolicyFile with the core's PolicyEditError", async () => {
  const methods = [];
  const fetch = async (url, init) => {
    methods.push(init?.method ?? "GET");
    return new Response("[1, 2]", { headers: { "content-type": "application/hujson", etag: '"e1"' } });
  };
  const client = new Client({ apiKey: "tskey-api-x", baseUrl: "https://api.example", fetch, retry: false });
  await assert.rejects(
    client.updatePolicyFile(() => {}),
    (e) => Object.getPrototypeOf(e) === PolicyEditError.prototype && e.variant === "not_an_object" && e.path === undefined,
  );
  assert.deepEqual(methods, ["GET"], "nothing is written");
});

test("typed view keeps unknown sections", () => {
  const view = new PolicyDocument(SMALL).view();
  assert.deepEqual(view.acls[0].src, ["a"]);
  assert.deepEqual(view.custom, { x: 1 });
  assert.equal(view.grants, undefined);
  assert.throws(() => new PolicyDocument('{"acls": {"not": "a list"}}').view(), PolicyEditError);
});

test("preparePolicyWrite: unchanged, conditional write, allow-all guard, no ETag", () => {
  const current = { policy: SMALL, etag: '"e1"' };
  const doc = new PolicyDocument(SMALL);
  assert.deepEqual(preparePolicyWrite(current, doc), { kind: "unchanged" });
  doc.set(["tagOwners", "tag:ci"], ["autogroup:admin"]);
  const write = preparePolicyWrite(current, doc);
  assert.equal(write.kind, "write");
  // The core chooses the Accept of the write: HuJSON, so the answer keeps comments.
  assert.deepEqual(write.params, { "If-Match": '"e1"', Accept: "hujson", body: { policy: doc.text } });
  const request = buildRequest("setPolicyFile", write.params, { apiKey: "tskey-api-x", baseUrl: "https://api.example" });
  assert.equal(request.method, "POST");
  assert.equal(request.headers["if-match"], '"e1"');
  assert.equal(request.body, doc.text);
  assert.equal(preparePolicyWrite(current, doc, { replaceDefaultOnly: true }).params["If-Match"], TS_DEFAULT_ETAG);
  assert.equal(TS_DEFAULT_ETAG, '"ts-default"');

  doc.remove(["acls"]);
  assert.throws(
    () => preparePolicyWrite(current, doc),
    (e) => e instanceof BuildError && e.parameter === "policy" && /allows all traffic/.test(e.message),
  );
  assert.equal(preparePolicyWrite(current, doc, { allowAllowAll: true }).kind, "write");
  assert.throws(() => preparePolicyWrite({ policy: SMALL }, new PolicyDocument("{}"), { allowAllowAll: true }), (e) => e instanceof BuildError && e.parameter === "If-Match");
});

test("isLostRace: the core's verdict on an error", () => {
  const lost = (() => {
    try {
      parseResponse("setPolicyFile", { status: 412, headers: { "content-type": "application/json" }, body: '{"message":"precondition failed"}' });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(lost instanceof PreconditionFailedError);
  assert.equal(isLostRace(lost), true);
  const notFound = (() => {
    try {
      parseResponse("setPolicyFile", { status: 404, body: '{"message":"nope"}' });
    } catch (e) {
      return e;
    }
  })();
  assert.equal(isLostRace(notFound), false);
  assert.equal(isLostRace(new Error("412")), false);
  assert.equal(isLostRace(undefined), false);
});

// ----- updatePolicyFile against the fake tailnet --------------------------------------------------

const SEEDED =
  '// Team policy: keep this comment.\n{\n  "acls": [\n    // everyone to everything, for now\n' +
  '    {"action": "accept", "src": ["*"], "dst": ["*:*"]},\n  ],\n  "tagOwners": {},\n}\n';

describe("updatePolicyFile against the fake tailnet", () => {
  let fake;
  let client;

  before(async () => {
    fake = await Fake.start("--api-key", API_KEY);
  });
  after(async () => {
    await fake?.stop();
  });
  beforeEach(async () => {
    await fake.reset();
    client = new Client({ apiKey: API_KEY, baseUrl: fake.url });
    const current = await client.getPolicyFile();
    await client.setPolicyFile({ policy: SEEDED, "If-Match": current.etag });
    await fake.control("DELETE", "/_fake/requests");
  });
  afterEach(async () => {
    assert.deepEqual(await fake.violations(), [], "the fake sent responses that do not match the spec");
  });

  const aclRequests = async (method) => (await fake.requests()).filter((r) => r.method === method && r.path.endsWith("/acl"));

  test("one edit: HuJSON read with its ETag, written with If-Match, comments kept", async () => {
    const before = await client.getPolicyFile();
    const result = await client.updatePolicyFile((doc) => doc.set(["tagOwners", "tag:ci"], ["autogroup:admin"]));
    assert.ok(result.policy.includes('"tag:ci"') && result.policy.includes("// Team policy: keep this comment."));
    assert.ok(result.etag && result.etag !== before.etag);
    const [write] = await aclRequests("POST");
    assert.equal(write.headers["if-match"], before.etag);
    assert.equal((await client.getPolicyFile()).policy, result.policy);
  });

  test("two concurrent editors: both edits land, comments survive", async () => {
    let alphaEditing;
    const alphaIsEditing = new Promise((resolve) => (alphaEditing = resolve));
    let betaDone;
    const betaIsDone = new Promise((resolve) => (betaDone = resolve));
    const calls = { alpha: 0, beta: 0 };

    const alpha = client.updatePolicyFile(async (doc) => {
      calls.alpha += 1;
      doc.set(["tagOwners", "tag:alpha"], ["autogroup:admin"]);
      if (calls.alpha === 1) {
        alphaEditing();
        await betaIsDone; // beta writes while alpha still holds the old ETag
      }
    });
    await alphaIsEditing;
    const other = new Client({ apiKey: API_KEY, baseUrl: fake.url });
    const beta = other
      .updatePolicyFile((doc) => {
        calls.beta += 1;
        doc.set(["tagOwners", "tag:beta"], ["autogroup:admin"]);
      })
      .finally(() => betaDone());
    const [a, b] = await Promise.all([alpha, beta]);

    assert.deepEqual(calls, { alpha: 2, beta: 1 }, "alpha lost the race and re-applied its edit once");
    const final = await client.getPolicyFile();
    assert.equal(final.policy, a.policy);
    assert.equal(final.etag, a.etag);
    assert.ok(b.policy.includes('"tag:beta"') && !b.policy.includes('"tag:alpha"'));
    for (const needle of ['"tag:alpha"', '"tag:beta"', "// Team policy: keep this comment.", "// everyone to everything, for now"]) {
      assert.ok(final.policy.includes(needle), `${needle} missing from\n${final.policy}`);
    }
    const writes = await aclRequests("POST");
    assert.equal(writes.length, 3, "alpha's stale write (412), beta's write, alpha's re-applied write");
    const ifMatch = writes.map((w) => w.headers["if-match"]);
    assert.equal(ifMatch[0], ifMatch[1], "both editors wrote against the ETag they both read");
    assert.notEqual(ifMatch[2], ifMatch[0], "the re-applied write carries the new ETag");
  });

  test("a forced 412 is re-read and re-applied; the attempt limit ends with the 412", async () => {
    await fake.fault({ kind: "status", status: 412, method: "POST", pathPrefix: "/api/v2/tailnet/", count: 1 });
    let edits = 0;
    const result = await client.updatePolicyFile((doc) => {
      edits += 1;
      doc.push(["acls"], RULE);
    });
    assert.equal(edits, 2);
    assert.equal(new PolicyDocument(result.policy).toJSON().acls.length, 2, "the edit landed once");
    assert.equal((await aclRequests("GET")).length, 2);
    assert.equal((await aclRequests("POST")).length, 2);

    await fake.control("DELETE", "/_fake/requests");
    await fake.fault({ kind: "status", status: 412, method: "POST", pathPrefix: "/api/v2/tailnet/", count: 3 });
    edits = 0;
    await assert.rejects(
      client.updatePolicyFile((doc) => {
        edits += 1;
        doc.set(["tagOwners", "tag:loser"], [`attempt-${edits}@example.com`]);
      }, { maxAttempts: 3 }),
      (e) => e instanceof PreconditionFailedError && e.status === 412 && isLostRace(e),
    );
    assert.equal(edits, 3);
    assert.equal((await aclRequests("GET")).length, 3);
  });

  test("allow-all guard, unchanged edits, edit errors, option checks", async () => {
    await assert.rejects(
      client.updatePolicyFile((doc) => doc.remove(["acls"])),
      (e) => e instanceof BuildError && e.parameter === "policy" && /allows all traffic/.test(e.message),
    );
    assert.deepEqual(await aclRequests("POST"), [], "the guard refuses before anything is sent");

    const unchanged = await client.updatePolicyFile(() => {});
    assert.equal(unchanged.policy, SEEDED);
    assert.deepEqual(await aclRequests("POST"), []);

    const written = await client.updatePolicyFile((doc) => doc.remove(["acls"]), { allowAllowAll: true });
    assert.equal(new PolicyDocument(written.policy).toJSON().acls, undefined);
    assert.ok(written.policy.includes("// Team policy: keep this comment."));

    await assert.rejects(
      client.updatePolicyFile((doc) => doc.push(["tagOwners"], "not an array")),
      (e) => e instanceof PolicyEditError && e.variant === "path" && e.path.join() === "tagOwners",
    );
    const own = new RangeError("the editor's own error");
    await assert.rejects(client.updatePolicyFile(() => Promise.reject(own)), (e) => e === own);
    await assert.rejects(client.updatePolicyFile(() => {}, { maxAttempts: 0 }), (e) => e instanceof BuildError && e.parameter === "maxAttempts");
    await assert.rejects(client.updatePolicyFile("not a function"), (e) => e instanceof BuildError && e.parameter === "edit");
    assert.equal((await aclRequests("POST")).length, 1);
  });

  test("replaceDefaultOnly sends If-Match: \"ts-default\"", async () => {
    await fake.reset(); // back to the default policy
    const first = await client.updatePolicyFile((doc) => doc.set(["tagOwners", "tag:first"], ["autogroup:admin"]), { replaceDefaultOnly: true });
    assert.ok(first.policy.includes('"tag:first"'));
    assert.deepEqual((await aclRequests("POST")).map((w) => w.headers["if-match"]), ['"ts-default"']);
    await assert.rejects(
      client.updatePolicyFile((doc) => doc.set(["tagOwners", "tag:second"], ["autogroup:admin"]), { replaceDefaultOnly: true, maxAttempts: 2 }),
      PreconditionFailedError,
    );
    assert.equal((await aclRequests("POST")).length, 3);
  });
});
