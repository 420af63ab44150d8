"""Signing keys behind JWKS: real key pairs, verified with PyJWT (not our own code)."""

from __future__ import annotations

import json

import httpx
import jwt
import pytest

from assay_py.emulator import RauthyEmulator
from assay_py.emulator._keys import ALGS, KeyStore, generate


@pytest.mark.parametrize("alg", ALGS)
def test_signature_verifies_with_pyjwt_from_the_public_jwk(alg: str) -> None:
    pair = generate(alg)
    signing_input = b"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0"
    signature = pair.sign(signing_input)
    key = jwt.PyJWK(pair.jwk).key
    assert jwt.get_algorithm_by_name(alg).verify(signing_input, key, signature)
    assert pair.verify(signature, signing_input)
    assert not pair.verify(signature, signing_input + b"x")


def test_repr_hides_the_private_key() -> None:
    pair = generate("RS256")
    assert repr(pair) == f"KeyPair(alg='RS256', kid='{pair.kid}')"


def test_rotation_adds_a_generation_and_keeps_the_old_one() -> None:
    store = KeyStore()
    before = store.jwks()
    old = {alg: store.latest(alg).kid for alg in ALGS}
    store.rotate()
    after = store.jwks()
    assert after[:4] == before and [k["alg"] for k in after[4:]] == list(ALGS)
    for alg in ALGS:
        assert store.latest(alg).kid != old[alg]
        assert store.find(old[alg]) is not None
    assert KeyStore().jwks() == before, "a rotation belongs to one emulator"


def test_unknown_alg_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^alg: must be one of"):
        generate("HS256")


def test_rotate_jwk_route(rauthy_emulator: RauthyEmulator) -> None:
    url = rauthy_emulator.url
    first = httpx.get(url + "/oidc/certs").json()["keys"]
    r = httpx.post(url + "/oidc/rotate_jwk")
    assert r.status_code == 401 and r.json()["message"] == "No valid session"
    reader = rauthy_emulator.add_api_key("reader", {"Secrets": ["read"]})
    r = httpx.post(url + "/oidc/rotate_jwk", headers={"Authorization": f"API-Key {reader}"})
    assert (r.status_code, r.json()["message"]) == (
        403,
        "Bad permissions for given ApiKey. Needed: Secrets / Update",
    )
    headers = {"Authorization": f"API-Key {rauthy_emulator.api_key}"}
    r = httpx.post(url + "/oidc/rotate_jwk", headers=headers)
    assert (r.status_code, r.content) == (200, b"")
    keys = httpx.get(url + "/oidc/certs").json()["keys"]
    assert len(keys) == 8 and keys[:4] == first
    for key in keys:
        single = httpx.get(f"{url}/oidc/certs/{key['kid']}")
        assert json.loads(single.content) == key


def test_cryptography_is_not_imported_until_a_key_is_needed() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from assay_py.emulator import RauthyEmulator\n"
        "with RauthyEmulator() as emu:\n"
        "    pass\n"
        "print('cryptography' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
