-- require: where modules come from.
--
--   assay-py examples/require_modules.lua
--
-- require("x")        -> ./x.lua or ./x/init.lua (package.path, relative to the CWD)
-- require("assay.x")  -> then ./modules/x.lua, then $ASSAY_MODULES_PATH (or ~/.assay/modules),
--                        then the modules built into assay-py (assay.rauthy). A file wins over
--                        a built-in of the same name. `assay-py modules` lists them all.

local rauthy = require("assay.rauthy")
assert.not_nil(rauthy.client)
-- Loaded once, then cached. (assert.eq never passes for tables, as in assay: compare with ==.)
assert.eq(require("assay.rauthy") == rauthy, true)

-- A preset is plain data; its errors read like any Lua error.
local preset = rauthy.client_presets.outline({ host = "outline.example.com" })
assert.eq(preset.id, "outline")
local ok, err = pcall(rauthy.client_presets.outline, {})
assert.eq(ok, false)
assert.contains(err, "opts.host required")

-- A missing module lists every place that was tried, in order.
local found, message = pcall(require, "assay.not_here")
assert.eq(found, false)
print(message)
assert.contains(message, "no file './modules/not_here.lua'")
assert.contains(message, "no built-in module 'assay.not_here'")
