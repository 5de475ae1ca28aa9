"""The fixture corpus through the uniffi-generated Python bindings of libtailnet_uniffi: the same
FFI surface Swift calls (records, errors, async methods, the foreign async HttpTransport).
Standard library only.

    python3 replay_fixtures.py <dir with the generated tailnet.py + the cdylib> <tests/fixtures>

Each fixture runs three ways: sans-IO build_request/parse_response, TailnetClient.call_json and
TailnetClient.call_typed_json (through the typed records) with an async replay transport.
Prints `N passed, N failed`; exits 1 on any failure."""

import asyncio
import json
import pathlib
import sys

sys.path.insert(0, sys.argv[1])
import tailnet as t  # noqa: E402  (the generated module, not the pip package)
import tailnet_core as core  # noqa: E402  (the core's records and enums: the second uniffi namespace)

FIXTURES = pathlib.Path(sys.argv[2])
passed = failed = 0


def options_of(fixture):
    c = fixture.get("config") or {}
    key = c.get("apiKey") or c.get("apiKeyBasic")
    return t.ClientOptions(base_url=c.get("baseUrl", "https://api.tailscale.com"), tailnet=c.get("tailnet", "-"),
                           api_key=key, basic_auth="apiKeyBasic" in c, max_attempts=1)


def response_of(fixture):
    r = fixture.get("response") or {"status": 599}
    if "body" in r:
        body = json.dumps(r["body"]).encode()
    elif "bodyText" in r:
        body = r["bodyText"].encode()
    else:
        body = b""
    headers = [t.HttpHeader(name=k, value=v) for k, v in (r.get("headers") or {}).items()]
    return t.HttpResponse(status=r["status"], headers=headers, body=body)


def check_request(expected, request):
    assert request.method == expected["method"], request.method
    assert request.url == expected["url"], request.url
    headers = {h.name.lower(): h.value for h in request.headers if h.name.lower() != "user-agent"}
    assert headers == {k.lower(): v for k, v in (expected.get("headers") or {}).items()}, headers
    if "body" in expected:
        assert json.loads(bytes(request.body)) == expected["body"], bytes(request.body)
    elif "bodyText" in expected:
        assert bytes(request.body) == expected["bodyText"].encode()
    else:
        assert bytes(request.body) == b""


KINDS = {"api": t.TailnetError.Api, "build": t.TailnetError.Build, "decode": t.TailnetError.Decode}


def check_error(expected, error):
    assert isinstance(error, KINDS[expected["kind"]]), f"expected {expected['kind']}, got {error!r}"
    message = error.detail if isinstance(error, t.TailnetError.Api) else error.reason
    for key, want in expected.items():
        if key == "kind":
            continue
        elif key == "status":
            assert error.status == want
        elif key == "message":
            assert message == want, message
        elif key == "messageContains":
            assert want in message, message
        elif key == "messageExcludes":
            for text in (message, str(error), repr(error), getattr(error, "body", None) or ""):
                assert want not in text
        elif key == "parameter":
            assert error.parameter == want, error.parameter
        elif key == "path":
            assert error.path == want, error.path
        elif key == "retryAfter":
            if "seconds" in want:
                assert error.retry_after_seconds == want["seconds"] and error.retry_after_at_unix_seconds is None
            else:
                assert error.retry_after_at_unix_seconds == want["atUnixSeconds"]
        elif key == "dataKind":
            assert error.data_kind == want
            if want == "aclTests":
                assert error.test_results and all(isinstance(r, core.AclTestResult) for r in error.test_results)
        elif key == "bodyContains":
            assert error.body is not None and want in error.body
        elif key == "requiredScope":
            assert error.required_scope == want, error.required_scope
        elif key == "code":
            assert error.code == want, error.code
        else:
            raise AssertionError(f"unknown assertion {key}")


def sans_io(fixture):
    op, params = fixture["operation"], json.dumps(fixture.get("params") or {})
    expected_error = fixture.get("error")
    try:
        request = t.build_request(op, options_of(fixture), params)
    except t.TailnetError as e:
        assert expected_error and expected_error["kind"] == "build", repr(e)
        check_error(expected_error, e)
        return
    assert not (expected_error and expected_error["kind"] == "build"), "expected a build error"
    check_request(fixture["request"], request)
    try:
        result = t.parse_response(op, response_of(fixture))
    except t.TailnetError as e:
        assert expected_error, repr(e)
        check_error(expected_error, e)
        return
    assert not expected_error, f"expected an error, got {result}"
    assert json.loads(result) == fixture["result"], result


class Replay(t.HttpTransport):
    def __init__(self, response):
        self.response, self.sent = response, []

    async def send(self, request):
        self.sent.append(request)
        return self.response

    async def sleep(self, millis):
        await asyncio.sleep(millis / 1000)


async def through_client(fixture, typed):
    transport = Replay(response_of(fixture))
    client = t.TailnetClient(options_of(fixture), transport)
    op, params = fixture["operation"], json.dumps(fixture.get("params") or {})
    expected_error = fixture.get("error")
    try:
        result = await (client.call_typed_json(op, params) if typed else client.call_json(op, params))
        error = None
    except t.TailnetError as e:
        result, error = None, e
    if expected_error and expected_error["kind"] == "build":
        assert error is not None and not transport.sent, result
        check_error(expected_error, error)
        return
    assert len(transport.sent) == 1, (len(transport.sent), error)
    check_request(fixture["request"], transport.sent[0])
    if expected_error:
        assert error is not None, result
        check_error(expected_error, error)
    else:
        assert error is None, repr(error)
        assert json.loads(result) == fixture["result"], result


def run(name, fn):
    global passed, failed
    try:
        fn()
        passed += 1
    except Exception as e:  # noqa: BLE001 -- report and go on
        failed += 1
        print(f"FAIL {name}: {e!r}"[:400])


files = sorted(FIXTURES.glob("*/*.json"))
for path in files:
    fixture = json.loads(path.read_text())
    name = f"{path.parent.name}/{path.name}"
    run(f"{name} (sans-IO)", lambda: sans_io(fixture))
    run(f"{name} (client, JSON)", lambda: asyncio.run(through_client(fixture, False)))
    run(f"{name} (client, typed records)", lambda: asyncio.run(through_client(fixture, True)))


def foreign_exception():
    class Boom(t.HttpTransport):
        async def send(self, request):
            raise RuntimeError("boom from Python")

        async def sleep(self, millis):
            pass

    client = t.TailnetClient(t.ClientOptions(api_key="tskey-api-x", max_attempts=1), Boom())
    try:
        asyncio.run(client.get_device(core.GetDeviceParams(device_id="n1")))
    except t.TailnetError.Transport as e:
        assert "boom from Python" in e.reason, e.reason
        return
    raise AssertionError("no Transport error")


run("a Python exception in the transport becomes TailnetError.Transport", foreign_exception)


# ---- policy documents, update_policy_file, webhooks (same FFI surface as Swift) ----------------

POLICY = '// keep me\n{\n  "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}], // rules\n}\n'


def policy_document():
    doc = t.PolicyDocument(POLICY)
    assert doc.text() == POLICY
    doc.set(["tagOwners", "tag:ci"], '["group:ops"]')
    assert json.loads(doc.get(["tagOwners", "tag:ci"])) == ["group:ops"] and doc.get(["nope"]) is None
    assert "// keep me" in doc.text() and "// rules" in doc.text()
    try:
        doc.set(["acls", "7", "src"], "[]")
        raise AssertionError("no PolicyEdit error")
    except t.TailnetError.PolicyEdit as e:
        assert e.kind == t.PolicyEditKind.PATH and e.path == ["acls", "7", "src"], repr(e)
    try:
        t.PolicyDocument("[1]")
        raise AssertionError("no PolicyEdit error")
    except t.TailnetError.PolicyEdit as e:
        assert e.kind == t.PolicyEditKind.NOT_AN_OBJECT, repr(e)


class PolicyServer(t.HttpTransport):
    """GET answers the policy and its ETag; POST honours If-Match. `lose` writes are answered 412
    as if another writer had just won."""

    def __init__(self, policy, lose=0):
        self.policy, self.version, self.lose, self.if_matches, self.gets = policy, 1, lose, [], 0

    def answer(self, status, body, content_type="application/hujson"):
        headers = [t.HttpHeader(name="content-type", value=content_type), t.HttpHeader(name="etag", value=f'"v{self.version}"')]
        return t.HttpResponse(status=status, headers=headers, body=body.encode())

    async def send(self, request):
        if request.method == "GET":
            self.gets += 1
            return self.answer(200, self.policy)
        if_match = {h.name.lower(): h.value for h in request.headers}.get("if-match")
        self.if_matches.append(if_match)
        if self.lose or if_match != f'"v{self.version}"':
            self.lose = max(0, self.lose - 1)
            self.version += 1
            return self.answer(412, '{"message": "precondition failed"}', "application/json")
        self.policy, self.version = bytes(request.body).decode(), self.version + 1
        return self.answer(200, self.policy)

    async def sleep(self, millis):
        pass


class AddTag(t.PolicyEditor):
    def __init__(self):
        self.calls = 0

    async def edit(self, document):
        self.calls += 1
        document.set(["tagOwners", "tag:py"], '["autogroup:admin"]')


def update_policy_file():
    server, editor = PolicyServer(POLICY, lose=1), AddTag()
    client = t.TailnetClient(t.ClientOptions(api_key="tskey-api-x"), server)
    written = asyncio.run(client.update_policy_file(editor, t.PolicyUpdateOptions()))
    assert '"tag:py"' in written.policy and "// keep me" in written.policy, written.policy
    assert editor.calls == 2 and server.gets == 2 and server.if_matches == ['"v1"', '"v2"'], (editor.calls, server.if_matches)

    class DropRules(t.PolicyEditor):
        async def edit(self, document):
            document.remove(["acls"])

    try:
        asyncio.run(client.update_policy_file(DropRules(), t.PolicyUpdateOptions()))
        raise AssertionError("allow-all written")
    except t.TailnetError.Build as e:
        assert e.parameter == "policy", repr(e)

    class Raises(t.PolicyEditor):
        async def edit(self, document):
            raise ZeroDivisionError("boom from the Python editor")

    try:
        asyncio.run(client.update_policy_file(Raises(), t.PolicyUpdateOptions()))
        raise AssertionError("no Callback error")
    except t.TailnetError.Callback as e:
        assert "boom from the Python editor" in e.reason, repr(e)

    loser = PolicyServer(POLICY, lose=5)
    client = t.TailnetClient(t.ClientOptions(api_key="tskey-api-x"), loser)
    try:
        asyncio.run(client.update_policy_file(AddTag(), t.PolicyUpdateOptions(max_attempts=3)))
        raise AssertionError("no 412")
    except t.TailnetError.Api as e:
        assert e.status == 412 and loser.gets == 3, (e.status, loser.gets)


def webhooks():
    body, secret, now = b'[{"type":"nodeCreated","data":{"nodeID":"n1"}},{"type":"brandNew"}]', "whsec-py", 1_763_798_400
    header = t.webhook_sign(body, secret, now)
    events = t.webhook_verify(header, body, secret, now + 5)
    assert [e.type for e in events] == [core.WebhookEventType.NODE_CREATED(), core.WebhookEventType.UNKNOWN("brandNew")], events
    assert json.loads(events[0].data_json) == {"nodeID": "n1"}
    rotated = f"t={now},v1={'0' * 64},{header.split(',')[1]}"
    assert len(t.webhook_verify(rotated, body, secret, now)) == 2
    cases = [
        ((header, body + b" ", secret, now), t.WebhookRejection.MISMATCH),
        ((header, body, "wrong", now), t.WebhookRejection.MISMATCH),
        ((header, body, secret, now + 301), t.WebhookRejection.STALE),
        ((header, body, secret, now - 301), t.WebhookRejection.FUTURE),
        ((None, body, secret, now), t.WebhookRejection.MISSING),
        (("t=1", body, secret, now), t.WebhookRejection.MALFORMED),
        ((header, body, "", now), t.WebhookRejection.EMPTY_SECRET),
    ]
    for args, rejection in cases:
        try:
            t.webhook_verify(*args)
            raise AssertionError(f"accepted {args[0]!r}")
        except t.TailnetError.Webhook as e:
            assert e.rejection == rejection and secret not in str(e) and secret not in repr(e), repr(e)


run("PolicyDocument edits keep comments; errors are PolicyEdit", policy_document)
run("update_policy_file: lost race re-applied, allow-all guard, editor exception, attempt limit", update_policy_file)
run("webhooks: verify, rotation, rejections", webhooks)
print(f"uniffi-Python: {len(files)} fixtures")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
