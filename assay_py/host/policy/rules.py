"""``http.rules``: which requests may leave, and which of them count as reads.

The URL is parsed by httpx, the library that sends the request, so the host and the path
judged here are the ones on the wire (dot segments already resolved: ``/v3/../admin`` is
judged as ``/admin``). Paths are matched in their encoded form, as sent.
"""

from __future__ import annotations

from assay_py.host.errors import PolicyError
from assay_py.host.policy.glob import host_matches, path_matches

TYPE_CHECKING = False  # not typing's: typing is ~10 ms of a policed start
if TYPE_CHECKING:
    from assay_py.host.policy.schema import Classify, HttpRule


def check(rules: tuple[HttpRule, ...] | None, method: str, url: str) -> Classify:
    """The request's classification if a rule admits it (or there are no rules); else raise."""
    if rules is None:
        return default_classification(method)
    host, path = _target(url)
    verb = method.upper()
    for rule in rules:
        if (
            any(host_matches(pattern, host) for pattern in rule.hosts)
            and (not rule.methods or verb in rule.methods)
            and (not rule.paths or any(path_matches(pattern, path) for pattern in rule.paths))
        ):
            return rule.classify or default_classification(method)
    raise PolicyError(f"policy: {verb} {host}{path} is not allowed by any http rule")


def default_classification(method: str) -> Classify:
    return "read" if method.upper() == "GET" else "write"


def _target(url: str) -> tuple[str, str]:
    import httpx

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise PolicyError(f"policy: cannot parse request URL '{shown_url(url)}': {exc}") from None
    if not parsed.host:
        raise PolicyError(f"policy: request URL '{shown_url(url)}' has no host")
    path = parsed.raw_path.split(b"?", 1)[0].decode("ascii", "replace") or "/"
    return parsed.host, path


def shown_url(url: str) -> str:
    """The URL without a password or a query, fit for an error message."""
    base, query_mark, _ = url.partition("?")
    scheme, sep, rest = base.partition("://")
    authority, slash, path = rest.partition("/")
    if sep and "@" in authority:
        base = f"{scheme}://***@{authority.rsplit('@', 1)[1]}{slash}{path}"
    return base + ("?..." if query_mark else "")
