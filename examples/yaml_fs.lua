-- yaml and fs: read a config file, change it, write it back.
--
--   assay-py examples/yaml_fs.lua

local dir = os.tmpname()          -- a fresh unique name (LuaJIT also creates it as a file)
if fs.exists(dir) then fs.remove(dir) end
fs.mkdir(dir)

-- fs.write creates parent directories.
local path = dir .. "/conf/app.yaml"
fs.write(path, [[
name: demo
replicas: 2
country: NO        # YAML 1.2: a string, not the boolean false
mode: 0755         # YAML 1.2: the decimal number 755
tags: [web, api]
]])
assert.eq(fs.exists(path), true)

local conf = yaml.parse(fs.read(path))
assert.eq(conf.name, "demo")
assert.eq(conf.country, "NO")
assert.eq(conf.mode, 755)
assert.eq(conf.tags[2], "api")

-- yaml.encode sorts keys and quotes strings a reader could take for something else.
conf.replicas = conf.replicas + 1
fs.write(path, yaml.encode(conf))
assert.eq(yaml.parse(fs.read(path)).replicas, 3)
assert.contains(fs.read(path), "country: 'NO'")

-- Several documents in one stream; empty ones are skipped.
local docs = yaml.parse_all("kind: A\n---\n---\nkind: B\n")
assert.eq(#docs, 2)
assert.eq(docs[2].kind, "B")

-- Listing (sorted, with types), stat, and recursive removal.
fs.write(dir .. "/notes.txt", "hello")
local listing = fs.list(dir)
assert.eq(listing[1].name, "conf")
assert.eq(listing[1].type, "directory")
assert.eq(listing[2].name, "notes.txt")
assert.eq(fs.stat(dir .. "/notes.txt").size, 5)

local ok, err = pcall(fs.read, dir .. "/missing.txt")
assert.eq(ok, false)
assert.contains(err, 'fs.read: failed to read "' .. dir .. '/missing.txt"')

fs.remove(dir)
assert.eq(fs.exists(dir), false)
log.info("yaml_fs: all checks passed")
