--- @module assay.rauthy
--- @description Rauthy IdP admin client: health, discovery, OAuth2 client CRUD, reconcile, presets
--- @category identity
--- @keywords rauthy, oidc, oauth, oauth2, sso, idp, identity, client, secret, preset
--- @env RAUTHY_URL, BOOTSTRAP_API_KEY
--- @quickref rauthy.client(url, api_key, opts?) -> client | Admin client; api_key is "<name>$<secret>"
--- @quickref c.clients:reconcile(payload, opts?) -> {action, secret?, drift_on?, drift?, reason?, warnings?} | Create, update or rebuild a client
--- @quickref c.scopes:reconcile({name=..., attr_include_access={...}}) -> {action, drift_on?, drift?, warnings?} | Also c.attributes, c.roles, c.groups, c.users (by email), c.providers (0.36+), c.api_keys (0.36), c.password_policy:put
--- @quickref c.branding:reconcile({client_id=..., logo="logo.svg", theme={...}}) -> {action, ...} | Logo upload and theme; c.blacklist:reconcile({ip=..., expires=...}) ensures a block
--- @quickref c:plan(doc) / c:apply(doc, opts?) -> table | A whole instance: clients, scopes, user_attributes, roles, groups
--- @quickref rauthy.client_presets.<name>({host=...}) -> payload | Ready-made client payloads
--
-- The binding only: every decision is made in Python (assay_py.rauthy). Methods work with
-- colon and dot calls alike, as scripts written for assay use both.

local native = ...

local M = {}

-- `obj:m(x)` passes obj first, `obj.m(x)` does not; accept both.
local function methods(defs)
  local obj = {}
  for name, fn in pairs(defs) do
    obj[name] = function(first, ...)
      if first == obj then return fn(...) end
      return fn(first, ...)
    end
  end
  return obj
end

--- Make an admin client. `url` is the API base, e.g. "http://rauthy:8080/auth/v1".
function M.client(url, api_key, opts)
  local h = native.client(url, api_key, opts)
  local c = { base_url = (string.gsub(url, "/+$", "")) }

  c.sys = methods({
    health = function() return native.health(h) end,
    wait_healthy = function(timeout_secs, o) return native.wait_healthy(h, timeout_secs, o) end,
  })

  c.discovery = methods({
    config = function() return native.config(h) end,
    jwks = function() return native.jwks(h) end,
  })

  c.clients = methods({
    list = function() return native.list(h) end,
    get = function(id) return native.get(h, id) end,
    create = function(payload) return native.create(h, payload) end,
    put = function(id, payload) return native.put(h, id, payload) end,
    delete = function(id) return native.delete(h, id) end,
    rebuild = function(payload) return native.rebuild(h, payload) end,
    get_secret = function(id) return native.get_secret(h, id) end,
    rotate_secret = function(id, o) return native.rotate_secret(h, id, o) end,
    reconcile = function(payload, o)
      if type(payload) ~= "table" or payload.id == nil then
        error("rauthy.clients:reconcile: payload.id required", 2)
      end
      return native.reconcile(h, payload, o)
    end,
    plan = function(entries, o) return native.plan(h, entries, o) end,
    apply = function(entries, o) return native.apply(h, entries, o) end,
  })

  -- Scopes, custom user attributes, roles and groups: everything keyed by name.
  -- Users: the same methods, keyed by e-mail; branding by client id; the blacklist by IP.
  -- API keys (Rauthy 0.36): create answers the token "name$secret" (shown once), plus
  -- rotate(name) and test().
  local areas = {
    "scopes", "attributes", "roles", "groups", "users", "branding", "blacklist", "api_keys",
  }
  for _, area in ipairs(areas) do
    local defs = {
      list = function() return native.kind(h, area, "list") end,
      get = function(name) return native.kind(h, area, "get", name) end,
      create = function(entry) return native.kind(h, area, "create", entry) end,
      update = function(name, entry) return native.kind(h, area, "update", name, entry) end,
      delete = function(name) return native.kind(h, area, "delete", name) end,
      reconcile = function(entry, o) return native.kind(h, area, "reconcile", entry, o) end,
    }
    if area == "api_keys" then
      defs.rotate = function(name) return native.kind(h, area, "rotate", name) end
      defs.test = function() return native.kind(h, area, "test") end
    end
    c[area] = methods(defs)
  end

  -- Upstream auth providers (Rauthy 0.36+), keyed by name. Their client_secret is given by
  -- reference ({env = "VAR"} or {file = "PATH"}) and never comes back: rows say
  -- client_secret_set instead.
  c.providers = methods({
    list = function() return native.kind(h, "providers", "list") end,
    get = function(name) return native.kind(h, "providers", "get", name) end,
    create = function(entry) return native.kind(h, "providers", "create", entry) end,
    update = function(name, entry) return native.kind(h, "providers", "update", name, entry) end,
    delete = function(name) return native.kind(h, "providers", "delete", name) end,
    reconcile = function(entry, o) return native.kind(h, "providers", "reconcile", entry, o) end,
    linked_users = function(name) return native.kind(h, "providers", "linked_users", name) end,
    lookup = function(o) return native.kind(h, "providers", "lookup", o) end,
  })

  -- The password policy: writable, not readable, with an API key.
  c.password_policy = methods({
    put = function(policy) return native.policy(h, "put", policy) end,
    reconcile = function(policy, o) return native.policy(h, "reconcile", policy, o) end,
  })

  -- The whole instance: c:plan(doc) / c:apply(doc, opts), dot calls too.
  function c.plan(first, ...)
    if first == c then return native.instance_plan(h, ...) end
    return native.instance_plan(h, first, ...)
  end
  function c.apply(first, ...)
    if first == c then return native.instance_apply(h, ...) end
    return native.instance_apply(h, first, ...)
  end

  return c
end

-- Presets: rauthy.client_presets.openbao({host = "openbao.example.com"}).
M.client_presets = {}
for _, name in ipairs(native.preset_names()) do
  M.client_presets[name] = function(opts) return native.preset(name, opts) end
end

--- The names of all presets, sorted.
function M.preset_names()
  return native.preset_names()
end

return M
