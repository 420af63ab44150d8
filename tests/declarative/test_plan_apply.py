"""plan_clients / apply_clients against the emulator."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.declarative import (
    ClientsFileError,
    apply_clients,
    parse_entries,
    plan_clients,
)
from assay_py.rauthy.declarative.publication import Publication, SecretsDir
from assay_py.rauthy.declarative.render import render_apply_text, render_plan_text

from .conftest import confidential, public

SCIM = {
    "bearer_token": "scim-token-that-must-stay-hidden",
    "base_uri": "https://app.example.com/scim/v2",
    "sync_groups": True,
}


def _actions(report: object) -> dict[str, str]:
    clients = report.clients if hasattr(report, "clients") else report.results  # type: ignore[attr-defined]
    return {c.client_id: c.action for c in clients}


def test_plan_apply_plan_again_is_all_noop(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    entries = parse_entries(
        [
            {"preset": "openbao", "host": "bao.example.com"},
            {"preset": "argocd", "host": "cd.example.com", "overrides": {"force_mfa": True}},
            confidential("grafana"),
            public("cli"),
        ]
    )
    first = plan_clients(client, entries)
    assert set(_actions(first).values()) == {"create"}
    assert first.has_changes

    applied = apply_clients(client, first, secrets_dir=tmp_path)
    assert applied.ok, render_apply_text(applied)

    before = rauthy_emulator.request_count()
    again = plan_clients(client, entries)
    assert set(_actions(again).values()) == {"noop"}
    assert not again.has_changes
    assert rauthy_emulator.request_count() - before == 1  # one GET /clients, nothing else
    assert again.reads == 1
    assert rauthy_emulator.get_client("argocd")["force_mfa"] is True  # type: ignore[index]


def test_secrets_are_published_for_minted_clients_only(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    entries = parse_entries([confidential("alpha"), confidential("beta"), public("gamma")])
    applied = apply_clients(client, entries, secrets_dir=tmp_path / "out", parallel=3)

    assert applied.ok
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["alpha", "beta"]
    for file in files:
        assert file.read_text() == rauthy_emulator.client_secret(file.name)
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert applied.secrets() == {
        "alpha": rauthy_emulator.client_secret("alpha"),
        "beta": rauthy_emulator.client_secret("beta"),
    }
    by_id = {r.client_id: r for r in applied.results}
    assert by_id["alpha"].secret_source == "minted" and by_id["gamma"].secret_source is None

    # A secret file deleted by hand is a pending change: the next plan shows it, the next
    # apply reads the current secret (never rotates) and writes the file again.
    alpha = rauthy_emulator.client_secret("alpha")
    (tmp_path / "out" / "alpha").unlink()
    publication = Publication([SecretsDir(tmp_path / "out")])
    before = rauthy_emulator.request_count()
    pending = plan_clients(client, entries, publication=publication)
    assert rauthy_emulator.request_count() - before == 1  # no secret read to plan
    assert pending.has_changes and pending.counts()["publish"] == 1
    assert {c.client_id: c.publish for c in pending.clients if c.publish} == {
        "alpha": (f"--secrets-dir {tmp_path / 'out'}: no secret file alpha",)
    }
    assert "~ alpha  (publish)" in render_plan_text(pending)

    second = apply_clients(client, entries, secrets_dir=tmp_path / "out")
    assert second.secrets() == {"alpha": alpha}
    assert (tmp_path / "out" / "alpha").read_text() == alpha
    assert rauthy_emulator.client_secret("alpha") == alpha
    assert rauthy_emulator.request_count(method="PUT", path_prefix="/clients/alpha/secret") == 0
    assert {r.client_id: r.secret_source for r in second.results}["alpha"] == "republished"
    assert not plan_clients(client, entries, publication=publication).has_changes

    # Reading every existing secret is still there when asked for.
    third = apply_clients(client, entries, secrets_dir=tmp_path / "out", publish_existing=True)
    assert set(third.secrets()) == {"alpha", "beta"}
    assert {r.secret_source for r in third.results} == {"existing", None}


def test_secrets_stay_out_of_reports_and_reprs(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    applied = apply_clients(client, parse_entries([confidential("alpha")]))
    secret = rauthy_emulator.client_secret("alpha")
    assert secret is not None and applied.secrets() == {"alpha": secret}

    shown = [
        json.dumps(applied.to_dict()),
        repr(applied),
        repr(applied.results),
        render_apply_text(applied, verbose=True),
        json.dumps(applied.plan.to_dict()),
    ]
    assert all(secret not in text for text in shown)
    (shown_with_secret,) = applied.to_dict(include_secrets=True)["clients"]
    assert shown_with_secret["secret"] == secret
    assert shown_with_secret["secret_source"] == "minted"
    assert applied.to_dict()["clients"][0]["secret_source"] == "minted"


def test_diff_shows_live_and_desired_values(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    apply_clients(client, parse_entries([confidential("app", "https://a.example.com/cb")]))
    changed = {
        **confidential("app", "https://b.example.com/cb", "https://c.example.com/cb"),
        "access_token_lifetime": 600,
    }
    report = plan_clients(client, [changed])

    (planned,) = report.clients
    assert planned.action == "put"
    changes = {c.field: (c.before, c.after) for c in planned.changes}
    assert changes == {
        "redirect_uris": (
            ["https://a.example.com/cb"],
            ["https://b.example.com/cb", "https://c.example.com/cb"],
        ),
        "access_token_lifetime": (1800, 600),
    }
    text = render_plan_text(report)
    assert '- "https://a.example.com/cb"' in text
    assert '+ "https://c.example.com/cb"' in text
    assert "1800 -> 600" in text
    assert report.to_dict()["clients"][0]["changes"][1] == {
        "field": "access_token_lifetime",
        "before": 1800,
        "after": 600,
    }


def test_scim_costs_a_get_only_where_needed_and_its_token_is_hidden(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    with_scim = {**confidential("scimmed"), "scim": SCIM}
    apply_clients(client, parse_entries([with_scim, confidential("plain"), confidential("other")]))

    before = rauthy_emulator.request_count()
    report = plan_clients(client, [with_scim, confidential("plain"), confidential("other")])
    assert set(_actions(report).values()) == {"noop"}  # the list lacks scim; the GET has it
    assert rauthy_emulator.request_count() - before == 2  # GET /clients + GET /clients/scimmed
    assert report.reads == 2
    assert [c.fetched for c in report.clients] == [True, False, False]

    rotated = {**with_scim, "scim": {**SCIM, "bearer_token": "another-hidden-token"}}
    report = plan_clients(client, [rotated])
    (planned,) = report.clients
    assert planned.action == "put"
    (change,) = planned.changes
    assert change.field == "scim"
    assert change.before["bearer_token"] == "(sensitive)"
    assert change.after["bearer_token"] == "(sensitive, changed)"
    rendered = render_plan_text(report) + json.dumps(report.to_dict())
    assert "hidden-token" not in rendered and "stay-hidden" not in rendered


def test_a_put_keeps_a_scim_config_the_entry_does_not_mention(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    apply_clients(client, parse_entries([{**confidential("app"), "scim": SCIM}]))
    # The file now manages other fields only; the list answer shows no scim at all.
    changed = {**confidential("app"), "force_mfa": True}
    report = plan_clients(client, [changed])
    (planned,) = report.clients
    assert planned.action == "put" and planned.fetched
    assert [c.field for c in planned.changes] == ["force_mfa"]

    assert apply_clients(client, report).ok
    live = rauthy_emulator.get_client("app")
    assert live is not None and live["force_mfa"] is True and live["scim"] == SCIM


def test_prune_deletes_only_when_asked_and_never_the_rauthy_client(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    apply_clients(client, parse_entries([confidential("keep"), public("stale1"), public("stale2")]))
    entries = parse_entries([confidential("keep")])

    without = plan_clients(client, entries)
    assert _actions(without) == {"keep": "noop"}
    assert apply_clients(client, entries).ok
    assert rauthy_emulator.get_client("stale1") is not None

    report = plan_clients(client, entries, prune=True)
    assert _actions(report) == {"keep": "noop", "stale1": "delete", "stale2": "delete"}
    assert "stale1  (delete" in render_plan_text(report)
    with pytest.raises(ValueError, match="without prune"):
        apply_clients(client, without, prune=True)

    assert apply_clients(client, report).ok
    assert rauthy_emulator.get_client("stale1") is None
    assert rauthy_emulator.get_client("rauthy") is not None

    # An empty file with prune leaves exactly the built-in client.
    assert apply_clients(client, [], prune=True).ok
    assert [c["id"] for c in client.clients.list()] == ["rauthy"]
    assert rauthy_emulator.request_count(method="DELETE", path_prefix="/clients/rauthy") == 0


def test_one_failing_client_does_not_stop_the_others(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    apply_clients(client, parse_entries([public("broken")]))
    rauthy_emulator.faults.fail_next(50, status=500, method="PUT", path="/clients/broken")
    entries = parse_entries(
        [{**public("broken"), "force_mfa": True}, confidential("fine1"), confidential("fine2")]
    )
    applied = apply_clients(client, entries, secrets_dir=tmp_path, parallel=2, attempts=2)

    assert not applied.ok
    by_id = {r.client_id: r for r in applied.results}
    assert by_id["broken"].status == "failed" and by_id["broken"].attempts == 2
    assert "HTTP 500" in (by_id["broken"].error or "")
    assert by_id["fine1"].ok and by_id["fine2"].ok
    assert (tmp_path / "fine2").read_text() == rauthy_emulator.client_secret("fine2")
    assert "FAILED" in render_apply_text(applied)


def test_a_lost_create_answer_still_publishes_the_live_secret(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    # The create lands, its answer is lost: the next attempt must not fail on the duplicate
    # id, and the secret published must be the one Rauthy minted.
    rauthy_emulator.faults.drop_next(1, when="after", method="POST", path="/clients")
    applied = apply_clients(client, parse_entries([confidential("app")]), secrets_dir=tmp_path)

    assert applied.ok, applied.results[0].error
    assert applied.results[0].attempts == 2
    assert (tmp_path / "app").read_text() == rauthy_emulator.client_secret("app")
    assert rauthy_emulator.request_count(method="POST", path_prefix="/clients/app/secret") == 1


def test_turning_a_public_client_confidential_publishes_its_new_secret(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    apply_clients(client, parse_entries([{**confidential("app"), "confidential": False}]))
    applied = apply_clients(client, parse_entries([confidential("app")]), secrets_dir=tmp_path)

    assert [(r.action, r.secret_source) for r in applied.results] == [("put", "minted")]
    assert (tmp_path / "app").read_text() == rauthy_emulator.client_secret("app")


def test_a_rebuild_mints_and_publishes_a_new_secret(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    apply_clients(client, parse_entries([{**confidential("app"), "challenges": None}]))
    old = rauthy_emulator.client_secret("app")
    report = plan_clients(client, [{**confidential("app"), "challenges": ["S256"]}])
    assert _actions(report) == {"app": "rebuild"}
    assert "a new secret will be minted" in render_plan_text(report)

    applied = apply_clients(client, report, secrets_dir=tmp_path)
    assert applied.ok
    new = (tmp_path / "app").read_text()
    assert new == rauthy_emulator.client_secret("app") and new != old


def test_invalid_entries_send_nothing(
    client: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    before = rauthy_emulator.request_count()
    with pytest.raises(ClientsFileError) as caught:
        plan_clients(client, [confidential("ok"), {"id": "bad", "confidential": "yes"}])
    with pytest.raises(ClientsFileError):
        apply_clients(client, [{"preset": "openbao"}])
    assert rauthy_emulator.request_count() == before
    assert [(p.entry, p.field) for p in caught.value.problems][:1] == [(2, "confidential")]


def test_the_clients_api_alone_is_enough(client: rauthy.RauthyClient) -> None:
    # What c.clients.plan(entries) / c.clients.apply(entries) hand over.
    entries = [public("cli")]
    assert _actions(plan_clients(client.clients, entries)) == {"cli": "create"}
    assert apply_clients(client.clients, entries).ok
    assert _actions(plan_clients(client.clients, entries)) == {"cli": "noop"}


def test_progress_is_reported_for_every_client(client: rauthy.RauthyClient) -> None:
    seen: list[tuple[str, int, int]] = []
    entries = parse_entries([public(f"app{i}") for i in range(5)])
    apply_clients(
        client,
        entries,
        parallel=3,
        on_progress=lambda result, done, total: seen.append((result.client_id, done, total)),
    )
    assert sorted(cid for cid, _, _ in seen) == [f"app{i}" for i in range(5)]
    assert [done for _, done, _ in seen] == [1, 2, 3, 4, 5]
    assert {total for _, _, total in seen} == {5}
