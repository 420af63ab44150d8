"""The pure-Python key material behind JWKS."""

from __future__ import annotations

from assay_py.emulator import _keys


def test_ed25519_matches_rfc8032_vectors() -> None:
    vectors = {
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60": (
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        ),
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb": (
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
        ),
    }
    for seed, public in vectors.items():
        assert _keys.ed25519_public_key(bytes.fromhex(seed)).hex() == public


def test_rsa_modulus_is_product_of_two_primes_of_the_right_size() -> None:
    n, p, q = _keys.rsa_modulus(1024)
    assert n == p * q and p != q
    assert n.bit_length() == 1024
    assert _keys._is_probable_prime(p) and _keys._is_probable_prime(q)


def test_primality_test_rejects_carmichael_and_accepts_primes() -> None:
    assert not _keys._is_probable_prime(561 * 1105 * 1729 * (2**61 - 1))
    assert _keys._is_probable_prime(2**127 - 1)
    assert not _keys._is_probable_prime(2**127 + 1)
