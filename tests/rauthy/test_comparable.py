"""``diff`` compares ``comparable`` values: the same verdicts as the canonical JSON texts."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from assay_py.rauthy.reconcile import _identical, comparable, normalise

VALUES: dict[str, list[Any]] = {
    "redirect_uris": [
        None,
        [],
        ["https://a/cb"],
        ["https://b/cb", "https://a/cb"],
        ["https://a/cb", "https://b/cb"],
        ["https://a/cb", "https://a/cb"],
        ("https://a/cb",),
        [1],
        [True],
        [1.0],
        ["1"],
    ],
    "scopes": [
        None,
        [],
        ["openid"],
        ["email"],
        ["email", "openid"],
        ["openid", "email", "email"],
        ["x-openid-y"],
    ],
    "claims_at_root": [None, False, True, 0],
    "access_token_lifetime": [None, 60, 60.0, True, 1, "60"],
    "name": [None, "", "App", "app"],
    "claims": [
        None,
        {},
        {"a": 1},
        {"a": 1.0},
        {"a": True},
        {"b": [1, 2], "a": None},
        {"a": None, "b": [1, 2]},
        {"a": {"x": [1]}},
    ],
    "scim": [None, {"base_uri": "https://s", "sync_groups": True}],
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_comparable_agrees_with_the_canonical_texts(name: str) -> None:
    for left, right in itertools.product(VALUES[name], repeat=2):
        same_text = normalise(name, left) == normalise(name, right)
        assert (comparable(name, left) == comparable(name, right)) == same_text, (left, right)


@pytest.mark.parametrize("name", sorted(VALUES))
def test_the_shortcut_for_identical_values_never_hides_drift(name: str) -> None:
    for left, right in itertools.product(VALUES[name], repeat=2):
        if _identical(left, right):
            assert normalise(name, left) == normalise(name, right), (left, right)
    assert _identical(["a", "b"], ["a", "b"]) and not _identical([1], [True])
