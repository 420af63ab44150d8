-- json and assert: what a script sends and checks.
--
--   assay-py examples/json_assert.lua
--
-- json.encode is compact with keys sorted, so the same table always gives the same text
-- (handy for diffs and signatures). null becomes nil, and {} encodes as an object unless
-- marked with json.array.

local payload = {
  id = "outline",
  redirect_uris = { "https://outline.example.com/auth/oidc.callback" },
  scopes = { "openid", "email", "profile" },
  access_token_lifetime = 1800,
  challenges = json.array(), -- an empty list, not {}
  extra = {},
}
local text = json.encode(payload)
print(text)
assert.eq(text, '{"access_token_lifetime":1800,"challenges":[],"extra":{},"id":"outline",'
  .. '"redirect_uris":["https://outline.example.com/auth/oidc.callback"],'
  .. '"scopes":["openid","email","profile"]}')

-- Parsing: null disappears, whole numbers are integers, objects keep string keys.
local live = json.parse('{"id": "outline", "secret": null, "lifetime": 60, "1": "one"}')
assert.eq(live.secret, nil)
assert.eq(live.lifetime, 60)
assert.eq(live["1"], "one")
assert.eq(live[1], nil)

-- Bad input gives an error that names the place; pcall turns it into a value.
local ok, err = pcall(json.parse, '{"id": "outline",}')
assert.eq(ok, false)
assert.contains(err, "trailing comma at line 1 column 18")

-- assert.*: every failure says what it compared, with your note after " - ".
assert.ne(live.id, "argocd")
assert.gt(live.lifetime, 0, "lifetime must be positive")
assert.matches(payload.redirect_uris[1], "^https://[%w.]+/")
assert.not_nil(live.id)
local _, failure = pcall(assert.eq, live.lifetime, 1800, "lifetime")
assert.eq(failure, 'assert.eq failed: "60" != "1800" - lifetime')
print("json and assert: all checks passed")
