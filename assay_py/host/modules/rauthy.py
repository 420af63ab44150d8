"""The native half of ``require("assay.rauthy")``.

The logic is :mod:`assay_py.rauthy`; this module only moves values across the boundary. Lua
never holds a Python object: a client is an integer handle into ``_Clients``, so a script
cannot walk from it into the Python runtime.
"""

from __future__ import annotations

import itertools
from typing import Any

from assay_py.host.lua_files import lua_source
from assay_py.host.vm import LuaVM
from assay_py.rauthy._schema import LIST_FIELDS
from assay_py.rauthy.options import check_options

_APPLY_OPTIONS = ("parallel", "prune", "secrets_dir", "publish_existing")
_CLIENT_OPTIONS = ("connect_timeout", "read_timeout", "verify", "ca_bundle", "retries")


class _Clients:
    """The RauthyClient objects a VM has created, by handle."""

    def __init__(self) -> None:
        self._next = itertools.count(1)
        self._by_handle: dict[int, Any] = {}

    def add(self, client: Any) -> int:
        handle = next(self._next)
        self._by_handle[handle] = client
        return handle

    def __getitem__(self, handle: Any) -> Any:
        try:
            return self._by_handle[int(handle)]
        except (KeyError, TypeError, ValueError):
            raise ValueError("rauthy: not a client handle (use rauthy.client(url, key))") from None


def load(vm: LuaVM) -> Any:
    from assay_py import rauthy

    clients = _Clients()

    def text(value: Any, what: str) -> str:
        value = vm.from_lua(value)
        if not isinstance(value, str):
            raise TypeError(f"{what} must be a string")
        return value

    def payload_of(value: Any, what: str) -> dict[str, Any]:
        payload = vm.from_lua(value)
        if payload is None or payload == []:
            payload = {}
        if not isinstance(payload, dict):
            raise TypeError(f"{what}: payload must be a table")
        return _lists_fixed(payload)

    def options(value: Any, where: str = "rauthy", known: tuple[str, ...] | None = None) -> Any:
        opts = vm.from_lua(value)
        if opts is None or opts == [] or opts == {}:
            return {}
        if not isinstance(opts, dict):
            raise TypeError(f"{where}: options must be a table")
        unknown = sorted(set(opts) - set(known)) if known is not None else []
        if unknown:
            raise ValueError(
                f"{where}: unknown option {unknown[0]!r} (known: {', '.join(known or ())})"
            )
        return opts

    def new_client(url: Any, api_key: Any, opts: Any) -> int:
        given = options(opts, "rauthy.client", ("timeout", *_CLIENT_OPTIONS))
        if "timeout" in given:  # one number for both, as scripts usually mean it
            timeout = given.pop("timeout")
            check_options("rauthy.client", timeout=timeout)
            given.setdefault("connect_timeout", timeout)
            given.setdefault("read_timeout", timeout)
        url_text, key = text(url, "rauthy.client: url"), text(api_key, "rauthy.client: api_key")
        if vm.policy is not None:  # the key may be a credential handle; requests meet the rules
            key, given["network"] = vm.policy.python_client(url_text, key)
        client = rauthy.client(url_text, key, **given)
        if vm.gate is not None:  # read-only / approval mode: every write asks first
            client.guard_writes(vm.gate.rauthy_guard)
        return clients.add(client)

    def call(handle: Any, area: str, method: str, *args: Any, **kwargs: Any) -> Any:
        owner = clients[handle]
        bound = getattr(getattr(owner, area) if area else owner, method)
        if vm.gate is None:
            return bound(*args, **kwargs)
        return vm.gate.rauthy_call(lambda: bound(*args, **kwargs))

    def gated_apply(name: str, given: dict[str, Any]) -> dict[str, Any]:
        if vm.gate is not None:
            vm.gate.rauthy_whole(name)
            # Approval indices must come in the same order on every replay.
            given = {**given, "parallel": 1}
        return given

    def wait_healthy(handle: Any, timeout_secs: Any, opts: Any) -> Any:
        given = options(opts, "sys:wait_healthy", ("interval", "probe_timeout"))
        timeout = vm.from_lua(timeout_secs)
        return call(handle, "sys", "wait_healthy", 120 if timeout is None else timeout, **given)

    def dry_run_of(value: Any, where: str) -> bool:
        dry_run = options(value, where, ("dry_run",)).get("dry_run", False)
        check_options(where, dry_run=dry_run)
        return bool(dry_run)

    def reconcile(handle: Any, payload: Any, opts: Any) -> Any:
        return call(
            handle,
            "clients",
            "reconcile",
            payload_of(payload, "reconcile"),
            dry_run=dry_run_of(opts, "clients:reconcile"),
        )

    def rotate_secret(handle: Any, client_id: Any, opts: Any) -> Any:
        hours = options(opts, "clients:rotate_secret", ("cache_current_hours",)).get(
            "cache_current_hours"
        )
        return call(
            handle,
            "clients",
            "rotate_secret",
            text(client_id, "rotate_secret: id"),
            cache_current_hours=hours,
        )

    def plan(handle: Any, entries: Any, opts: Any) -> Any:
        report = call(handle, "clients", "plan", entries_of(entries), **plan_options(opts))
        return report.to_dict()

    def apply(handle: Any, entries: Any, opts: Any) -> Any:
        given = gated_apply("rauthy clients:apply", apply_options(opts))
        report = call(handle, "clients", "apply", entries_of(entries), **given)
        # The script asked for these clients; minted secrets are its to publish.
        return report.to_dict(include_secrets=True)

    def plan_options(value: Any) -> dict[str, Any]:
        # Passed on as given: plan_clients checks the types ("false" is not false).
        result: dict[str, Any] = options(value, "clients:plan", ("prune", "parallel"))
        return result

    def apply_options(value: Any) -> dict[str, Any]:
        result: dict[str, Any] = options(value, "clients:apply", _APPLY_OPTIONS)
        return result

    def entries_of(value: Any) -> list[Any]:
        entries = vm.from_lua(value)
        if entries == {}:
            return []
        if not isinstance(entries, list):
            raise TypeError("expected a list of client entries")
        return [_entry_fixed(entry) if isinstance(entry, dict) else entry for entry in entries]

    def by_id(method: str) -> Any:
        return lambda handle, client_id: call(
            handle, "clients", method, text(client_id, f"{method}: id")
        )

    def with_payload(method: str) -> Any:
        return lambda handle, client_payload: call(
            handle, "clients", method, payload_of(client_payload, method)
        )

    def preset(name: Any, opts: Any) -> Any:
        preset_name = text(name, "preset name")
        return rauthy.client_presets.get(preset_name)(options(opts))

    def kind(handle: Any, area: str, method: str, *args: Any) -> Any:
        """``c.scopes``, ``c.attributes``, ``c.roles``, ``c.groups``, ``c.users``,
        ``c.branding``, ``c.blacklist``, ``c.providers``, ``c.api_keys``: names (an e-mail for
        users, a client id for branding, an IP for the blacklist) and entries."""
        area, method = text(area, "kind"), text(method, "method")
        if area not in _KIND_AREAS:
            raise ValueError(f"rauthy: no kind {area!r}")
        if method in ("get", "delete") or (area == "api_keys" and method == "rotate"):
            return call(handle, area, method, text(args[0], f"{area}.{method}: name"))
        if area == "api_keys" and method == "test":
            return call(handle, area, method)
        if method == "update":
            entry = _entry_fixed(payload_of(args[1], f"{area}.update"))
            return call(handle, area, method, text(args[0], f"{area}.update: name"), entry)
        if method in ("create", "reconcile"):
            entry = _entry_fixed(payload_of(args[0], f"{area}.{method}"))
            if method == "create":
                return call(handle, area, method, entry)
            dry_run = dry_run_of(args[1] if len(args) > 1 else None, f"{area}:reconcile")
            return call(handle, area, method, entry, dry_run=dry_run)
        if method == "list":
            return call(handle, area, method)
        if area == "providers" and method == "linked_users":
            return call(handle, area, method, text(args[0], "providers.linked_users: name"))
        if area == "providers" and method == "lookup":
            given = options(args[0] if args else None, "providers:lookup", _LOOKUP_OPTIONS)
            return call(
                handle, area, method, given.get("issuer"), metadata_url=given.get("metadata_url")
            )
        raise ValueError(f"rauthy.{area}: no method {method!r}")

    def policy(handle: Any, method: Any, value: Any, opts: Any = None) -> Any:
        """``c.password_policy``: ``put`` and ``reconcile``."""
        method = text(method, "method")
        entry = payload_of(value, f"password_policy.{method}")
        if method == "put":
            return call(handle, "password_policy", "put", entry)
        if method == "reconcile":
            dry_run = dry_run_of(opts, "password_policy:reconcile")
            return call(handle, "password_policy", "reconcile", entry, dry_run=dry_run)
        raise ValueError(f"rauthy.password_policy: no method {method!r}")

    def document_of(value: Any) -> Any:
        doc = vm.from_lua(value)
        if isinstance(doc, dict):
            return {
                k: ([] if v == {} else _entries_fixed(v)) if k in _DOC_LISTS else v
                for k, v in doc.items()
            }
        return _entries_fixed(doc)

    def instance_plan(handle: Any, doc: Any, opts: Any = None) -> Any:
        given = options(opts, "rauthy: plan", ("prune", "parallel", "publish_existing"))
        return call(handle, "", "plan", document_of(doc), **given).to_dict()

    def instance_apply(handle: Any, doc: Any, opts: Any = None) -> Any:
        given = gated_apply("rauthy apply", options(opts, "rauthy: apply", _APPLY_OPTIONS))
        report = call(handle, "", "apply", document_of(doc), **given)
        # The script asked for these clients; minted secrets are its to publish.
        return report.to_dict(include_secrets=True)

    native = vm.table(
        {
            "kind": vm.function(kind),
            "policy": vm.function(policy),
            "instance_plan": vm.function(instance_plan),
            "instance_apply": vm.function(instance_apply),
            "client": vm.function(new_client),
            "health": vm.function(lambda h: call(h, "sys", "health")),
            "wait_healthy": vm.function(wait_healthy),
            "config": vm.function(lambda h: call(h, "discovery", "config")),
            "jwks": vm.function(lambda h: call(h, "discovery", "jwks")),
            "list": vm.function(lambda h: call(h, "clients", "list")),
            "get": vm.function(by_id("get")),
            "delete": vm.function(by_id("delete")),
            "get_secret": vm.function(by_id("get_secret")),
            "create": vm.function(with_payload("create")),
            "rebuild": vm.function(with_payload("rebuild")),
            "put": vm.function(
                lambda h, client_id, p: call(
                    h, "clients", "put", text(client_id, "put: id"), payload_of(p, "put")
                )
            ),
            "rotate_secret": vm.function(rotate_secret),
            "reconcile": vm.function(reconcile),
            "plan": vm.function(plan),
            "apply": vm.function(apply),
            "preset": vm.function(preset),
            "preset_names": vm.function(lambda: list(rauthy.client_presets.names())),
        }
    )
    return vm.run_module_file(lua_source("assay/rauthy.lua"), "@assay/rauthy.lua", native)


_KIND_AREAS = (
    "scopes",
    "attributes",
    "roles",
    "groups",
    "users",
    "branding",
    "blacklist",
    "providers",
    "api_keys",
)
_KIND_LISTS = frozenset({"attr_include_access", "attr_include_id", "roles", "groups", "scope"})
_LOOKUP_OPTIONS = ("issuer", "metadata_url")
_DOC_LISTS = frozenset(
    {
        "clients",
        "scopes",
        "user_attributes",
        "roles",
        "groups",
        "users",
        "branding",
        "blacklist",
        "api_keys",
    }
)


def _entries_fixed(value: Any) -> Any:
    if value == {}:
        return []
    if isinstance(value, list):
        return [_entry_fixed(e) if isinstance(e, dict) else e for e in value]
    return value


def _lists_fixed(payload: dict[str, Any]) -> dict[str, Any]:
    # Lua has one empty-table value; in a list-typed field it means an empty list.
    lists = LIST_FIELDS | _KIND_LISTS
    return {k: [] if v == {} and k in lists else v for k, v in payload.items()}


def _entry_fixed(entry: dict[str, Any]) -> dict[str, Any]:
    fixed = _lists_fixed(entry)
    if isinstance(fixed.get("overrides"), dict):
        fixed["overrides"] = _lists_fixed(fixed["overrides"])
    return fixed
