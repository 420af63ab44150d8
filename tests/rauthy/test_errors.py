"""Error mapping, error text, and that neither the API key nor a secret ever leaks."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import pytest

from assay_py import rauthy
from tests.support.recorder import Recorder, Reply

from .conftest import API_KEY
from .fixtures import live_openbao

KEY_SECRET = API_KEY.partition("$")[2]


def rauthy_error(status: int, error: str, message: str) -> Reply:
    return Reply(status, {"timestamp": 1718000000, "error": error, "message": message})


def test_error_text_and_fields_come_from_rauthys_json_body(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    rec.on("GET", "/clients", rauthy_error(500, "Internal", "database is locked"))
    with pytest.raises(rauthy.RauthyError) as caught:
        api.clients.list()
    err = caught.value
    assert str(err) == "rauthy GET /clients: HTTP 500: database is locked"
    assert (err.method, err.path, err.status, err.error, err.message) == (
        "GET", "/clients", 500, "Internal", "database is locked",
    )  # fmt: skip
    assert type(err) is rauthy.RauthyError


def test_plain_text_bodies_are_kept_and_truncated(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on("PUT", "/clients/openbao", Reply(400, "Json deserialize error: " + "x" * 900))
    with pytest.raises(rauthy.RauthyError) as caught:
        api.clients.put("openbao", live_openbao())
    assert caught.value.message.startswith("Json deserialize error: xxx")
    assert len(caught.value.message) == 503  # 500 characters and an ellipsis
    assert caught.value.error is None


def test_empty_error_body_falls_back_to_the_reason_phrase(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    rec.on("GET", "/clients", Reply(500))
    with pytest.raises(rauthy.RauthyError, match=r"^rauthy GET /clients: HTTP 500: Internal"):
        api.clients.list()


@pytest.mark.parametrize(
    ("status", "error", "message", "cls"),
    [
        (404, "NotFound", "no rows returned", rauthy.RauthyNotFound),
        (401, "Unauthorized", "Invalid API-Key", rauthy.RauthyUnauthorized),
        (403, "Forbidden", "Bad permissions for given ApiKey. Needed: Clients / Read",
         rauthy.RauthyForbidden),
        (400, "BadRequest", 'Payload validation error: ValidationErrors({"scopes": Field([...',
         rauthy.RauthyValidationError),
    ],
)  # fmt: skip
def test_status_maps_to_a_subclass(
    rec: Recorder, api: rauthy.RauthyClient, status: int, error: str, message: str, cls: type
) -> None:
    rec.on("GET", "/clients", rauthy_error(status, error, message))
    with pytest.raises(cls) as caught:
        api.clients.list()
    assert isinstance(caught.value, rauthy.RauthyError)
    assert str(caught.value) == f"rauthy GET /clients: HTTP {status}: {message}"


def test_forbidden_names_the_missing_right(rec: Recorder, api: rauthy.RauthyClient) -> None:
    text = "Bad permissions for given ApiKey. Needed: Secrets / Read"
    rec.on("POST", "/clients/openbao/secret", rauthy_error(403, "Forbidden", text))
    with pytest.raises(rauthy.RauthyForbidden) as caught:
        api.clients.get_secret("openbao")
    assert caught.value.missing_right == "Secrets / Read"


def test_rauthys_validation_answer_lists_fields(rec: Recorder, api: rauthy.RauthyClient) -> None:
    text = (
        'Payload validation error: ValidationErrors({"auth_code_lifetime": Field([ValidationError'
        ' { code: "range", message: None, params: {"value": Number(5)} }])})'
    )
    rec.on("PUT", "/clients/openbao", rauthy_error(400, "BadRequest", text))
    with pytest.raises(rauthy.RauthyValidationError) as caught:
        api.clients.put("openbao", live_openbao())
    assert caught.value.violations == [("auth_code_lifetime", "range")]
    assert caught.value.status == 400


def test_transport_failure_is_unreachable_with_method_and_path(closed_port_url: str) -> None:
    with (
        rauthy.client(closed_port_url, API_KEY, retries=1) as c,
        pytest.raises(rauthy.RauthyUnreachable) as caught,
    ):
        c.clients.list()
    assert str(caught.value).startswith("rauthy GET /clients: unreachable: ConnectError")


def test_rebuild_failure_after_delete_says_the_client_is_absent(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    live = live_openbao(challenges=None)
    rec.on("GET", "/clients/openbao", Reply(200, live))
    rec.on("DELETE", "/clients/openbao", Reply(200))
    rec.on("POST", "/clients", rauthy_error(500, "Internal", "disk full"))
    with pytest.raises(rauthy.RebuildIncomplete) as caught:
        api.clients.reconcile(rauthy.client_presets.openbao(host="vault.example.com"))
    err = caught.value
    assert err.snapshot == live
    assert "now absent" in str(err)
    assert "re-running reconcile recreates it" in str(err)
    assert "disk full" in str(err)
    assert isinstance(err.__cause__, rauthy.RauthyError)
    assert err.__cause__.status == 500


def test_rebuild_method_carries_the_snapshot_too(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on("GET", "/clients/openbao", Reply(200, live_openbao()))
    rec.on("DELETE", "/clients/openbao", Reply(200))
    rec.on("POST", "/clients", rauthy_error(400, "BadRequest", "nope"))
    with pytest.raises(rauthy.RebuildIncomplete) as caught:
        api.clients.rebuild(rauthy.client_presets.openbao(host="vault.example.com"))
    assert caught.value.snapshot == live_openbao()


# --- redaction ---------------------------------------------------------------------------------


def test_client_repr_and_str_hide_the_key(api: rauthy.RauthyClient) -> None:
    for text in (repr(api), str(api), repr(api.clients.__dict__), repr(vars(api))):
        assert KEY_SECRET not in text
        assert API_KEY not in text


def test_key_echoed_by_the_server_is_scrubbed(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on("GET", "/clients", rauthy_error(401, "Unauthorized", f"bad key {API_KEY}"))
    with pytest.raises(rauthy.RauthyUnauthorized) as caught:
        api.clients.list()
    for text in (str(caught.value), repr(caught.value), caught.value.message):
        assert KEY_SECRET not in text
    assert "<redacted>" in str(caught.value)


def test_secrets_seen_are_scrubbed_from_later_errors(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    secret = "A" * 40 + "verysecretvalue0123456789"
    rec.on("POST", "/clients/app/secret", Reply(200, {"id": "app", "secret": secret}))
    rec.on("GET", "/clients", rauthy_error(500, "Internal", f"leaked {secret}"))
    assert api.clients.get_secret("app") == secret
    with pytest.raises(rauthy.RauthyError) as caught:
        api.clients.list()
    assert secret not in str(caught.value)


def test_tracebacks_with_locals_do_not_show_the_key(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    rec.on("GET", "/clients", rauthy_error(500, "Internal", "boom"))
    try:
        api.clients.list()
    except rauthy.RauthyError as exc:
        rendered = "".join(
            traceback.TracebackException.from_exception(exc, capture_locals=True).format()
        )
    else:  # pragma: no cover
        pytest.fail("no error")
    assert "boom" in rendered
    assert KEY_SECRET not in rendered


def test_nothing_secret_is_logged(
    rec: Recorder, api: rauthy.RauthyClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "B" * 64
    rec.on("GET", "/clients/app", Reply(200, {**live_openbao(), "id": "app"}))
    rec.on("POST", "/clients/app/secret", Reply(200, {"secret": secret}))
    with caplog.at_level(logging.DEBUG):
        api.clients.get("app")
        api.clients.get_secret("app")
    assert caplog.records  # httpx logs each request at DEBUG/INFO
    assert KEY_SECRET not in caplog.text
    assert secret not in caplog.text


def test_a_failing_constructor_does_not_show_the_key_in_traceback_locals(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-ca.pem")
    try:
        rauthy.client("https://iam.example.com", API_KEY, ca_bundle=missing)
    except OSError as exc:
        rendered = "".join(
            traceback.TracebackException.from_exception(exc, capture_locals=True).format()
        )
    else:  # pragma: no cover
        pytest.fail("no error")
    assert "no-such-ca.pem" in rendered
    assert "ApiKey(<redacted>)" in rendered
    assert KEY_SECRET not in rendered


def test_the_api_key_is_required() -> None:
    with pytest.raises(rauthy.RauthyValidationError, match="api_key"):
        rauthy.client("https://iam.example.com", "")


def test_rebuild_failure_after_the_create_landed_does_not_claim_the_client_is_absent(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    # The POST re-created the client (with Rauthy's defaults and a new secret); only the PUT
    # that applies the payload failed. Saying "absent" would send the operator the wrong way.
    live = live_openbao(challenges=None)
    rec.on("GET", "/clients/openbao", Reply(200, live))
    rec.on("DELETE", "/clients/openbao", Reply(200))
    rec.on("POST", "/clients", Reply(200, live_openbao(challenges=["S256"], scopes=["openid"])))
    rec.on("PUT", "/clients/openbao", rauthy_error(500, "Internal", "disk full"))
    with pytest.raises(rauthy.RebuildIncomplete) as caught:
        api.clients.reconcile(rauthy.client_presets.openbao(host="vault.example.com"))
    err = caught.value
    text = str(err)
    assert "absent" not in text
    assert "exists again" in text
    assert "get_secret('openbao')" in text  # the secret minted by the POST is not handed back
    assert "disk full" in text
    assert err.snapshot == live
    assert [r.method for r in rec.requests] == ["GET", "DELETE", "POST", "PUT"]


@pytest.mark.parametrize(
    "bad_key",
    [
        API_KEY + "\n",  # read from a file without stripping
        API_KEY + "\r\nX-Injected: 1",
        "test-name$secret with space 0123456789",
        "test-name$sécret-0123456789",
    ],
    ids=["trailing-newline", "header-injection", "space", "non-ascii"],
)
def test_an_api_key_that_cannot_be_a_header_is_refused_without_echoing_it(
    rec: Recorder, bad_key: str
) -> None:
    # httpx/h11 would put the whole header value, key included, into its error text.
    with (
        pytest.raises(rauthy.RauthyValidationError) as caught,
        rauthy.client(rec.url, bad_key, retries=1) as c,
    ):
        c.clients.list()
    text = str(caught.value) + repr(caught.value)
    assert "api_key" in text
    assert KEY_SECRET not in text
    assert bad_key.partition("$")[2][:10] not in text
    assert rec.requests == []
