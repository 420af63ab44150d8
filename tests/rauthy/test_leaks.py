"""A proxy error page that echoes the request headers must not print the API key.

Non-JSON bodies used to be cut to 500 characters before the key was scrubbed: with the key
across the cut, up to 63 of its 64 secret characters reached the error (Python, the CLI with
``-o json``, a Lua ``pcall`` message). Scrubbing now comes first, and also catches the key
URL-encoded, in another letter case, or cut short by the proxy itself.
"""

from __future__ import annotations

import json
import string
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from assay_py import rauthy
from assay_py.cli import main
from assay_py.host import LuaHost
from tests.support.recorder import Recorded, Recorder, Reply

SECRET = (string.ascii_letters + string.digits)[:62] + "Zq"  # 64 characters, like Rauthy's
KEY = f"ansible${SECRET}"


def fragments(text: str, size: int = 6) -> list[str]:
    """Every piece of the secret of ``size`` characters found in ``text``."""
    return [
        SECRET[i : i + size] for i in range(len(SECRET) - size + 1) if SECRET[i : i + size] in text
    ]


_CUT = 500  # where non-JSON error text is cut


def echo_page(
    inside: int, shape: Callable[[str], str] = lambda header: header
) -> Callable[[Recorded], Reply]:
    """A 502 HTML page echoing the request headers, laid out so that the cut falls ``inside``
    characters into the secret (as a proxy's debug page would, by chance)."""

    def answer(request: Recorded) -> Reply:
        line = shape(f"Authorization: {request.headers['authorization']}")
        others = "\n".join(f"{k}: {v}" for k, v in request.headers.items() if k != "authorization")
        head = "<html><body><h1>502 Bad Gateway</h1><pre>"
        at = line.lower().index(SECRET[:8].lower())
        body = head + "." * (_CUT - inside - at - len(head)) + line + "\n" + others
        return Reply(502, body + "</pre></body></html>", {"Content-Type": "text/html"})

    return answer


# The cut falls 1, 8, 32 and 63 characters into the secret, for each shape of echo.
PREFIXES = [1, 8, 32, 63]
SHAPES: dict[str, Callable[[str], str]] = {
    "plain": lambda h: h,
    "url-encoded": lambda h: quote(h, safe=" :"),
    "lowercase": lambda h: h.lower(),
    "cut by the proxy": lambda h: h[: h.index(SECRET) + 40],
    "secret alone": lambda h: h.replace(KEY, SECRET),
}


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("shape", list(SHAPES))
def test_an_echoing_error_page_shows_no_piece_of_the_key(
    rec: Recorder, prefix: int, shape: str
) -> None:
    rec.on("GET", "/clients", echo_page(prefix, SHAPES[shape]))
    with rauthy.client(rec.url, KEY, retries=1) as api, pytest.raises(rauthy.RauthyError) as info:
        api.clients.list()
    shown = "\n".join(
        [str(info.value), repr(info.value), "".join(traceback.format_exception(info.value))]
    )
    assert "502 Bad Gateway" in shown  # the page itself is still told
    assert fragments(shown) == []
    assert len(info.value.message) <= 503


def test_a_secret_read_earlier_is_scrubbed_from_a_later_page(rec: Recorder) -> None:
    client_secret = "k" * 20 + "SECRETxyz0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
    rec.on("POST", "/clients/app/secret", Reply(200, {"id": "app", "secret": client_secret}))
    rec.on("GET", "/clients", Reply(500, "oops " * 90 + client_secret[:50]))
    with rauthy.client(rec.url, KEY, retries=1) as api:
        assert api.clients.get_secret("app") == client_secret
        with pytest.raises(rauthy.RauthyError) as info:
            api.clients.list()
    assert "SECRETxyz" not in str(info.value)
    assert client_secret[30:38] not in str(info.value)


def test_the_command_with_json_output_shows_no_piece_of_the_key(rec: Recorder) -> None:
    rec.on("GET", "/auth/v1/clients", echo_page(60))  # the command adds Rauthy's base path
    result = CliRunner().invoke(
        main,
        ["rauthy", "list", "-o", "json"],
        env={"RAUTHY_URL": rec.url, "RAUTHY_API_KEY": KEY, "RAUTHY_API_KEY_FILE": None},
    )
    assert result.exit_code == 1
    assert "502" in result.output
    assert fragments(result.output) == []


def test_a_lua_pcall_message_shows_no_piece_of_the_key(rec: Recorder) -> None:
    rec.on("GET", "/clients", echo_page(50))
    code = f"""
local rauthy = require("assay.rauthy")
local c = rauthy.client("{rec.url}", "{KEY}", {{retries = 1}})
local ok, err = pcall(function() return c.clients:list() end)
return ok, err
"""
    with LuaHost() as host:
        ok, err = host.run_string(code)
    assert ok is False
    message = err.decode() if isinstance(err, bytes) else str(err)
    assert "HTTP 502" in message
    assert fragments(message) == []


def test_a_json_error_body_is_scrubbed_in_error_and_message(rec: Recorder) -> None:
    body = {"error": f"echo {KEY}", "message": f"bad key {quote(KEY, safe='')}"}
    rec.on("GET", "/clients", Reply(400, json.dumps(body), {"Content-Type": "application/json"}))
    with rauthy.client(rec.url, KEY, retries=1) as api, pytest.raises(rauthy.RauthyError) as info:
        api.clients.list()
    assert fragments(f"{info.value} {info.value.error}") == []


# --- scim.bearer_token: a credential inside a client payload -------------------------------

TOKEN = "scim-bearer-token-that-must-stay-hidden"
SCIM_CLIENT = {
    "id": "scimmed",
    "confidential": True,
    "redirect_uris": ["https://app.example.com/cb"],
    "scim": {
        "bearer_token": TOKEN,
        "base_uri": "https://app.example.com/scim/v2",
        "sync_groups": True,
    },
}


def test_reprs_of_plans_and_entries_hide_the_bearer_token() -> None:
    from assay_py.rauthy.declarative import parse_entries
    from assay_py.rauthy.reconcile import plan

    live = {**SCIM_CLIENT, "scim": {**SCIM_CLIENT["scim"], "bearer_token": "old-" + TOKEN}}
    for shown in (
        repr(plan(SCIM_CLIENT, None)),
        repr(plan(SCIM_CLIENT, live)),
        repr(parse_entries([SCIM_CLIENT])),
    ):
        assert TOKEN not in shown
        assert "(sensitive)" in shown


def test_the_get_and_list_commands_hide_the_bearer_token(
    rauthy_emulator: Any, tmp_path: Any
) -> None:
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as api:
        api.clients.create(SCIM_CLIENT)
        assert api.clients.get("scimmed")["scim"]["bearer_token"] == TOKEN  # the data is whole
    env = {
        "RAUTHY_URL": rauthy_emulator.url,
        "RAUTHY_API_KEY": rauthy_emulator.api_key,
        "RAUTHY_API_KEY_FILE": None,
    }
    for args in (["get", "scimmed"], ["get", "scimmed", "-o", "yaml"], ["list", "-o", "json"]):
        result = CliRunner().invoke(main, ["rauthy", *args], env=env)
        assert result.exit_code == 0, result.output
        assert TOKEN not in result.output
    shown = CliRunner().invoke(main, ["rauthy", "get", "scimmed"], env=env).output
    assert json.loads(shown)["scim"]["bearer_token"] == "(sensitive)"


def test_an_error_quoting_the_bearer_token_sent_does_not_show_it(rec: Recorder) -> None:
    # Rauthy's validation errors quote offending values (params: {"value": ...}).
    message = f'Validation error: {{"scim": Field([ValidationError {{ value: "{TOKEN}" }}])}}'
    rec.on("GET", "/clients/scimmed", Reply(200, {**SCIM_CLIENT, "enabled": True}))
    rec.on("PUT", "/clients/scimmed", Reply(400, {"error": "BadRequest", "message": message}))
    with rauthy.client(rec.url, KEY, retries=1) as api, pytest.raises(rauthy.RauthyError) as info:
        api.clients.put("scimmed", SCIM_CLIENT)
    assert info.value.status == 400 and "Validation error" in str(info.value)
    assert TOKEN not in str(info.value)
    assert TOKEN[:16] not in repr(info.value)
