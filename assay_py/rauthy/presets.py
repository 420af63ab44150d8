"""Client presets for common self-hosted apps: ``client_presets.<name>(host=...)``.

Every preset shares one shape (from the original module): enabled, authorization_code +
refresh_token flows, lifetimes 60 s / 1800 s, no forced MFA, ``post_logout_redirect_uris`` and
``allowed_origins`` set to ``https://<host>``, ``default_scopes`` equal to ``scopes``. What
differs per app is its callback path, whether it is a confidential client, its signing
algorithm and whether it sends PKCE; each entry cites the documentation that says so.

PKCE (``challenges``) follows what the app does *by default*: Rauthy rejects a login without
a ``code_challenge`` when the client has challenges, and Outline 1.8 broke exactly that way.
Where an app can opt in to PKCE the comment names the switch; turn it on in the app and set
``challenges=["S256"]`` on the payload.

RS256 is used unless the app is known to verify EdDSA: it is the one algorithm every OIDC
library verifies.

The original seven presets keep their payloads, except ``immich_mobile``'s name, which is now
"Immich Mobile" because Rauthy's name rule rejects parentheses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import RauthyValidationError
from .validate import violations

__all__ = [
    "argocd",
    "describe",
    "forgejo",
    "get",
    "gitlab",
    "grafana",
    "harbor",
    "headscale",
    "immich",
    "immich_mobile",
    "jellyfin",
    "kubelogin",
    "minio",
    "names",
    "nextcloud",
    "oauth2_proxy",
    "openbao",
    "outline",
    "paperless",
    "portainer",
    "seafile",
    "vaultwarden",
]

Preset = Callable[..., dict[str, Any]]

_BASE_SCOPES = ["openid", "email", "profile"]
_WITH_GROUPS = [*_BASE_SCOPES, "groups"]
_PKCE = ["S256"]


@dataclass(frozen=True)
class _Spec:
    name: str
    client_id: str
    display_name: str
    confidential: bool
    alg: str
    #: Callback paths/URIs; "{host}" and any extra option (e.g. "{auth_name}") are filled in.
    redirects: tuple[str, ...]
    scopes: list[str]
    challenges: list[str] | None
    description: str
    docs_url: str
    extra_opts: dict[str, str] = field(default_factory=dict)


_REGISTRY: dict[str, tuple[_Spec, Preset]] = {}


def names() -> list[str]:
    """Preset names, sorted."""
    return sorted(_REGISTRY)


def describe() -> list[dict[str, str]]:
    """``[{name, description, docs_url}]`` for every preset, sorted by name."""
    return [
        {"name": spec.name, "description": spec.description, "docs_url": spec.docs_url}
        for spec, _ in (_REGISTRY[name] for name in names())
    ]


def get(name: str) -> Preset:
    """The preset called ``name``; it takes a mapping of options, e.g. ``{"host": ...}``."""
    try:
        return _REGISTRY[name][1]
    except KeyError:
        known = ", ".join(names())
        raise RauthyValidationError(
            [("preset", f"unknown preset; one of {known}")],
            f"rauthy.client_presets: unknown preset '{name}' (known: {known})",
        ) from None


def _build(spec: _Spec, opts: Mapping[str, Any]) -> dict[str, Any]:
    where = f"rauthy.client_presets.{spec.name}"
    host = opts.get("host")
    if not host:
        raise RauthyValidationError([("host", "required")], f"{where}: opts.host required")
    allowed = {"host", "id", "name", *spec.extra_opts}
    problems = [(str(k), "unknown option") for k in opts if k not in allowed]
    if not isinstance(host, str) or "://" in host or "/" in host:
        problems.append(("host", "must be a bare host[:port], without scheme or path"))
    if problems:
        raise RauthyValidationError(
            problems, f"{where}: " + "; ".join(f"{f}: {r}" for f, r in problems)
        )
    fill = {**spec.extra_opts, **{k: v for k, v in opts.items() if k in spec.extra_opts}}
    redirects = [uri.format(host=host, **fill) for uri in spec.redirects]
    payload: dict[str, Any] = {
        "id": opts.get("id") or spec.client_id,
        "name": opts.get("name") or spec.display_name,
        "confidential": spec.confidential,
        "enabled": True,
        "redirect_uris": redirects,
        "post_logout_redirect_uris": [f"https://{host}"],
        "allowed_origins": [f"https://{host}"],
        "flows_enabled": ["authorization_code", "refresh_token"],
        "access_token_alg": spec.alg,
        "id_token_alg": spec.alg,
        "auth_code_lifetime": 60,
        "access_token_lifetime": 1800,
        "scopes": list(spec.scopes),
        "default_scopes": list(spec.scopes),
        "force_mfa": False,
    }
    if spec.challenges is not None:
        payload["challenges"] = list(spec.challenges)
    wrong = violations(payload)
    if wrong:
        raise RauthyValidationError(wrong, f"{where}: " + "; ".join(f"{f}: {r}" for f, r in wrong))
    return payload


def _register(spec: _Spec) -> Preset:
    def preset(opts: Mapping[str, Any] | None = None, /, **kwargs: Any) -> dict[str, Any]:
        return _build(spec, {**(opts or {}), **kwargs})

    preset.__name__ = preset.__qualname__ = spec.name
    preset.__doc__ = f"{spec.description} Docs: {spec.docs_url}"
    _REGISTRY[spec.name] = (spec, preset)
    return preset


# --- the original seven (payloads as in assay's stdlib/rauthy.lua) ----------------------------

# OpenBao JWT/OIDC auth: the UI callback and the CLI's localhost:8250 listener.
# https://openbao.org/docs/auth/jwt/
openbao = _register(
    _Spec(
        "openbao", "openbao", "OpenBao", True, "RS256",
        ("https://{host}/ui/vault/auth/oidc/oidc/callback", "http://localhost:8250/oidc/callback"),
        _WITH_GROUPS, _PKCE,
        "OpenBao OIDC auth method (UI and CLI callbacks)",
        "https://openbao.org/docs/auth/jwt/",
    )
)  # fmt: skip

# Argo CD as a public client with PKCE (UI and `argocd login --sso` on localhost:8085).
# https://argo-cd.readthedocs.io/en/stable/operator-manual/user-management/#existing-oidc-provider
argocd = _register(
    _Spec(
        "argocd", "argocd", "ArgoCD", False, "EdDSA",
        ("https://{host}/auth/callback", "http://localhost:8085/auth/callback"),
        _WITH_GROUPS, _PKCE,
        "Argo CD SSO (public client, UI and CLI)",
        "https://argo-cd.readthedocs.io/en/stable/operator-manual/user-management/",
    )
)  # fmt: skip

# Outline 1.8 sends no code_challenge, so PKCE must be off.
# https://docs.getoutline.com/s/hosting/doc/oidc-8CPBm6uC0I
outline = _register(
    _Spec(
        "outline", "outline", "Outline", True, "RS256",
        ("https://{host}/auth/oidc.callback",),
        list(_BASE_SCOPES), None,
        "Outline wiki OIDC login (no PKCE)",
        "https://docs.getoutline.com/s/hosting/doc/oidc-8CPBm6uC0I",
    )
)  # fmt: skip

# Seafile's OAuth login; the callback keeps its trailing slash.
# https://manual.seafile.com/latest/config/oauth/
seafile = _register(
    _Spec(
        "seafile", "seafile", "Seafile", True, "RS256",
        ("https://{host}/oauth/callback/",),
        _WITH_GROUPS, None,
        "Seafile OAuth login (no PKCE)",
        "https://manual.seafile.com/latest/config/oauth/",
    )
)  # fmt: skip

# Paperless-ngx via django-allauth's openid_connect provider (provider id "rauthy").
# https://docs.paperless-ngx.com/advanced_usage/#openid-connect-and-social-authentication
paperless = _register(
    _Spec(
        "paperless", "paperless", "Paperless-ngx", True, "RS256",
        ("https://{host}/accounts/oidc/rauthy/login/callback/",),
        _WITH_GROUPS, _PKCE,
        "Paperless-ngx via django-allauth (provider id 'rauthy')",
        "https://docs.paperless-ngx.com/advanced_usage/#openid-connect-and-social-authentication",
    )
)  # fmt: skip

# Immich web: login and the user-settings (account linking) callbacks; it always sends PKCE.
# https://immich.app/docs/administration/oauth
immich = _register(
    _Spec(
        "immich", "immich", "Immich", True, "RS256",
        ("https://{host}/auth/login", "https://{host}/user-settings"),
        _WITH_GROUPS, _PKCE,
        "Immich web OAuth (always sends PKCE)",
        "https://immich.app/docs/administration/oauth",
    )
)  # fmt: skip

# Immich mobile app: the app.immich:///oauth-callback deep link, public client with PKCE.
# https://immich.app/docs/administration/oauth#mobile-redirect-uri
immich_mobile = _register(
    _Spec(
        "immich_mobile", "immich-mobile", "Immich Mobile", False, "RS256",
        ("app.immich:///oauth-callback",),
        _WITH_GROUPS, _PKCE,
        "Immich mobile app (public client, deep-link callback)",
        "https://immich.app/docs/administration/oauth#mobile-redirect-uri",
    )
)  # fmt: skip

# --- further self-hosted apps -----------------------------------------------------------------

# Grafana Generic OAuth: callback is the root URL + /login/generic_oauth. PKCE is opt-in
# (`use_pkce = true` in [auth.generic_oauth]).
# https://grafana.com/docs/grafana/latest/setup-grafana/configure-security/configure-authentication/generic-oauth/
grafana = _register(
    _Spec(
        "grafana", "grafana", "Grafana", True, "RS256",
        ("https://{host}/login/generic_oauth",),
        _WITH_GROUPS, None,
        "Grafana Generic OAuth (PKCE opt-in: use_pkce)",
        "https://grafana.com/docs/grafana/latest/setup-grafana/configure-security/configure-authentication/generic-oauth/",
    )
)  # fmt: skip

# Forgejo/Gitea "OpenID Connect" authentication source; the callback carries the source's name
# (option auth_name, default "rauthy"). The source has no PKCE setting.
# https://forgejo.org/docs/latest/admin/oauth2-provider/ (sources: Site administration >
# Authentication sources); Gitea: https://docs.gitea.com/usage/authentication
forgejo = _register(
    _Spec(
        "forgejo", "forgejo", "Forgejo", True, "RS256",
        ("https://{host}/user/oauth2/{auth_name}/callback",),
        _WITH_GROUPS, None,
        "Forgejo / Gitea OpenID Connect authentication source (option auth_name)",
        "https://docs.gitea.com/usage/authentication",
        {"auth_name": "rauthy"},
    )
)  # fmt: skip

# Nextcloud with the user_oidc app; callback /apps/user_oidc/code (plus the index.php form for
# servers without pretty URLs). PKCE is a per-provider option of user_oidc, off by default.
# https://github.com/nextcloud/user_oidc
nextcloud = _register(
    _Spec(
        "nextcloud", "nextcloud", "Nextcloud", True, "RS256",
        ("https://{host}/apps/user_oidc/code", "https://{host}/index.php/apps/user_oidc/code"),
        _WITH_GROUPS, None,
        "Nextcloud user_oidc app",
        "https://github.com/nextcloud/user_oidc",
    )
)  # fmt: skip

# MinIO Console OpenID login; default redirect is the console URL + /oauth_callback.
# https://min.io/docs/minio/linux/operations/external-iam/configure-openid-external-identity-management.html
minio = _register(
    _Spec(
        "minio", "minio", "MinIO", True, "RS256",
        ("https://{host}/oauth_callback",),
        _WITH_GROUPS, None,
        "MinIO Console OpenID Connect login",
        "https://min.io/docs/minio/linux/operations/external-iam/configure-openid-external-identity-management.html",
    )
)  # fmt: skip

# Jellyfin SSO plugin (9p4/jellyfin-plugin-sso): callback /sso/OID/redirect/<provider>
# (option provider, default "rauthy"); no PKCE.
# https://github.com/9p4/jellyfin-plugin-sso
jellyfin = _register(
    _Spec(
        "jellyfin", "jellyfin", "Jellyfin", True, "RS256",
        ("https://{host}/sso/OID/redirect/{provider}",),
        _WITH_GROUPS, None,
        "Jellyfin via the SSO plugin (option provider)",
        "https://github.com/9p4/jellyfin-plugin-sso",
        {"provider": "rauthy"},
    )
)  # fmt: skip

# Headscale OIDC: callback <server_url>/oidc/callback; PKCE is opt-in (oidc.pkce.enabled).
# https://headscale.net/stable/ref/oidc/
headscale = _register(
    _Spec(
        "headscale", "headscale", "Headscale", True, "RS256",
        ("https://{host}/oidc/callback",),
        _WITH_GROUPS, None,
        "Headscale OIDC login (PKCE opt-in: oidc.pkce)",
        "https://headscale.net/stable/ref/oidc/",
    )
)  # fmt: skip

# oauth2-proxy with the oidc provider: callback /oauth2/callback; PKCE is opt-in
# (--code-challenge-method=S256).
# https://oauth2-proxy.github.io/oauth2-proxy/configuration/providers/openid_connect
oauth2_proxy = _register(
    _Spec(
        "oauth2_proxy", "oauth2-proxy", "oauth2-proxy", True, "RS256",
        ("https://{host}/oauth2/callback",),
        _WITH_GROUPS, None,
        "oauth2-proxy, OIDC provider (PKCE opt-in: --code-challenge-method)",
        "https://oauth2-proxy.github.io/oauth2-proxy/configuration/providers/openid_connect",
    )
)  # fmt: skip

# kubelogin (kubectl oidc-login): a public CLI client on localhost:8000 / :18000; it uses PKCE
# automatically when discovery lists S256, as Rauthy's does. host = the cluster's API host.
# https://github.com/int128/kubelogin/blob/master/docs/usage.md
kubelogin = _register(
    _Spec(
        "kubelogin", "kubelogin", "Kubernetes", False, "RS256",
        ("http://localhost:8000", "http://localhost:18000"),
        _WITH_GROUPS, _PKCE,
        "Kubernetes kubectl oidc-login (public client, PKCE)",
        "https://github.com/int128/kubelogin/blob/master/docs/usage.md",
    )
)  # fmt: skip

# Harbor OIDC auth mode: callback /c/oidc/callback; Harbor sends no PKCE.
# https://goharbor.io/docs/main/administration/configure-authentication/oidc-auth/
harbor = _register(
    _Spec(
        "harbor", "harbor", "Harbor", True, "RS256",
        ("https://{host}/c/oidc/callback",),
        _WITH_GROUPS, None,
        "Harbor registry OIDC authentication",
        "https://goharbor.io/docs/main/administration/configure-authentication/oidc-auth/",
    )
)  # fmt: skip

# Portainer custom OAuth: the redirect URL is Portainer's own URL; no PKCE.
# https://docs.portainer.io/admin/settings/authentication/oauth
portainer = _register(
    _Spec(
        "portainer", "portainer", "Portainer", True, "RS256",
        ("https://{host}/",),
        _WITH_GROUPS, None,
        "Portainer custom OAuth provider",
        "https://docs.portainer.io/admin/settings/authentication/oauth",
    )
)  # fmt: skip

# Vaultwarden SSO: callback /identity/connect/oidc-signin; SSO_PKCE defaults to true.
# https://github.com/dani-garcia/vaultwarden/wiki/Enabling-SSO-support-using-OpenId-Connect
vaultwarden = _register(
    _Spec(
        "vaultwarden", "vaultwarden", "Vaultwarden", True, "RS256",
        ("https://{host}/identity/connect/oidc-signin",),
        list(_BASE_SCOPES), _PKCE,
        "Vaultwarden SSO (PKCE on by default)",
        "https://github.com/dani-garcia/vaultwarden/wiki/Enabling-SSO-support-using-OpenId-Connect",
    )
)  # fmt: skip

# GitLab OmniAuth openid_connect: callback /users/auth/openid_connect/callback; PKCE opt-in
# (`pkce: true` in the provider args).
# https://docs.gitlab.com/administration/auth/oidc/
gitlab = _register(
    _Spec(
        "gitlab", "gitlab", "GitLab", True, "RS256",
        ("https://{host}/users/auth/openid_connect/callback",),
        _WITH_GROUPS, None,
        "GitLab OmniAuth OpenID Connect (PKCE opt-in)",
        "https://docs.gitlab.com/administration/auth/oidc/",
    )
)  # fmt: skip
