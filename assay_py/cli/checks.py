"""YAML check mode (``assay-py checks.yaml``): run a file of checks, print one JSON report.

A check file::

    timeout: 120s          # the whole run (default 120s); 500ms, 30s and 5m are durations
    retries: 3             # extra attempts for a failing check (default 3)
    backoff: 5s            # wait before attempt n+1: backoff x n (default 5s)
    parallel: false        # accepted; checks always run one after another
    checks:
      - name: api-healthy
        type: http         # GET url; without expect, any 2xx passes
        url: http://127.0.0.1:8080/health
        follow_redirects: true
        expect: {status: 200, body: "ok", json: '.database == "ok"'}
      - name: targets-up
        type: prometheus   # instant query at url/api/v1/query
        url: http://prometheus:9090
        query: count(up)
        expect: {min: 1, max: 100}
      - name: custom
        type: script       # a Lua file in a fresh VM; passes when it finishes
        file: checks/custom.lua
        env: {TARGET: staging}   # seen by env.get in that script only

stdout gets ``{"passed", "checks": [{"name", "passed", "duration_ms", "message"}],
"duration_ms"}`` (pretty JSON) and nothing else (a script's ``print`` goes to stderr); the
exit status is 0 when every check passed, else 1. The file is checked whole before the first
check runs: an unknown field, a wrong type or a missing ``url``/``query``/``file`` is an
error naming it, with nothing sent.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

from assay_py.cli._launch import fail, log_line

TYPE_CHECKING = False  # not typing's: see assay_py.cli
if TYPE_CHECKING:
    from assay_py.cli._check_probes import Probes

_DURATION = re.compile(r"\s*(\d+)(ms|s|m)\s*")
_TOP_FIELDS = ("timeout", "retries", "backoff", "parallel", "checks")
_CHECK_FIELDS = ("name", "type", "url", "expect", "query", "file", "follow_redirects", "env")
_EXPECT_FIELDS = ("status", "json", "body", "min", "max")
_NEEDS = {"http": ("url",), "prometheus": ("url", "query"), "script": ("file",)}


class CheckFileError(ValueError):
    """A check file that does not follow the rules; the text names the field."""


@dataclass(frozen=True)
class Expect:
    status: int | None = None
    json: str | None = None
    body: str | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Check:
    name: str
    type: str
    url: str | None = None
    expect: Expect | None = None
    query: str | None = None
    file: str | None = None
    follow_redirects: bool = True
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckFile:
    checks: list[Check]
    timeout: float = 120.0
    retries: int = 3
    backoff: float = 5.0
    parallel: bool = False


@dataclass
class Result:
    name: str
    passed: bool
    duration_ms: int = 0
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "duration_ms": self.duration_ms,
            "message": self.message,
        }


def parse_duration(text: str, where: str) -> float:
    """Seconds in ``500ms``, ``30s`` or ``5m`` (whole numbers, as the original reads them)."""
    found = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        raise CheckFileError(
            f"{where}: unsupported duration format: {text!r} (use e.g. '120s', '5m', '500ms')"
        )
    amount, unit = int(found.group(1)), found.group(2)
    return amount / 1000 if unit == "ms" else amount * (60 if unit == "m" else 1)


def _mapping(value: Any, where: str, known: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CheckFileError(f"{where}: must be a mapping")
    for key in value:
        if key not in known:
            raise CheckFileError(f"{where}: unknown field {key!r} (known: {', '.join(known)})")
    return value


def _typed(value: Any, where: str, kinds: tuple[type, ...], rule: str) -> Any:
    # bool is an int in Python, never a count or a status here.
    if value is None or isinstance(value, bool) != (bool in kinds) or not isinstance(value, kinds):
        raise CheckFileError(f"{where}: must be {rule}")
    return value


def _optional(raw: dict[str, Any], key: str, where: str, kinds: tuple[type, ...], rule: str) -> Any:
    value = raw.get(key)
    return None if value is None else _typed(value, f"{where}.{key}", kinds, rule)


def _expect(raw: Any, where: str) -> Expect:
    data = _mapping(raw, where, _EXPECT_FIELDS)
    status = _optional(data, "status", where, (int,), "an HTTP status (100-599)")
    if status is not None and not 100 <= status <= 599:
        raise CheckFileError(f"{where}.status: must be an HTTP status (100-599)")
    number = (int, float)
    return Expect(
        status=status,
        json=_optional(data, "json", where, (str,), "a string like '.path == value'"),
        body=_optional(data, "body", where, (str,), "a string"),
        min=_optional(data, "min", where, number, "a number"),
        max=_optional(data, "max", where, number, "a number"),
    )


def _check(raw: Any, where: str) -> Check:
    data = _mapping(raw, where, _CHECK_FIELDS)
    name = _typed(data.get("name"), f"{where}.name", (str,), "a string (required)")
    where = f"{where} ({name})"
    kind = data.get("type")
    if kind not in _NEEDS:
        raise CheckFileError(
            f"{where}.type: must be one of http, prometheus, script (got {kind!r})"
        )
    for needed in _NEEDS[kind]:
        _typed(data.get(needed), f"{where}.{needed}", (str,), f"a string (a {kind} check needs it)")
    env = data.get("env") or {}
    if not isinstance(env, dict):
        raise CheckFileError(f"{where}.env: must be a mapping of names to strings")
    for key, value in env.items():
        if not isinstance(key, str) or not isinstance(value, (str, int, float)):
            raise CheckFileError(f"{where}.env.{key}: must be a string")
    follow = data.get("follow_redirects", True)
    _typed(follow, f"{where}.follow_redirects", (bool,), "true or false")
    expect = data.get("expect")
    return Check(
        name=name,
        type=kind,
        url=_optional(data, "url", where, (str,), "a string"),
        expect=None if expect is None else _expect(expect, f"{where}.expect"),
        query=_optional(data, "query", where, (str,), "a string"),
        file=_optional(data, "file", where, (str,), "a string"),
        follow_redirects=follow,
        env={key: str(value) for key, value in env.items()},
    )


def parse(text: str) -> CheckFile:
    """A check file's text, validated whole; CheckFileError names the first bad field."""
    import yaml

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CheckFileError(f"parsing YAML: {exc}") from None
    data = _mapping(raw, "the check file", _TOP_FIELDS)
    checks = data.get("checks")
    if not isinstance(checks, list):
        raise CheckFileError("checks: must be a list of checks (required)")
    retries = data.get("retries", 3)
    _typed(retries, "retries", (int,), "a whole number >= 0")
    if retries < 0:
        raise CheckFileError("retries: must be a whole number >= 0")
    parallel = data.get("parallel", False)
    _typed(parallel, "parallel", (bool,), "true or false")
    return CheckFile(
        checks=[_check(item, f"checks[{index}]") for index, item in enumerate(checks)],
        timeout=parse_duration(data.get("timeout", "120s"), "timeout"),
        retries=retries,
        backoff=parse_duration(data.get("backoff", "5s"), "backoff"),
        parallel=parallel,
    )


def _attempts(config: CheckFile, check: Check, probes: Probes) -> Result:
    """A check with its retries; the last attempt's result."""
    attempts = config.retries + 1
    for attempt in range(1, attempts + 1):
        started = time.monotonic()
        result = probes.run(check)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        if result.passed or attempt == attempts:
            return result
        wait = config.backoff * attempt
        log_line(
            "INFO",
            f"check {check.name} failed (attempt {attempt} of {attempts}), retrying in "
            f"{wait:g}s: {result.message or ''}".rstrip(),
        )
        time.sleep(wait)
    raise AssertionError("unreachable")  # the loop returns on its last attempt


class _Report:
    """The results so far, printed once: at the end, or by the watchdog at the deadline."""

    def __init__(self, config: CheckFile, stdout_fd: int) -> None:
        self.config = config
        self.results: list[Result] = []
        self._fd = stdout_fd
        self._lock = threading.Lock()
        self._printed = False
        self._started = time.monotonic()

    def add(self, result: Result) -> None:
        with self._lock:
            self.results.append(result)

    def print_once(self, *, timed_out: bool = False) -> int | None:
        """Print the report; its exit status, or None when it was printed already."""
        import json

        with self._lock:
            if self._printed:
                return None
            self._printed = True
            results = list(self.results)
            if timed_out:
                seconds = int(self.config.timeout)
                results += [
                    Result(check.name, False, 0, f"global timeout of {seconds}s exceeded")
                    for check in self.config.checks[len(results) :]
                ]
            passed = all(result.passed for result in results)
            report = {
                "passed": passed,
                "checks": [result.as_dict() for result in results],
                "duration_ms": int((time.monotonic() - self._started) * 1000),
            }
            data = (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            return 0 if passed else 1


def run_check_file(path: str, *, verbose: bool = False) -> NoReturn:
    """``assay-py FILE.yaml``: run the checks, print the report, exit 0 if all passed."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        config = parse(text)
    except OSError as exc:
        fail(f"loading config from {path}: reading config {path}: {exc.strerror or exc}")
    except (CheckFileError, UnicodeDecodeError) as exc:
        fail(f"loading config from {path}: {exc}")
    if verbose:
        log_line("INFO", f"starting assay-py (check mode) config={path}")
    if config.parallel:
        log_line("WARN", "parallel execution is not implemented: checks run one after another")
    from assay_py.cli import _check_probes

    sys.stdout.flush()
    stdout_fd = os.dup(1)
    os.dup2(2, 1)  # a script check's print must not mix with the report
    report = _Report(config, stdout_fd)

    def on_deadline() -> None:
        log_line("ERROR", f"global timeout of {int(config.timeout)}s exceeded")
        status = report.print_once(timed_out=True)
        if status is not None:
            os._exit(status)

    watchdog = threading.Timer(config.timeout, on_deadline)
    watchdog.daemon = True
    watchdog.start()
    with _check_probes.Probes() as probes:
        for check in config.checks:
            result = _attempts(config, check, probes)
            outcome = "PASS" if result.passed else "FAIL"
            log_line("INFO", f"check {check.name}: {outcome} ({result.duration_ms} ms)")
            report.add(result)
    watchdog.cancel()
    status = report.print_once()
    sys.exit(1 if status is None else status)
