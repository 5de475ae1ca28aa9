"""The exception hierarchy. Every error message is scrubbed of secrets by the core."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Type

__all__ = [
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
    "PolicyEditError",
    "WebhookVerificationError",
    "MissingSignatureError",
    "MalformedSignatureError",
    "StaleSignatureError",
    "FutureSignatureError",
    "SignatureMismatchError",
    "InvalidWebhookBodyError",
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


class MissingArgumentError(BuildError, TypeError):
    """A client method was called without a required path parameter: a `TypeError`, as Python
    raises for a missing argument, and a `BuildError` naming it (nothing was sent)."""


class ApiError(TailnetError):
    """The API answered with an error status.

    - `status`, `message`: the HTTP status and the error body's message (an OAuth error's
      `error_description`, or a description);
    - `code`: the machine-readable error code when the server sent one (an OAuth error's `error`,
      such as `invalid_client`);
    - `data`: the error body's `data` (for failed policy tests, a list of `{user, errors, warnings}`);
      `data_kind` is `"aclTests"` or `"other"`; `test_results` the typed policy-test results;
    - `retry_after`: seconds to wait, when the server sent `Retry-After` (`retry_after_at` when it
      sent a date);
    - `body`: the raw body when it is not a JSON error (HTML from a proxy, plain text), secrets masked;
    - `required_scope`: on a 403 that says a scope or permission is missing, the OAuth scope the
      operation needs (None for other refusals, such as a tag the credential may not assign).
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
        code: Optional[str] = None,
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
        self.code = code

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


class PolicyEditError(TailnetError, ValueError):
    """A policy document could not be parsed or edited: `path` is the path (list of keys) of the
    failed edit (None for a parse error), `reason` why; `kind` is `parse`, `not_an_object`,
    `path` (the path does not fit the document) or `value` (the value is not JSON)."""

    def __init__(self, message: str, *, path: Optional[List[str]] = None, reason: str = "", kind: str = "path") -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason or message
        self.kind = kind

    def __repr__(self) -> str:
        return f"PolicyEditError({self.message!r}, path={self.path!r})"


class WebhookVerificationError(TailnetError):
    """A webhook delivery was rejected. `reason` is one of `missing`, `malformed`, `stale`,
    `future`, `mismatch`, `invalid_body`, `empty_secret`; each but the last has its own subclass.
    Never carries the secret or the expected signature."""

    reason: str = "unknown"

    def __init__(self, message: str, *, reason: Optional[str] = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, reason={self.reason!r})"


class MissingSignatureError(WebhookVerificationError):
    """The `Tailscale-Webhook-Signature` header is missing or empty."""

    reason = "missing"


class MalformedSignatureError(WebhookVerificationError):
    """The signature header is garbled (`detail` says how)."""

    reason = "malformed"

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class StaleSignatureError(WebhookVerificationError):
    """The signature's timestamp is older than the tolerance (a replay?)."""

    reason = "stale"

    def __init__(self, message: str, *, age_seconds: int = 0, tolerance_seconds: int = 0) -> None:
        super().__init__(message)
        self.age_seconds = age_seconds
        self.tolerance_seconds = tolerance_seconds


class FutureSignatureError(WebhookVerificationError):
    """The signature's timestamp is further in the future than the tolerance."""

    reason = "future"

    def __init__(self, message: str, *, ahead_seconds: int = 0, tolerance_seconds: int = 0) -> None:
        super().__init__(message)
        self.ahead_seconds = ahead_seconds
        self.tolerance_seconds = tolerance_seconds


class SignatureMismatchError(WebhookVerificationError):
    """No signature in the header matches the body and secret (tampered body or wrong secret)."""

    reason = "mismatch"


class InvalidWebhookBodyError(WebhookVerificationError):
    """The body is not a JSON array of events (`detail` says why)."""

    reason = "invalid_body"

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


_WEBHOOK_ERRORS: Dict[str, Type[WebhookVerificationError]] = {
    cls.__name__: cls
    for cls in (WebhookVerificationError, MissingSignatureError, MalformedSignatureError, StaleSignatureError, FutureSignatureError, SignatureMismatchError, InvalidWebhookBodyError)
}
#: The core's payload members (`WebhookError::to_json`) and the attributes they become.
_WEBHOOK_DETAILS = {"reason": "reason", "detail": "detail", "ageSeconds": "age_seconds", "aheadSeconds": "ahead_seconds", "toleranceSeconds": "tolerance_seconds"}


def _webhook_error(payload: Dict[str, Any], display: str) -> WebhookVerificationError:
    """The class the core names (`errorClass`, `tailnet::webhooks::WebhookError::class_name`)."""
    error = _WEBHOOK_ERRORS.get(str(payload.get("errorClass")), WebhookVerificationError)(display)
    for member, attribute in _WEBHOOK_DETAILS.items():
        if member in payload:
            setattr(error, attribute, payload[member])
    return error


_API_ERROR_CLASSES: Dict[str, Type[ApiError]] = {
    cls.__name__: cls
    for cls in (ApiError, AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError, PreconditionFailedError, RateLimitError, ServerError)
}


def api_error_class(name: str) -> Type[ApiError]:
    """The class the core names for an API error (`tailnet::error::api_error_class`)."""
    return _API_ERROR_CLASSES.get(name, ApiError)


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
        return api_error_class(str(payload.get("errorClass", "")))(
            status,
            payload.get("message", ""),
            data=data.get("value") if isinstance(data, dict) else None,
            data_kind=data_kind,
            retry_after=retry_after,
            retry_after_at=retry_after_at,
            body=payload.get("body"),
            required_scope=payload.get("requiredScope"),
            code=payload.get("code"),
            display=display,
        )
    if kind == "decode":
        return DecodeError(int(payload.get("status", 0)), payload.get("path", "."), payload.get("reason", ""), payload.get("snippet", ""), display)
    if kind == "policy":
        path = payload.get("path")
        return PolicyEditError(display, path=list(path) if isinstance(path, list) else None, reason=str(payload.get("reason", "")), kind=str(payload.get("variant", "path")))
    if kind == "webhook":
        return _webhook_error(payload, display)
    if kind == "transport":
        return TransportError(payload.get("message", display), timed_out=bool(payload.get("timedOut")))
    return InternalError(display)
