"""The three kinds of check a check file runs: ``http``, ``prometheus`` and ``script``.

Each returns a :class:`~assay_py.cli.checks.Result`; anything that goes wrong (a refused
connection, a body that is not JSON, a Lua error) is a failed check with the reason as its
message, never an exception. Messages are the original runtime's, and URLs in them lose
any password and query (see the ``http`` global).
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

import httpx

from assay_py.cli.checks import Check, Result
from assay_py.host.builtins.http import _redact as redact_url

_HTTP_TIMEOUT = 30.0  # seconds, as the original's client
_MAX_REDIRECTS = 10


class ProbeFailed(Exception):
    """A check that could not be judged; the text is its message."""


def _display(number: float) -> str:
    """A number as the original prints it: ``1`` for 1.0, ``2.5``, no exponent for the rest."""
    if number == int(number) and abs(number) < 2**63:
        return str(int(number))
    return repr(number)


def _strictly_equal(actual: Any, expected: Any) -> bool:
    """JSON equality: true is not 1, 1 is not 1.0 (as JSON values compare in the original)."""
    if type(actual) is not type(expected):
        return False
    if isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(
            _strictly_equal(actual[key], expected[key]) for key in actual
        )
    if isinstance(actual, list):
        return len(actual) == len(expected) and all(
            _strictly_equal(a, b) for a, b in zip(actual, expected, strict=True)
        )
    return bool(actual == expected)


def _expected_value(text: str) -> Any:
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    literals = {"true": True, "false": False, "null": None}
    if text in literals:
        return literals[text]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def json_expression_holds(body: str, expression: str) -> bool:
    """``.path.to.field == value`` over a JSON body (objects only; value: a JSON scalar)."""
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise ProbeFailed(f"response body is not valid JSON: {exc}") from None
    left, equals, right = expression.strip().partition("==")
    if not equals:
        raise ProbeFailed(
            f"unsupported JSON expression syntax: {expression.strip()!r} "
            "(expected '.path == value')"
        )
    current = document
    for segment in left.strip().lstrip(".").split("."):
        segment = segment.strip()
        if not segment:
            continue
        if not isinstance(current, dict) or segment not in current:
            raise ProbeFailed(f"JSON path '.{segment}' not found in response")
        current = current[segment]
    return _strictly_equal(current, _expected_value(right.strip()))


class Probes:
    """Runs checks; holds the HTTP clients of one check run."""

    def __init__(self) -> None:
        self._clients: dict[bool, httpx.Client] = {}

    def _client(self, follow_redirects: bool) -> httpx.Client:
        client = self._clients.get(follow_redirects)
        if client is None:
            client = httpx.Client(
                timeout=_HTTP_TIMEOUT,
                follow_redirects=follow_redirects,
                max_redirects=_MAX_REDIRECTS,
            )
            self._clients[follow_redirects] = client
        return client

    def __enter__(self) -> Probes:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for client in self._clients.values():
            client.close()

    def run(self, check: Check) -> Result:
        try:
            if check.type == "http":
                return self._http(check)
            if check.type == "prometheus":
                return self._prometheus(check)
            return _script(check)
        except ProbeFailed as exc:
            return Result(check.name, False, message=str(exc))

    def _get(self, url: str, what: str, *, follow: bool = True, **params: str) -> httpx.Response:
        try:
            return self._client(follow).get(url, params=params or None)
        except httpx.HTTPError as exc:
            raise ProbeFailed(f"{what} {redact_url(url)}: {exc or type(exc).__name__}") from None

    def _http(self, check: Check) -> Result:
        assert check.url is not None  # the file's validation requires it
        response = self._get(check.url, "HTTP GET", follow=check.follow_redirects)
        status, body = response.status_code, response.text
        expect = check.expect
        if expect is None:
            passed = 200 <= status < 300
            return Result(
                check.name, passed, message=None if passed else f"expected 2xx, got {status}"
            )
        if expect.status is not None and status != expect.status:
            return Result(
                check.name, False, message=f"expected status {expect.status}, got {status}"
            )
        if expect.body is not None and expect.body not in body:
            return Result(
                check.name, False, message=f"body does not contain {json.dumps(expect.body)}"
            )
        if expect.json is not None and not json_expression_holds(body, expect.json):
            return Result(check.name, False, message=f"JSON expression failed: {expect.json}")
        return Result(check.name, True)

    def _prometheus(self, check: Check) -> Result:
        assert check.url is not None and check.query is not None
        query_url = check.url.rstrip("/") + "/api/v1/query"
        response = self._get(query_url, "Prometheus query to", query=check.query)
        try:
            document = json.loads(response.text)
        except ValueError as exc:
            raise ProbeFailed(f"Prometheus response is not valid JSON: {exc}") from None
        value = _prometheus_value(document)
        expect = check.expect
        if expect is None:
            return Result(check.name, True, message=f"query returned: {_display(value)}")
        if expect.min is not None and value < expect.min:
            return Result(
                check.name,
                False,
                message=f"expected min {_display(expect.min)}, got {_display(value)}",
            )
        if expect.max is not None and value > expect.max:
            return Result(
                check.name,
                False,
                message=f"expected max {_display(expect.max)}, got {_display(value)}",
            )
        return Result(check.name, True)


def _prometheus_value(document: Any) -> float:
    """The first sample's value of an instant query answer."""
    if not isinstance(document, dict):
        raise ProbeFailed("unexpected Prometheus response format: missing data.result")
    if document.get("status") != "success":
        error = document.get("error")
        raise ProbeFailed(
            f"Prometheus query failed: {error if isinstance(error, str) else 'unknown error'}"
        )
    data = document.get("data")
    results = data.get("result") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise ProbeFailed("unexpected Prometheus response format: missing data.result")
    if not results:
        raise ProbeFailed("Prometheus query returned no results")
    sample = results[0].get("value") if isinstance(results[0], dict) else None
    text = sample[1] if isinstance(sample, list) and len(sample) > 1 else None
    if not isinstance(text, str):
        raise ProbeFailed("unexpected Prometheus result format: missing value")
    try:
        return float(text)
    except ValueError:
        raise ProbeFailed(f"failed to parse Prometheus value: {json.dumps(text)}") from None


# Through Lua: `env` installs on first use, and the table is the one scripts will read.
_INJECT_ENV = b"for name, value in pairs(...) do env._check_env[name] = value end"


def _script(check: Check) -> Result:
    """A Lua file in a VM of its own, with the check's ``env`` in ``env._check_env``."""
    from assay_py.host._host import LuaHost
    from assay_py.host.errors import LuaScriptError, PolicyError

    assert check.file is not None
    try:
        with open(check.file, "rb") as handle:
            source = handle.read()
    except OSError as exc:
        raise ProbeFailed(
            f"failed to read Lua script {json.dumps(check.file)}: {exc.strerror or exc}"
        ) from None
    try:
        with LuaHost() as host:
            if check.env:
                host.vm.execute(_INJECT_ENV, "=[check env]", check.env)
            host.run_string(source, check.file)
    except LuaScriptError as exc:
        return Result(check.name, False, message=exc.render())
    except PolicyError as exc:  # ASSAY_POLICY_FILE is malformed: the script cannot run
        return Result(check.name, False, message=str(exc))
    return Result(check.name, True)
