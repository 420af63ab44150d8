---@meta assay.rauthy
-- LuaLS type stubs for require("assay.rauthy"). Point your editor's `Lua.workspace.library`
-- at the `lua/library` folder of assay-py to get completion for clients and results.

---@class rauthy.ClientOptions
---@field timeout? number          seconds, both connect and read
---@field connect_timeout? number  seconds (default 5)
---@field read_timeout? number     seconds (default 30)
---@field verify? boolean          verify TLS certificates (default true)
---@field ca_bundle? string        path to a PEM CA bundle
---@field retries? integer         attempts for retryable requests (default 4)

---@class rauthy.ClientPayload
---@field id string
---@field name? string
---@field confidential? boolean
---@field enabled? boolean
---@field redirect_uris? string[]
---@field post_logout_redirect_uris? string[]
---@field allowed_origins? string[]
---@field flows_enabled? string[]
---@field access_token_alg? "RS256"|"RS384"|"RS512"|"EdDSA"
---@field id_token_alg? "RS256"|"RS384"|"RS512"|"EdDSA"
---@field auth_code_lifetime? integer     10..300
---@field access_token_lifetime? integer  10..86400
---@field scopes? string[]
---@field default_scopes? string[]
---@field challenges? ("plain"|"S256")[]  nil or {} disables PKCE
---@field force_mfa? boolean
---@field client_uri? string
---@field contacts? string[]
---@field backchannel_logout_uri? string
---@field restrict_group_prefix? string

---@class rauthy.ReconcileResult
---@field action "create"|"rebuild"|"put"|"noop"
---@field secret? string       the secret Rauthy minted (confidential create/rebuild only)
---@field drift_on? string     the first drifting field
---@field drift? string[]      every drifting field, in Rauthy's field order
---@field reason? string       "challenges-drift" for a rebuild
---@field warnings? string[]
---@field planned? boolean     true for a dry run

---@class rauthy.ReconcileOptions
---@field dry_run? boolean     decide without changing anything

---@class rauthy.Sys
local Sys = {}
---@return boolean
function Sys:health() end
---@param timeout_secs? number default 120
---@return boolean
function Sys:wait_healthy(timeout_secs) end

---@class rauthy.Discovery
local Discovery = {}
---@return table
function Discovery:config() end
---@return {keys: table[]}
function Discovery:jwks() end

---@class rauthy.Clients
local Clients = {}
---@return table[]
function Clients:list() end
---@param id string
---@return table|nil
function Clients:get(id) end
---@param payload rauthy.ClientPayload
---@return table
function Clients:create(payload) end
---@param id string
---@param payload rauthy.ClientPayload
---@return table
function Clients:put(id, payload) end
---@param id string
function Clients:delete(id) end
---@param payload rauthy.ClientPayload
---@return table
function Clients:rebuild(payload) end
---@param id string
---@return string
function Clients:get_secret(id) end
---@param id string
---@param opts? {cache_current_hours?: integer}
---@return string
function Clients:rotate_secret(id, opts) end
---@param payload rauthy.ClientPayload
---@param opts? rauthy.ReconcileOptions
---@return rauthy.ReconcileResult
function Clients:reconcile(payload, opts) end
---@param entries table[]
---@param opts? {prune?: boolean}
---@return table
function Clients:plan(entries, opts) end
---@param entries table[]
---@param opts? {parallel?: integer, prune?: boolean, secrets_dir?: string}
---@return table
function Clients:apply(entries, opts) end

---@class rauthy.ScopeEntry
---@field name string                   ^[a-zA-Z0-9-_/:*.]{2,64}$, no ','
---@field attr_include_access? string[]  custom user attributes in the access token
---@field attr_include_id? string[]      custom user attributes in the id token
---@field claims_at_root? boolean        Rauthy 0.36 and later
---@field renamed_from? string           the old name: create new, re-point, delete old
---@field rename? "replace"|"in_place"

---@class rauthy.AttributeEntry
---@field name string                    ^[a-zA-Z0-9-_/]{2,32}$
---@field desc? string
---@field default_value? any
---@field typ? "Email"
---@field user_editable? boolean
---@field renamed_from? string
---@field rename? "replace"|"in_place"

---@class rauthy.MemberEntry
---@field name string                    a role or group name, no ','
---@field meta? any                      JSON; PUT replaces it
---@field renamed_from? string
---@field rename? "replace"|"in_place"

---@class rauthy.KindResult
---@field action "create"|"put"|"noop"
---@field drift_on? string
---@field drift? string[]
---@field reason? string
---@field warnings? string[]
---@field planned? boolean

---@class rauthy.Kind
local Kind = {}
---@return table[]
function Kind:list() end
---@param name string
---@return table|nil   nil when absent (one list request)
function Kind:get(name) end
---@param entry rauthy.ScopeEntry|rauthy.AttributeEntry|rauthy.MemberEntry
---@return table
function Kind:create(entry) end
---@param name string  the current name; entry.name may differ (an in-place rename)
---@param entry rauthy.ScopeEntry|rauthy.AttributeEntry|rauthy.MemberEntry
---@return table
function Kind:update(name, entry) end
---@param name string  built-ins are refused before anything is sent
---@return boolean     false when there was none
function Kind:delete(name) end
---@param entry rauthy.ScopeEntry|rauthy.AttributeEntry|rauthy.MemberEntry
---@param opts? rauthy.ReconcileOptions
---@return rauthy.KindResult
function Kind:reconcile(entry, opts) end

---@class rauthy.UserEntry
---@field email string                   the key; lower-cased before comparing
---@field given_name? string             fields left out are not managed
---@field family_name? string
---@field language? "de"|"en"|"fr"|"ko"|"nb"|"ru"|"uk"|"zhhans"
---@field enabled? boolean
---@field email_verified? boolean
---@field roles? string[]                a set; each must exist
---@field groups? string[]
---@field user_expires? integer|nil      unix time; nil clears it
---@field preferred_username? string
---@field attributes? table<string, any>  per-user attribute values; "" removes one
---@field initial_password? {env: string}|{file: string}  sent once at creation, never shown

---@class rauthy.Users
local Users = {}
---@return table[]   GET /users rows (every page; no roles or groups)
function Users:list() end
---@param email string
---@return table|nil  the full user, nil when absent
function Users:get(email) end
---@param entry rauthy.UserEntry
---@return table      Rauthy e-mails the new user a set-your-password link
function Users:create(entry) end
---@param email string
---@param entry table  the fields to PATCH
---@return table
function Users:update(email, entry) end
---@param email string  the last rauthy_admin is refused
---@return boolean      false when there was none
function Users:delete(email) end
---@param entry rauthy.UserEntry
---@param opts? rauthy.ReconcileOptions
---@return rauthy.KindResult
function Users:reconcile(entry, opts) end

---@class rauthy.ProviderEntry
---@field name string                    the key (Rauthy does not keep names unique)
---@field typ "custom"|"github"|"google"|"oidc"  github/google fill Rauthy's UI defaults
---@field client_id string
---@field client_secret? {env: string}|{file: string}  compared by digest, never shown; every PUT sends it
---@field enabled? boolean               default true
---@field issuer? string                 required for oidc/custom
---@field authorization_endpoint? string
---@field token_endpoint? string
---@field userinfo_endpoint? string
---@field jwks_endpoint? string
---@field scope? string[]|string         a set of scope names
---@field use_pkce? boolean
---@field client_secret_basic? boolean
---@field client_secret_post? boolean
---@field auto_onboarding? boolean
---@field auto_link? boolean
---@field admin_claim_path? string
---@field admin_claim_value? string
---@field mfa_claim_path? string
---@field mfa_claim_value? string
---@field renamed_from? string           renames in place (users link by id)

---@class rauthy.Providers               Rauthy 0.36+ (0.35.2 refuses API keys here)
local Providers = {}
---@return table[]   rows without client_secret; client_secret_set says whether one is set
function Providers:list() end
---@param name string
---@return table|nil
function Providers:get(name) end
---@param entry rauthy.ProviderEntry
---@return table
function Providers:create(entry) end
---@param name string  the current name; entry.name may differ (an in-place rename)
---@param entry rauthy.ProviderEntry  a full replacement
---@return table
function Providers:update(name, entry) end
---@param name string  refused while users are linked to it
---@return boolean     false when there was none
function Providers:delete(name) end
---@param entry rauthy.ProviderEntry
---@param opts? rauthy.ReconcileOptions
---@return rauthy.KindResult
function Providers:reconcile(entry, opts) end
---@param name string
---@return string[]  e-mails of the users linked to it
function Providers:linked_users(name) end
---@param opts {issuer?: string, metadata_url?: string}
---@return table  what Rauthy discovers there (endpoints, scope, PKCE, auth methods)
function Providers:lookup(opts) end

---@class rauthy.ApiKeyEntry
---@field name string                    ^[a-zA-Z0-9_/-]{2,24}$, the key
---@field access table<string, string[]>|{group: string, access_rights: string[]}[]  e.g. {Clients = {"read"}}
---@field expires_in? string             "90d", "12h", "2w": resolved only when minted; left out: never
---@field renew_before? string           renew (new expiry and secret) when it expires within this

---@class rauthy.ApiKeys                 Rauthy 0.36 (0.35.2: admin session only)
local ApiKeys = {}
---@return table[]  {name, created, expires, access} per key, never a secret
function ApiKeys:list() end
---@param name string
---@return table|nil
function ApiKeys:get(name) end
---@param entry rauthy.ApiKeyEntry
---@return string   the token "name$secret", shown once
function ApiKeys:create(entry) end
---@param name string
---@param entry rauthy.ApiKeyEntry
---@return rauthy.KindResult  with token when one was minted (renewal)
function ApiKeys:update(name, entry) end
---@param name string  the key in use is refused
---@return boolean     false when there was none
function ApiKeys:delete(name) end
---@param name string  the key in use is refused
---@return string      the new token; the old secret fails at once
function ApiKeys:rotate(name) end
---@return table       the key in use: {name, created, expires, access}
function ApiKeys:test() end
---@param entry rauthy.ApiKeyEntry
---@param opts? rauthy.ReconcileOptions
---@return rauthy.KindResult  with token when one was minted
function ApiKeys:reconcile(entry, opts) end

---@class rauthy.PasswordPolicyEntry
---@field length_min integer             8-128
---@field length_max integer             8-128, >= length_min
---@field include_lower_case? integer    1-32; left out: rule off
---@field include_upper_case? integer
---@field include_digits? integer
---@field include_special? integer
---@field valid_days? integer            1-3650
---@field not_recently_used? integer     1-10

---@class rauthy.PasswordPolicy          writable, not readable, with an API key
local PasswordPolicy = {}
---@param policy rauthy.PasswordPolicyEntry  a full replacement
---@return table  the policy Rauthy now holds
function PasswordPolicy:put(policy) end
---@param policy rauthy.PasswordPolicyEntry
---@param opts? rauthy.ReconcileOptions
---@return {action: "assert", reason: string, planned?: boolean}
function PasswordPolicy:reconcile(policy, opts) end

---@class rauthy.ThemeColours          HSL colours are {hue 0-360, saturation 0-100, lightness 0-100}
---@field text? integer[]
---@field text_high? integer[]
---@field bg? integer[]
---@field bg_high? integer[]
---@field action? integer[]
---@field accent? integer[]
---@field error? integer[]
---@field btn_text? string               CSS value, lower case
---@field theme_sun? string
---@field theme_moon? string

---@class rauthy.ThemeEntry            fields left out take Rauthy's defaults
---@field light? rauthy.ThemeColours
---@field dark? rauthy.ThemeColours
---@field border_radius? string

---@class rauthy.BrandingEntry
---@field client_id string               the key
---@field logo? string|false             an SVG, PNG or JPEG file (rasters >= 84 px high); false: no own logo; left out: not managed
---@field theme? rauthy.ThemeEntry|false false: Rauthy's default theme; left out: not managed

---@class rauthy.Branding
local Branding = {}
---@return table[]   {client_id, logo?, theme?} of every client with branding of its own
function Branding:list() end
---@param client_id string
---@return table|nil  {client_id, exists, logo: {sha256, content_type, size}|nil, theme: table|nil}; nil: no such client
function Branding:get(client_id) end
---@param entry rauthy.BrandingEntry
---@return table
function Branding:create(entry) end
---@param client_id string
---@param entry rauthy.BrandingEntry
---@return table
function Branding:update(client_id, entry) end
---@param client_id string
---@return boolean   false when the client had no branding of its own
function Branding:delete(client_id) end
---@param entry rauthy.BrandingEntry
---@param opts? rauthy.ReconcileOptions
---@return rauthy.KindResult
function Branding:reconcile(entry, opts) end

---@class rauthy.BlacklistEntry
---@field ip string                      IPv4 or IPv6; this machine's own addresses are refused
---@field expires string|integer           ISO 8601 with a zone, or unix seconds

---@class rauthy.Blacklist              ensure-only: never pruned
local Blacklist = {}
---@return {ip: string, exp: integer}[]
function Blacklist:list() end
---@param ip string
---@return {ip: string, exp: integer}|nil
function Blacklist:get(ip) end
---@param entry rauthy.BlacklistEntry
---@return {ip: string, exp: integer}
function Blacklist:create(entry) end
---@param ip string
---@param entry rauthy.BlacklistEntry
---@return {ip: string, exp: integer}
function Blacklist:update(ip, entry) end
---@param ip string
---@return boolean
function Blacklist:delete(ip) end
---@param entry rauthy.BlacklistEntry
---@param opts? rauthy.ReconcileOptions
---@return rauthy.KindResult
function Blacklist:reconcile(entry, opts) end

---@class rauthy.InstanceDoc
---@field version? 1
---@field prune? table<string, boolean|string>  per kind (users: false|"managed"|"all"); built-ins are never deleted
---@field user_attributes? rauthy.AttributeEntry[]
---@field scopes? rauthy.ScopeEntry[]
---@field roles? rauthy.MemberEntry[]
---@field groups? rauthy.MemberEntry[]
---@field clients? table[]               the clients file's entries (payloads or presets)
---@field password_policy? rauthy.PasswordPolicyEntry
---@field users? rauthy.UserEntry[]
---@field api_keys? rauthy.ApiKeyEntry[]  Rauthy 0.36; minted tokens go to the publication

---@class rauthy.InstancePlan
---@field changes boolean
---@field reads integer
---@field missing_rights string[]        rights the API key lacks; apply would refuse
---@field kinds table<string, {prune: boolean, summary: table<string, integer>, items: table[]}>

---@class rauthy.InstanceApplyResult
---@field ok boolean
---@field kinds table<string, {ok: boolean, results: table[]}>
---@field repaired table[]               references re-pointed or re-asserted
---@field skipped string[]
---@field secrets table<string, string>  client id (api-key@<name> for an API key) -> minted secret or token

---@class rauthy.Client
---@field base_url string
---@field sys rauthy.Sys
---@field discovery rauthy.Discovery
---@field clients rauthy.Clients
---@field scopes rauthy.Kind
---@field attributes rauthy.Kind         custom user-attribute definitions
---@field roles rauthy.Kind
---@field groups rauthy.Kind
---@field users rauthy.Users             keyed by e-mail
---@field providers rauthy.Providers     upstream auth providers, Rauthy 0.36+
---@field api_keys rauthy.ApiKeys        keyed by name (Rauthy 0.36)
---@field password_policy rauthy.PasswordPolicy
---@field branding rauthy.Branding       keyed by client id
---@field blacklist rauthy.Blacklist     keyed by IP
local Client = {}
---@param doc rauthy.InstanceDoc|table[]
---@param opts? {prune?: boolean}
---@return rauthy.InstancePlan
function Client:plan(doc, opts) end
---@param doc rauthy.InstanceDoc|table[]
---@param opts? {parallel?: integer, prune?: boolean, secrets_dir?: string, publish_existing?: boolean}
---@return rauthy.InstanceApplyResult
function Client:apply(doc, opts) end

---@class rauthy.PresetOptions
---@field host string
---@field id? string
---@field name? string

---@class assay.rauthy
---@field client_presets table<string, fun(opts: rauthy.PresetOptions): rauthy.ClientPayload>
local M = {}
---@param url string
---@param api_key string "<name>$<secret>"
---@param opts? rauthy.ClientOptions
---@return rauthy.Client
function M.client(url, api_key, opts) end
---@return string[]
function M.preset_names() end

return M
