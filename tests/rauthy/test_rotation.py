"""``rotate_secret``: an answer that never came says the rotation may have happened; Rauthy
refusing (4xx) says what it said."""

from __future__ import annotations

import pytest

from assay_py import rauthy
from tests.support.recorder import Recorder, Reply


@pytest.mark.parametrize(
    ("reply", "status"),
    [(Reply(503, {"error": "x", "message": "busy"}), 503), (Reply(200, {"id": "app"}), None)],
    ids=["5xx", "no-secret-in-answer"],
)
def test_an_unusable_answer_means_the_rotation_may_have_happened(
    rec: Recorder, api: rauthy.RauthyClient, reply: Reply, status: int | None
) -> None:
    rec.on("PUT", "/clients/app/secret", reply)
    with pytest.raises(rauthy.RotationUncertain) as caught:
        api.clients.rotate_secret("app", cache_current_hours=3)
    message = str(caught.value)
    assert "rotating the secret of client 'app' may have happened" in message
    assert "keeps working 3 h more" in message and "then stops" in message
    assert "get_secret('app')" in message
    assert caught.value.status == status
    assert caught.value.old_secret_until > 0
    assert len(rec.calls("PUT", "/clients/app/secret")) == 1  # never resent


def test_without_grace_the_old_secret_stops_at_once(
    rec: Recorder, api: rauthy.RauthyClient
) -> None:
    rec.on("PUT", "/clients/app/secret", Reply(502, b"bad gateway"))
    with pytest.raises(rauthy.RotationUncertain) as caught:
        api.clients.rotate_secret("app")
    assert "stopped working at once" in str(caught.value)


def test_nothing_sent_is_not_uncertain(closed_port_url: str) -> None:
    # Nothing listens: the connection was refused, so no rotation can have happened.
    with (
        rauthy.client(closed_port_url, "k$" + "s" * 32, retries=1) as c,
        pytest.raises(rauthy.RauthyUnreachable) as caught,
    ):
        c.clients.rotate_secret("app")
    assert not isinstance(caught.value, rauthy.RotationUncertain)


def test_a_refusal_is_not_uncertain(rec: Recorder, api: rauthy.RauthyClient) -> None:
    rec.on("PUT", "/clients/app/secret", Reply(404, {"error": "NotFound", "message": "no rows"}))
    with pytest.raises(rauthy.RauthyNotFound):
        api.clients.rotate_secret("app")
