"""``/users`` details that differ between Rauthy 0.35.2 and the 0.36 nightly, and PATCH's
lenient language: each checked against the handlers of both trees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assay_py.emulator import RauthyEmulator

from .helpers import error

VERSIONS = ("0.35.2", "0.36")


@pytest.fixture(params=VERSIONS)
def emu(request: pytest.FixtureRequest) -> Iterator[RauthyEmulator]:
    with RauthyEmulator(version=request.param) as emulator:
        yield emulator


def _client(emu: RauthyEmulator, secret: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"API-Key {secret or emu.api_key}"}
    return httpx.Client(base_url=emu.url, headers=headers)


def _new(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {"email": "ada@example.com", "language": "en", "roles": [], **extra}
    answer = api.post("/users", json=body)
    assert answer.status_code == 200, answer.text
    row: dict[str, Any] = answer.json()
    return row


def test_dutch_is_a_language_of_the_nightly_only(emu: RauthyEmulator) -> None:
    with _client(emu) as api:
        answer = api.post("/users", json={"email": "a@b.io", "language": "nl", "roles": []})
        if emu.version == "0.36":
            assert answer.status_code == 200 and answer.json()["language"] == "nl"
        else:
            assert answer.status_code == 400 and "unknown variant `nl`" in answer.text


def test_patch_language_never_fails_and_deleting_it_keeps_it(emu: RauthyEmulator) -> None:
    with _client(emu) as api:
        row = _new(api, language="de")
        path = f"/users/{row['id']}"
        kept = api.patch(path, json={"put": [], "del": ["language"]})
        assert kept.status_code == 200 and kept.json()["language"] == "de"
        alias = api.patch(path, json={"put": [{"key": "language", "value": "fr-FR"}], "del": []})
        assert alias.json()["language"] == "fr"
        odd = api.patch(path, json={"put": [{"key": "language", "value": "xx"}], "del": []})
        assert odd.status_code == 200 and odd.json()["language"] == "en"
        dutch = api.patch(path, json={"put": [{"key": "language", "value": "nl"}], "del": []})
        assert dutch.json()["language"] == ("nl" if emu.version == "0.36" else "en")


def test_put_checks_the_body_before_rights_on_the_nightly_only(emu: RauthyEmulator) -> None:
    with _client(emu) as api:
        row = _new(api)
    secret = emu.add_api_key("ro", {"Users": ["read"]})
    body = {"email": row["email"], "roles": [], "enabled": True, "email_verified": True}
    with _client(emu, secret) as ro:
        answer = ro.put(f"/users/{row['id']}", json=body)  # no given_name
        if emu.version == "0.36":
            assert error(answer) == (400, "BadRequest", "'given_name' is required")
        else:
            assert error(answer)[:2] == (403, "Forbidden")
        body["given_name"] = "Ada"
        assert error(ro.put(f"/users/{row['id']}", json=body))[:2] == (403, "Forbidden")
        # the JSON body is read before any handler code, in both versions
        assert ro.put(f"/users/{row['id']}", json={"email": 1}).status_code == 400
