"""The exception hierarchy. Every error message is scrubbed of secrets by the core."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Type

__all__ = [
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
    "from_native",
]


class TailnetError(Exception):
    """Base of every error this package raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BuildError(TailnetError, ValueError):
    """A request could not be built: a parameter is missing, malformed or cannot be encoded.
    `parameter` is its name (`deviceId`, `If-Match`, `body.tags`, …)."""

    def __init__(self, parameter: str, reason: str, message: Optional[str] = None) -> None:
        super().__init__(message or f"invalid parameter `{parameter}`: {reason}")
        self.parameter = parameter
        self.reason = reason


class ApiError(TailnetError):
    """The API answered with an error status.

    - `status`, `message`: the HTTP status and the error body's message (or a description);
    - `data`: the error body's `data` (for failed policy tests, a list of `{user, errors, warnings}`);
      `data_kind` is `"aclTests"` or `"other"`; `test_results` the typed policy-test results;
    - `retry_after`: seconds to wait, when the server sent `Retry-After` (`retry_after_at` when it
      sent a date);
    - `body`: the raw body when it is not a JSON error (HTML from a proxy, plain text), secrets masked;
    - `required_scope`: on 403, the OAuth scope the operation needs.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        data: Any = None,
        data_kind: Optional[str] = None,
        retry_after: Optional[float] = None,
        retry_after_at: Optional[datetime] = None,
        body: Optional[str] = None,
        required_scope: Optional[str] = None,
        display: Optional[str] = None,
    ) -> None:
        super().__init__(display or f"API error {status}: {message}")
        self.status = status
        self.api_message = message
        self.data = data
        self.data_kind = data_kind
        self.retry_after = retry_after
        self.retry_after_at = retry_after_at
        self.body = body
        self.required_scope = required_scope

    @property
    def test_results(self) -> List[Any]:
        """Policy-test results (`AclTestResult`) when the error carries them."""
        if self.data_kind != "aclTests" or not isinstance(self.data, list):
            return []
        from .models import AclTestResult

        return [AclTestResult.from_dict(item) for item in self.data]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, message={self.api_message!r})"


class AuthenticationError(ApiError):
    """401: missing, invalid or expired credentials."""


class PermissionDeniedError(ApiError):
    """403: the credentials lack permission; `required_scope` names the OAuth scope needed."""


class NotFoundError(ApiError):
    """404."""


class ConflictError(ApiError):
    """409."""


class PreconditionFailedError(ApiError):
    """412: `If-Match` did not match (someone else changed the policy file)."""


class RateLimitError(ApiError):
    """429: too many requests (`retry_after` says when to try again)."""


class ServerError(ApiError):
    """5xx."""


class DecodeError(TailnetError):
    """A success response whose body does not decode: `path` is the JSON path of the failure,
    `snippet` a short excerpt of the body (secrets masked)."""

    def __init__(self, status: int, path: str, reason: str, snippet: str = "", message: Optional[str] = None) -> None:
        super().__init__(message or f"cannot decode the response (status {status}) at {path}: {reason}")
        self.status = status
        self.path = path
        self.reason = reason
        self.snippet = snippet


class TransportError(TailnetError):
    """No HTTP response: connection refused or reset, TLS, timeout.

    Transports raise it too: `maybe_sent=False` tells the client the request certainly never
    left (so even a non-idempotent call may be retried)."""

    def __init__(self, message: str, *, timed_out: bool = False, maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.timed_out = timed_out
        self.maybe_sent = maybe_sent


class InternalError(TailnetError):
    """A bug in tailnet (a Rust panic was caught); the interpreter keeps running."""


_BY_STATUS: Dict[int, Type[ApiError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    429: RateLimitError,
}


def api_error_class(status: int) -> Type[ApiError]:
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)


def from_native(exc: BaseException) -> TailnetError:
    """Maps a `_native.NativeError(kind, payload, display)` to the public exception."""
    args = getattr(exc, "args", ())
    if len(args) != 3:
        return InternalError(str(exc))
    kind, payload_text, display = args
    try:
        payload: Dict[str, Any] = json.loads(payload_text) or {}
    except ValueError:
        payload = {}
    if kind == "build":
        return BuildError(payload.get("parameter", "?"), payload.get("reason", display), display)
    if kind == "api":
        status = int(payload.get("status", 0))
        data = payload.get("data")
        data_kind = data.get("kind") if isinstance(data, dict) else None
        retry_after: Optional[float] = None
        retry_after_at: Optional[datetime] = None
        ra = payload.get("retryAfter")
        if isinstance(ra, dict):
            if "seconds" in ra:
                retry_after = float(ra["seconds"])
            elif "atUnixSeconds" in ra:
                retry_after_at = datetime.fromtimestamp(ra["atUnixSeconds"], tz=timezone.utc)
                retry_after = max(0.0, float(ra["atUnixSeconds"]) - time.time())
        return api_error_class(status)(
            status,
            payload.get("message", ""),
            data=data.get("value") if isinstance(data, dict) else None,
            data_kind=data_kind,
            retry_after=retry_after,
            retry_after_at=retry_after_at,
            body=payload.get("body"),
            required_scope=payload.get("requiredScope"),
            display=display,
        )
    if kind == "decode":
        return DecodeError(int(payload.get("status", 0)), payload.get("path", "."), payload.get("reason", ""), payload.get("snippet", ""), display)
    if kind == "transport":
        return TransportError(payload.get("message", display), timed_out=bool(payload.get("timedOut")))
    return InternalError(display)
