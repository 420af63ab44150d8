"""crypto.jwt_sign / jwt_decode / jwt_verify, and crypto.hash_file."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.builtins.conftest import Lua
from tests.builtins.coroutine import first_use_in_coroutine


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """PEM files and a JWKS (RSA key "r1", EC key "e1") made for this test run."""
    folder = tmp_path_factory.mktemp("keys")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    files = {
        "priv": rsa_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
        "pub": rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "other_pub": other.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
        ),
        "ec_priv": ec_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    }
    numbers = rsa_key.public_key().public_numbers()
    jwks = {
        "keys": [
            {"kty": "RSA", "kid": "r1", "alg": "RS256", "n": _b64(numbers.n), "e": _b64(numbers.e)},
        ]
    }
    files["jwks"] = json.dumps(jwks).encode()
    paths = {}
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths[name] = str(path)
    return paths


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _setup(keys: dict[str, str]) -> str:
    return (
        f'local priv, pub = fs.read("{keys["priv"]}"), fs.read("{keys["pub"]}")\n'
        f'local other_pub = fs.read("{keys["other_pub"]}")\n'
        f'local jwks = json.parse(fs.read("{keys["jwks"]}"))\n'
        "local now = os.time()\n"
    )


def _segment(token: bytes, index: int) -> Any:
    part = token.split(b".")[index]
    return json.loads(base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4)))


def test_sign_writes_jsonwebtokens_header_and_sorted_claims(lua: Lua, keys: dict[str, str]) -> None:
    token = lua(
        _setup(keys)
        + 'return crypto.jwt_sign({sub = "s", iss = "i", n = 1}, priv, "rs384", {kid = "r1"})'
    )
    header, payload = token.split(b".")[:2]
    assert base64.urlsafe_b64decode(header + b"==") == b'{"typ":"JWT","alg":"RS384","kid":"r1"}'
    assert base64.urlsafe_b64decode(payload + b"==") == b'{"iss":"i","n":1,"sub":"s"}'


def test_sign_then_verify_with_pem_and_with_jwks(lua: Lua, keys: dict[str, str]) -> None:
    lua(
        _setup(keys)
        + """
        local claims = {iss = "issuer", sub = "subject", aud = "audience", exp = now + 300,
                        groups = {"a", "b"}}
        local token = crypto.jwt_sign(claims, priv, nil, {kid = "r1"})
        local out = crypto.jwt_verify(token, pub, {audience = "audience", issuer = "issuer"})
        assert.eq(out.header.alg, "RS256")
        assert.eq(out.header.typ, "JWT")
        assert.eq(out.header.kid, "r1")
        assert.eq(out.claims.sub, "subject")
        assert.eq(out.claims.groups[2], "b")
        local via_jwks = crypto.jwt_verify(token, jwks, {audience = {"x", "audience"}})
        assert.eq(via_jwks.claims.iss, "issuer")
        local decoded = crypto.jwt_decode(token)
        assert.eq(decoded.header.kid, "r1")
        assert.eq(decoded.claims.aud, "audience")
        """
    )


@pytest.mark.parametrize(
    ("claims", "opts", "error"),
    [
        ('{aud = "a", exp = now + 60}', '{audience = "b"}', "InvalidAudience"),
        ('{aud = "a", exp = now + 60}', "nil", "InvalidAudience"),  # aud needs an audience
        ('{iss = "i", exp = now + 60}', '{issuer = "x"}', "InvalidIssuer"),
        ("{exp = now + 60}", '{issuer = "x"}', "Missing required claim: iss"),
        ("{exp = now - 120}", "nil", "ExpiredSignature"),
        ("{sub = 's'}", "nil", "Missing required claim: exp"),
        ("{exp = now + 60, nbf = now + 600}", "{validate_nbf = true}", "ImmatureSignature"),
        ("{exp = now + 60}", '{algorithm = "RS512"}', "InvalidAlgorithm"),
        ('{exp = "soon"}', "nil", "Invalid format for claim: exp"),
    ],
)
def test_verify_refusals(
    lua: Lua, keys: dict[str, str], claims: str, opts: str, error: str
) -> None:
    message = lua.error(
        _setup(keys) + f"crypto.jwt_verify(crypto.jwt_sign({claims}, priv), pub, {opts})"
    )
    assert message == f"crypto.jwt_verify: {error}"


def test_verify_leeway_and_switches(lua: Lua, keys: dict[str, str]) -> None:
    lua(
        _setup(keys)
        + """
        -- 60 seconds of leeway by default, as jsonwebtoken's
        crypto.jwt_verify(crypto.jwt_sign({exp = now - 30}, priv), pub)
        local ok = pcall(crypto.jwt_verify, crypto.jwt_sign({exp = now - 30}, priv), pub,
                         {leeway = 0})
        assert.eq(ok, false)
        crypto.jwt_verify(crypto.jwt_sign({exp = now - 300}, priv), pub, {validate_exp = false})
        crypto.jwt_verify(crypto.jwt_sign({sub = "no exp"}, priv), pub, {required_claims = {}})
        -- nbf is not checked unless asked
        crypto.jwt_verify(crypto.jwt_sign({exp = now + 60, nbf = now + 600}, priv), pub)
        """
    )


def test_verify_rejects_a_signature_from_another_token_or_key(
    lua: Lua, keys: dict[str, str]
) -> None:
    assert (
        lua.error(
            _setup(keys)
            + """
        local a = crypto.jwt_sign({sub = "alice", exp = now + 60}, priv)
        local b = crypto.jwt_sign({sub = "mallory", exp = now + 60}, priv)
        local head_a = a:match("^([^.]+%.[^.]+)%.")
        local sig_b = b:match("%.([^.]+)$")
        crypto.jwt_verify(head_a .. "." .. sig_b, pub)
        """
        )
        == "crypto.jwt_verify: InvalidSignature"
    )
    assert (
        lua.error(
            _setup(keys) + "crypto.jwt_verify(crypto.jwt_sign({exp = now + 60}, priv), other_pub)"
        )
        == "crypto.jwt_verify: InvalidSignature"
    )


def test_jwks_dispatch_errors(lua: Lua, keys: dict[str, str]) -> None:
    setup = _setup(keys)
    assert lua.error(setup + "crypto.jwt_verify(crypto.jwt_sign({exp = now}, priv), jwks)") == (
        "crypto.jwt_verify: token header missing 'kid' (required for JWKS dispatch)"
    )
    assert (
        lua.error(
            setup + 'crypto.jwt_verify(crypto.jwt_sign({exp = now}, priv, nil, {kid = "zz"}), jwks)'
        )
        == "crypto.jwt_verify: no key in JWKS matches kid 'zz'"
    )
    assert (
        lua.error(
            setup + 'crypto.jwt_verify(crypto.jwt_sign({exp = now}, priv, nil, {kid = "r1"}), {})'
        )
        == "crypto.jwt_verify: invalid JWKS table: missing field `keys`"
    )


def test_argument_and_key_errors(lua: Lua, keys: dict[str, str]) -> None:
    setup = _setup(keys)
    cases = {
        'crypto.jwt_sign({iss = "t"}, "not-a-valid-pem-key")': (
            "crypto.jwt_sign: invalid PEM key: InvalidKeyFormat"
        ),
        f'crypto.jwt_sign({{}}, fs.read("{keys["ec_priv"]}"))': (
            "crypto.jwt_sign: invalid PEM key: InvalidKeyFormat"
        ),
        'crypto.jwt_sign("x", priv)': "crypto.jwt_sign: first argument must be a claims table",
        "crypto.jwt_sign({}, nil)": "crypto.jwt_sign: second argument must be a PEM key string",
        'crypto.jwt_sign({}, priv, "HS256")': "crypto.jwt_sign: unsupported algorithm: HS256",
        "crypto.jwt_sign({}, priv, 5)": (
            "crypto.jwt_sign: third argument must be an algorithm string or nil"
        ),
        "crypto.jwt_sign({}, priv, nil, 5)": (
            "crypto.jwt_sign: fourth argument must be an options table or nil"
        ),
        "crypto.jwt_verify(nil, pub)": "crypto.jwt_verify: first argument must be a JWT string",
        'crypto.jwt_verify("a.b.c", 5)': (
            "crypto.jwt_verify: second argument must be a PEM string or JWKS table"
        ),
        'crypto.jwt_verify("a.b.c", pub, 5)': (
            "crypto.jwt_verify: third argument must be an options table or nil"
        ),
        'crypto.jwt_verify("a.b.c", "junk")': (
            "crypto.jwt_verify: invalid PEM key: InvalidKeyFormat"
        ),
        'crypto.jwt_verify("a.b.c", pub, {audience = 5})': (
            "crypto.jwt_verify: 'audience' must be a string or array of strings"
        ),
        'crypto.jwt_verify("a.b.c", pub, {algorithm = "ES256"})': (
            "crypto.jwt_verify: unsupported algorithm: ES256"
        ),
        'crypto.jwt_verify("not a token", pub)': "crypto.jwt_verify: InvalidToken",
    }
    for code, expected in cases.items():
        assert lua.error(setup + code) == expected, code


def test_decode_reads_without_checking(lua: Lua) -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(b'{"sub":"user:alice","groups":["a","b"],"n":null}')
    token = f"{header}.{body.rstrip(b'=').decode()}.fake-signature"
    got = lua(
        f'local d = crypto.jwt_decode("{token}"); return d.header.alg, d.claims.sub,'
        " #d.claims.groups, d.claims.n"
    )
    assert got == (b"RS256", b"user:alice", 2, None)


@pytest.mark.parametrize(
    ("token", "error"),
    [
        ("a.b", "token must have three '.'-separated segments (header.payload.signature)"),
        # data-encoding's and serde_json's words, as the original's.
        ("e30=.e30.x", "header: invalid base64url: invalid symbol at 3"),
        ("e30.e3!.x", "payload: invalid base64url: invalid symbol at 2"),
        ("e.e30.x", "header: invalid base64url: invalid length at 0"),
        ("e31.e30.x", "header: invalid base64url: non-zero trailing bits at 2"),
        ("e30.bm9wZQ.x", "payload: invalid JSON: expected ident at line 1 column 2"),
        (
            "e30.eyJ4Ijp7fQ.x",
            "payload: invalid JSON: EOF while parsing an object at line 1 column 7",
        ),
    ],
)
def test_decode_errors(lua: Lua, token: str, error: str) -> None:
    assert lua.error(f'crypto.jwt_decode("{token}")') == f"crypto.jwt_decode: {error}"


def test_decode_token_is_rust_text(lua: Lua) -> None:
    assert lua.error("crypto.jwt_decode()") == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )


def test_hash_file_streams_any_size(lua: Lua, tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000
    (tmp_path / "blob").write_bytes(data)
    got = lua(
        f'return crypto.hash_file("{tmp_path}/blob"),'
        f' crypto.hash_file("{tmp_path}/blob", "SHA3-512")'
    )
    assert got == (
        hashlib.sha256(data).hexdigest().encode(),
        hashlib.sha3_512(data).hexdigest().encode(),
    )


def test_hash_file_errors(lua: Lua, tmp_path: Path) -> None:
    assert lua.error(f'crypto.hash_file("{tmp_path}/nope")') == (
        f'crypto.hash_file: open "{tmp_path}/nope": No such file or directory (os error 2)'
    )
    assert lua.error(f'crypto.hash_file("{tmp_path}", nil)').startswith(
        f'crypto.hash_file: read "{tmp_path}": Is a directory'
    )
    assert lua.error(f'crypto.hash_file("{tmp_path}", "MD5")').startswith(
        "crypto.hash_file: unsupported algorithm: md5 (supported: sha224, sha256,"
    )
    assert lua.error("crypto.hash_file(5)") == (
        "crypto.hash_file: first argument must be a path string"
    )
    assert lua.error('crypto.hash_file("x", 5)') == (
        "crypto.hash_file: second argument must be an algorithm string or nil"
    )


def test_first_use_inside_a_coroutine(keys: dict[str, str]) -> None:
    body = (
        _setup(keys)
        + "return crypto.jwt_verify(crypto.jwt_sign({exp = now + 60}, priv), pub).header.alg"
    )
    assert first_use_in_coroutine(body) == b"RS256"
