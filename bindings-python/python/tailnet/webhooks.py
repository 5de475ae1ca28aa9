"""Webhook deliveries: verify the signature, get typed events.

    from tailnet import webhooks

    events = webhooks.verify(request.headers, request.body, secret)   # raises WebhookVerificationError
    for event in events:
        if event.type == webhooks.WebhookEventType.NODE_CREATED and event.data:
            print(event.data.node_id)

Tailscale signs each delivery in `Tailscale-Webhook-Signature: t=<unix seconds>,v1=<hex>`: an
HMAC-SHA256 over `"<t>.<raw body>"` keyed by the endpoint's secret (several `v1=` while a secret
is rotated). The core checks it in constant time and rejects timestamps further than `tolerance`
seconds from `now` (both ways). Pass the raw body bytes exactly as received. The secret never
appears in a repr, a message or an exception.
"""

from __future__ import annotations

import math
import time
from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from ._errors import (
    FutureSignatureError,
    InvalidWebhookBodyError,
    MalformedSignatureError,
    MissingSignatureError,
    SignatureMismatchError,
    StaleSignatureError,
    WebhookVerificationError,
    from_native,
)
from ._model import Secret, convert
from .models import WebhookEvent, WebhookEventData, WebhookEventType

__all__ = [
    "verify",
    "parse_events",
    "sign",
    "signature_header",
    "WebhookVerifier",
    "WebhookEvent",
    "WebhookEventData",
    "WebhookEventType",
    "WebhookVerificationError",
    "MissingSignatureError",
    "MalformedSignatureError",
    "StaleSignatureError",
    "FutureSignatureError",
    "SignatureMismatchError",
    "InvalidWebhookBodyError",
    "SIGNATURE_HEADER",
    "DEFAULT_TOLERANCE",
]

#: The header that carries the signature.
SIGNATURE_HEADER: str = _native.WEBHOOK_SIGNATURE_HEADER
#: Default tolerance, in seconds, between the signature's timestamp and `now`.
DEFAULT_TOLERANCE: int = _native.WEBHOOK_DEFAULT_TOLERANCE

#: A header value, or headers: a mapping (any case; WSGI `HTTP_…` keys too) or (name, value) pairs
#: (str or bytes, as ASGI gives them).
HeadersOrSignature = Union[str, bytes, Mapping[str, Any], Mapping[bytes, Any], Iterable[Tuple[Any, Any]], None]
Body = Union[bytes, bytearray, memoryview, str]

_NAME = SIGNATURE_HEADER.lower()
_WSGI_NAME = "http_" + _NAME.replace("-", "_")
_TO_EVENTS = convert("[M:WebhookEvent]")


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def signature_header(headers: HeadersOrSignature) -> Optional[str]:
    """The signature header's value from a header value or headers (None when absent). Several
    occurrences are joined with `,` (the core then rejects an ambiguous header)."""
    if headers is None:
        return None
    if isinstance(headers, (str, bytes, bytearray)):
        return _text(headers)
    items: Iterable[Any]
    if hasattr(headers, "items"):
        items = headers.items()
    else:
        items = headers
    values: List[str] = []
    for pair in items:
        try:
            key, value = pair
        except (TypeError, ValueError):
            raise TypeError("headers must be a mapping or (name, value) pairs") from None
        name = _text(key).strip().lower()
        if name != _NAME and name != _WSGI_NAME:
            continue
        if isinstance(value, (list, tuple)):
            values.extend(_text(v) for v in value)
        elif value is not None:
            values.append(_text(value))
    return ",".join(values) if values else None


def _body(body: Body) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    raise TypeError(f"the body must be the raw bytes of the delivery, not {type(body).__name__}")


def _secret(secret: Union[str, Secret]) -> str:
    if isinstance(secret, Secret):
        return secret.reveal()
    if not isinstance(secret, str):
        raise TypeError(f"the webhook secret must be a str or tailnet.Secret, not {type(secret).__name__}")
    return secret


def _seconds(name: str, value: Union[int, float]) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative number of seconds")
    return int(value)


def verify(
    headers_or_signature: HeadersOrSignature,
    body: Body,
    secret: Union[str, Secret],
    *,
    now: Union[int, float, None] = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> List[WebhookEvent]:
    """Verifies a delivery and returns its events.

    `headers_or_signature`: the request's headers (the `Tailscale-Webhook-Signature` header is
    found whatever its case) or the header's value. `body`: the raw body, exactly as received.
    `now`: Unix seconds (default `time.time()`). Raises a `WebhookVerificationError` subclass:
    `MissingSignatureError`, `MalformedSignatureError`, `StaleSignatureError`,
    `FutureSignatureError`, `SignatureMismatchError`, `InvalidWebhookBodyError`."""
    header = signature_header(headers_or_signature)
    raw = _body(body)
    key = _secret(secret)
    at = _seconds("now", time.time() if now is None else now)
    window = _seconds("tolerance", tolerance)
    try:
        events = _native.webhook_verify(header, raw, key, at, window)
    except _native.NativeError as exc:
        raise from_native(exc) from None
    result: List[WebhookEvent] = _TO_EVENTS(events)
    return result


def parse_events(body: Body) -> List[WebhookEvent]:
    """Parses a delivery's body (a JSON array of events) WITHOUT verifying it."""
    try:
        events = _native.webhook_parse_events(_body(body))
    except _native.NativeError as exc:
        raise from_native(exc) from None
    result: List[WebhookEvent] = _TO_EVENTS(events)
    return result


def sign(body: Body, secret: Union[str, Secret], timestamp: Union[int, float]) -> str:
    """The signature header value Tailscale would send for `body` at `timestamp` (for tests and
    fakes): `t=<timestamp>,v1=<hex>`."""
    try:
        header: str = _native.webhook_sign(_body(body), _secret(secret), _seconds("timestamp", timestamp))
    except _native.NativeError as exc:
        raise from_native(exc) from None
    return header


class WebhookVerifier:
    """A webhook endpoint's secret and tolerance, for handlers: `verifier.verify(headers, body)`.
    Its repr never shows the secret."""

    __slots__ = ("_secret", "tolerance")

    def __init__(self, secret: Union[str, Secret], *, tolerance: int = DEFAULT_TOLERANCE) -> None:
        self._secret = Secret(_secret(secret))
        self.tolerance = _seconds("tolerance", tolerance)

    def verify(self, headers_or_signature: HeadersOrSignature, body: Body, *, now: Union[int, float, None] = None) -> List[WebhookEvent]:
        return verify(headers_or_signature, body, self._secret, now=now, tolerance=self.tolerance)

    def sign(self, body: Body, timestamp: Union[int, float]) -> str:
        return sign(body, self._secret, timestamp)

    def __repr__(self) -> str:
        return f"WebhookVerifier(secret=[redacted], tolerance={self.tolerance})"

    def __reduce__(self) -> Any:
        raise TypeError("a WebhookVerifier holds a secret and is not pickled")
