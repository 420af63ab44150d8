"""Hostile JSON bodies get Rauthy's 400 (serde_json's limits), never a traceback or a drop.

Python's decoder recursed into a RecursionError on 20,000 nested brackets and refused integers
over 4,300 digits; the handler thread died and the connection was dropped without an answer.
serde_json stops at the 128th nested container and at numbers beyond f64.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assay_py.emulator import RauthyEmulator
from assay_py.emulator._jsonbody import _guarded

DEEP = 20_000


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    with RauthyEmulator(version="0.36") as emu:
        headers = {"Authorization": f"API-Key {emu.api_key}"}
        with httpx.Client(base_url=emu.url, headers=headers, timeout=30) as client:
            created = client.post(
                "/clients",
                json={"id": "app", "confidential": False, "redirect_uris": ["https://a.example/"]},
            )
            assert created.status_code == 200
            yield client


def _send(api: httpx.Client, method: str, path: str, body: str) -> httpx.Response:
    response = api.request(
        method, path, content=body.encode(), headers={"Content-Type": "application/json"}
    )
    # The connection stays in step: the same client is answered right after.
    assert api.get("/clients/app").status_code == 200
    return response


def _put_with(api: httpx.Client, tail: str) -> tuple[str, httpx.Response]:
    live = api.get("/clients/app").json()
    live.pop("claims", None)
    live.pop("contacts", None)
    body = json.dumps(live)[:-1] + ", " + tail + "}"
    return body, _send(api, "PUT", "/clients/app", body)


def _text(response: httpx.Response) -> str:
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def _column(body: str, index: int) -> str:
    return f"at line 1 column {index + 1}"


def test_deeply_nested_free_form_field_hits_serdes_recursion_limit(api: httpx.Client) -> None:
    body, response = _put_with(api, '"claims": ' + "[" * DEEP + "]" * DEEP)
    # The body's object is container 1, so the 127th bracket of claims is the 128th.
    where = body.index('"claims": ') + len('"claims": ') + 126
    assert (
        _text(response)
        == f"Json deserialize error: recursion limit exceeded {_column(body, where)}"
    )


def test_the_limit_is_serdes_own(api: httpx.Client) -> None:
    _, below = _put_with(api, '"claims": ' + "[" * 126 + "]" * 126)
    assert "recursion limit" not in below.text
    _, at = _put_with(api, '"claims": ' + "[" * 127 + "]" * 127)
    assert "recursion limit exceeded" in _text(at)


def test_unterminated_deep_nesting_reports_the_limit_first(api: httpx.Client) -> None:
    _, response = _put_with(api, '"claims": ' + "[" * DEEP)
    assert _text(response).startswith("Json deserialize error: recursion limit exceeded at")


def test_deep_nesting_in_a_typed_field_is_a_type_error(api: httpx.Client) -> None:
    body, response = _put_with(api, '"contacts": ["a@b.example", ' + "[" * DEEP + "]" * DEEP + "]")
    assert _text(response) == (
        f"Json deserialize error: invalid type: sequence, expected a string "
        f"{_column(body, len(body) - 2)}"
    )


def test_deep_nesting_in_an_unknown_field_is_skipped_like_serde(api: httpx.Client) -> None:
    _, response = _put_with(api, '"not_a_field": ' + "[" * DEEP + "]" * DEEP)
    assert response.status_code == 200, response.text


def test_deeply_nested_top_level_array(api: httpx.Client) -> None:
    body = "[" * DEEP + "]" * DEEP
    response = _send(api, "POST", "/clients", body)
    where = _column(body, len(body) - 1)
    assert (
        _text(response) == f"Json deserialize error: invalid type: sequence, expected a map {where}"
    )


@pytest.mark.parametrize("where", ["typed", "free-form"])
def test_a_million_digit_number_is_out_of_range(api: httpx.Client, where: str) -> None:
    digits = "9" * 1_000_000
    tail = (
        f'"access_token_lifetime": {digits}' if where == "typed" else f'"claims": {{"a": {digits}}}'
    )
    live_tail = tail
    if where == "typed":
        live = api.get("/clients/app").json()
        live.pop("access_token_lifetime")
        body = json.dumps(live)[:-1] + ", " + live_tail + "}"
        response = _send(api, "PUT", "/clients/app", body)
    else:
        body, response = _put_with(api, live_tail)
    last_digit = body.index(digits) + len(digits) - 1
    assert (
        _text(response)
        == f"Json deserialize error: number out of range {_column(body, last_digit)}"
    )


def test_an_out_of_range_number_in_a_list_is_read_in_order(api: httpx.Client) -> None:
    body, response = _put_with(api, '"contacts": ["a@b.example", 1e999]')
    end = body.index("1e999") + len("1e999") - 1
    assert _text(response) == f"Json deserialize error: number out of range {_column(body, end)}"
    _, first_wrong = _put_with(api, '"contacts": [[1], 1e999]')
    assert "invalid type: sequence, expected a string" in _text(first_wrong)


def test_a_huge_number_in_an_unknown_field_is_skipped(api: httpx.Client) -> None:
    _, response = _put_with(api, '"not_a_field": ' + "1" * 1_000_000)
    assert response.status_code == 200, response.text


DOCUMENTS: list[Any] = [
    {"a": [1, 2.5, -3e2, True, False, None, 'x\u00e9\\"\n'], "b": {"c": {}}, "d": []},
    [[], [[]], {"k": [{"k": "v"}]}],
    "text",
    0,
    -0.0,
    12345678901234567890123,
    {"": ""},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_guarded_reader_reads_what_pythons_decoder_reads(document: Any) -> None:
    for text in (json.dumps(document), json.dumps(document, indent=2), json.dumps(document) + " "):
        value, end = _guarded(text, 0, 128)
        assert value == document
        assert end == len(text.rstrip())


@pytest.mark.parametrize("text", ['{"a" 1}', '{"a": }', "[1 2]", '{"a": 1,}', "[", "{1: 2}", "tru"])
def test_the_guarded_reader_words_syntax_errors_as_pythons_decoder(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as python:
        json.JSONDecoder().raw_decode(text)
    with pytest.raises(json.JSONDecodeError) as guarded:
        _guarded(text, 0, 128)
    assert (guarded.value.msg, guarded.value.pos) == (python.value.msg, python.value.pos)
