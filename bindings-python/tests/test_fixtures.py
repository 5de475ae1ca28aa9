"""The whole fixture corpus (tests/fixtures) replayed through build_request/parse_response,
Client and AsyncClient with a test transport. Comparison rules mirror the Rust replay
(tests/conformance/tests/fixtures.rs): headers minus user-agent, JSON bodies compared
structurally with numbers by value, error fields checked only when present."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Optional, Tuple

import pytest

import tailnet
from tailnet import Model, Request, Response

from conftest import load_fixtures

CASES = load_fixtures()
DEFAULT_CONFIG = {"baseUrl": "https://api.tailscale.com", "tailnet": "-"}


def plain(value: Any) -> Any:
    """A typed result as wire JSON."""
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def config_of(fixture: Dict[str, Any]) -> Dict[str, Any]:
    config = dict(DEFAULT_CONFIG)
    config.update(fixture.get("config") or {})
    return config


def response_of(fixture: Dict[str, Any]) -> Tuple[int, List[Tuple[str, str]], bytes]:
    r = fixture["response"]
    if "body" in r:
        body = json.dumps(r["body"]).encode()
    elif "bodyText" in r:
        body = r["bodyText"].encode()
    else:
        body = b""
    return r["status"], list((r.get("headers") or {}).items()), body


def check_request(expected: Dict[str, Any], request: Request) -> None:
    assert request.method == expected["method"]
    assert request.url == expected["url"]
    headers = {k.lower(): v for k, v in request.headers.items() if k.lower() != "user-agent"}
    assert headers == {k.lower(): v for k, v in (expected.get("headers") or {}).items()}
    if "body" in expected:
        assert json.loads(request.body) == expected["body"]
    elif "bodyText" in expected:
        assert request.body == expected["bodyText"].encode()
    else:
        assert request.body == b""


KIND = {"api": tailnet.ApiError, "decode": tailnet.DecodeError, "build": tailnet.BuildError}


def check_error(expected: Dict[str, Any], error: BaseException) -> None:
    assert isinstance(error, tailnet.TailnetError), repr(error)
    assert isinstance(error, KIND[expected["kind"]]), f"expected {expected['kind']}, got {error!r}"
    if isinstance(error, tailnet.ApiError):
        message = error.api_message
        want_class = {401: "AuthenticationError", 403: "PermissionDeniedError", 404: "NotFoundError", 409: "ConflictError",
                      412: "PreconditionFailedError", 429: "RateLimitError"}.get(error.status, "ServerError" if error.status >= 500 else "ApiError")
        assert type(error).__name__ == want_class
    elif isinstance(error, (tailnet.BuildError, tailnet.DecodeError)):
        message = error.reason
    else:
        message = str(error)
    for key, want in expected.items():
        if key == "kind":
            continue
        elif key == "status":
            assert getattr(error, "status", None) == want
        elif key == "message":
            assert message == want
        elif key == "messageContains":
            assert want in message
        elif key == "messageExcludes":
            for text in (message, str(error), repr(error), getattr(error, "body", None) or ""):
                assert want not in text
        elif key == "parameter":
            assert isinstance(error, tailnet.BuildError) and error.parameter == want
            assert isinstance(error, ValueError)
        elif key == "path":
            assert isinstance(error, tailnet.DecodeError) and error.path == want
        elif key == "retryAfter":
            assert isinstance(error, tailnet.ApiError)
            if "seconds" in want:
                assert error.retry_after == want["seconds"] and error.retry_after_at is None
            else:
                assert error.retry_after_at is not None and error.retry_after_at.timestamp() == want["atUnixSeconds"]
        elif key == "dataKind":
            assert isinstance(error, tailnet.ApiError) and error.data_kind == want
            if want == "aclTests":
                assert error.test_results and all(isinstance(r, tailnet.AclTestResult) for r in error.test_results)
        elif key == "bodyContains":
            assert isinstance(error, tailnet.ApiError) and error.body is not None and want in error.body
        elif key == "requiredScope":
            assert isinstance(error, tailnet.ApiError) and error.required_scope == want
        elif key == "code":
            assert isinstance(error, tailnet.ApiError) and error.code == want
        else:
            raise AssertionError(f"unknown fixture assertion {key}")


def split_params(fixture: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
    params = dict(fixture.get("params") or {})
    config = config_of(fixture)
    return params, params.pop("tailnet", None) or config["tailnet"]


@pytest.mark.parametrize("fixture", CASES)
def test_sans_io(fixture: Dict[str, Any]) -> None:
    op = fixture["operation"]
    config = config_of(fixture)
    params = dict(fixture.get("params") or {})
    params.setdefault("tailnet", config["tailnet"]) if "tailnet" in (fixture.get("params") or {}) else None
    key = config.get("apiKey") or config.get("apiKeyBasic")
    kwargs: Dict[str, Any] = dict(base_url=config["baseUrl"], api_key=key, basic_auth="apiKeyBasic" in config)
    if "tailnet" not in params and config["tailnet"] != "-":
        params["tailnet"] = config["tailnet"]
    expected_error = fixture.get("error")
    if expected_error and expected_error["kind"] == "build":
        with pytest.raises(tailnet.TailnetError) as info:
            tailnet.build_request(op, **kwargs, **params)
        check_error(expected_error, info.value)
        return
    request = tailnet.build_request(op, **kwargs, **params)
    check_request(fixture["request"], request)
    status, headers, body = response_of(fixture)
    if expected_error:
        with pytest.raises(tailnet.TailnetError) as info:
            tailnet.parse_response(op, status, headers, body)
        check_error(expected_error, info.value)
    else:
        result = tailnet.parse_response(op, status, headers, body)
        assert plain(result) == fixture["result"]


class ReplayTransport:
    """Answers every request with the fixture's response, recording what was sent."""

    def __init__(self, fixture: Dict[str, Any]) -> None:
        self.fixture = fixture
        self.sent: List[Request] = []

    def send(self, request: Request) -> Response:
        self.sent.append(request)
        return Response(*response_of(self.fixture))


class AsyncReplayTransport(ReplayTransport):
    async def send(self, request: Request) -> Response:  # type: ignore[override]
        return ReplayTransport.send(self, request)


def client_kwargs(fixture: Dict[str, Any]) -> Dict[str, Any]:
    config = config_of(fixture)
    kwargs: Dict[str, Any] = dict(base_url=config["baseUrl"], tailnet=config["tailnet"], retry=tailnet.RetryPolicy.none())
    if "apiKey" in config:
        kwargs["api_key"] = config["apiKey"]
    elif "apiKeyBasic" in config:
        kwargs["api_key"] = config["apiKeyBasic"]
        kwargs["basic_auth"] = True
    return kwargs


def check_client_outcome(fixture: Dict[str, Any], transport: ReplayTransport, outcome: Any, error: Optional[BaseException]) -> None:
    expected_error = fixture.get("error")
    if expected_error and expected_error["kind"] == "build":
        assert error is not None and transport.sent == []
        check_error(expected_error, error)
        return
    assert len(transport.sent) == 1
    check_request(fixture["request"], transport.sent[0])
    if expected_error:
        assert error is not None, f"expected an error, got {outcome!r}"
        check_error(expected_error, error)
    else:
        assert error is None, repr(error)
        assert plain(outcome) == fixture["result"]


def method_name(op_id: str) -> str:
    return next(op.name for op in tailnet.OPERATIONS if op.id == op_id)


@pytest.mark.parametrize("fixture", CASES)
def test_client(fixture: Dict[str, Any]) -> None:
    transport = ReplayTransport(fixture)
    client = tailnet.Client(transport=transport, **client_kwargs(fixture))
    method = getattr(client, method_name(fixture["operation"]))
    outcome, error = None, None
    try:
        outcome = method(**(fixture.get("params") or {}))
    except tailnet.TailnetError as exc:
        error = exc
    check_client_outcome(fixture, transport, outcome, error)


@pytest.mark.parametrize("fixture", CASES)
def test_async_client(fixture: Dict[str, Any]) -> None:
    transport = AsyncReplayTransport(fixture)
    client = tailnet.AsyncClient(transport=transport, **client_kwargs(fixture))

    async def run() -> Tuple[Any, Optional[BaseException]]:
        try:
            return await client.call(fixture["operation"], **(fixture.get("params") or {})), None
        except tailnet.TailnetError as exc:
            return None, exc

    outcome, error = asyncio.run(run())
    check_client_outcome(fixture, transport, outcome, error)


def test_corpus_covers_every_operation() -> None:
    ops = {c.values[0]["operation"] for c in CASES if "result" in c.values[0]}
    assert ops == {op.id for op in tailnet.OPERATIONS}


def same_fields(native: Any, python: Any, path: str = "result") -> None:
    """Every attribute of a model read over a parsed result (the native one-pass conversion,
    `JsonNode.fill`) equals, with the same types, the same model read through the Python
    converters (`_raw` a plain dict), nested models and lists included."""
    if isinstance(native, Model):
        assert type(native) is type(python), path
        for name, _, _ in type(native)._fields_:
            same_fields(getattr(native, name), getattr(python, name), f"{path}.{name}")
        assert native.extra == python.extra, path
    elif isinstance(native, list):
        assert isinstance(python, list) and len(native) == len(python), path
        for i, (a, b) in enumerate(zip(native, python)):
            same_fields(a, b, f"{path}[{i}]")
    elif isinstance(native, dict):
        assert isinstance(python, dict) and native.keys() == python.keys(), path
        for k in native:
            same_fields(native[k], python[k], f"{path}[{k!r}]")
    else:
        assert type(native) is type(python) and native == python, (path, native, python)
        if hasattr(native, "tzinfo"):
            assert native.tzinfo == python.tzinfo and native.utcoffset() == python.utcoffset(), path


def as_python_model(value: Any) -> Any:
    if isinstance(value, Model):
        return type(value).from_dict(value.to_dict())
    if isinstance(value, list):
        return [as_python_model(v) for v in value]
    return value


# CASES are pytest.param sets: the fixture is each one's first value.
@pytest.mark.parametrize("fixture", [c for c in CASES if "result" in c.values[0] and not c.values[0].get("error")])
def test_native_field_conversion_matches_the_python_converters(fixture: Dict[str, Any]) -> None:
    status, headers, body = response_of(fixture)
    result = tailnet.parse_response(fixture["operation"], status, headers, body)
    same_fields(result, as_python_model(result))


@pytest.mark.parametrize("text", [
    "2024-01-02T03:04:05Z", "2024-01-02t03:04:05z", "2024-01-02 03:04:05Z", "2024-01-02T03:04:05.1Z",
    "2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.000001Z", "2016-12-31T23:59:60Z",
    "2024-02-30T00:00:00Z", "2024-01-02T03:04:05+02:30", "2024-01-02T03:04:05-00:00", "2024-01-02T03:04:05.5-08:00",
    "2024-01-02T03:04:05", "2024-01-02T03:04:05.Z", "2024-1-02T03:04:05Z", "not a time", "2024-01-02T03:04:05Z\n",
    "2024-01-02T03:04:05ZZ", "0000-01-01T00:00:00Z", "2024-01-02T25:00:00Z", "２０２４-01-02T03:04:05Z", "",
])
def test_native_timestamps_match_parse_timestamp(text: str) -> None:
    from tailnet._model import parse_timestamp

    body = json.dumps({"nodeId": "n1", "created": text, "lastSeen": text, "expires": text}).encode()
    device = tailnet.parse_response("getDevice", 200, [("content-type", "application/json")], body)
    want = parse_timestamp(text) if text else None
    for got in (device.created, device.last_seen, device.expires):
        assert got == want and type(got) is type(want)
        if want is not None:
            assert got.tzinfo == want.tzinfo and got.utcoffset() == want.utcoffset() and got.microsecond == want.microsecond
