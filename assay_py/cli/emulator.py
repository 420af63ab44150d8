"""``assay-py emulator``: serve the Rauthy emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click


def shell_export(name: str, value: str) -> str:
    """``export NAME='value'``: a line to paste into (or ``eval`` in) any POSIX shell.

    Single quotes keep ``$`` literal: an API key is ``name$secret``, and unquoted the shell
    would expand ``$secret`` to nothing. A quote inside the value is closed, escaped, reopened.
    """
    quoted = value.replace("'", "'\\''")
    return f"export {name}='{quoted}'"


@click.command()
@click.option("--port", type=int, default=8080, show_default=True, help="0 picks a free port.")
@click.option("--api-key", "api_key", metavar="NAME$SECRET", help="Use this API key (all rights).")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False),
    help="Persist clients, secrets and keys in this JSON file.",
)
@click.option(
    "--version",
    "version",
    type=click.Choice(["0.35.2", "0.36"]),
    default="0.35.2",
    show_default=True,
    help="Rauthy behaviour: the 0.35.2 release or the 0.36 nightly.",
)
def emulator(port: int, api_key: str | None, state_file: str | None, version: str) -> None:
    """Run a Rauthy emulator on 127.0.0.1, printing its URL and API key.

    \b
    Example:
      assay-py emulator --port 8080 --state rauthy.json
      export RAUTHY_URL='http://127.0.0.1:8080/auth/v1'    (it prints these two lines,
      export RAUTHY_API_KEY='ansible$...'                 ready to paste into a shell)
      assay-py rauthy plan clients.yaml
    """
    from assay_py.emulator import RauthyEmulator

    try:
        emu = RauthyEmulator(port=port, api_key=api_key, version=version, state_file=state_file)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with emu:
            click.echo(shell_export("RAUTHY_URL", emu.url))
            click.echo(shell_export("RAUTHY_API_KEY", emu.api_key))
            click.echo(f"Rauthy {version} emulator serving; Ctrl-C stops it.", err=True)
            threading.Thread(target=emu.prepare_keys, name="jwks-keys", daemon=True).start()
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("emulator stopped", err=True)
