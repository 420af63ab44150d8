"""Lua code run once per VM: sandbox, polyfills, ``print``, ``require`` searchers, runner.

Kept as Lua because it touches Lua state (package.loaders, xpcall, debug.traceback) that is
awkward and slow to drive item by item from Python. It receives a table of Python hooks and
returns a table of private helpers; nothing here is reachable by scripts except the globals
it sets on purpose.
"""

PRELUDE_CHUNKNAME = "=[assay prelude]"
BRIDGE_CHUNKNAME = "=[assay bridge]"
# Frames of these chunks are the host's, not the script's: tracebacks leave them out.
HOST_CHUNK_MARK = "[assay "

# Wraps a Python callable (returning true, values... or false, message, level) as a Lua
# function. `finish` is reached by a tail call, so level 2 names the script line that called
# the builtin, like an error raised by any Lua function.
BRIDGE = rb"""
local error = error
local function finish(ok, ...)
  if ok then return ... end
  local message, level = ...
  error(message, level)
end
return function(pyfn)
  return function(...) return finish(pyfn(...)) end
end
"""

PRELUDE = rb"""
local hooks = ...
-- Everything the host's functions use later is a local: a script may remove any global.
local globals, package = _G, package
local type, tostring, error, select, xpcall, pcall, pairs, ipairs, next, rawget, rawset =
      type, tostring, error, select, xpcall, pcall, pairs, ipairs, next, rawget, rawset
local rawequal = rawequal
local raw_load, raw_loadfile = load, loadfile
local raw_setmetatable, raw_getmetatable = setmetatable, getmetatable
local concat = table.concat
local byte, find, sub, gsub, gmatch = string.byte, string.find, string.sub, string.gsub,
      string.gmatch
local io_open = io.open
local traceback = debug.traceback

-- Sandbox: no way back into Python (lupa's `python`), into C (ffi, C loaders) or into
-- other functions' upvalues (debug, which would expose the Python callables we wrap).
python = nil
debug = nil
package.loaded.python = nil
package.loaded.debug = nil
package.loaded.ffi = nil
package.preload.ffi = nil
string.dump = nil
package.cpath = ""
package.loadlib = function() error("package.loadlib is disabled in assay", 2) end
if hooks.path then package.path = hooks.path end

-- Text chunks only: bytecode skips the compiler's checks, and malformed bytecode can crash
-- the engine. Mode "t" holds for strings, reader functions and files alike.
local BINARY = "attempt to load a binary chunk: assay-py runs Lua source text only"

local function text_only(chunk, err)
  if chunk == nil and type(err) == "string"
      and (find(err, "wrong mode", 1, true) or find(err, "binary chunk", 1, true)) then
    return nil, BINARY
  end
  return chunk, err
end

-- `...` is the optional env: passed on only when given, as an explicit nil means something.
load = function(chunk, chunkname, mode, ...)
  if type(chunk) == "string" and byte(chunk, 1) == 27 then return nil, BINARY end
  if type(mode) == "string" and not find(mode, "t", 1, true) then
    -- Binary only was asked for: no chunk can be had.
    if type(chunk) == "string" then
      return nil, "attempt to load a text chunk (mode is '" .. mode .. "')"
    end
    return nil, BINARY
  end
  return text_only(raw_load(chunk, chunkname, "t", ...))
end
if loadstring then loadstring = load end
loadfile = function(filename, mode, ...)
  return text_only(raw_loadfile(filename, "t", ...))
end
dofile = function(filename)
  local chunk, err = loadfile(filename)
  if not chunk then error(err, 0) end
  return chunk()
end
local loadfile, load_text = loadfile, load

-- Polyfills for idioms of Lua 5.2+ that assay scripts use.
table.unpack = table.unpack or unpack
table.pack = table.pack or function(...) return { n = select("#", ...), ... } end

-- string.split as the original has it: Rust text in (numbers coerced, non-UTF-8 refused in
-- Rust's words), whitespace as Rust's split_whitespace knows it (Unicode's, not just ASCII).
local utf8_fault = hooks.utf8_fault
local function split_text(v)
  local kind = type(v)
  if kind == "number" then return tostring(v) end
  if kind ~= "string" then
    error("error converting Lua " .. kind .. " to String (expected string or number)", 3)
  end
  if find(v, "[\128-\255]") then
    local fault = utf8_fault(v)
    if fault then error("error converting Lua string to &str (" .. fault .. ")", 3) end
  end
  return v
end
local UNICODE_SPACES = {
  "\194[\133\160]", "\225\154\128", "\226\128[\128-\138\168\169\175]", "\226\129\159",
  "\227\128\128",
}

function string.split(...)
  if select("#", ...) == 0 then error("string.split: string required", 2) end
  local s, sep = ...
  s = split_text(s)
  if sep ~= nil then sep = split_text(sep) end
  local out = {}
  if sep == nil or sep == "" then
    if find(s, "[\128-\255]") then
      for _, space in ipairs(UNICODE_SPACES) do s = gsub(s, space, " ") end
    end
    for word in gmatch(s, "%S+") do out[#out + 1] = word end
    return out
  end
  local start = 1
  while true do
    local i, j = find(s, sep, start, true)
    if not i then
      out[#out + 1] = sub(s, start)
      return out
    end
    out[#out + 1] = sub(s, start, i - 1)
    start = j + 1
  end
end

local write = hooks.write
function print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  write(concat(parts, "\t", 1, n) .. "\n")
end

-- require: preload, then package.path (text only), then assay.* names as files in the
-- module folders, then the Python-backed modules of the registry. Lua 5.2+ prefixes each
-- searcher's message with "\n\t" itself; Lua 5.1 expects the searcher to.
local searchers = package.searchers or package.loaders
local sep = package.searchers and "" or "\n\t"
searchers[3], searchers[4] = nil, nil

searchers[2] = function(name)
  local path, err = package.searchpath(name, package.path)
  if not path then return err end
  local chunk, load_err = loadfile(path)
  if not chunk then
    error("error loading module '" .. name .. "' from file '" .. path .. "':\n\t" .. load_err, 0)
  end
  return chunk, path
end

local function assay_relpath(name)
  if sub(name, 1, 6) ~= "assay." then return nil end
  return (gsub(sub(name, 7), "%.", "/"))
end

local function readable(path)
  local f = io_open(path, "rb")
  if f then f:close() return true end
  return false
end

-- Under a policy with a module allowlist: the refusal of an unlisted assay.* name, raised at
-- the script's require line (level 4: guard, the searcher, require, the caller).
local require_guard = hooks.require_guard
local function guard(name)
  if require_guard == nil then return end
  local refusal = require_guard(name)
  if refusal ~= nil then error(refusal, 4) end
end

searchers[3] = function(name)
  local rel = assay_relpath(name)
  if not rel then return sep .. "not an assay.* module: " .. name end
  guard(name)
  local tried = {}
  for _, dir in ipairs(hooks.module_dirs) do
    for _, suffix in ipairs({ ".lua", "/init.lua" }) do
      local path = dir .. "/" .. rel .. suffix
      if readable(path) then
        local chunk, err = loadfile(path)
        if not chunk then
          error("error loading module '" .. name .. "' from file '" .. path .. "':\n\t" .. err, 0)
        end
        return chunk, path
      end
      tried[#tried + 1] = "no file '" .. path .. "'"
    end
  end
  return sep .. concat(tried, "\n\t")
end

local builtin_loader = hooks.builtin_loader
searchers[4] = function(name)
  if sub(name, 1, 6) == "assay." then guard(name) end
  return builtin_loader(name) or (sep .. "no built-in module '" .. name .. "'")
end

local private = {}
-- Stock functions for the host's own use, safe from scripts replacing the globals.
private.stock = {
  tostring = tostring, find = find, gsub = gsub, getmetatable = raw_getmetatable,
}
private.getmetatable = raw_getmetatable
private.kept = {}  -- LuaVM.keep: Lua values the Python side needs again later

-- Lazy globals. Every builtin global exists from the start, so no lookup of an absent global
-- is needed to find one (nor does a script's strict mode ever see one), but a module is
-- imported and installed only when a script first uses one of its globals. Until then a
-- table global is an empty table whose metatable installs the module on first index (the
-- module's table is then copied into it, so a reference taken early stays the real one), and
-- a function global is a stub that installs and calls through. Stock tables a builtin
-- extends (os) are their own placeholder.
-- Installing may happen inside a coroutine: see LuaVM on what that asks of the Python side.
local lazy = {}            -- global name -> module, while not installed
local kinds = {}           -- global name -> "table" | "function" | "extend"
local placeholders = {}    -- global name -> the table or stub scripts see meanwhile
local adopted = {}         -- global name -> the table a module set (copied at the end)
local installed_fn = {}    -- function global name -> the function its module set
local installing = {}      -- module -> true while its install runs
local placeholder_of = raw_setmetatable({}, { __mode = "k" })  -- table placeholder -> name
local install_module = nil

local function copy_into(target, source)
  for k, v in next, source do rawset(target, k, v) end
end

local function finish(name)
  local kind, holder = kinds[name], placeholders[name]
  lazy[name], placeholders[name] = nil, nil
  if kind == "function" then
    local fn = installed_fn[name]
    if fn ~= nil and rawget(globals, name) == holder then rawset(globals, name, fn) end
    return
  end
  raw_setmetatable(holder, nil)
  local source = adopted[name]
  adopted[name] = nil
  if source ~= nil then
    copy_into(holder, source)
    raw_setmetatable(holder, raw_getmetatable(source))
  end
end

local function install(module)
  if installing[module] then return end
  local pending = false
  for _, owner in next, lazy do
    if owner == module then pending = true break end
  end
  if not pending then return end
  installing[module] = true
  local ok, err = pcall(install_module, module)
  installing[module] = nil
  if not ok then error(err, 3) end
  for name, owner in next, lazy do
    if owner == module then finish(name) end
  end
end

-- What install_module's Python side calls for vm.set_global.
function private.set_global(name, value)
  local holder = placeholders[name]
  if holder ~= nil and installing[lazy[name]] then
    if kinds[name] == "function" then
      installed_fn[name] = value
      return
    end
    if type(value) == "table" and value ~= holder then
      adopted[name] = value
      copy_into(holder, value)
      return
    end
    if value ~= holder then
      lazy[name], placeholders[name] = nil, nil
    end
  end
  rawset(globals, name, value)
end

function private.get_global(name)
  return rawget(globals, name)
end

local function table_placeholder(name, module, holder)
  local mt = {}
  mt.__index = function(t, key)
    install(module)
    if installing[module] then return nil end
    return t[key]
  end
  mt.__newindex = function(t, key, value)
    install(module)
    if installing[module] or raw_getmetatable(t) == mt then
      rawset(t, key, value)
    else
      t[key] = value
    end
  end
  mt.__pairs = function(t)
    install(module)
    return next, t, nil
  end
  return raw_setmetatable(holder, mt)
end

local function function_placeholder(name, module)
  return function(...)
    install(module)
    local fn = installed_fn[name]
    if fn == nil then error(name .. ": its module installed no function", 2) end
    return fn(...)
  end
end

function private.lazy_globals(entries, installer)
  install_module = installer
  for i = 1, #entries do
    local entry = entries[i]
    local name, module, kind, replaces = entry[1], entry[2], entry[3], entry[4]
    local stock = rawget(globals, name)
    local holder
    if kind == "function" then
      holder = function_placeholder(name, module)
    elseif type(stock) == "table" and raw_getmetatable(stock) == nil then
      kind = "extend"
      -- Stock functions the module redefines leave the table until it installs (so their
      -- first use installs it); the module still reaches them as stock "name.key".
      for _, key in ipairs(replaces or {}) do
        private.stock[name .. "." .. key] = rawget(stock, key)
        rawset(stock, key, nil)
      end
      holder = table_placeholder(name, module, stock)
    else
      holder = table_placeholder(name, module, {})
    end
    lazy[name], kinds[name], placeholders[name] = module, kind, holder
    if kind ~= "function" then placeholder_of[holder] = name end
    rawset(globals, name, holder)
  end
end

-- A placeholder must not show its own metatable, lose it to setmetatable, or iterate empty
-- (LuaJIT's pairs has no __pairs): these install the module first. Cheap once all are in.
local stock_pairs = pairs
local function settle(t)
  local name = placeholder_of[t]
  if name ~= nil and lazy[name] ~= nil then install(lazy[name]) end
end
-- _G's own metatable stays the host's. lupa reads the global `debug` on every call from
-- Python into Lua, outside any protected call: had a script's strict-mode __index been asked
-- for it and raised, that error would have unwound through Python (a PANIC, or a corrupted
-- interpreter). So a script's metatable for _G is kept aside and consulted by the host's
-- one, which answers `debug` itself; getmetatable/setmetatable on _G show and set the
-- script's as if it were _G's own. Handlers are tail-called: error levels are the script's.
local script_mt = nil
local host_mt = {}
host_mt.__index = function(t, key)
  if key == "debug" then return nil end
  local mt = script_mt
  local handler = mt and rawget(mt, "__index")
  if handler == nil then return nil end
  if type(handler) == "function" then return handler(t, key) end
  return handler[key]
end
host_mt.__newindex = function(t, key, value)
  local mt = script_mt
  local handler = mt and rawget(mt, "__newindex")
  if handler == nil then return rawset(t, key, value) end
  if type(handler) == "function" then return handler(t, key, value) end
  handler[key] = value
end
raw_setmetatable(globals, host_mt)

local function set_globals_metatable(mt)
  if mt ~= nil and type(mt) ~= "table" then
    error("bad argument #2 to 'setmetatable' (nil or table expected)", 3)
  end
  if script_mt ~= nil and rawget(script_mt, "__metatable") ~= nil then
    error("cannot change a protected metatable", 3)
  end
  -- Other metamethods (__call, __tostring, ...) as the script set them, at this moment.
  for key in next, host_mt do
    if key ~= "__index" and key ~= "__newindex" then host_mt[key] = nil end
  end
  if mt ~= nil then
    for key, value in next, mt do
      if key ~= "__index" and key ~= "__newindex" and key ~= "__metatable" then
        host_mt[key] = value
      end
    end
  end
  script_mt = mt
  return globals
end

getmetatable = function(...)
  local t = ...
  if rawequal(t, globals) then
    local mt = script_mt
    if mt ~= nil and rawget(mt, "__metatable") ~= nil then return rawget(mt, "__metatable") end
    return mt
  end
  settle(t)
  return raw_getmetatable(...)
end
setmetatable = function(...)
  local t, mt = ...
  if rawequal(t, globals) then return set_globals_metatable(mt) end
  settle(t)
  return raw_setmetatable(...)
end
if not package.searchers then
  globals.pairs = function(...)
    settle((...))
    return stock_pairs(...)
  end
end

function private.forget(name)
  lazy[name], placeholders[name], adopted[name], installed_fn[name] = nil, nil, nil, nil
end

function private.install_all(order)
  for _, module in ipairs(order) do install(module) end
end

-- Globals of the original assay that assay-py does not provide: a clear error on any use,
-- instead of "attempt to index a nil value" lines later.
function private.unavailable(names)
  for i = 1, #names do
    local name = names[i]
    local function refuse(what)
      error(what .. ": '" .. name .. "' is a global of the original assay that assay-py "
        .. "does not provide", 3)
    end
    rawset(globals, name, raw_setmetatable({}, {
      __index = function(_, key) refuse(name .. "." .. tostring(key)) end,
      __newindex = function(_, key) refuse(name .. "." .. tostring(key)) end,
      __call = function() refuse(name) end,
    }))
  end
end

-- ASSAY_BLOCK_GLOBALS: comma-separated names, dotted paths allowed ("os.execute,dofile").
function private.block(names)
  for name in gmatch(names, "[^,%s]+") do
    local holder, key = globals, nil
    for part in gmatch(name, "[^.]+") do
      if key ~= nil then
        if type(holder) ~= "table" then holder = nil
        elseif holder == globals then holder = rawget(globals, key)
        else holder = holder[key] end
      end
      key = part
    end
    if type(holder) == "table" and key ~= nil then
      if holder == globals then
        rawset(globals, key, nil)
        private.forget(key)
      else
        holder[key] = nil
      end
    end
  end
end

-- Host chunks (the JSON codec, ...) compiled after a script started must not see what it
-- did to the stock globals (removed them, made absent ones raise): they run in a copy of
-- the globals as they stand once this prelude is done (filled in at the end of this chunk),
-- which reads any other name raw from the globals.
local host_env = {}
function private.run_host(source, chunkname, ...)
  local chunk, err = raw_load(source, chunkname, "t", host_env)
  if not chunk then error(err, 0) end
  return chunk(...)
end

-- The JSON codec, compiled once on first use; kept here, not in Python (see LuaVM).
local json_codec = nil
function private.json_codec() if json_codec then return json_codec[1], json_codec[2] end end
function private.set_json_codec(global, raw) json_codec = { global, raw } end

local function on_error(e)
  if type(e) ~= "string" then
    local ok, text = pcall(tostring, e)
    e = ok and text or "(error object is a " .. type(e) .. " value)"
  end
  return { e, traceback("", 2) }
end

local function pack_results(ok, ...)
  if ok then return true, { n = select("#", ...), ... } end
  local failure = ...
  return false, failure[1], failure[2]
end

-- Compile and run a chunk; returns true, {n=..., results...} or false, message, traceback
-- (traceback nil for a syntax error).
function private.run(source, chunkname, ...)
  local chunk, err = load_text(source, chunkname)
  if not chunk then return false, err, nil end
  return pack_results(xpcall(chunk, on_error, ...))
end

for key, value in next, globals do host_env[key] = value end
host_env._G = host_env
-- The assay globals (set after this chunk) and later ones: read raw, never through a
-- script's metatable.
raw_setmetatable(host_env, { __index = function(_, key) return rawget(globals, key) end })

return private
"""
