"""Spec 5: the error body."""

from __future__ import annotations

import time

import httpx

from .helpers import error, new_client


def test_error_body_shape_and_timestamp(anon: httpx.Client) -> None:
    before = int(time.time())
    r = anon.get("/clients")
    status, kind, message = error(r)
    assert before - 1 <= r.json()["timestamp"] <= int(time.time()) + 1
    assert (status, kind, message) == (401, "Unauthorized", "No valid session")
    assert "error_description" not in r.json()


def test_every_401_carries_www_authenticate(rauthy_emulator_401s: list[httpx.Response]) -> None:
    for r in rauthy_emulator_401s:
        assert r.status_code == 401 and r.headers["www-authenticate"] == "OAuth"


def test_non_401_has_no_www_authenticate(api: httpx.Client) -> None:
    r = api.get("/clients/nope")
    assert r.status_code == 404 and "www-authenticate" not in r.headers


def test_validation_message_shape(api: httpx.Client) -> None:
    _, _, message = error(api.post("/clients", json=new_client("x")))
    assert message == (
        'Payload validation error: ValidationErrors({"id": Field([ValidationError { '
        'code: "^[a-zA-Z0-9,.:/_\\\\-&?=~#!$\'()*+%]{2,256}$", message: None, '
        'params: {"value": String("x")} }])})'
    )


def test_several_invalid_fields_are_all_named(api: httpx.Client) -> None:
    _, _, message = error(api.post("/clients", json=new_client("x", name="a", redirect_uris=[""])))
    for field in ('"id"', '"name"', '"redirect_uris"'):
        assert field in message
