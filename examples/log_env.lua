-- log and env: the globals a script reads its settings with and reports through.
--
--   assay-py examples/log_env.lua        (assay-py -v also shows log.debug lines)
--
-- Log lines go to stderr: `2026-05-11T12:00:00.123456Z  INFO message`.

-- A setting with a default: env.get gives nil for an unset variable.
local region = env.get("EXAMPLE_REGION") or "eu-west-1"
log.info("region: " .. region)

-- env.set changes this process's environment (and what child processes inherit); nil unsets.
env.set("EXAMPLE_STAGE", "testing")
assert.eq(env.get("EXAMPLE_STAGE"), "testing")
env.set("EXAMPLE_STAGE", nil)
assert.eq(env.get("EXAMPLE_STAGE"), nil)

-- env.list() is an array of {key, value}, sorted by key.
local count = 0
for _, pair in ipairs(env.list()) do
  assert.not_nil(pair.key)
  count = count + 1
end
log.debug("environment has " .. count .. " variables")

-- Numbers are logged as Lua prints them; anything else that is not a string is an error.
log.warn(42)
local ok, err = pcall(log.error, nil)
assert.eq(ok, false)
assert.contains(err, "bad argument #1: error converting Lua nil to String")
log.info("log_env: all checks passed")
