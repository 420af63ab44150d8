"""Bad ids and options of the wrong type: a clear error naming them, and nothing sent.

Before: ``get('')`` sent ``GET /clients/``; ``..`` was normalised by httpx into the API root
(a client created with it could never be read, updated or deleted); ``prune="false"`` is
truthy and pruned every other client; ``secrets_dir=5`` created the client and dropped its
secret; ``timeout``, ``verify``, ``wait_healthy("x")`` and ``client(123, key)`` failed with
raw Python errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.host import LuaHost
from assay_py.rauthy.declarative import ClientsFileError, apply_clients, parse_entries, plan_clients
from tests.support.recorder import Recorder

from .conftest import API_KEY

BAD_IDS = ["", ".", "..", "a\nb", "tab\there", "nul\x00"]


def _calls(api: rauthy.RauthyClient, client_id: str) -> list[Callable[[], Any]]:
    payload = {"confidential": False, "redirect_uris": []}
    return [
        lambda: api.clients.get(client_id),
        lambda: api.clients.delete(client_id),
        lambda: api.clients.get_secret(client_id),
        lambda: api.clients.rotate_secret(client_id),
        lambda: api.clients.put(client_id, {**payload, "id": client_id}),
    ]


@pytest.mark.parametrize("client_id", BAD_IDS)
def test_every_method_refuses_an_unusable_id_unsent(
    rec: Recorder, api: rauthy.RauthyClient, client_id: str
) -> None:
    for call in _calls(api, client_id):
        with pytest.raises(rauthy.RauthyValidationError) as info:
            call()
        assert info.value.violations[0][0] == "id"
    assert rec.requests == []


def test_dot_ids_are_refused_in_payloads_and_files() -> None:
    for client_id in (".", ".."):
        with pytest.raises(rauthy.RauthyValidationError, match="cannot name a client"):
            rauthy.validate_payload({"id": client_id, "confidential": False, "redirect_uris": []})
    with pytest.raises(ClientsFileError) as info:
        parse_entries([{"id": "..", "confidential": False, "redirect_uris": []}])
    assert info.value.problems[0].field == "id"
    assert "cannot name a client" in info.value.problems[0].rule


def test_url_like_ids_round_trip_as_one_path_segment(rauthy_emulator: RauthyEmulator) -> None:
    # Rauthy 0.35 allows them; percent-encoded, '/', '?', '#' and '%' come back unchanged.
    client_id = "https://app.example.com/a?b=1#c%d"
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as api:
        api.clients.create({"id": client_id, "confidential": True, "redirect_uris": []})
        assert api.clients.get(client_id)["id"] == client_id
        assert api.clients.get_secret(client_id)
        api.clients.delete(client_id)
        assert api.clients.get(client_id) is None


# --- options -----------------------------------------------------------------------------


def test_prune_as_a_string_is_refused_and_nothing_is_deleted(
    rauthy_emulator: RauthyEmulator,
) -> None:
    keep = {"id": "keep", "confidential": False, "redirect_uris": []}
    other = {"id": "other", "confidential": False, "redirect_uris": []}
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as api:
        apply_clients(api, [keep, other])
        before = rauthy_emulator.request_count()
        for run in (
            lambda: apply_clients(api, [keep], prune="false"),  # type: ignore[arg-type]
            lambda: api.clients.apply([keep], prune="false"),
            lambda: plan_clients(api, [keep], prune="no"),  # type: ignore[arg-type]
            lambda: api.plan({"clients": [keep]}, prune="false"),
            lambda: api.apply({"clients": [keep]}, prune=1),
        ):
            with pytest.raises(rauthy.RauthyValidationError, match="option 'prune' must be a"):
                run()
        assert rauthy_emulator.request_count() == before
        assert api.clients.get("other") is not None


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"secrets_dir": 5}, "secrets_dir"),
        ({"secrets_dir": ""}, "secrets_dir"),
        ({"parallel": "4"}, "parallel"),
        ({"parallel": 0}, "parallel"),
        ({"parallel": 2.5}, "parallel"),
        ({"publish_existing": "yes"}, "publish_existing"),
        ({"on_progress": "print"}, "on_progress"),
    ],
)
def test_apply_options_of_the_wrong_type_are_refused_unsent(
    rec: Recorder, api: rauthy.RauthyClient, options: dict[str, Any], name: str
) -> None:
    entry = {"id": "app", "confidential": True, "redirect_uris": []}
    with pytest.raises(rauthy.RauthyValidationError) as info:
        api.clients.apply([entry], **options)
    assert f"option '{name}' must be" in str(info.value)
    assert rec.requests == []


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"connect_timeout": "5"}, "connect_timeout"),
        ({"read_timeout": -1}, "read_timeout"),
        ({"verify": "no"}, "verify"),
        ({"retries": "3"}, "retries"),
        ({"backoff_base": None}, "backoff_base"),
        ({"ca_bundle": 5}, "ca_bundle"),
        ({"sleep": 1}, "sleep"),
    ],
)
def test_client_options_of_the_wrong_type_name_the_option(
    rec: Recorder, options: dict[str, Any], name: str
) -> None:
    with pytest.raises(rauthy.RauthyValidationError, match=f"option '{name}' must be"):
        rauthy.client(rec.url, API_KEY, **options)


def test_a_url_that_is_not_a_string_is_named(rec: Recorder) -> None:
    with pytest.raises(rauthy.RauthyValidationError, match="url must be a non-empty string"):
        rauthy.client(123, API_KEY)  # type: ignore[arg-type]


def test_wait_healthy_and_health_check_their_arguments(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    for call, name in (
        (lambda: api.sys.wait_healthy("x"), "timeout_secs"),  # type: ignore[arg-type]
        (lambda: api.sys.wait_healthy(1, interval=0), "interval"),
        (lambda: api.sys.health(timeout="1"), "timeout"),  # type: ignore[arg-type]
    ):
        with pytest.raises(rauthy.RauthyValidationError, match=f"option '{name}' must be"):
            call()
    assert rec.requests == []


# --- the same from Lua -------------------------------------------------------------------


LUA_CASES = [
    ('c.clients:get("")', "id must not be empty"),
    ('c.clients:delete("..")', "'.' and '..' cannot name a client"),
    ('c.clients:rotate_secret(".")', "'.' and '..' cannot name a client"),
    ("c.clients:get(123)", "id must be a string"),
    ('c.clients:apply({}, {prune = "false"})', "option 'prune' must be a boolean"),
    ("c.clients:apply({}, {secrets_dir = 5})", "option 'secrets_dir' must be a directory path"),
    ('c.clients:apply({}, {parallel = "4"})', "option 'parallel' must be a whole number"),
    ('c.clients:plan({}, {prune = "false"})', "option 'prune' must be a boolean"),
    ('c.clients:reconcile({id = "app"}, {dry_run = "no"})', "option 'dry_run' must be a boolean"),
    ('c:plan({clients = {}}, {prune = "yes"})', "option 'prune' must be a boolean"),
    ("c:apply({clients = {}}, {secrets_dir = 5})", "option 'secrets_dir' must be a directory"),
    ('c.sys:wait_healthy("x")', "option 'timeout_secs' must be a number"),
    ('c.sys:wait_healthy(1, {interval = "x"})', "option 'interval' must be a number"),
    ('rauthy.client(123, "{key}")', "url must be a string"),
    ('rauthy.client("{url}", "{key}", {timeout = "x"})', "option 'timeout' must be a number"),
    ('rauthy.client("{url}", "{key}", {verify = "yes"})', "option 'verify' must be a boolean"),
    ('rauthy.client("{url}", "{key}", {retries = "3"})', "option 'retries' must be a whole"),
]


@pytest.mark.parametrize(("code", "expected"), LUA_CASES)
def test_lua_gets_a_clear_error_and_nothing_is_sent(
    rec: Recorder, code: str, expected: str
) -> None:
    script = f"""
local rauthy = require("assay.rauthy")
local c = rauthy.client("{{url}}", "{{key}}")
local ok, err = pcall(function() return {code} end)
return ok, err
""".replace("{url}", rec.url).replace("{key}", API_KEY)
    with LuaHost() as host:
        ok, err = host.run_string(script)
    assert ok is False
    message = err.decode() if isinstance(err, bytes) else str(err)
    assert expected in message
    assert "Traceback" not in message and "Error:" not in message
    assert rec.requests == []


def test_reconcile_dry_run_must_be_a_boolean(rec: Recorder, api: rauthy.RauthyClient) -> None:
    payload = {"id": "app", "confidential": False, "redirect_uris": []}
    with pytest.raises(rauthy.RauthyValidationError, match="option 'dry_run' must be a boolean"):
        api.clients.reconcile(payload, dry_run="false")  # type: ignore[arg-type]
    assert rec.requests == []
