"""Publication through the command line: plan checks destinations, apply repairs them by
reading (never rotating), and bad destinations are refused before any request."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from assay_py.cli import main
from assay_py.emulator import RauthyEmulator

Write = Callable[[str, str], Path]
Run = Callable[..., Result]

CLIENTS = """\
- id: grafana
  name: Grafana
  confidential: true
  redirect_uris: [https://grafana.example.com/login/generic_oauth]
- id: wiki
  confidential: true
  redirect_uris: [https://wiki.example.com/cb]
- id: cli
  confidential: false
  challenges: [S256]
  redirect_uris: [http://localhost:8400/cb]
"""


@pytest.fixture
def run(rauthy_emulator: RauthyEmulator) -> Run:
    env = {
        "RAUTHY_URL": rauthy_emulator.url,
        "RAUTHY_API_KEY": rauthy_emulator.api_key,
        "RAUTHY_API_KEY_FILE": None,
    }

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["rauthy", *args], env=env)

    return invoke


@pytest.fixture
def clients(write: Write) -> str:
    return str(write("clients.yaml", CLIENTS))


def _secret_puts(emu: RauthyEmulator) -> int:
    return sum(1 for r in emu.requests if r.method == "PUT" and r.path.endswith("/secret"))


def _manifest(path: Path) -> dict[str, str]:
    return {
        base64.b64decode(d["data"]["client_id"]).decode(): base64.b64decode(
            d["data"]["client_secret"]
        ).decode()
        for d in yaml.safe_load_all(path.read_text())
    }


def test_a_deleted_secret_file_is_pending_and_apply_reads_it_back(
    run: Run, clients: str, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets"
    assert run("apply", clients, "--secrets-dir", str(secrets)).exit_code == 0
    grafana = rauthy_emulator.client_secret("grafana")
    (secrets / "grafana").unlink()

    before = rauthy_emulator.request_count()
    planned = run("plan", clients, "--secrets-dir", str(secrets))
    assert planned.exit_code == 2, planned.output
    assert "~ grafana  (publish)" in planned.output
    assert "no secret file grafana" in planned.output
    assert "1 to publish" in planned.output
    assert rauthy_emulator.request_count() - before == 1  # the plan read no secret

    repaired = run("apply", clients, "--secrets-dir", str(secrets))
    assert repaired.exit_code == 0, repaired.output
    assert "republished" in repaired.output
    assert (secrets / "grafana").read_text() == grafana == rauthy_emulator.client_secret("grafana")
    assert _secret_puts(rauthy_emulator) == 0  # read, never rotated
    assert grafana is not None and grafana not in repaired.output
    assert run("plan", clients, "--secrets-dir", str(secrets)).exit_code == 0


def test_a_manifest_file_is_a_destination_plan_can_check(
    run: Run, clients: str, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "secrets.yaml"
    k8s = ("--k8s-secret-namespace", "auth", "--k8s-out", str(out))
    applied = run("apply", clients, *k8s)
    assert applied.exit_code == 0, applied.output
    assert "wrote 2 Secret manifest(s)" in applied.stderr
    assert run("plan", clients, *k8s).exit_code == 0

    documents = list(yaml.safe_load_all(out.read_text()))
    out.write_text(yaml.safe_dump_all([d for d in documents if d["metadata"]["name"] != "wiki"]))
    planned = run("plan", clients, *k8s)
    assert planned.exit_code == 2 and "~ wiki  (publish)" in planned.output
    assert "grafana" not in planned.output

    assert run("apply", clients, *k8s).exit_code == 0
    live = {cid: rauthy_emulator.client_secret(cid) for cid in ("grafana", "wiki")}
    assert _manifest(out) == live
    assert _secret_puts(rauthy_emulator) == 0
    assert run("plan", clients, *k8s).exit_code == 0


def test_manifests_on_stdout_are_said_to_be_unchecked(
    run: Run, clients: str, rauthy_emulator: RauthyEmulator
) -> None:
    applied = run("apply", clients, "--k8s-secret-namespace", "auth")
    assert applied.exit_code == 0, applied.stderr
    assert len(list(yaml.safe_load_all(applied.stdout))) == 2
    assert "went to stdout, which assay-py cannot check" in applied.stderr
    assert "--publish-existing" in applied.stderr
    planned = run("plan", clients, "--k8s-secret-namespace", "auth")
    assert planned.exit_code == 0
    assert "manifests on stdout cannot be checked" in planned.stderr


def test_minting_with_no_destination_is_refused_before_any_request(
    run: Run, clients: str, write: Write, rauthy_emulator: RauthyEmulator
) -> None:
    refused = run("apply", clients)
    assert refused.exit_code == 1
    assert "2 confidential client(s) (grafana, wiki)" in refused.output
    assert "--secrets-dir" in refused.output and "--no-publish" in refused.output
    assert run("rotate", "grafana").exit_code == 1
    assert rauthy_emulator.request_count() == 0

    public_only = str(
        write(
            "public.yaml",
            "- id: cli\n  confidential: false\n  redirect_uris: [http://localhost/cb]\n",
        )
    )
    assert run("apply", public_only).exit_code == 0
    intended = run("apply", clients, "--no-publish")
    assert intended.exit_code == 0, intended.output
    assert rauthy_emulator.client_secret("grafana") is not None
    both = run("apply", clients, "--no-publish", "--secrets-dir", "x")
    assert both.exit_code == 1 and "--no-publish contradicts" in both.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--k8s-secret-namespace", ""), "--k8s-secret-namespace: must not be empty"),
        (("--k8s-secret-namespace", "Auth"), "'Auth' is not a DNS-1123 label"),
        (("--k8s-secret-namespace", "auth", "--k8s-name-prefix", "A_"), "--k8s-name-prefix"),
    ],
)
def test_bad_kubernetes_options_are_refused_before_any_request(
    run: Run,
    clients: str,
    rauthy_emulator: RauthyEmulator,
    args: tuple[str, ...],
    expected: str,
) -> None:
    for command in (("apply", clients), ("plan", clients), ("rotate", "grafana")):
        result = run(*command, *args)
        assert result.exit_code == 1, result.output
        assert expected in result.stderr
        assert result.stdout == ""  # nothing for `| kubectl apply -f -` to swallow
    assert rauthy_emulator.request_count() == 0


def test_ids_that_cannot_be_published_are_refused_before_any_request(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    long_id = "a" * 256
    entry = "- id: {}\n  confidential: true\n  redirect_uris: [https://x.example.com/cb]\n"
    too_long = str(write("long.yaml", entry.format(long_id)))
    result = run("apply", too_long, "--secrets-dir", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert f"client '{long_id}'" in result.stderr and "255-byte limit" in result.stderr

    colliding = str(write("collide.yaml", entry.format("App") + entry.format("app")))
    result = run("apply", colliding, "--k8s-secret-namespace", "auth", "--k8s-out", "m.yaml")
    assert result.exit_code == 1
    assert "clients 'App' and 'app' both map to 'app'" in result.stderr
    assert rauthy_emulator.request_count() == 0
    assert rauthy_emulator.get_client(long_id) is None


def test_a_rotation_whose_answer_was_lost_says_so_and_apply_republishes(
    run: Run, clients: str, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets"
    assert run("apply", clients, "--secrets-dir", str(secrets)).exit_code == 0
    old = rauthy_emulator.client_secret("grafana")

    rauthy_emulator.faults.drop_next(1, when="after", method="PUT", path="/clients/*/secret")
    lost = run("rotate", "grafana", "--grace-hours", "2", "--secrets-dir", str(secrets))
    assert lost.exit_code == 1
    message = lost.stderr
    assert "rotating the secret of client 'grafana' may have happened" in message
    assert "the old secret keeps working 2 h more" in message and "UTC" in message
    assert f"plan FILE --secrets-dir {secrets}" in message
    new = rauthy_emulator.client_secret("grafana")
    assert new != old and (secrets / "grafana").read_text() == old  # the file is stale now
    assert new is not None and new not in message

    planned = run("plan", clients, "--secrets-dir", str(secrets))
    assert planned.exit_code == 2
    assert "~ grafana  (publish)" in planned.output and "interrupted rotate" in planned.output

    puts = _secret_puts(rauthy_emulator)
    assert run("apply", clients, "--secrets-dir", str(secrets)).exit_code == 0
    assert (secrets / "grafana").read_text() == new
    assert _secret_puts(rauthy_emulator) == puts
    assert run("plan", clients, "--secrets-dir", str(secrets)).exit_code == 0

    rauthy_emulator.faults.drop_next(1, when="after", method="PUT", path="/clients/*/secret")
    at_once = run("rotate", "wiki", "--secrets-dir", str(secrets))
    assert at_once.exit_code == 1
    assert "the old secret stopped working at once" in at_once.stderr


def test_plan_of_many_unchanged_clients_with_destinations_present_is_one_request(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    entry = (
        "- id: app{:02}\n  confidential: true\n  redirect_uris: [https://a{:02}.example.com/cb]\n"
    )
    clients = str(write("many.yaml", "".join(entry.format(i, i) for i in range(40))))
    destinations = (
        "--secrets-dir",
        str(tmp_path / "s"),
        "--k8s-secret-namespace",
        "auth",
        "--k8s-out",
        str(tmp_path / "m.yaml"),
    )
    assert run("apply", clients, *destinations, "-p", "8").exit_code == 0
    before = rauthy_emulator.request_count()
    planned = run("plan", clients, *destinations)
    assert planned.exit_code == 0, planned.output
    assert rauthy_emulator.request_count() - before == 1


INSTANCE = """\
version: 1
scopes:
  - name: read:billing
clients:
  - id: reports
    confidential: true
    redirect_uris: [https://reports.example.com/oidc/callback]
    scopes: [openid, read:billing]
"""


def test_a_whole_instance_file_publishes_the_same_way(
    run: Run, write: Write, rauthy_emulator: RauthyEmulator, tmp_path: Path
) -> None:
    path = str(write("instance.yaml", INSTANCE))
    assert run("apply", path).exit_code == 1  # confidential clients and no destination
    assert rauthy_emulator.request_count() == 0

    secrets = tmp_path / "secrets"
    k8s = ("--k8s-secret-namespace", "auth", "--k8s-out", str(tmp_path / "m.yaml"))
    applied = run("apply", path, "--secrets-dir", str(secrets), *k8s)
    assert applied.exit_code == 0, applied.output
    live = rauthy_emulator.client_secret("reports")
    assert (secrets / "reports").read_text() == live
    assert _manifest(tmp_path / "m.yaml") == {"reports": live}
    assert run("plan", path, "--secrets-dir", str(secrets), *k8s).exit_code == 0

    (secrets / "reports").unlink()
    planned = run("plan", path, "--secrets-dir", str(secrets), *k8s)
    assert planned.exit_code == 2, planned.output
    assert "~ reports  (publish)" in planned.output
    assert run("apply", path, "--secrets-dir", str(secrets), *k8s).exit_code == 0
    assert (secrets / "reports").read_text() == live
    assert _secret_puts(rauthy_emulator) == 0
    assert run("plan", path, "--secrets-dir", str(secrets), *k8s).exit_code == 0
