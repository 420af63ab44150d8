"""``c.users`` and ``c.password_policy`` against the emulator over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.errors import RauthyError, RauthyValidationError

PASSWORD = "Api-Test-Passw0rd-Secret"


@pytest.fixture
def c(rauthy_emulator: RauthyEmulator) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as client:
        yield client


def test_create_get_update_delete(c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator) -> None:
    created = c.users.create(
        {
            "email": "Ada@Example.com",
            "given_name": "Ada",
            "roles": ["admin"],
            "email_verified": True,
            "enabled": False,
            "preferred_username": "ada",
        }
    )
    assert created["email"] == "ada@example.com" and created["enabled"] is False
    assert [m["to"] for m in rauthy_emulator.mails] == ["ada@example.com"]
    assert rauthy_emulator.user_attrs("ada@example.com") == {"assay_managed": True}
    got = c.users.get("ADA@example.com")
    assert got is not None and got["user_values"] == {"preferred_username": "ada"}
    assert got["email_verified"] is True
    c.users.update("ada@example.com", {"family_name": "Lovelace", "enabled": True})
    got = c.users.get("ada@example.com")
    assert got is not None
    assert (got["family_name"], got["enabled"], got["given_name"]) == ("Lovelace", True, "Ada")
    assert [r["email"] for r in c.users.list()] == ["ada@example.com"]
    assert c.users.delete("ada@example.com") is True
    assert c.users.delete("ada@example.com") is False
    assert c.users.get("ada@example.com") is None


def test_reconcile_and_dry_run(c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator) -> None:
    entry = {"email": "a@b.io", "given_name": "Ada", "roles": ["user"]}
    assert c.users.reconcile(entry, dry_run=True)["action"] == "create"
    assert rauthy_emulator.mails == []
    assert c.users.reconcile(entry)["action"] == "create"
    assert c.users.reconcile(entry) == {"action": "noop"}
    changed = c.users.reconcile({**entry, "roles": ["admin", "user"]})
    assert changed["action"] == "put" and changed["drift"] == ["roles"]
    assert rauthy_emulator.user_memberships("a@b.io") == {"roles": ["admin", "user"], "groups": []}
    assert len(rauthy_emulator.mails) == 1  # only the create mails


def test_initial_password_is_sent_once_and_scrubbed(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADA_PW", PASSWORD)
    entry = {"email": "a@b.io", "initial_password": {"env": "ADA_PW"}}
    created = c.users.create(entry)
    assert created["account_type"] == "password"
    assert c.users.reconcile(entry)["action"] == "noop"
    patches = rauthy_emulator.request_count("PATCH", "/auth/v1/users/")
    assert patches == 1
    # A password the policy refuses: the error text never carries it.
    monkeypatch.setenv("WEAK_PW", "weakpassword1")
    with pytest.raises(RauthyError) as failed:
        c.users.create({"email": "b@b.io", "initial_password": {"env": "WEAK_PW"}})
    assert "weakpassword1" not in str(failed.value) and "Password policy" in str(failed.value)


def test_deleting_the_last_admin_is_refused(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    root = rauthy_emulator.add_user("root@b.io", ["rauthy_admin"])
    writes = _writes(rauthy_emulator)
    with pytest.raises(RauthyValidationError, match=r"root@b\.io is deleted"):
        c.users.delete("root@b.io")
    with pytest.raises(RauthyValidationError, match=r"root@b\.io loses rauthy_admin"):
        c.users.update("root@b.io", {"roles": ["admin"]})
    with pytest.raises(RauthyValidationError, match=r"root@b\.io is disabled"):
        c.users.reconcile({"email": "root@b.io", "enabled": False}, dry_run=True)
    assert _writes(rauthy_emulator) == writes
    # A disabled second admin does not count; an enabled one does.
    two = rauthy_emulator.add_user("two@b.io", ["rauthy_admin"])
    c.users.patch(two, {"put": [{"key": "enabled", "value": False}], "del": []})
    with pytest.raises(RauthyValidationError, match="no enabled user would hold"):
        c.users.update("root@b.io", {"enabled": False})
    c.users.update("two@b.io", {"enabled": True})
    c.users.update("root@b.io", {"roles": ["admin"]})
    assert rauthy_emulator.user_memberships("root@b.io")["roles"] == ["admin"]
    with pytest.raises(RauthyValidationError, match=r"two@b\.io is deleted"):
        c.users.delete("two@b.io")
    assert c.users.delete("root@b.io") is True
    assert c.users.get("root@b.io") is None and root not in str(c.users.list())


def _writes(emulator: RauthyEmulator) -> int:
    return sum(emulator.request_count(m) for m in ("POST", "PUT", "PATCH", "DELETE"))


def test_list_follows_pages(c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator) -> None:
    for i in range(1003):
        rauthy_emulator.add_user(f"u{i}@b.io")
    assert len({r["email"] for r in c.users.list()}) == 1003


def test_password_policy_put_and_unreadable_get(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    policy = {"length_min": 12, "length_max": 64, "include_digits": 2}
    assert c.password_policy.put(policy) == policy
    assert rauthy_emulator.password_policy["include_digits"] == 2
    assert c.password_policy.reconcile(policy, dry_run=True)["action"] == "assert"
    with pytest.raises(RauthyError, match="No valid session"):
        c.password_policy.get()
    before = len(rauthy_emulator.requests)
    with pytest.raises(RauthyValidationError, match="length_min"):
        c.password_policy.put({"length_min": 64, "length_max": 12})
    assert len(rauthy_emulator.requests) == before


def test_attribute_values_are_put_at_create_updated_and_removed(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    c.attributes.create({"name": "dept"})
    c.attributes.create({"name": "level"})
    c.users.create({"email": "a@b.io", "attributes": {"dept": "eng", "level": None}})
    assert rauthy_emulator.user_attrs("a@b.io") == {"assay_managed": True, "dept": "eng"}
    # the mark and the values travel in one PUT
    assert rauthy_emulator.request_count("PUT", "/auth/v1/users/") == 1
    assert c.users.reconcile({"email": "a@b.io", "attributes": {"dept": "eng"}}) == {
        "action": "noop"
    }
    changed = c.users.reconcile({"email": "a@b.io", "attributes": {"dept": "ops", "level": 2}})
    assert changed["drift"] == ["attributes.dept", "attributes.level"]
    assert rauthy_emulator.request_count("PATCH", "/auth/v1/users/") == 0  # values only
    c.users.update("a@b.io", {"attributes": {"dept": None}})
    assert rauthy_emulator.user_attrs("a@b.io") == {"assay_managed": True, "level": 2}


def test_values_for_an_undefined_attribute_are_refused_before_any_write(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    writes = _writes(rauthy_emulator)
    with pytest.raises(RauthyValidationError) as refused:
        c.users.create({"email": "a@b.io", "attributes": {"nope": 1}})
    assert "no user attribute nope is defined" in str(refused.value)
    assert refused.value.violations == [("attributes.nope", "is not a defined user attribute")]
    assert _writes(rauthy_emulator) == writes and rauthy_emulator.mails == []
    # removing a value needs no definition
    c.users.create({"email": "a@b.io", "attributes": {"nope": None}})


def test_dutch_passes_our_check_and_is_rauthy_0_36s_to_accept() -> None:
    with RauthyEmulator(version="0.36") as head, rauthy.client(head.url, head.api_key) as c:
        created = c.users.create({"email": "nl@example.com", "language": "nl", "roles": []})
        assert created["language"] == "nl"
        c.users.update("nl@example.com", {"language": "de"})
        got = c.users.get("nl@example.com")
        assert got is not None and got["language"] == "de"
    with RauthyEmulator() as old, rauthy.client(old.url, old.api_key, retries=1) as c:
        with pytest.raises(RauthyError) as caught:
            c.users.create({"email": "nl@example.com", "language": "nl", "roles": []})
        assert "nl" in str(caught.value) and old.mails == []
    with pytest.raises(RauthyValidationError) as bad:
        rauthy.kinds.users.checked({"email": "x@example.com", "language": "xx"})
    assert "language" in str(bad.value) and "nl: Rauthy 0.36+" in str(bad.value)
