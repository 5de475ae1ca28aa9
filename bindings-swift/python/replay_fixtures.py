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
                assert error.test_results and all(isinstance(r, t.AclTestResult) for r in error.test_results)
        elif key == "bodyContains":
            assert error.body is not None and want in error.body
        elif key == "requiredScope":
            assert error.required_scope == want, error.required_scope
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
    if (fixture.get("error") or {}).get("kind") != "build":
        run(f"{name} (client, typed records)", lambda: asyncio.run(through_client(fixture, True)))


def foreign_exception():
    class Boom(t.HttpTransport):
        async def send(self, request):
            raise RuntimeError("boom from Python")

        async def sleep(self, millis):
            pass

    client = t.TailnetClient(t.ClientOptions(api_key="tskey-api-x", max_attempts=1), Boom())
    try:
        asyncio.run(client.get_device(t.GetDeviceParams(device_id="n1")))
    except t.TailnetError.Transport as e:
        assert "boom from Python" in e.reason, e.reason
        return
    raise AssertionError("no Transport error")


run("a Python exception in the transport becomes TailnetError.Transport", foreign_exception)
print(f"uniffi-Python: {len(files)} fixtures")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
