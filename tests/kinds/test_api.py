"""``c.scopes``, ``c.attributes``, ``c.roles``, ``c.groups`` and ``c.api_keys`` against the
emulator over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay_py import rauthy
from assay_py.emulator import RauthyEmulator
from assay_py.rauthy.errors import RauthyValidationError


@pytest.fixture
def c(rauthy_emulator: RauthyEmulator) -> Iterator[rauthy.RauthyClient]:
    with rauthy.client(rauthy_emulator.url, rauthy_emulator.api_key) as client:
        yield client


def test_create_get_update_delete_a_scope(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    c.attributes.create({"name": "department", "desc": "org unit"})
    created = c.scopes.create({"name": "read:billing", "attr_include_access": ["department"]})
    # POST answers comma-joined mappings; the API hands back the list shape
    assert created["attr_include_access"] == ["department"]
    assert c.scopes.get("read:billing") == {
        "id": created["id"],
        "name": "read:billing",
        "attr_include_access": ["department"],
        "attr_include_id": None,
    }
    assert c.scopes.get("nope:absent") is None
    updated = c.scopes.update(
        "read:billing", {"name": "read:billing", "attr_include_id": ["department"]}
    )
    assert updated["attr_include_access"] is None and updated["attr_include_id"] == ["department"]
    assert c.scopes.delete("read:billing") is True
    assert c.scopes.delete("read:billing") is False
    assert c.scopes.get("read:billing") is None


def test_reconcile_create_noop_put_and_dry_run(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    c.attributes.reconcile({"name": "department"})
    desired = {"name": "read:billing", "attr_include_access": ["department"]}
    assert c.scopes.reconcile(desired, dry_run=True) == {"action": "create", "planned": True}
    assert c.scopes.get("read:billing") is None
    assert c.scopes.reconcile(desired) == {"action": "create"}
    before = rauthy_emulator.request_count()
    assert c.scopes.reconcile(desired) == {"action": "noop"}
    assert rauthy_emulator.request_count() - before == 1  # one list, nothing else
    assert c.scopes.reconcile({"name": "read:billing"}) == {
        "action": "put",
        "drift_on": "attr_include_access",
        "drift": ["attr_include_access"],
    }
    assert c.roles.reconcile({"name": "grafana-admin", "meta": {"org": 1}}) == {"action": "create"}
    assert c.roles.reconcile({"name": "grafana-admin", "meta": {"org": 1}}) == {"action": "noop"}
    assert c.groups.reconcile({"name": "argocd-admins"}) == {"action": "create"}
    assert c.groups.get("argocd-admins") is not None


@pytest.mark.parametrize(
    ("api", "name"),
    [("scopes", "openid"), ("scopes", "profile"), ("scopes", "groups"), ("roles", "rauthy_admin")],
)
def test_built_ins_are_refused_before_sending(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator, api: str, name: str
) -> None:
    before = rauthy_emulator.request_count()
    with pytest.raises(RauthyValidationError, match="built-in"):
        getattr(c, api).delete(name)
    assert rauthy_emulator.request_count() == before


def test_bad_names_are_refused_before_sending(
    c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator
) -> None:
    before = rauthy_emulator.request_count()
    with pytest.raises(RauthyValidationError, match="','"):
        c.roles.create({"name": "x,rauthy_admin"})
    with pytest.raises(RauthyValidationError, match="default scope"):
        c.scopes.reconcile({"name": "email", "attr_include_id": ["department"]})
    assert rauthy_emulator.request_count() == before


def test_in_place_rename_refused_when_it_would_rewrite_another_name(c: rauthy.RauthyClient) -> None:
    c.roles.create({"name": "dev"})
    c.roles.create({"name": "devops"})
    with pytest.raises(RauthyValidationError, match="devops"):
        c.roles.update("dev", {"name": "engineer"})
    assert c.roles.get("devops") is not None


def test_reconcile_rename_creates_then_deletes(c: rauthy.RauthyClient) -> None:
    c.groups.create({"name": "finance"})
    assert c.groups.reconcile({"name": "finance-team", "renamed_from": "finance"}) == {
        "action": "create",
        "reason": "renamed from 'finance'",
    }
    assert c.groups.get("finance") is None and c.groups.get("finance-team") is not None


def test_attributes_are_keyed_by_name(c: rauthy.RauthyClient) -> None:
    c.attributes.create({"name": "department", "desc": "org unit", "default_value": "eng"})
    assert c.attributes.get("department") == {
        "name": "department",
        "desc": "org unit",
        "default_value": "eng",
        "user_editable": False,
    }
    assert c.attributes.reconcile(
        {"name": "department", "desc": "org unit", "default_value": "eng"}
    ) == {"action": "noop"}
    c.attributes.update("department", {"name": "department", "user_editable": True})
    assert c.attributes.get("department")["user_editable"] is True  # type: ignore[index]


def test_api_key_rights(c: rauthy.RauthyClient, rauthy_emulator: RauthyEmulator) -> None:
    assert c.api_keys.rights()["Scopes"] == frozenset({"read", "create", "update", "delete"})
    token = rauthy_emulator.add_api_key("narrow", {"Scopes": ["read"]})
    with rauthy.client(rauthy_emulator.url, token) as narrow:
        assert narrow.api_keys.rights() == {"Scopes": frozenset({"read"})}
        assert narrow.api_keys.test()["name"] == "narrow"
