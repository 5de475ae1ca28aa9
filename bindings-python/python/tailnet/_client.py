"""`Client` and `AsyncClient`: one method per registry operation, stamped at import time.

The loop is the core's (`_native.Call`, and `_native.PolicyUpdate` for the policy
read-modify-write): it decides credentials (OAuth tokens fetched once for all concurrent calls),
retries and their delays, rate limiting, the conditional write and its re-reads. This module only
sends what the core asks for, sleeps as long as the core says and runs the caller's policy edit.
Typed results (`tailnet.models`) and the exception hierarchy (`tailnet._errors`) are applied on
the way out.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Generator, List, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union, cast

from . import _native
from ._native import PolicyDocument
from ._errors import BuildError, MissingArgumentError, TransportError, from_native
from ._model import Secret, convert
from ._transport import AsyncTransport, Observation, Request, Response, Transport, UrllibTransport, default_async_transport

__all__ = ["Client", "AsyncClient", "RetryPolicy", "Operation", "OPERATIONS", "build_request", "parse_response"]

_NativeError = _native.NativeError
_RETRY = _native.RETRY_DEFAULT  # the core's retry defaults: (max_attempts, base_delay, max_delay, budget)
_Machine = Union[_native.Call, _native.PolicyUpdate]


class Operation:
    """One API operation from the registry."""

    __slots__ = ("id", "name", "method", "path", "authenticated", "idempotent", "scopes", "result_spec", "params", "positional", "body_fields", "wrap")

    def __init__(self, row: Tuple[Any, ...]) -> None:
        (self.id, self.name, self.method, self.path, self.authenticated, self.idempotent, scopes, self.result_spec, params, positional, body) = row
        self.scopes: Tuple[str, ...] = tuple(scopes)
        self.params: Tuple[Tuple[str, str], ...] = tuple(params)
        #: `(wire, name)` of the parameters a method takes positionally: the path parameters in
        #: path order, except `tailnet` (a keyword defaulting to the client's).
        self.positional: Tuple[Tuple[str, str], ...] = tuple(positional)
        self.body_fields: Tuple[Tuple[str, str], ...] = tuple(body)
        spec = self.result_spec
        if spec == "n":
            self.wrap: Callable[[Any], Any] = lambda raw: None
        else:
            conv = convert(spec)
            self.wrap = lambda raw: None if raw is None else conv(raw)

    def __repr__(self) -> str:
        return f"Operation({self.id!r}, {self.method} {self.path})"

    def bind(self, args: Tuple[Any, ...], params: Dict[str, Any]) -> Dict[str, Any]:
        """Puts positional arguments under their parameter names, as Python would (`TypeError`
        for too many, a duplicate or a missing path parameter)."""
        positional = self.positional
        if len(args) > len(positional):
            expected = f"{len(positional)} positional argument{'' if len(positional) == 1 else 's'}"
            raise TypeError(f"{self.name}() takes {expected} but {len(args)} {'was' if len(args) == 1 else 'were'} given")
        for (wire, name), value in zip(positional, args):
            if name in params or wire in params:
                raise TypeError(f"{self.name}() got multiple values for argument '{name}'")
            params[name] = value
        for wire, name in positional[len(args):]:
            if name not in params and wire not in params:
                raise MissingArgumentError(wire, "is required", f"{self.name}() missing required argument: '{name}'")
        return params


#: Every operation, in registry order.
OPERATIONS: List[Operation] = [Operation(row) for row in _native.operations()]
_BY_KEY: Dict[str, Operation] = {}
for _op in OPERATIONS:
    _BY_KEY[_op.id] = _op
    _BY_KEY[_op.name] = _op


def _operation(operation_id: str) -> Operation:
    op = _BY_KEY.get(operation_id)
    if op is None:
        raise BuildError("operationId", f"unknown operation {operation_id!r}")
    return op


class RetryPolicy:
    """Limits for retrying one call (the core decides when a retry is safe: 429 always, 5xx and
    connection failures only for idempotent operations unless the request never left)."""

    __slots__ = ("max_attempts", "base_delay", "max_delay", "budget")

    def __init__(self, max_attempts: int = _RETRY[0], base_delay: float = _RETRY[1], max_delay: float = _RETRY[2], budget: float = _RETRY[3]) -> None:
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.budget = budget

    @classmethod
    def none(cls) -> "RetryPolicy":
        return cls(max_attempts=1)

    def __repr__(self) -> str:
        return f"RetryPolicy(max_attempts={self.max_attempts}, base_delay={self.base_delay}, max_delay={self.max_delay}, budget={self.budget})"


def _reveal(value: Union[str, Secret, None]) -> Optional[str]:
    if value is None:
        return None
    return value.reveal() if isinstance(value, Secret) else str(value)


def _secret(kind: str, name: str, value: Union[str, Secret], **more: Any) -> Dict[str, Any]:
    """A `tailnet::ClientAuth` in its JSON form."""
    return {"kind": kind, name: _reveal(value), **more}


_C = TypeVar("_C", bound="_BaseClient")


class _BaseClient:
    def __init__(
        self,
        api_key: Union[str, Secret, None] = None,
        *,
        tailnet: str = _native.DEFAULT_TAILNET,
        base_url: str = _native.DEFAULT_BASE_URL,
        timeout: Optional[float] = 30.0,
        retry: Optional[RetryPolicy] = None,
        rate_limit: Optional[Tuple[float, int]] = None,
        user_agent: Optional[str] = None,
        access_token: Union[str, Secret, None] = None,
        basic_auth: bool = False,
        observer: Optional[Callable[[Observation], object]] = None,
        _auth: Optional[Dict[str, Any]] = None,
    ) -> None:
        if observer is not None and not callable(observer):
            raise BuildError("observer", "must be a callable taking one observation")
        if _auth is None and access_token is not None:
            _auth = _secret("accessToken", "accessToken", access_token)
        elif _auth is None and api_key is not None:
            _auth = _secret("apiKey", "apiKey", api_key, basic=basic_auth)
        retry = retry or RetryPolicy()
        # `tailnet::ClientOptions`: the core checks each option (naming it) and builds the session.
        options: Dict[str, Any] = {
            "baseUrl": base_url,
            "tailnet": tailnet,
            "userAgent": user_agent,
            "auth": _auth or {"kind": "none"},
            "retry": {"maxAttempts": retry.max_attempts, "baseDelayMs": retry.base_delay * 1000, "maxDelayMs": retry.max_delay * 1000, "budgetMs": retry.budget * 1000},
            "rateLimit": {"perSecond": rate_limit[0], "burst": rate_limit[1]} if rate_limit else None,
            "observe": observer is not None,
        }
        try:
            self._session = _native.Session(options)
        except _NativeError as exc:
            raise from_native(exc) from None
        self._auth_kind: str = options["auth"]["kind"]
        self._timeout = timeout
        self._observer = observer

    @classmethod
    def from_oauth(cls: Type[_C], client_id: str, client_secret: Union[str, Secret], scopes: Sequence[str] = (), **kwargs: Any) -> _C:
        """OAuth client credentials: tokens are fetched once, cached and refreshed before expiry."""
        return cls(_auth=_secret("oauth", "clientSecret", client_secret, clientId=client_id, scopes=list(scopes)), **kwargs)

    @classmethod
    def from_workload_identity(cls: Type[_C], client_id: str, id_token: Union[str, Secret], **kwargs: Any) -> _C:
        """Workload identity federation: an OIDC ID token exchanged for access tokens."""
        return cls(_auth=_secret("workloadIdentity", "idToken", id_token, clientId=client_id), **kwargs)

    @property
    def base_url(self) -> str:
        value: str = self._session.base_url
        return value

    @property
    def tailnet(self) -> str:
        value: str = self._session.tailnet
        return value

    @property
    def token_fetches(self) -> int:
        """OAuth token requests made so far (0 for API keys)."""
        value: int = self._session.token_fetches()
        return value

    def set_id_token(self, id_token: Union[str, Secret]) -> None:
        """Replaces the OIDC ID token of a workload-identity client (they expire too)."""
        self._session.set_id_token(_reveal(id_token))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, tailnet={self.tailnet!r}, auth={self._auth_kind!r}, transport={getattr(self, '_transport', None)!r})"

    def _report(self, machine: "_Machine") -> None:
        """Hands the core's observations (secrets masked) to the observer; what it raises is
        ignored: an observer must not break the call."""
        observer = self._observer
        if observer is None:
            return
        for observation in machine.take_observations():
            try:
                observer(cast(Observation, observation))
            except Exception:  # noqa: BLE001
                pass

    def _steps(self, new: "Callable[[], _Machine]") -> Generator[Any, Any, Any]:
        """The loop of both clients over a core state machine (`_native.Call` or
        `_native.PolicyUpdate`): yields a `Request` to send (and takes back the `Response`, or the
        exception the transport raised), seconds to sleep, or a `PolicyDocument` to edit in place;
        returns the raw result. The core decides everything else."""
        session = self._session
        try:
            machine = new()
            while True:
                try:
                    step = machine.poll(session)
                finally:
                    self._report(machine)
                tag = step[0]
                if tag == 0:
                    outcome = yield Request(step[1], step[2], step[3], step[4], self._timeout)
                    if isinstance(outcome, TransportError):
                        machine.on_transport_error(session, outcome.message, outcome.maybe_sent, outcome.timed_out)
                    elif isinstance(outcome, BaseException):  # a third-party transport's own exception
                        timed_out = isinstance(outcome, TimeoutError) or type(outcome).__name__ == "TimeoutError"
                        machine.on_transport_error(session, f"{type(outcome).__name__}: {outcome}", True, timed_out)
                    else:
                        machine.on_response(session, outcome.status, outcome.headers, outcome.body)
                    self._report(machine)
                elif tag == 1:
                    yield float(step[1])
                elif tag == 3:
                    yield step[1]
                    machine.edited(step[1])
                else:
                    return step[1]
        except _NativeError as exc:
            raise from_native(exc) from None


class Client(_BaseClient):
    """The Tailscale API, synchronously: `Client(api_key=...)`, `Client.from_oauth(...)`.

    One method per operation (`list_tailnet_devices`, `set_device_tags`, …): path parameters
    positional or by keyword (`get_device("n123")`), query, header and body fields as keywords;
    results are typed `tailnet.models` objects."""

    def __init__(self, api_key: Union[str, Secret, None] = None, *, transport: Optional[Transport] = None, **kwargs: Any) -> None:
        super().__init__(api_key, **kwargs)
        self._transport: Transport = transport if transport is not None else UrllibTransport()

    def call(self, operation_id: str, *args: Any, **params: Any) -> Any:
        """Calls any operation by `operationId` or snake_case name (path parameters may be positional)."""
        op = _operation(operation_id)
        return self._run(op, _call_of(op, args, params))

    def _run(self, op: Operation, new: "Callable[[], _Machine]", edit: Optional[Callable[[PolicyDocument], object]] = None) -> Any:
        steps = self._steps(new)
        outcome: Any = None
        while True:
            try:
                action = steps.send(outcome)
            except StopIteration as done:
                return op.wrap(done.value)
            outcome = None
            if isinstance(action, Request):
                try:
                    outcome = self._transport.send(action)
                except Exception as exc:  # reported to the core (a BaseException propagates)
                    outcome = exc
            elif isinstance(action, float):
                time.sleep(action)
            elif edit is not None:
                edit(action)

    def update_policy_file(
        self,
        edit: Callable[[PolicyDocument], object],
        *,
        max_attempts: int = _native.POLICY_MAX_ATTEMPTS,
        allow_allow_all: bool = False,
        replace_default_only: bool = False,
    ) -> Any:
        """Safe read-modify-write of the policy file: GET (HuJSON, ETag) → `edit(document)` (mutate
        the `PolicyDocument`; comments and formatting are kept) → POST with `If-Match`; when another
        writer won (412), re-read and re-apply, up to `max_attempts` reads. The core decides the
        write: nothing when the edit changed nothing, `If-Match` with the ETag read (or
        `"ts-default"` with `replace_default_only`), and a refusal (`BuildError`) of a policy with
        neither `acls` nor `grants` — allow-all — unless `allow_allow_all`."""
        new = lambda: _native.PolicyUpdate(max_attempts=max_attempts, allow_allow_all=allow_allow_all, replace_default_only=replace_default_only)  # noqa: E731
        return self._run(_POLICY, new, edit)

    def close(self) -> None:
        close = getattr(self._transport, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncClient(_BaseClient):
    """The Tailscale API for asyncio: the same methods as `Client`, as coroutines. Concurrent
    calls share one OAuth token (one token request however many calls start at once)."""

    def __init__(self, api_key: Union[str, Secret, None] = None, *, transport: Optional[AsyncTransport] = None, **kwargs: Any) -> None:
        super().__init__(api_key, **kwargs)
        self._transport: AsyncTransport = transport if transport is not None else default_async_transport()

    async def call(self, operation_id: str, *args: Any, **params: Any) -> Any:
        op = _operation(operation_id)
        return await self._run(op, _call_of(op, args, params))

    async def _run(self, op: Operation, new: "Callable[[], _Machine]", edit: Optional[Callable[[PolicyDocument], object]] = None) -> Any:
        import asyncio
        import inspect

        steps = self._steps(new)
        outcome: Any = None
        while True:
            try:
                action = steps.send(outcome)
            except StopIteration as done:
                return op.wrap(done.value)
            outcome = None
            if isinstance(action, Request):
                try:
                    outcome = await self._transport.send(action)
                except Exception as exc:  # reported to the core (CancelledError is a BaseException: it propagates)
                    outcome = exc
            elif isinstance(action, float):
                await asyncio.sleep(action)
            elif edit is not None:
                edited = edit(action)
                if inspect.isawaitable(edited):
                    await edited

    async def update_policy_file(
        self,
        edit: Callable[[PolicyDocument], object],
        *,
        max_attempts: int = _native.POLICY_MAX_ATTEMPTS,
        allow_allow_all: bool = False,
        replace_default_only: bool = False,
    ) -> Any:
        """As `Client.update_policy_file`; `edit` may be a plain function or a coroutine function."""
        new = lambda: _native.PolicyUpdate(max_attempts=max_attempts, allow_allow_all=allow_allow_all, replace_default_only=replace_default_only)  # noqa: E731
        return await self._run(_POLICY, new, edit)

    async def aclose(self) -> None:
        close = getattr(self._transport, "aclose", None)
        if close is not None:
            await close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


_POLICY = _operation("getPolicyFile")  # how a policy update's result is typed (a PolicyFile)


def _call_of(op: Operation, args: Tuple[Any, ...], params: Dict[str, Any]) -> "Callable[[], _Machine]":
    params = op.bind(args, params)
    return lambda: _native.Call(op.id, params)


def _stamp(op: Operation) -> None:
    # The same text as the stubs' docstring: the spec's reference, formatted by the core binding.
    doc = _native.operation_doc(op.id)

    def sync_method(self: Client, *args: Any, **params: Any) -> Any:
        return self._run(op, _call_of(op, args, params))

    async def async_method(self: AsyncClient, *args: Any, **params: Any) -> Any:
        return await self._run(op, _call_of(op, args, params))

    for cls, fn in ((Client, sync_method), (AsyncClient, async_method)):
        fn.__name__ = op.name
        fn.__qualname__ = f"{cls.__name__}.{op.name}"
        fn.__doc__ = doc
        setattr(cls, op.name, fn)


for _op in OPERATIONS:
    _stamp(_op)


def build_request(
    operation_id: str,
    *,
    base_url: Optional[str] = None,
    api_key: Union[str, Secret, None] = None,
    basic_auth: bool = False,
    user_agent: Optional[str] = None,
    **params: Any,
) -> Request:
    """Builds the HTTP request of any operation, for your own HTTP stack.

    `params` are the operation's keyword arguments (path, query, header and body fields, snake_case
    or wire names); `tailnet` defaults to `-` (the credential's tailnet)."""
    op = _operation(operation_id)
    options = {"baseUrl": base_url, "tailnet": params.pop("tailnet", None), "userAgent": user_agent}
    if api_key is not None:
        options["auth"] = _secret("apiKey", "apiKey", api_key, basic=basic_auth)
    try:
        method, url, headers, body = _native.build_request(op.id, params, options)
    except _NativeError as exc:
        raise from_native(exc) from None
    return Request(method, url, headers, body)


def parse_response(
    operation_id: str,
    status: int,
    headers: Union[Mapping[str, str], Sequence[Tuple[str, str]], None] = None,
    body: Union[bytes, str] = b"",
) -> Any:
    """Parses an HTTP response of any operation into its typed result, or raises the typed error."""
    op = _operation(operation_id)
    if headers is None:
        pairs: List[Tuple[str, str]] = []
    elif isinstance(headers, Mapping):
        pairs = list(headers.items())
    else:
        pairs = list(headers)
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        raw = _native.parse_response(op.id, status, pairs, body)
    except _NativeError as exc:
        raise from_native(exc) from None
    return op.wrap(raw)

