-- os, time and sleep: where the script runs and how long things take.
--
--   assay-py examples/os_time.lua

-- os is LuaJIT's own table (os.getenv, os.date, os.clock ...) plus three assay functions.
local host, arch, platform = os.hostname(), os.arch(), os.platform()
log.info(string.format("running on %s (%s, %s)", host, platform, arch))
assert.eq(type(host), "string")
assert.ne(host, "")
assert.matches(arch, "^[%w_]+$")                  -- x86_64, aarch64, ...
assert.matches(platform, "^%l+$")                 -- linux, macos, windows
assert.eq(os.getenv("HOME"), env.get("HOME"))     -- both read the process environment

-- time() is Unix time in fractional seconds; sleep() takes fractions too.
local started = time()
sleep(0.2)
local waited = time() - started
assert.gt(waited, 0.19)
log.info(string.format("slept %.3f s", waited))

-- A negative or non-numeric duration is an error, not a silent no-op.
local ok, err = pcall(sleep, -1)
assert.eq(ok, false)
assert.contains(err, "sleep: seconds must be a finite number >= 0")
log.info("os_time: all checks passed")
