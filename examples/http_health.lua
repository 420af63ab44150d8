-- http: call a Rauthy's health and discovery endpoints, and handle failures.
--
--   RAUTHY_URL=http://rauthy:8080/auth/v1 assay-py examples/http_health.lua
--   assay-py run --emulator examples/http_health.lua     (an embedded Rauthy)
--
-- Every HTTP status comes back as {status, headers, body}; only transport failures
-- (refused, DNS, timeout) raise, with a message starting "http.<method> failed:".

-- A transport failure is an error you can catch: nothing listens on port 1.
local ok, err = pcall(http.get, "http://127.0.0.1:1/health", { timeout = 2 })
assert.eq(ok, false)
assert.contains(err, "http.get failed:")

local base = env.get("RAUTHY_URL")
if not base then
  print("RAUTHY_URL is not set: skipping the calls to Rauthy (try: run --emulator)")
  return
end

local health = http.get(base .. "/health", { timeout = 5 })
print("health:", health.status)
assert.eq(health.status, 200)

local discovery = http.get(base .. "/.well-known/openid-configuration")
assert.eq(discovery.status, 200)
assert.contains(discovery.headers["content-type"], "json")
local config = json.parse(discovery.body)
print("issuer:", config.issuer)
assert.not_nil(config.jwks_uri)

-- A 4xx is a value, not an error: check the status yourself.
local missing = http.get(base .. "/clients/does-not-exist", {
  headers = { Authorization = "API-Key " .. (env.get("RAUTHY_API_KEY") or "none$none") },
})
print("unknown client:", missing.status)
assert.gt(missing.status, 399)
