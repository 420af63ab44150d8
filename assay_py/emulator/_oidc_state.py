"""What the OIDC endpoints remember: test users, sessions, authorization codes, refresh tokens.

Test users are declared on the emulator (``emu.add_user(..., password=...)``): the login
half of a row in the store's users table. Nothing here is persisted: codes and tokens live
as long as the emulator process.
"""

from __future__ import annotations

import hmac
import secrets
import string
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._state import Store

_ALNUM = string.ascii_letters + string.digits


def random_alnum(length: int) -> str:
    """Uniform alphanumerics from one ``token_bytes`` call (``secrets.choice`` per character
    was most of a token grant's time): bytes below 248 = 4 * 62 map evenly, others are
    dropped."""
    out: list[str] = []
    while len(out) < length:
        out.extend(_ALNUM[b % 62] for b in secrets.token_bytes(2 * length) if b < 248)
    return "".join(out[:length])


@dataclass
class TestUser:
    """A user who can log in. Its roles and groups are those of the store's user row of the
    same ``id`` (``Store.kinds.users``), read when a token is issued."""

    __test__ = False  # not a pytest test class, whatever its name

    email: str
    password: str = field(repr=False)
    given_name: str
    family_name: str | None = None
    enabled: bool = True
    email_verified: bool = True
    language: str = "en"
    preferred_username: str | None = None
    id: str = field(default_factory=lambda: random_alnum(24))

    def password_matches(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self.password.encode())

    @property
    def name(self) -> str:
        """Rauthy's ``email_recipient_name``: given and family name, or the given name."""
        return f"{self.given_name} {self.family_name}" if self.family_name else self.given_name


@dataclass
class AuthCode:
    id: str
    client_id: str
    user_id: str
    session_id: str
    challenge: str | None
    challenge_method: str | None
    nonce: str | None
    scopes: list[str]
    exp: int


@dataclass
class RefreshRecord:
    user_id: str
    session_id: str | None
    scope: str | None
    exp: int
    access_jti: str | None = None  # the access token issued with it (revoked together)


class OidcState:
    """Users by e-mail (lower case) and id; codes by id; refresh tokens by their last 49
    characters (what Rauthy stores); sessions as ``sid -> user id``. One lock for all."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.users: dict[str, TestUser] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh: dict[str, RefreshRecord] = {}
        self.sessions: dict[str, str] = {}
        self.revoked: set[str] = set()  # access-token jtis

    def clear(self) -> None:
        with self.lock:
            self.users.clear()
            self.codes.clear()
            self.refresh.clear()
            self.sessions.clear()
            self.revoked.clear()

    def add_user(self, user: TestUser) -> None:
        with self.lock:
            self.users[user.email.lower()] = user

    def user_by_email(self, email: str) -> TestUser | None:
        with self.lock:
            return self.users.get(email.lower())

    def user_by_id(self, user_id: str) -> TestUser | None:
        with self.lock:
            return next((u for u in self.users.values() if u.id == user_id), None)

    def memberships(self, user_id: str) -> tuple[list[str], list[str]]:
        """``(roles, groups)`` of the user row now (role and group renames rewrite it)."""
        with self.store.lock:
            for row in self.store.kinds.users:
                if row.id == user_id:
                    roles = [r for r in row.roles.split(",") if r]
                    return roles, [g for g in (row.groups or "").split(",") if g]
        return [], []
