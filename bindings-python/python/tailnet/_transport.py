"""Transports: the only code that does IO. A transport sends one request and returns the whole
response; it never retries, authenticates or parses (the core decides all of that).

Plug in anything with `send(request) -> Response` (`Transport`) or
`async send(request) -> Response` (`AsyncTransport`). A transport reports "no response" by
raising `TransportError` (`maybe_sent=False` when the request certainly never left)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, TypedDict

from ._errors import TransportError
from . import _native
from ._native import redact

if TYPE_CHECKING:
    import urllib.request

# urllib, http.client and asyncio are imported when a transport is first made, so that
# `import tailnet` stays cheap.

try:  # Python 3.8+: typing.Protocol
    from typing import Protocol, runtime_checkable
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol, runtime_checkable  # type: ignore[assignment]

__all__ = [
    "Observation",
    "Request",
    "Response",
    "Transport",
    "AsyncTransport",
    "UrllibTransport",
    "HttpxTransport",
    "AsyncHttpxTransport",
    "ThreadedAsyncTransport",
    "default_async_transport",
    "DEFAULT_MAX_RESPONSE_BYTES",
]

class Observation(TypedDict, total=False):
    """One event of a call, recorded by the core and handed to a client's `observer=` (logging,
    metrics): a plain dict with snake_case keys, every secret already masked (`[redacted]`).

    Every observation has `event` (`"request"`: an attempt is about to be sent; `"response"`: it
    ended), `operation` (the operationId), `method`, `url` and `attempt` (from 1, across retries;
    OAuth token requests included). A request adds `headers` (`(name, value)` pairs) and `body`
    (its first 4096 bytes as text); a response adds `status` (None after a transport failure),
    `duration_ms`, `body_bytes` and `error` (the transport failure's message, or None)."""

    event: str
    operation: str
    method: str
    url: str
    attempt: int
    headers: List[Tuple[str, str]]
    body: str
    status: Optional[int]
    duration_ms: int
    body_bytes: int
    error: Optional[str]


#: Bodies larger than this are refused, so a hostile server cannot exhaust memory (the core's cap).
DEFAULT_MAX_RESPONSE_BYTES: int = _native.DEFAULT_MAX_RESPONSE_BYTES

_SENSITIVE = ("authorization", "cookie", "proxy-authorization")


class Request:
    """An HTTP request built by the core: method, absolute URL (already percent-encoded),
    headers, body bytes, and the timeout the client was configured with (seconds or None)."""

    __slots__ = ("method", "url", "headers", "body", "timeout")

    def __init__(self, method: str, url: str, headers: Sequence[Tuple[str, str]], body: bytes, timeout: Optional[float] = None) -> None:
        self.method = method
        self.url = url
        self.headers: Dict[str, str] = dict(headers)
        self.body = body
        self.timeout = timeout

    def __repr__(self) -> str:
        shown = {k: ("[redacted]" if k.lower() in _SENSITIVE else v) for k, v in self.headers.items()}
        body = redact(self.body.decode("utf-8", "replace")) if self.body else ""
        return f"Request(method={self.method!r}, url={self.url!r}, headers={shown!r}, body={body!r})"


class Response:
    """An HTTP response: status, headers as (name, value) pairs, the whole body."""

    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: Sequence[Tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers: List[Tuple[str, str]] = list(headers)
        self.body = body

    def header(self, name: str) -> Optional[str]:
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None

    def __repr__(self) -> str:
        return f"Response(status={self.status}, headers={len(self.headers)}, body=<{len(self.body)} bytes>)"


@runtime_checkable
class Transport(Protocol):
    def send(self, request: Request) -> Response: ...


@runtime_checkable
class AsyncTransport(Protocol):
    async def send(self, request: Request) -> Response: ...


def _no_redirect_handler() -> Any:
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        # The API does not redirect; following one could carry the Authorization header elsewhere.
        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
            return None

    return _NoRedirect()


def _classify(exc: BaseException) -> TransportError:
    """A stdlib network exception as a TransportError (was it sent? did it time out?)."""
    import socket
    import urllib.error

    reason: BaseException = exc
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
        reason = exc.reason
    message = redact(f"{type(reason).__name__}: {reason}")
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return TransportError(message or "timed out", timed_out=True, maybe_sent=True)
    if isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
        return TransportError(message, maybe_sent=False)
    return TransportError(message, maybe_sent=True)


class UrllibTransport:
    """The default synchronous transport: the standard library's `urllib` (no dependency).
    Proxies come from the environment (`https_proxy`, `no_proxy`); redirects are not followed."""

    def __init__(self, *, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES, opener: "Optional[urllib.request.OpenerDirector]" = None) -> None:
        import urllib.request

        self.max_response_bytes = max_response_bytes
        self._opener = opener or urllib.request.build_opener(_no_redirect_handler())

    def _read(self, stream: Any) -> bytes:
        body: bytes = stream.read(self.max_response_bytes + 1)
        if len(body) > self.max_response_bytes:
            raise TransportError(f"response larger than the {self.max_response_bytes} byte limit", maybe_sent=True)
        return body

    def send(self, request: Request) -> Response:
        import http.client
        import urllib.error
        import urllib.request

        req = urllib.request.Request(request.url, data=request.body or None, headers=request.headers, method=request.method)
        try:
            with self._opener.open(req, timeout=request.timeout) as resp:
                return Response(resp.status, resp.headers.items(), self._read(resp))
        except urllib.error.HTTPError as err:  # a response with an error status: not a failure here
            try:
                body = self._read(err) if err.fp is not None else b""
            except (OSError, http.client.HTTPException) as exc:
                raise _classify(exc) from None
            finally:
                err.close()
            return Response(err.code, err.headers.items() if err.headers else [], body)
        except TransportError:
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise _classify(exc) from None

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return "UrllibTransport()"


def _httpx_failure(exc: BaseException) -> TransportError:
    import httpx

    message = redact(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, httpx.TimeoutException):
        return TransportError(message, timed_out=True, maybe_sent=not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)))
    if isinstance(exc, httpx.ConnectError):
        return TransportError(message, maybe_sent=False)
    return TransportError(message, maybe_sent=True)


class HttpxTransport:
    """A synchronous transport over `httpx.Client` (pooled connections)."""

    def __init__(self, client: Any = None, *, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        import httpx

        self._client = client or httpx.Client(follow_redirects=False)
        self.max_response_bytes = max_response_bytes

    def send(self, request: Request) -> Response:
        import httpx

        try:
            with self._client.stream(request.method, request.url, headers=request.headers, content=request.body or None, timeout=request.timeout) as resp:
                body = bytearray()
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > self.max_response_bytes:
                        raise TransportError(f"response larger than the {self.max_response_bytes} byte limit")
                return Response(resp.status_code, resp.headers.multi_items(), bytes(body))
        except httpx.HTTPError as exc:
            raise _httpx_failure(exc) from None

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return "HttpxTransport()"


class AsyncHttpxTransport:
    """The default asyncio transport when httpx is installed (`pip install tailnet[httpx]`)."""

    def __init__(self, client: Any = None, *, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES) -> None:
        import httpx

        self._client = client or httpx.AsyncClient(follow_redirects=False, limits=httpx.Limits(max_connections=100))
        self.max_response_bytes = max_response_bytes

    async def send(self, request: Request) -> Response:
        import httpx

        try:
            async with self._client.stream(request.method, request.url, headers=request.headers, content=request.body or None, timeout=request.timeout) as resp:
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_response_bytes:
                        raise TransportError(f"response larger than the {self.max_response_bytes} byte limit")
                return Response(resp.status_code, resp.headers.multi_items(), bytes(body))
        except httpx.HTTPError as exc:
            raise _httpx_failure(exc) from None

    async def aclose(self) -> None:
        await self._client.aclose()

    def __repr__(self) -> str:
        return "AsyncHttpxTransport()"


class ThreadedAsyncTransport:
    """The stdlib asyncio fallback: a synchronous transport run in the default thread pool."""

    def __init__(self, transport: Optional[Transport] = None) -> None:
        self._transport: Transport = transport or UrllibTransport()

    async def send(self, request: Request) -> Response:
        import asyncio

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._transport.send, request)

    async def aclose(self) -> None:
        close = getattr(self._transport, "close", None)
        if close is not None:
            close()

    def __repr__(self) -> str:
        return f"ThreadedAsyncTransport({self._transport!r})"


def default_async_transport() -> AsyncTransport:
    """httpx when it is installed, otherwise urllib in a thread pool."""
    try:
        import httpx  # noqa: F401
    except ImportError:
        return ThreadedAsyncTransport()
    return AsyncHttpxTransport()
