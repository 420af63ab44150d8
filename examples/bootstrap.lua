-- Bootstrap the OAuth2 clients of a cluster's apps in Rauthy.
--
--   assay-py run --emulator examples/bootstrap.lua     (an embedded Rauthy, for a try-out)
--   RAUTHY_URL=http://rauthy:8080/auth/v1 BOOTSTRAP_API_KEY=... assay-py examples/bootstrap.lua
--
-- Set SECRETS_DIR to have each minted secret written to SECRETS_DIR/<client id>. A minted
-- secret exists only in this run: publish it now or rotate it later.
local rauthy = require("assay.rauthy")

local url = os.getenv("RAUTHY_URL") or "http://rauthy:8080/auth/v1"
local key = os.getenv("BOOTSTRAP_API_KEY")
if not key then
  error("set BOOTSTRAP_API_KEY to the secret of the 'ansible' API key (or use run --emulator)")
end

local c = rauthy.client(url, "ansible$" .. key)
c.sys:wait_healthy(60)

local domain = os.getenv("DOMAIN") or "example.com"
local payloads = {
  rauthy.client_presets.openbao({ host = "openbao." .. domain }),
  rauthy.client_presets.argocd({ host = "argocd." .. domain }),
  rauthy.client_presets.outline({ host = "outline." .. domain }),
  rauthy.client_presets.immich({ host = "photos." .. domain }),
  rauthy.client_presets.paperless({ host = "paperless." .. domain }),
}

local secrets_dir = os.getenv("SECRETS_DIR")
for _, payload in ipairs(payloads) do
  local r = c.clients:reconcile(payload)
  local detail = r.drift_on and (" (drift on " .. r.drift_on .. ")") or ""
  log.info(payload.id .. ": " .. r.action .. detail)
  if r.secret then
    if secrets_dir then
      fs.write(secrets_dir .. "/" .. payload.id, r.secret)
      log.info(payload.id .. ": secret written to " .. secrets_dir .. "/" .. payload.id)
    else
      log.warn(payload.id .. ": a secret was minted; set SECRETS_DIR to keep it")
    end
  end
end
