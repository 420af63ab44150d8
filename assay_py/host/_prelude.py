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
local type, tostring, error, select, xpcall, load, loadfile, pairs, ipairs =
      type, tostring, error, select, xpcall, load, loadfile, pairs, ipairs
local concat = table.concat
local find, sub, gsub, gmatch = string.find, string.sub, string.gsub, string.gmatch
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

-- Polyfills for idioms of Lua 5.2+ that assay scripts use.
table.unpack = table.unpack or unpack
table.pack = table.pack or function(...) return { n = select("#", ...), ... } end

function string.split(s, sep)
  local out = {}
  if sep == nil or sep == "" then
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

-- require: after preload and package.path, assay.* names are looked up as files in the
-- module folders, then among the Python-backed modules of the registry.
local loaders = package.loaders
loaders[3], loaders[4] = nil, nil

local function assay_relpath(name)
  if sub(name, 1, 6) ~= "assay." then return nil end
  return (gsub(sub(name, 7), "%.", "/"))
end

local function readable(path)
  local f = io_open(path, "rb")
  if f then f:close() return true end
  return false
end

loaders[3] = function(name)
  local rel = assay_relpath(name)
  if not rel then return "\n\tnot an assay.* module: " .. name end
  local tried = {}
  for _, dir in ipairs(hooks.module_dirs) do
    for _, suffix in ipairs({ ".lua", "/init.lua" }) do
      local path = dir .. "/" .. rel .. suffix
      if readable(path) then
        local chunk, err = loadfile(path)
        if not chunk then
          error("error loading module '" .. name .. "' from file '" .. path .. "':\n\t" .. err, 0)
        end
        return chunk
      end
      tried[#tried + 1] = "\n\tno file '" .. path .. "'"
    end
  end
  return concat(tried)
end

local builtin_loader = hooks.builtin_loader
loaders[4] = function(name)
  return builtin_loader(name) or ("\n\tno built-in module '" .. name .. "'")
end

local private = {}

-- ASSAY_BLOCK_GLOBALS: comma-separated names, dotted paths allowed ("os.execute,dofile").
function private.block(names)
  for name in gmatch(names, "[^,%s]+") do
    local holder, key = _G, nil
    for part in gmatch(name, "[^.]+") do
      if key ~= nil then holder = type(holder) == "table" and holder[key] or nil end
      key = part
    end
    if type(holder) == "table" and key ~= nil then holder[key] = nil end
    if holder == _G then private.forget(key) end
  end
end

-- Lazy globals: each builtin module (http, json, ...) is imported and installed the first
-- time a script reads one of its globals, so a script pays only for what it uses. Stock
-- values a builtin extends or replaces (os, assert) are set aside until then.
local lazy, saved, install_module = {}, {}, nil
local raw_setmetatable, raw_getmetatable = setmetatable, getmetatable
private.getmetatable = raw_getmetatable

local function install(module)
  for name, owner in pairs(lazy) do
    if owner == module then
      lazy[name] = nil
      rawset(_G, name, saved[name])
      saved[name] = nil
    end
  end
  install_module(module)
end

function private.forget(name)
  lazy[name], saved[name] = nil, nil
end

function private.install_all(order)
  for _, module in ipairs(order) do
    for _, owner in pairs(lazy) do
      if owner == module then
        install(module)
        break
      end
    end
  end
end

function private.lazy_globals(map, order, installer)
  install_module = installer
  for name, module in pairs(map) do
    lazy[name], saved[name] = module, rawget(_G, name)
    rawset(_G, name, nil)
  end
  raw_setmetatable(_G, { __index = function(t, name)
    local module = lazy[name]
    if module == nil then return nil end
    install(module)
    return rawget(t, name)
  end })
  -- A script taking over _G's metatable (e.g. a strict mode) gets every builtin first.
  setmetatable = function(t, mt)
    if t == _G then private.install_all(order) end
    return raw_setmetatable(t, mt)
  end
  getmetatable = function(t)
    if t == _G then private.install_all(order) end
    return raw_getmetatable(t)
  end
end

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
  local chunk, err = load(source, chunkname)
  if not chunk then return false, err, nil end
  return pack_results(xpcall(chunk, on_error, ...))
end

return private
"""
