"""A small program using the typed client; CI runs `mypy --strict` on it.

    python examples/example.py            # needs TAILSCALE_API_KEY (or a base URL of a fake)
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from typing import Dict, List, Optional

import tailnet
from tailnet import webhooks
from tailnet.models import Device, Key


def newest_device(devices: List[Device]) -> Optional[Device]:
    seen = [d for d in devices if d.last_seen is not None]
    return max(seen, key=lambda d: d.last_seen or datetime.min) if seen else None


def main(base_url: str, api_key: str) -> None:
    with tailnet.Client(api_key, base_url=base_url, timeout=10.0) as client:
        listing = client.list_tailnet_devices(fields="all", filters={"os": "linux"})
        devices: List[Device] = listing.devices or []
        for device in devices:
            tags: List[str] = device.tags or []
            print(device.node_id, device.name, ", ".join(tags))
        newest = newest_device(devices)
        if newest is not None and newest.node_id is not None:
            print("newest", client.get_device(newest.node_id, fields="all").name)
            client.set_device_tags(newest.node_id, tags=["tag:example"])
        key: Key = client.create_key(capabilities={"devices": {"create": {"reusable": False}}}, expiry_seconds=600, description="example")
        secret: Optional[tailnet.Secret] = key.key
        print("created key", key.id, secret)  # prints [redacted]
        policy = client.get_policy_file()
        etag: Optional[str] = policy.etag
        try:
            client.set_policy_file(policy=policy.policy, if_match=etag)
        except tailnet.PreconditionFailedError as exc:
            print("someone else changed the policy:", exc.status)
        except tailnet.ApiError as exc:
            print("API error", exc.status, exc.required_scope, exc.retry_after)
        def allow_ci(doc: tailnet.PolicyDocument) -> None:
            doc.set(["tagOwners", "tag:ci"], ["autogroup:admin"])

        updated: tailnet.PolicyFile = client.update_policy_file(allow_ci, max_attempts=3)
        print("policy now", updated.etag)
        request: tailnet.Request = tailnet.build_request("getDevice", device_id="n1", api_key=api_key)
        print(request.method, request.url)
        parsed: Device = tailnet.parse_response("getDevice", 200, {}, b'{"nodeId": "n1"}')
        print(parsed.node_id, parsed.to_dict(), parsed.extra)


def handle_delivery(headers: Dict[str, str], body: bytes, secret: str) -> List[str]:
    try:
        events = webhooks.verify(headers, body, secret)
    except webhooks.WebhookVerificationError as exc:
        return [f"rejected: {exc}"]
    return [f"{event.type}: {event.data.node_id if event.data else ''}" for event in events]


async def amain(base_url: str, api_key: str) -> int:
    async with tailnet.AsyncClient(api_key, base_url=base_url) as client:
        users = await client.list_users(type="member")
        count: int = len(users.users or [])
        return count


if __name__ == "__main__":
    url = os.environ.get("TAILNET_BASE_URL", "https://api.tailscale.com")
    key_text = os.environ.get("TAILSCALE_API_KEY", "")
    main(url, key_text)
    print(asyncio.run(amain(url, key_text)))
