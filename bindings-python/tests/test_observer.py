"""`observer=`: the core's observations of every request and outcome, against the fake tailnet."""

from __future__ import annotations

import asyncio
import json
from typing import Any, List

import pytest

import tailnet
from tailnet import AsyncClient, Client, RetryPolicy

from conftest import API_KEY, OAUTH_ID, OAUTH_SECRET, Fake

FAST = RetryPolicy(base_delay=0.001)


def summary(seen: List[Any]) -> List[Any]:
    return [(o["event"], o["operation"], o["method"], o.get("status"), o["attempt"]) for o in seen]


def test_observer_sees_requests_retries_policy_and_oauth(fake: Fake) -> None:
    seen: List[Any] = []
    with Client(API_KEY, base_url=fake.url, observer=seen.append, retry=FAST) as client:
        client.list_tailnet_devices()
        assert summary(seen) == [("request", "listTailnetDevices", "GET", None, 1), ("response", "listTailnetDevices", "GET", 200, 1)]
        request, response = seen
        assert dict(request["headers"])["authorization"] == "[redacted]"
        assert all(isinstance(pair, tuple) for pair in request["headers"])
        assert response["duration_ms"] >= 0 and response["body_bytes"] > 0 and response["error"] is None
        assert request["url"].endswith("/api/v2/tailnet/-/devices")

        # A 503 then a success: both attempts observed, numbered.
        seen.clear()
        fake.fault(kind="status", status=503, count=1, method="GET")
        client.list_tailnet_devices()
        assert [(o["status"], o["attempt"]) for o in seen if o["event"] == "response"] == [(503, 1), (200, 2)]

        # The policy read-modify-write: its read and its write.
        seen.clear()
        client.update_policy_file(lambda doc: doc.set(["tagOwners", "tag:observed"], ["autogroup:admin"]))
        assert [f"{o['operation']} {o['method']}" for o in seen if o["event"] == "request"] == ["getPolicyFile GET", "setPolicyFile POST"]

    # OAuth: the token request is observed too, and no secret shows anywhere.
    seen.clear()
    with Client.from_oauth(OAUTH_ID, OAUTH_SECRET, base_url=fake.url, observer=seen.append) as oauth:
        oauth.list_tailnet_devices()
    assert any(o["event"] == "request" and o["url"].endswith("/api/v2/oauth/token") for o in seen)
    text = json.dumps(seen) + repr(seen)
    for secret in (API_KEY, OAUTH_SECRET):
        assert secret not in text


def test_observer_sees_a_failed_call(fake: Fake) -> None:
    seen: List[Any] = []
    with Client(API_KEY, base_url=fake.url, observer=seen.append) as client:
        with pytest.raises(tailnet.NotFoundError):
            client.get_device("nNoSuchDevice")
    assert [(o["event"], o.get("status")) for o in seen] == [("request", None), ("response", 404)]


def test_raising_observer_breaks_nothing_and_non_callable_is_refused(fake: Fake) -> None:
    def broken(observation: Any) -> None:
        raise RuntimeError("observer bug")

    with Client(API_KEY, base_url=fake.url, observer=broken) as client:
        assert len(client.list_tailnet_devices().devices or []) == 20
    for cls in (Client, AsyncClient):
        with pytest.raises(tailnet.BuildError) as info:
            cls(API_KEY, observer="log")  # type: ignore[arg-type]
        assert info.value.parameter == "observer"


def test_no_observer_no_observations(fake: Fake) -> None:
    call = tailnet._native.Call("listTailnetDevices", {})
    session = tailnet._native.Session({"baseUrl": fake.url, "auth": {"kind": "apiKey", "apiKey": API_KEY}})
    assert call.poll(session)[0] == 0
    assert call.take_observations() == []


def test_async_observer(fake: Fake) -> None:
    seen: List[Any] = []

    async def main() -> None:
        async with AsyncClient(API_KEY, base_url=fake.url, observer=seen.append, retry=FAST) as client:
            fake.fault(kind="status", status=503, count=1, method="GET")
            await client.list_tailnet_devices()
            await client.update_policy_file(lambda doc: doc.set(["tagOwners", "tag:async-observed"], ["autogroup:admin"]))

    asyncio.run(main())
    assert [(o["operation"], o["status"], o["attempt"]) for o in seen if o["event"] == "response"] == [
        ("listTailnetDevices", 503, 1),
        ("listTailnetDevices", 200, 2),
        ("getPolicyFile", 200, 1),
        ("setPolicyFile", 200, 1),
    ]
    assert API_KEY not in json.dumps(seen)
