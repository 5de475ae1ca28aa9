"""tailnet: the whole Tailscale control-plane API (v2) from one Rust core.

    import tailnet
    with tailnet.Client(api_key="tskey-api-…") as client:
        for device in client.list_tailnet_devices(fields="all").devices or []:
            print(device.name, device.last_seen)

- `Client` / `AsyncClient`: one method per operation (snake_case operationId), path parameters
  positional (`client.get_device("n123")`), other fields as keywords, typed results
  (`tailnet.models`), retries / OAuth / rate limits decided by the core.
- `build_request` / `parse_response`: the sans-IO surface for your own HTTP stack.
- `PolicyDocument`: a policy file as HuJSON, edited by path with every comment kept;
  `Client.update_policy_file(edit)`: the safe read-modify-write (If-Match, re-apply on 412).
- `tailnet.webhooks`: `verify(headers, body, secret)` → typed events.
- Errors: `TailnetError` › `BuildError` (also `ValueError`; › `MissingArgumentError`, also
  `TypeError`), `ApiError` (› `AuthenticationError`, `PermissionDeniedError`, `NotFoundError`,
  `ConflictError`, `PreconditionFailedError`, `RateLimitError`, `ServerError`), `DecodeError`,
  `TransportError`, `InternalError`, `PolicyEditError` (also `ValueError`),
  `WebhookVerificationError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._client import OPERATIONS, AsyncClient, Client, Operation, RetryPolicy, build_request, parse_response
from ._errors import (
    ApiError,
    AuthenticationError,
    BuildError,
    ConflictError,
    DecodeError,
    InternalError,
    MissingArgumentError,
    NotFoundError,
    PermissionDeniedError,
    PolicyEditError,
    PreconditionFailedError,
    RateLimitError,
    ServerError,
    TailnetError,
    TransportError,
    WebhookVerificationError,
)
from ._model import Model, Secret
from ._native import USER_AGENT, PolicyDocument, __version__
from ._transport import (
    AsyncHttpxTransport,
    AsyncTransport,
    HttpxTransport,
    Observation,
    Request,
    Response,
    ThreadedAsyncTransport,
    Transport,
    UrllibTransport,
)

if TYPE_CHECKING:
    from . import models, webhooks
    from .models import AclTestResult, Device, Key, PolicyFile, PolicyValidation, PolicyView, User, WebhookEvent, WebhookEventType

_LAZY_MODELS = ("AclTestResult", "Device", "Key", "PolicyFile", "PolicyValidation", "PolicyView", "User", "WebhookEvent", "WebhookEventType")


def __getattr__(name: str) -> Any:
    # The ~90 model classes are defined on first use, keeping `import tailnet` cheap.
    if name == "models" or name in _LAZY_MODELS:
        import importlib

        module = importlib.import_module(".models", __name__)
        return module if name == "models" else getattr(module, name)
    if name == "webhooks":
        import importlib

        return importlib.import_module(".webhooks", __name__)
    raise AttributeError(f"module 'tailnet' has no attribute {name!r}")

__all__ = [
    "Client",
    "AsyncClient",
    "RetryPolicy",
    "Operation",
    "OPERATIONS",
    "build_request",
    "parse_response",
    "models",
    "Model",
    "Secret",
    "Device",
    "Key",
    "User",
    "PolicyFile",
    "PolicyValidation",
    "AclTestResult",
    "PolicyView",
    "PolicyDocument",
    "PolicyEditError",
    "webhooks",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookVerificationError",
    "Observation",
    "Request",
    "Response",
    "Transport",
    "AsyncTransport",
    "UrllibTransport",
    "HttpxTransport",
    "AsyncHttpxTransport",
    "ThreadedAsyncTransport",
    "TailnetError",
    "BuildError",
    "MissingArgumentError",
    "ApiError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "PreconditionFailedError",
    "RateLimitError",
    "ServerError",
    "DecodeError",
    "TransportError",
    "InternalError",
    "USER_AGENT",
    "__version__",
]
