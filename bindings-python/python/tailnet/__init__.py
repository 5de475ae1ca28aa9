"""tailnet: the whole Tailscale control-plane API (v2) from one Rust core.

    import tailnet
    with tailnet.Client(api_key="tskey-api-…") as client:
        for device in client.list_tailnet_devices(fields="all").devices or []:
            print(device.name, device.last_seen)

- `Client` / `AsyncClient`: one method per operation (snake_case operationId), keyword arguments,
  typed results (`tailnet.models`), retries / OAuth / rate limits decided by the core.
- `build_request` / `parse_response`: the sans-IO surface for your own HTTP stack.
- Errors: `TailnetError` › `BuildError` (also `ValueError`), `ApiError` (› `AuthenticationError`,
  `PermissionDeniedError`, `NotFoundError`, `ConflictError`, `PreconditionFailedError`,
  `RateLimitError`, `ServerError`), `DecodeError`, `TransportError`, `InternalError`.
"""

from __future__ import annotations

from . import models
from ._client import OPERATIONS, AsyncClient, Client, Operation, RetryPolicy, build_request, parse_response
from ._errors import (
    ApiError,
    AuthenticationError,
    BuildError,
    ConflictError,
    DecodeError,
    InternalError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    ServerError,
    TailnetError,
    TransportError,
)
from ._model import Model, Secret
from ._native import USER_AGENT, __version__
from ._transport import (
    AsyncHttpxTransport,
    AsyncTransport,
    HttpxTransport,
    Request,
    Response,
    ThreadedAsyncTransport,
    Transport,
    UrllibTransport,
)
from .models import AclTestResult, Device, Key, PolicyFile, PolicyValidation, User

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
