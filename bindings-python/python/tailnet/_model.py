"""The runtime behind every generated model class: lazy typed attributes over the wire JSON."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Callable, ClassVar, Dict, Iterator, List, Mapping, Optional, Tuple

from ._native import JsonNode

__all__ = ["Model", "Secret", "StrEnum", "parse_timestamp", "convert", "to_wire"]

REDACTED = "[redacted]"


class Secret:
    """A secret string (API key, auth key, webhook or client secret). It never prints:
    `repr()` and `str()` give ``[redacted]``; call `reveal()` to get the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        object.__setattr__(self, "_value", str(value))

    def reveal(self) -> str:
        """The secret itself. Use it only to send it or to show it to the user once."""
        value: str = object.__getattribute__(self, "_value")
        return value

    get_secret_value = reveal

    def __tailnet_json__(self) -> str:
        return self.reveal()

    def __repr__(self) -> str:
        return "'[redacted]'"

    def __str__(self) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self.reveal() == other.reveal()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self.reveal()))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Secret is immutable")

    def __reduce__(self) -> Tuple[Any, Tuple[str]]:
        return (Secret, (self.reveal(),))


class StrEnum(str, Enum):
    """A string enum of the API: members are `str`s equal to their wire text. Values this version
    does not know are kept as plain `str`, never rejected."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


_TS_PATTERN = (r"^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))$")


_TS: Any = None


def parse_timestamp(text: str) -> Optional[datetime]:
    """RFC 3339 text → timezone-aware `datetime` (None for text that is not RFC 3339)."""
    global _TS
    if _TS is None:
        import re

        _TS = re.compile(_TS_PATTERN)
    m = _TS.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, z, sign, oh, om = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    if z:
        tz = timezone.utc
    else:
        offset = timedelta(hours=int(oh), minutes=int(om))
        tz = timezone(-offset if sign == "-" else offset)
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59), micro, tzinfo=tz)
    except ValueError:
        return None


def _plain(value: Any) -> Any:
    """JSON-compatible plain value of a raw wire value (JsonNode → dicts/lists)."""
    if isinstance(value, JsonNode):
        return value.to_python()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _elements(value: Any) -> List[Any]:
    if isinstance(value, JsonNode):
        return value.elements()
    return list(value)


def _items(value: Any) -> List[Tuple[str, Any]]:
    if isinstance(value, JsonNode):
        return value.items()
    return list(value.items())


def _identity(value: Any) -> Any:
    return value


def _float(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _timestamp(value: Any) -> Any:
    if isinstance(value, str):
        return parse_timestamp(value) if value else None
    return value


def _secret(value: Any) -> Any:
    return value if isinstance(value, Secret) else Secret(value)


_SCALARS: Dict[str, Callable[[Any], Any]] = {
    "s": _identity,
    "i": _identity,
    "b": _identity,
    "a": _plain,
    "f": _float,
    "t": _timestamp,
    "k": _secret,
    "n": lambda value: None,
}

_CONVERTERS: Dict[str, Callable[[Any], Any]] = {}

#: Every model class by name (filled as the generated classes are defined).
MODELS: Dict[str, type] = {}


def convert(spec: str) -> Callable[[Any], Any]:
    """The converter of a runtime type spec (`s`, `M:Device`, `[M:Device]`, `{[s]}`, …)."""
    found = _CONVERTERS.get(spec)
    if found is not None:
        return found
    conv: Callable[[Any], Any]
    if spec in _SCALARS:
        conv = _SCALARS[spec]
    elif spec.startswith("M:"):
        name = spec[2:]

        def conv(value: Any, _name: str = name) -> Any:
            cls = MODELS.get(_name)
            if cls is None:
                from . import models  # noqa: F401  (defines every model class)

                cls = MODELS[_name]
            return cls._from_raw(value)

    elif spec.startswith("E:"):
        enum_name = spec[2:]
        members: Dict[str, Any] = {}

        def conv(value: Any, _name: str = enum_name, _members: Dict[str, Any] = members) -> Any:
            if not _members:
                from . import models

                _members.update({m.value: m for m in getattr(models, _name)})
            return _members.get(value, value) if isinstance(value, str) else value

    elif spec.startswith("["):
        inner_spec = spec[1:-1]
        if inner_spec in ("s", "i", "b", "a"):
            conv = _plain
        else:
            inner = convert(inner_spec)

            def conv(value: Any, _inner: Callable[[Any], Any] = inner) -> Any:
                return [None if v is None else _inner(v) for v in _elements(value)]

    elif spec.startswith("{"):
        inner_spec = spec[1:-1]
        if inner_spec in ("s", "i", "b", "a"):
            conv = _plain
        else:
            inner = convert(inner_spec)

            def conv(value: Any, _inner: Callable[[Any], Any] = inner) -> Any:
                return {k: None if v is None else _inner(v) for k, v in _items(value)}

    else:
        conv = _plain
    _CONVERTERS[spec] = conv
    return conv


def _compile(spec: str) -> Tuple[str, Any]:
    """The native form of a spec (`FieldTable`): a `(code, payload)` pair."""
    if spec in ("s", "i", "b"):
        return ("s", None)
    if spec in ("f", "t", "n"):
        return (spec, None)
    if spec == "k":
        return ("k", Secret)
    if spec.startswith("M:"):
        cls = MODELS.get(spec[2:])
        if cls is None:
            from . import models  # noqa: F401  (defines every model class)

            cls = MODELS[spec[2:]]
        return ("M", cls)
    if spec.startswith("E:"):
        from . import models

        return ("E", {m.value: m for m in getattr(models, spec[2:])})
    if spec.startswith("[") or spec.startswith("{"):
        inner = spec[1:-1]
        if inner in ("s", "i", "b", "a"):
            return ("a", None)
        return (spec[0], _compile(inner))
    return ("a", None)


#: Each model class's compiled `FieldTable` (built on the class's first attribute read).
_TABLES: Dict[type, Any] = {}


def _table(cls: type) -> Any:
    from ._native import FieldTable

    fields = [(name, wire, _compile(spec), convert(spec)) for name, wire, spec in cls._fields_]  # type: ignore[attr-defined]
    table = FieldTable(fields, datetime, timezone.utc, parse_timestamp)
    _TABLES[cls] = table
    return table


def to_wire(value: Any) -> Any:
    """A Python value as wire JSON (models → dicts, secrets revealed, datetimes as RFC 3339)."""
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, JsonNode):
        return value.to_python()
    if isinstance(value, Mapping):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


class Model:
    """Base of every API model. Attributes are read lazily from the wire JSON and cached;
    `to_dict()` gives the wire JSON, `extra` the fields this library does not know."""

    _fields_: ClassVar[Tuple[Tuple[str, str, str], ...]] = ()
    _by_name_: ClassVar[Dict[str, Tuple[str, str]]] = {}
    _by_wire_: ClassVar[Dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._by_name_ = {name: (wire, spec) for name, wire, spec in cls._fields_}
        cls._by_wire_ = {wire: name for name, wire, _ in cls._fields_}
        MODELS[cls.__name__] = cls

    def __init__(self, **fields: Any) -> None:
        """Builds a model from snake_case (or wire) field names, e.g. for a request body."""
        raw: Dict[str, Any] = {}
        for key, value in fields.items():
            if value is None:
                continue
            known = type(self)._by_name_.get(key)
            raw[known[0] if known else key] = to_wire(value)
        self.__dict__["_raw"] = raw

    @classmethod
    def _from_raw(cls, raw: Any) -> Any:
        obj = cls.__new__(cls)
        obj.__dict__["_raw"] = raw
        return obj

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """A model from wire JSON (camelCase keys), as the API sends it."""
        return cls._from_raw(to_wire(data))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_raw":
            raise AttributeError(name)
        cls = type(self)
        if name not in cls._by_name_:
            raise AttributeError(f"{cls.__name__!s} has no field {name!r}")
        # The first read of a field converts every field at once and caches them in `__dict__`:
        # later reads are plain attribute lookups, without this fallback (its call is the cost).
        cache = self.__dict__
        raw = cache["_raw"]
        if type(raw) is JsonNode:
            # Over a parsed result: one native call with the class's compiled field table.
            table = _TABLES.get(cls)
            raw.fill(_table(cls) if table is None else table, cache)
            return cache[name]
        get = raw.get
        for field, wire, spec in cls._fields_:
            if field not in cache:
                value = get(wire)
                cache[field] = None if value is None else convert(spec)(value)
        return cache[name]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} objects are immutable; build a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} objects are immutable")

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(type(self)._by_name_))

    def __tailnet_json__(self) -> Any:
        return self.to_dict()

    def to_dict(self) -> Dict[str, Any]:
        """The wire JSON of this object (camelCase keys, unknown fields included)."""
        data = _plain(self.__dict__["_raw"])
        return data if isinstance(data, dict) else {}

    @property
    def extra(self) -> Dict[str, Any]:
        """Fields the API sent that this version of the library does not know."""
        raw = self.__dict__["_raw"]
        known = type(self)._by_wire_
        keys = raw.keys() if hasattr(raw, "keys") else []
        return {k: _plain(raw.get(k)) for k in keys if k not in known}

    def _present(self) -> Iterator[Tuple[str, Any]]:
        raw = self.__dict__["_raw"]
        for name, wire, _ in type(self)._fields_:
            if raw.get(wire) is not None:
                yield name, getattr(self, name)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Model)
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        parts = [f"{name}={value!r}" for name, value in self._present()]
        extra = len(self.extra)
        if extra:
            parts.append(f"<{extra} unknown field{'s' if extra != 1 else ''}>")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return (_restore, (type(self).__name__, self.to_dict()))


def _restore(name: str, data: Dict[str, Any]) -> Any:
    return MODELS[name]._from_raw(data)
