-- crypto and base64: digests, signatures, tokens and encoded text.
--
--   assay-py examples/crypto_base64.lua

-- Hex digests; sha256 by default, the SHA-2 and SHA-3 families by name (any case).
assert.eq(crypto.hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
assert.eq(#crypto.hash("abc", "SHA3-512"), 128)
local ok, err = pcall(crypto.hash, "abc", "md5")
assert.eq(ok, false)
assert.contains(err, "crypto.hash: unsupported algorithm: md5 (supported: sha224,")

-- HMAC (RFC 4231, test case 2), as hex or, with raw = true, as bytes.
local mac = crypto.hmac("Jefe", "what do ya want for nothing?")
assert.eq(mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
assert.eq(#crypto.hmac("Jefe", "what do ya want for nothing?", "sha256", true), 32)

-- Random alphanumeric tokens, e.g. for passwords a script hands to another system.
local token = crypto.random(24)
assert.eq(#token, 24)
assert.matches(token, "^%w+$")
assert.ne(token, crypto.random(24))

-- base64 with the standard alphabet and padding; decoding is strict and wants UTF-8 text.
local basic = base64.encode("admin:" .. token)
assert.eq(base64.decode(basic), "admin:" .. token)
assert.eq(base64.encode("foob"), "Zm9vYg==")
ok, err = pcall(base64.decode, "Zm9vYg")
assert.eq(ok, false)
assert.eq(err, "base64.decode: invalid length at 4")
log.info("crypto_base64: all checks passed")
