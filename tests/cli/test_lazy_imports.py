"""Commands that send nothing import neither httpx nor ssl; the lazy exports still work."""

from __future__ import annotations

import subprocess
import sys

import pytest

_PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    "'\\nIMPORTED=' + ','.join(m for m in ('httpx', 'ssl') if m in sys.modules)))\n"
    "sys.argv[0] = 'assay-py'\n"
    "from assay_py.cli import main\n"
    "main()\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["modules"],
        ["modules", "--json"],
        ["rauthy", "--help"],
        ["rauthy", "presets"],
        ["rauthy", "presets", "openbao", "--host", "bao.example.com"],
        ["rauthy", "presets", "grafana", "--host", "g.example.com", "-o", "yaml"],
        ["emulator", "--help"],
        ["exec", "-e", "print(1)"],
    ],
)
def test_commands_that_send_nothing_import_neither_httpx_nor_ssl(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout
    assert done.stderr.rpartition("\nIMPORTED=")[2] == ""


def test_lazy_exports_resolve_to_the_same_objects() -> None:
    code = (
        "import assay_py.rauthy.client as _, assay_py\n"
        "from assay_py import rauthy\n"
        "from assay_py.rauthy.client import RauthyClient\n"
        "from assay_py.rauthy.errors import RauthyError\n"
        "assert rauthy.client is RauthyClient is rauthy.RauthyClient, rauthy.client\n"
        "assert rauthy.RauthyError is RauthyError\n"
        "assert rauthy.client_presets.get('openbao')\n"
        "assert assay_py.rauthy is rauthy\n"
        "assert sorted(rauthy.__all__) == sorted(rauthy._EXPORTS)\n"
        "assert set(rauthy.__all__) <= set(dir(rauthy))\n"
        "try:\n"
        "    rauthy.nope\n"
        "except AttributeError as exc:\n"
        "    assert 'nope' in str(exc)\n"
        "else:\n"
        "    raise SystemExit('no AttributeError')\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")
