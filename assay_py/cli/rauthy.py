"""``assay-py rauthy``: plan and apply a clients file, and everyday admin commands.

Exit codes follow Terraform's ``-detailed-exitcode``: 0 nothing to change (or success), 2 changes
pending (``plan`` only), 1 any error, including bad usage. Secrets leave only through
``--secrets-dir`` files and Kubernetes Secret manifests; the API key is never echoed.

Only click is imported here; httpx, PyYAML and the Rauthy client load inside the commands.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from . import _targets

if TYPE_CHECKING:
    from assay_py.rauthy.client import RauthyClient
    from assay_py.rauthy.declarative import ClientResult
    from assay_py.rauthy.declarative.publication import Publication

    from ._progress import LiveProgress

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2

_NO_URL = (
    "no Rauthy URL: pass --url or set RAUTHY_URL, e.g. RAUTHY_URL=https://iam.example.com/auth/v1\n"
    "No Rauthy at hand? Start the emulator with `assay-py emulator` and export the RAUTHY_URL"
    " and RAUTHY_API_KEY it prints."
)
_NO_KEY = (
    "no API key: set RAUTHY_API_KEY='<name>$<secret>' or pass --api-key-file FILE"
    " (a key given with --api-key is visible to other users in the process list)"
)


class _UsageError(click.UsageError):
    exit_code = EXIT_ERROR


class _RauthyGroup(click.Group):
    """Bad usage exits 1 here, not click's 2: 2 means "changes pending" for ``plan``."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _UsageError(exc.message, exc.ctx) from None


@click.group(cls=_RauthyGroup)
def rauthy() -> None:
    """Manage Rauthy clients: plan/apply a clients file, health, list, get, rotate, presets.

    Connection: --url / RAUTHY_URL and RAUTHY_API_KEY / --api-key-file on every command.
    """


# --- connection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connection:
    url: str | None
    api_key: str | None
    api_key_file: str | None
    ca_bundle: str | None
    insecure: bool
    timeout: float

    def open(self, *, need_key: bool = True) -> RauthyClient:
        from assay_py import rauthy as rauthy_api

        if not self.url:
            _fail(_NO_URL)
        key = self._key()
        if key is None and need_key:
            _fail(_NO_KEY)
        return rauthy_api.client(
            _base_url(self.url),
            # /health is probed without the key, so `health` works with none.
            key or "health$probe",
            read_timeout=self.timeout,
            verify=not self.insecure,
            ca_bundle=self.ca_bundle,
        )

    def _key(self) -> str | None:
        if self.api_key_file:
            try:
                with open(self.api_key_file, encoding="utf-8") as handle:
                    key = handle.read().strip()
            except OSError as exc:
                _fail(f"cannot read --api-key-file: {exc.strerror or exc}")
            if not key:
                _fail("--api-key-file is empty")
            return key
        return self.api_key or None


def _refuse_under_a_gate(command: str) -> None:
    """The gate flags are global, so `assay-py --readonly rauthy apply` parses: it must not
    write anyway. (Read-only and approval mode are the Lua runtime's; these commands only
    honour them by refusing.)"""
    from assay_py.host.vm import mode_from_env

    mode = mode_from_env()
    if mode == "readonly":
        _fail(
            f"rauthy {command}: refused in read-only mode (--readonly / ASSAY_READONLY): it "
            "writes to Rauthy; `rauthy plan` shows what it would do"
        )
    if mode == "approval":
        _fail(
            f"rauthy {command}: approval mode (--approval-mode / ASSAY_APPROVAL) is for Lua "
            "scripts; run it without, after reviewing `rauthy plan`"
        )


def _base_url(url: str) -> str:
    """Accept ``https://iam.example.com`` as well as ``.../auth/v1``: Rauthy lives there."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        _fail(f"--url / RAUTHY_URL must be an http(s) URL, got {url!r}")
    if parts.path in ("", "/"):
        return url.rstrip("/") + "/auth/v1"
    return url


def connection_options(command: F) -> F:
    """Adds the connection options and passes one ``conn: Connection`` instead."""

    @click.option("--url", envvar="RAUTHY_URL", metavar="URL", help="Rauthy base URL [RAUTHY_URL].")
    @click.option(
        "--api-key",
        envvar="RAUTHY_API_KEY",
        metavar="NAME$SECRET",
        help="API key [RAUTHY_API_KEY]; prefer the variable or --api-key-file.",
    )
    @click.option(
        "--api-key-file",
        envvar="RAUTHY_API_KEY_FILE",
        type=click.Path(dir_okay=False),
        help="Read the API key from this file [RAUTHY_API_KEY_FILE].",
    )
    @click.option("--ca-bundle", type=click.Path(dir_okay=False, exists=True), help="CA file.")
    @click.option("--insecure", is_flag=True, help="Do not verify TLS certificates.")
    @click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True)
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        url: str | None,
        api_key: str | None,
        api_key_file: str | None,
        ca_bundle: str | None,
        insecure: bool,
        timeout: float,
        **kwargs: Any,
    ) -> Any:
        if insecure and ca_bundle:
            raise click.UsageError("--insecure and --ca-bundle exclude each other")
        ctx = click.get_current_context()
        if (
            api_key_file
            and ctx.get_parameter_source("api_key") is click.core.ParameterSource.COMMANDLINE
        ):
            raise click.UsageError("give the API key with --api-key or --api-key-file, not both")
        conn = Connection(url, api_key, api_key_file, ca_bundle, insecure, timeout)
        return command(*args, conn=conn, **kwargs)

    return wrapper  # type: ignore[return-value]


def handle_errors(command: F) -> F:
    """Known failures become one clean line on stderr and exit 1 (no traceback to leak from)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from assay_py.rauthy.errors import RauthyError

        try:
            return command(*args, **kwargs)
        except RauthyError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{exc.filename or 'I/O'}: {exc.strerror or exc}")

    return wrapper  # type: ignore[return-value]


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


_output_option = click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Human text or JSON for machines.",
)
_plan_output_option = click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Human text, JSON for machines (docs/plan-json.md), or Markdown for a pull-request"
    " comment.",
)


# --- plan / apply ----------------------------------------------------------------------------


def publication_options(command: F) -> F:
    """The destinations of secrets, shared by plan, apply and rotate."""
    command = click.option("--k8s-name-prefix", default="", help="Prefix of the Secret names.")(
        command
    )
    command = click.option(
        "--k8s-out",
        type=click.Path(dir_okay=False),
        help="Manifest file (0600, checked by plan) instead of stdout.",
    )(command)
    command = click.option(
        "--k8s-secret-namespace", metavar="NS", help="Publish as Kubernetes Secret manifests."
    )(command)
    return click.option(
        "--secrets-dir",
        type=click.Path(file_okay=False),
        help="Publish each secret to DIR/<id> (mode 0600).",
    )(command)


_no_publish_option = click.option(
    "--no-publish",
    is_flag=True,
    help="Mint secrets with no destination (they stay readable with POST /clients/{id}/secret).",
)

_STDOUT_NOTE = (
    "note: {count} Secret manifest(s) went to stdout, which assay-py cannot check later: if they"
    " did not reach the cluster (kubectl failed, the run was killed), run apply again with"
    " --publish-existing to print every current secret, or publish to --k8s-out FILE instead"
)


@rauthy.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--prune",
    is_flag=True,
    help="Also plan deleting clients (with a mapping FILE: items of every kind in it) absent"
    " from FILE; built-ins never.",
)
@click.option("--verbose", "-v", is_flag=True, help="List unchanged clients too.")
@publication_options
@_plan_output_option
@connection_options
@handle_errors
@_targets.target_option
def plan(
    file: str,
    prune: bool,
    verbose: bool,
    secrets_dir: str | None,
    k8s_secret_namespace: str | None,
    k8s_out: str | None,
    k8s_name_prefix: str,
    output: str,
    conn: Connection,
) -> None:
    """Show what apply would change. Exit 0: in sync, 2: changes pending, 1: error.

    With the destinations apply uses (--secrets-dir, --k8s-out), a confidential client whose
    current secret a destination lacks is a pending change: `~ id (publish)`.

    \b
    FILE is a YAML or JSON list of clients, each a full payload or a preset:
      - preset: openbao
        host: openbao.example.com
      - preset: argocd
        host: argocd.example.com
        overrides: {access_token_lifetime: 900}
      - {id: tool, confidential: false, redirect_uris: [https://tool.example.com/cb]}

    \b
    Or a whole instance, a mapping of kinds (examples/rauthy.yaml):
      prune: {scopes: true}
      user_attributes: [{name: department}]
      scopes: [{name: org, attr_include_access: [department]}]
      roles: [{name: grafana-admin}]
      groups: [{name: argocd-admins}]
      clients: [{preset: argocd, host: argocd.example.com}]

    \b
    Examples:
      assay-py rauthy plan clients.yaml --secrets-dir /run/rauthy-secrets
      assay-py rauthy plan clients.yaml --prune -o json | jq '.clients[].action'
      assay-py rauthy plan rauthy.yaml -o markdown > plan.md   # a pull-request comment
    """
    from assay_py.rauthy.declarative import plan_clients
    from assay_py.rauthy.declarative.render import (
        render_plan_json,
        render_plan_markdown,
        render_plan_text,
    )

    from . import _instance

    document = _instance.load_document(file, output)
    publication = _publication(secrets_dir, k8s_secret_namespace, k8s_out, k8s_name_prefix)
    if publication.unchecked:
        click.echo(
            "note: manifests on stdout cannot be checked; plan compares --secrets-dir and"
            " --k8s-out only",
            err=True,
        )
    if not document.bare_list:  # a mapping of kinds: the whole-instance engine
        with conn.open() as client:
            planned = _instance.plan_document(
                client,
                document,
                prune=prune,
                parallel=4,
                output=output,
                verbose=verbose,
                publication=publication,
            )
        sys.exit(_instance.plan_exit(planned))
    entries = _load(file, output, document.parsed)
    with conn.open() as client:
        report = plan_clients(client, entries, prune=prune, publication=publication)
    if output == "json":
        text = render_plan_json(report)
    elif output == "markdown":
        text = render_plan_markdown(report)
    else:
        text = render_plan_text(report, verbose=verbose)
    click.echo(text, nl=False)
    sys.exit(EXIT_CHANGES if report.has_changes else EXIT_OK)


@rauthy.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--parallel", "-p", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option(
    "--prune",
    is_flag=True,
    help="Delete clients (with a mapping FILE: items of every kind in it) absent from FILE;"
    " never built-ins such as 'rauthy', 'openid', 'rauthy_admin'.",
)
@publication_options
@_no_publish_option
@click.option(
    "--publish-existing",
    is_flag=True,
    help="Also read and publish the current secret of every confidential client.",
)
@click.option("--verbose", "-v", is_flag=True, help="List unchanged clients too.")
@_output_option
@connection_options
@handle_errors
@_targets.target_option
def apply(
    file: str,
    parallel: int,
    prune: bool,
    secrets_dir: str | None,
    k8s_secret_namespace: str | None,
    k8s_out: str | None,
    k8s_name_prefix: str,
    no_publish: bool,
    publish_existing: bool,
    verbose: bool,
    output: str,
    conn: Connection,
) -> None:
    """Create, update (and with --prune delete) clients to match FILE; publish their secrets.

    Secrets of created clients, and current secrets a destination lacks (a deleted file, a run
    that was killed), are published; an existing secret is read, never rotated. One client's
    failure does not stop the others; exit 1 if any failed.

    \b
    Examples:
      assay-py rauthy apply clients.yaml --secrets-dir /run/rauthy-secrets
      assay-py rauthy apply clients.yaml --k8s-secret-namespace auth --k8s-out secrets.yaml
      assay-py rauthy apply clients.yaml --k8s-secret-namespace auth | kubectl apply -f -
    """
    _refuse_under_a_gate("apply")
    from assay_py.rauthy.declarative import apply_clients, plan_clients
    from assay_py.rauthy.declarative.planner import secret_owners
    from assay_py.rauthy.declarative.render import (
        render_apply_json,
        render_apply_text,
        render_plan_text,
    )

    from ._progress import LiveProgress

    manifests_to_stdout = k8s_secret_namespace is not None and not k8s_out
    if manifests_to_stdout and output == "json":
        raise click.UsageError("--output json and manifests both want stdout: add --k8s-out FILE")
    # With manifests on stdout, everything for people goes to stderr.
    human_err = manifests_to_stdout
    from . import _instance

    document = _instance.load_document(file, output)
    publication = _publication(
        secrets_dir, k8s_secret_namespace, k8s_out, k8s_name_prefix, to_stdout=True
    )
    if no_publish and publication:
        raise click.UsageError("--no-publish contradicts the destinations given")
    if not document.bare_list:  # a mapping of kinds: the whole-instance engine
        owners = _instance.secret_owners(document)
    else:
        entries = _load(file, output, document.parsed)
        owners = secret_owners(entries)
    if owners and not publication and not no_publish:
        shown = ", ".join(owners[:5]) + (", ..." if len(owners) > 5 else "")
        _fail(
            f"{len(owners)} {_owner_words(owners)} ({shown}) would have secrets minted with"
            " nowhere to publish them: pass --secrets-dir DIR and/or --k8s-secret-namespace NS"
            " [--k8s-out FILE], or --no-publish if that is intended"
        )
    publication.check(owners)  # bad names: refused before any request
    _prepare(publication)
    if not document.bare_list:
        with conn.open() as client:
            whole = _instance.apply_document(
                client,
                document,
                prune=prune,
                parallel=parallel,
                output=output,
                verbose=verbose,
                human_err=human_err,
                publication=publication,
                publish_existing=publish_existing,
                progress=output != "json",
            )
        _report_manifests(publication)
        sys.exit(EXIT_OK if whole.ok else EXIT_ERROR)

    with conn.open() as client:
        report = plan_clients(
            client, entries, prune=prune, parallel=parallel, publication=publication
        )
        if output == "text":
            click.echo(render_plan_text(report, verbose=verbose), nl=False, err=human_err)
            click.echo(err=human_err)
        display = LiveProgress.on_stderr(enabled=output != "json")
        try:
            result = apply_clients(
                client,
                report,
                parallel=parallel,
                publication=publication,
                on_progress=_counting(display),
                publish_existing=publish_existing,
            )
        finally:
            if display is not None:
                display.close()
    if output == "json":
        click.echo(render_apply_json(result), nl=False)
    else:
        click.echo(render_apply_text(result, verbose=verbose), nl=False, err=human_err)
    _report_manifests(publication)
    sys.exit(EXIT_OK if result.ok else EXIT_ERROR)


def _owner_words(owners: Sequence[str]) -> str:
    from assay_py.rauthy.declarative.publish import API_KEY_OWNER

    keys = sum(1 for o in owners if o.startswith(API_KEY_OWNER))
    if not keys:
        return "confidential client(s)"
    return "API key(s)" if keys == len(owners) else "confidential client(s) and API key(s)"


def _publication(
    secrets_dir: str | None,
    namespace: str | None,
    k8s_out: str | None,
    name_prefix: str,
    *,
    to_stdout: bool = False,
) -> Publication:
    """The run's destinations. Names are checked later, with the ids (``check``)."""
    from assay_py.rauthy.declarative.publication import (
        Destination,
        ManifestFile,
        ManifestStream,
        Publication,
        SecretsDir,
    )

    if k8s_out and namespace is None:
        raise click.UsageError("--k8s-out needs --k8s-secret-namespace")
    destinations: list[Destination] = []
    if secrets_dir is not None:
        if not secrets_dir:
            raise click.UsageError("--secrets-dir must not be empty")
        destinations.append(SecretsDir(secrets_dir))
    if namespace is not None:
        if k8s_out:
            destinations.append(ManifestFile(k8s_out, namespace, name_prefix=name_prefix))
        else:

            def write(text: str) -> None:
                click.echo(text, nl=False)
                if to_stdout:
                    sys.stdout.flush()

            destinations.append(ManifestStream(namespace, write, name_prefix=name_prefix))
    return Publication(destinations)


def _prepare(publication: Publication) -> None:
    try:
        publication.prepare()
    except OSError as exc:
        where = next((d.label for d in publication.destinations if d.checkable), "destination")
        _fail(f"{where}: {exc.strerror or exc}")


def _report_manifests(publication: Publication) -> None:
    from assay_py.rauthy.declarative.publication import ManifestFile, ManifestStream

    for destination in publication.destinations:
        if isinstance(destination, ManifestStream) and destination.written:
            click.echo(_STDOUT_NOTE.format(count=destination.written), err=True)
        if isinstance(destination, ManifestFile) and destination.written:
            click.echo(
                f"wrote {destination.written} Secret manifest(s) to {destination.path}", err=True
            )


def _load(file: str, output: str, parsed: Any = None) -> Any:
    from assay_py.rauthy.declarative import ClientsFileError, load_clients_file

    try:
        return _targets.narrow_clients(load_clients_file(file, _parsed=parsed), file)
    except ClientsFileError as exc:
        if output == "json":
            import json

            body = {
                "error": "invalid clients file",
                "problems": [p.to_dict() for p in exc.problems],
            }
            click.echo(json.dumps(body, indent=2))
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)


def _counting(display: LiveProgress | None) -> Callable[[ClientResult, int, int], None] | None:
    """apply_clients' ``on_progress`` feeding ``display`` (failures counted here)."""
    if display is None:
        return None
    lock = threading.Lock()
    failed = 0

    def show(result: ClientResult, done: int, total: int) -> None:
        nonlocal failed
        with lock:
            failed += not result.ok
            display.update(done, failed, total)

    return show


# --- export ----------------------------------------------------------------------------------


@rauthy.command()
@click.option("--kinds", metavar="KIND,...", help="Only these kinds (default: every kind).")
@click.option(
    "--output",
    "-o",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="YAML, with remarks as comments; or JSON, the same document without them.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@click.option("--scim", is_flag=True, help="Also read each client's SCIM config (a GET each).")
@connection_options
@handle_errors
def export(kinds: str | None, output: str, out: str | None, scim: bool, conn: Connection) -> None:
    """Write the live instance as a file that `plan` shows in sync (one list per kind).

    \b
    Examples:
      assay-py rauthy export --out rauthy.yaml && assay-py rauthy plan rauthy.yaml
      assay-py rauthy export --kinds clients -o json
    """
    from assay_py.rauthy.declarative.export import export_instance, remarked, render_export

    wanted = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    with conn.open() as client:
        result = export_instance(client, wanted, deep=scim)
        text = render_export(result, output, source=client.url)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if output == "json" and remarked(result):
        click.echo(
            f"note: JSON has no comments: the remarks on {remarked(result)} entries are only in"
            " the YAML output (-o yaml)",
            err=True,
        )
    if result.variables:
        click.echo(
            "secrets are not exported; set these before plan/apply: " + ", ".join(result.variables),
            err=True,
        )
    if out is None:
        click.echo(text, nl=False)
        return
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(text)
    shown = ", ".join(f"{n} {k}" for k, n in result.counts.items())
    click.echo(f"wrote {out} ({shown}; {result.reads} requests)", err=True)


# --- everyday commands -----------------------------------------------------------------------


@rauthy.command()
@connection_options
@handle_errors
def health(conn: Connection) -> None:
    """Probe /health (no API key needed). Exit 0 when healthy."""
    with conn.open(need_key=False) as client:
        healthy = client.sys.health()
    click.echo("healthy" if healthy else f"unhealthy: {client.url}")
    sys.exit(EXIT_OK if healthy else EXIT_ERROR)


@rauthy.command(name="list")
@_output_option
@connection_options
@handle_errors
def list_(output: str, conn: Connection) -> None:
    """List clients (one GET /clients)."""
    with conn.open() as client:
        clients = client.clients.list()
    if output == "json":
        from assay_py.rauthy.redact import shown_client

        _echo_json([shown_client(item) for item in clients])
        return
    rows = [("ID", "NAME", "TYPE", "ENABLED")]
    for item in clients:
        kind = "confidential" if item.get("confidential") else "public"
        enabled = "yes" if item.get("enabled", True) else "no"
        rows.append((str(item.get("id")), str(item.get("name", "")), kind, enabled))
    _echo_table(rows)


@rauthy.command()
@click.argument("client_id", metavar="ID")
@click.option(
    "--output", "-o", type=click.Choice(["json", "yaml"]), default="json", show_default=True
)
@connection_options
@handle_errors
def get(client_id: str, output: str, conn: Connection) -> None:
    """Show one client (its secret is never shown). Exit 1 when it does not exist."""
    with conn.open() as client:
        found = client.clients.get(client_id)
    if found is None:
        _fail(f"client {client_id!r} not found")
    from assay_py.rauthy.redact import shown_client

    _echo_data(shown_client(found), output)  # scim.bearer_token is a credential


@rauthy.command()
@click.argument("client_id", metavar="ID")
@click.option(
    "--grace-hours",
    type=click.IntRange(1, 24),
    help="Keep the old secret valid this many hours (1-24).",
)
@publication_options
@_no_publish_option
@connection_options
@handle_errors
def rotate(
    client_id: str,
    grace_hours: int | None,
    secrets_dir: str | None,
    k8s_secret_namespace: str | None,
    k8s_out: str | None,
    k8s_name_prefix: str,
    no_publish: bool,
    conn: Connection,
) -> None:
    """Mint a new secret for ID, publishing it to --secrets-dir and/or a manifest.

    The rotation is journalled in the destinations first: if it is interrupted, `plan` with
    the same destinations shows the client as `(publish)` and `apply` publishes its current
    secret; running this rotate again mints and publishes a fresh one.
    """
    _refuse_under_a_gate("rotate")
    from assay_py.rauthy.errors import RotationUncertain

    human_err = k8s_secret_namespace is not None and not k8s_out
    publication = _publication(
        secrets_dir, k8s_secret_namespace, k8s_out, k8s_name_prefix, to_stdout=True
    )
    if no_publish and publication:
        raise click.UsageError("--no-publish contradicts the destinations given")
    if not publication and not no_publish:
        _fail(
            "rotate would mint a secret with nowhere to publish it: pass --secrets-dir DIR"
            " and/or --k8s-secret-namespace NS [--k8s-out FILE], or --no-publish"
        )
    publication.check([client_id])
    _prepare(publication)
    publication.begin([client_id], "rotate")
    with conn.open() as client:
        try:
            secret = client.clients.rotate_secret(client_id, cache_current_hours=grace_hours)
        except RotationUncertain as exc:
            _fail(f"{exc}{_republish_hint(publication, client_id)}")
    grace = f"; the old one stays valid {grace_hours} h" if grace_hours else ""
    click.echo(f"rotated the secret of {client_id!r}{grace}", err=human_err)
    errors = publication.deliver(client_id, secret) + publication.flush()
    if errors:
        _fail(
            f"rotated, but publishing the new secret failed: {'; '.join(errors)}"
            f"{_republish_hint(publication, client_id)}"
        )
    for destination in publication.destinations:
        if destination.checkable:
            click.echo(f"published to {destination.label}", err=human_err)
    _report_manifests(publication)
    if not publication:
        click.echo(
            "the new secret was not published (--no-publish); `apply --publish-existing`"
            " or get_secret() reads it",
            err=True,
        )


def _republish_hint(publication: Publication, client_id: str) -> str:
    checked = [d.label for d in publication.destinations if d.checkable]
    if not checked:
        return (
            "; with manifests on stdout, `apply FILE --publish-existing` prints the current"
            " secret again"
        )
    where = " ".join(checked)
    return (
        f". It is journalled in {', '.join(checked)}: `assay-py rauthy plan FILE {where}` shows"
        f" {client_id!r} as (publish) and `apply FILE {where}` publishes its current secret;"
        " running this rotate again mints and publishes a fresh one"
    )


@rauthy.command()
@click.argument("name", required=False)
@click.option("--host", default="app.example.com", show_default=True, help="The app's host.")
@click.option("--id", "client_id", help="Client id instead of the preset's.")
@click.option("--name", "display_name", help="Display name instead of the preset's.")
@click.option("--opt", "options", multiple=True, metavar="KEY=VALUE", help="Extra preset option.")
@click.option(
    "--output", "-o", type=click.Choice(["json", "yaml"]), default="json", show_default=True
)
def presets(
    name: str | None,
    host: str,
    client_id: str | None,
    display_name: str | None,
    options: tuple[str, ...],
    output: str,
) -> None:
    """List presets, or print preset NAME's payload (needs no connection)."""
    from assay_py.rauthy import client_presets
    from assay_py.rauthy.errors import RauthyError

    if name is None:
        _echo_table(
            [("PRESET", "DESCRIPTION")]
            + [(d["name"], d["description"]) for d in client_presets.describe()]
        )
        return
    opts: dict[str, Any] = {"host": host}
    if client_id:
        opts["id"] = client_id
    if display_name:
        opts["name"] = display_name
    for option in options:
        key, eq, value = option.partition("=")
        if not eq or not key:
            raise click.UsageError(f"--opt expects KEY=VALUE, got {option!r}")
        opts[key] = value
    try:
        payload = client_presets.get(name)(opts)
    except RauthyError as exc:
        _fail(str(exc))
    _echo_data(payload, output)


# --- output helpers --------------------------------------------------------------------------


def _echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _echo_data(data: Any, output: str) -> None:
    if output == "yaml":
        import yaml

        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), nl=False)
    else:
        _echo_json(data)


def _echo_table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())
