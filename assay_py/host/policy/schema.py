"""The policy file: YAML, read once when a VM is created, checked field by field.

Every error names the field and the rule it breaks and starts ``policy:``; structural ones
(unknown field, wrong type, missing field) read ``policy: invalid YAML: <field>: <rule>``, as
the original runtime words them. Unknown fields are errors, never ignored: a typo such as
``alow`` would otherwise lift the restriction it meant to declare.
"""

from __future__ import annotations

from assay_py.host.errors import PolicyError

TYPE_CHECKING = False  # not typing's: typing is ~10 ms of a policed start
if TYPE_CHECKING:
    from typing import Any, Literal, NoReturn

    Classify = Literal["read", "write"]

SUPPORTED_VERSION = 1
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_TOP = ("version", "modules", "env", "http", "credentials")
_HTTP = ("max_response_bytes", "redact", "rules")
_RULE = ("hosts", "methods", "paths", "classify")


class HttpRule:
    """One ``http.rules[]`` entry: a request matches when host, method and path all do."""

    __slots__ = ("classify", "hosts", "methods", "paths")

    def __init__(
        self,
        hosts: tuple[str, ...],
        methods: tuple[str, ...] = (),
        paths: tuple[str, ...] = (),
        classify: Classify | None = None,
    ) -> None:
        self.hosts = hosts
        self.methods = methods
        """Upper case; empty means any method."""
        self.paths = paths
        """Globs (``*`` within a segment, ``**`` across); empty means any path."""
        self.classify = classify

    def __repr__(self) -> str:
        return (
            f"HttpRule(hosts={list(self.hosts)!r}, methods={list(self.methods)!r}, "
            f"paths={list(self.paths)!r}, classify={self.classify!r})"
        )


class PolicyFile:
    """The validated content of a policy file (no secrets: credentials name env keys)."""

    __slots__ = (
        "credentials",
        "env_allow",
        "max_response_bytes",
        "module_allow",
        "redact",
        "rules",
    )

    def __init__(self) -> None:
        self.module_allow: frozenset[str] | None = None
        """``modules.allow``; None: every module may be required."""
        self.env_allow: frozenset[str] | None = None
        """``env.allow`` (an ``env`` section without it allows nothing); None: no filter."""
        self.rules: tuple[HttpRule, ...] | None = None
        """``http.rules``; None: every request passes; empty: every request is refused."""
        self.max_response_bytes: int | None = None
        self.redact: tuple[str, ...] = ()
        """Lower-cased JSON keys and header names whose values responses hide."""
        self.credentials: dict[str, dict[str, str]] = {}
        """Credential name -> field -> the environment variable holding its value."""


def load(path: str) -> PolicyFile:
    """Read and check the policy file at ``path``."""
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PolicyError(f"policy: cannot read {path}: {reason}") from None
    return parse(source)


def parse(source: str) -> PolicyFile:
    """Check a policy document (YAML text) and return what it declares."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(source, Loader=loader)  # a safe loader: no Python objects
    except yaml.YAMLError as exc:
        reason = _one_line(exc).replace(' in "<unicode string>"', "")
        raise PolicyError(f"policy: invalid YAML: {reason}") from None
    if document is None:
        _invalid("the document", "is empty; a policy starts with 'version: 1'")
    top = _mapping(document, "the document", _TOP)
    if "version" not in top:
        _invalid("the document", "missing field 'version'")
    version = top["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        _invalid("version", f"must be a whole number, got {_shown(version)}")
    if version != SUPPORTED_VERSION:
        raise PolicyError(
            f"policy: unsupported version {version} (this build understands {SUPPORTED_VERSION})"
        )
    policy = PolicyFile()
    modules = _section(top, "modules", ("allow",))
    if modules is not None and modules.get("allow") is not None:
        policy.module_allow = frozenset(_strings(modules["allow"], "modules.allow"))
    env = _section(top, "env", ("allow",))
    if env is not None:
        allow = env.get("allow")
        policy.env_allow = frozenset(_strings(allow, "env.allow") if allow is not None else ())
    http = _section(top, "http", _HTTP)
    if http is not None:
        _read_http(http, policy)
    policy.credentials = _credentials(top.get("credentials"))
    return policy


def _read_http(http: dict[str, Any], policy: PolicyFile) -> None:
    cap = http.get("max_response_bytes")
    if cap is not None:
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            _invalid("http.max_response_bytes", f"must be a whole number >= 0, got {_shown(cap)}")
        policy.max_response_bytes = cap
    redact = http.get("redact")
    if redact is not None:
        policy.redact = tuple(key.lower() for key in _strings(redact, "http.redact"))
    rules = http.get("rules")
    if rules is None:
        return
    if not isinstance(rules, list):
        _invalid("http.rules", f"must be a list of rules, got {_shown(rules)}")
    policy.rules = tuple(_rule(entry, f"http.rules[{i}]") for i, entry in enumerate(rules))


def _rule(entry: Any, where: str) -> HttpRule:
    fields = _mapping(entry, where, _RULE)
    if "hosts" not in fields:
        _invalid(where, "missing field 'hosts'")
    hosts = _strings(fields["hosts"], f"{where}.hosts")
    if not hosts:
        raise PolicyError(f"policy: {where} needs at least one host")
    methods = _strings(fields.get("methods") or [], f"{where}.methods")
    for method in methods:
        if method.strip().upper() not in METHODS:
            raise PolicyError(f"policy: {where} has unknown method '{method}'")
    paths = _strings(fields.get("paths") or [], f"{where}.paths")
    classify = fields.get("classify")
    if classify is not None and classify not in ("read", "write"):
        _invalid(f"{where}.classify", f"must be 'read' or 'write', got {_shown(classify)}")
    return HttpRule(
        tuple(hosts),
        tuple(method.strip().upper() for method in methods),
        tuple(paths),
        classify,
    )


def _credentials(value: Any) -> dict[str, dict[str, str]]:
    if value is None:
        return {}
    names = _mapping(value, "credentials", None)
    out: dict[str, dict[str, str]] = {}
    for name, fields in names.items():
        where = f"credentials.{name}"
        if not isinstance(name, str) or not name:
            _invalid("credentials", f"names must be non-empty strings, got {_shown(name)}")
        declared = _mapping(fields, where, None)
        out[name] = {}
        for field, env_key in declared.items():
            if not isinstance(field, str) or not field:
                _invalid(where, f"field names must be non-empty strings, got {_shown(field)}")
            if not isinstance(env_key, str) or not env_key:
                _invalid(
                    f"{where}.{field}",
                    f"must name the environment variable holding the value, got {_shown(env_key)}",
                )
            out[name][field] = env_key
    return out


def _section(top: dict[str, Any], name: str, known: tuple[str, ...]) -> dict[str, Any] | None:
    value = top.get(name)
    if value is None:
        return None
    return _mapping(value, name, known)


def _mapping(value: Any, where: str, known: tuple[str, ...] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        _invalid(where, f"must be a mapping, got {_shown(value)}")
    mapping: dict[str, Any] = value
    if known is not None:
        for key in value:
            if key not in known:
                _invalid(
                    where if where != "the document" else "top level",
                    f"unknown field '{key}' (expected one of: {', '.join(known)})",
                )
    return mapping


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        _invalid(where, f"must be a list of strings, got {_shown(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            _invalid(f"{where}[{index}]", f"must be a string, got {_shown(item)}")
    strings: list[str] = value
    return strings


def _shown(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})" if len(value) <= 40 else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _invalid(where: str, rule: str) -> NoReturn:
    raise PolicyError(f"policy: invalid YAML: {where}: {rule}")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
