"""JSON for Lua values, written in Lua.

Lua is the right side for this: walking a table from Python costs a boundary crossing per
item, and Python's own json module cannot produce Lua strings (the VM keeps strings as bytes).
LuaJIT walks tables and scans text fast enough to stay close to Python's C json module.

Semantics (assay's json, spec §3.2): ``null`` -> nil; objects -> tables with string keys;
whole numbers encoded as integers; keys sorted bytewise; ``{}`` encodes as ``{}`` unless
marked with ``json.array``; strings must be UTF-8.
"""

CHUNKNAME = "=[assay json]"

LUA_JSON = rb"""
local type, pairs, next, error, pcall, tostring, tonumber, getmetatable, setmetatable, select =
      type, pairs, next, error, pcall, tostring, tonumber, getmetatable, setmetatable, select
local byte, char, find, fmt, gsub, sub, match, rep = string.byte, string.char, string.find,
      string.format, string.gsub, string.sub, string.match, string.rep
local concat, sort = table.concat, table.sort
local floor, huge, mtype = math.floor, math.huge, math.type

-- The original's parser (serde_json) refuses a 128th level of nesting; its encoder has no
-- limit of its own (deep enough, it overflows the stack): ours is far past any real document.
local PARSE_DEPTH = 127
local ENCODE_DEPTH = 1000
local INT_LIMIT = 2 ^ 63

-- ---------------------------------------------------------------------------------- utf-8
-- Scanning is done with byte loops, which LuaJIT compiles to machine code; Lua patterns with
-- character classes cost ~20 ns a byte and would dominate on large documents.

-- The index after the well-formed UTF-8 sequence whose lead byte c (>= 128) is at i, or nil
-- (overlongs, surrogates and code points above U+10FFFF are not well-formed).
local function utf8_next(s, i, c)
  local len, low, high = 2, 128, 191
  if c >= 194 and c <= 223 then len = 2
  elseif c >= 224 and c <= 239 then len = 3
  elseif c >= 240 and c <= 244 then len = 4
  else return nil end
  if c == 224 then low = 160 elseif c == 237 then high = 159
  elseif c == 240 then low = 144 elseif c == 244 then high = 143 end
  local c2 = byte(s, i + 1)
  if not c2 or c2 < low or c2 > high then return nil end
  for k = i + 2, i + len - 1 do
    local ck = byte(s, k)
    if not ck or ck < 128 or ck > 191 then return nil end
  end
  return i + len
end

local function valid_utf8(s)
  local i, n = 1, #s
  while i <= n do
    local c = byte(s, i)
    if c < 128 then
      i = i + 1
    else
      i = utf8_next(s, i, c)
      if not i then return false end
    end
  end
  return true
end

-- Rust's words for the first UTF-8 fault of s (a 0-based index, and the length of the bad
-- sequence, or "incomplete" when the text ends inside one).
local function utf8_fault(s)
  local i, n = 1, #s
  while i <= n do
    local c = byte(s, i)
    if c < 128 then
      i = i + 1
    else
      local after = utf8_next(s, i, c)
      if not after then
        local len, low, high = 0, 128, 191
        if c >= 194 and c <= 223 then len = 2
        elseif c >= 224 and c <= 239 then len = 3
        elseif c >= 240 and c <= 244 then len = 4 end
        if c == 224 then low = 160 elseif c == 237 then high = 159
        elseif c == 240 then low = 144 elseif c == 244 then high = 143 end
        local bad = 1
        if len > 0 then
          for k = 1, len - 1 do
            local ck = byte(s, i + k)
            if ck == nil then
              return fmt("incomplete utf-8 byte sequence from index %d", i - 1)
            end
            local lo, hi = 128, 191
            if k == 1 then lo, hi = low, high end
            if ck < lo or ck > hi then break end
            bad = k + 1
          end
        end
        return fmt("invalid utf-8 sequence of %d bytes from index %d", bad, i - 1)
      end
      i = after
    end
  end
  return nil
end

-- The original reads every Lua string as Rust text: non-UTF-8 is refused in its words.
local function text_of(s)
  if not valid_utf8(s) then
    error("error converting Lua string to &str (" .. utf8_fault(s) .. ")", 0)
  end
  return s
end

-- --------------------------------------------------------------------------------- encode
local escapes = {}
for code = 0, 31 do escapes[char(code)] = fmt("\\u%04x", code) end
escapes["\b"], escapes["\f"], escapes["\n"], escapes["\r"], escapes["\t"] =
  "\\b", "\\f", "\\n", "\\r", "\\t"
escapes['"'], escapes["\\"] = '\\"', "\\\\"

local function quote(s)
  for k = 1, #s do
    local c = byte(s, k)
    if c < 32 or c == 34 or c == 92 or c >= 128 then
      text_of(s)
      return '"' .. gsub(s, '[%z\1-\31"\\]', escapes) .. '"'
    end
  end
  return '"' .. s .. '"'
end

-- The shortest digits that read back as x: sign, digits (no leading or trailing zeros; ""
-- for zero) and kk, the number of digits before the decimal point (x = 0.digits * 10^kk).
local function shortest(x)
  local s = fmt("%.15g", x)
  if tonumber(s) ~= x then
    s = fmt("%.16g", x)
    if tonumber(s) ~= x then s = fmt("%.17g", x) end
  end
  local sign, whole, frac, exp = match(s, "^(%-?)(%d+)%.?(%d*)e?([-+]?%d*)$")
  local digits = gsub(whole .. frac, "^0+", "")
  local e10 = (tonumber(exp) or 0) - #frac   -- x = digits * 10^e10
  if digits == "" then return sign, "", 0 end
  local trimmed = gsub(digits, "0+$", "")
  e10 = e10 + (#digits - #trimmed)
  return sign, trimmed, #trimmed + e10
end

-- A float as Rust's Display writes it (the original's float table keys): never an exponent,
-- no ".0" on whole values: 1.5, 0.0000001, 100000000000000000000, inf.
local function rust_float_text(x)
  if x == huge then return "inf" elseif x == -huge then return "-inf" end
  local sign, digits, kk = shortest(x)
  if digits == "" then return sign .. "0" end
  local n = #digits
  if kk >= n then return sign .. digits .. rep("0", kk - n) end
  if kk > 0 then return sign .. sub(digits, 1, kk) .. "." .. sub(digits, kk + 1) end
  return sign .. "0." .. rep("0", -kk) .. digits
end

-- A float as serde_json writes it (ryu's shortest form): 5.0, 0.1, 1e20, 1.5e-7, 0.00001.
local function float_text(x)
  local sign, digits, kk = shortest(x)
  if digits == "" then return sign .. "0.0" end
  local n = #digits
  local e10 = kk - n
  if e10 >= 0 and kk <= 16 then return sign .. digits .. rep("0", e10) .. ".0" end
  if kk > 0 and kk <= 16 then return sign .. sub(digits, 1, kk) .. "." .. sub(digits, kk + 1) end
  if kk > -5 and kk <= 0 then return sign .. "0." .. rep("0", -kk) .. digits end
  if n == 1 then return sign .. digits .. "e" .. (kk - 1) end
  return sign .. sub(digits, 1, 1) .. "." .. sub(digits, 2) .. "e" .. (kk - 1)
end

local function number_text(x)
  -- Rust's Display of the value: NaN, inf, -inf.
  if x ~= x then error("cannot encode NaN as JSON number", 0) end
  if x == huge then error("cannot encode inf as JSON number", 0) end
  if x == -huge then error("cannot encode -inf as JSON number", 0) end
  if mtype then
    -- Lua 5.5: the subtype decides, as it does on the original (5 -> 5, 5.0 -> 5.0).
    if mtype(x) == "integer" then return fmt("%d", x) end
    return float_text(x)
  end
  -- LuaJIT has only doubles: a whole value is what Lua 5.5 would hold as an integer.
  if x == floor(x) and x >= -INT_LIMIT and x < INT_LIMIT then return fmt("%d", x) end
  return float_text(x)
end

local function key_text(k)
  local kind = type(k)
  if kind == "string" then return text_of(k) end
  if kind == "number" then
    if mtype then
      if mtype(k) == "integer" then return fmt("%d", k) end
      return rust_float_text(k)
    end
    if k == floor(k) and k >= -INT_LIMIT and k < INT_LIMIT then return fmt("%d", k) end
    return rust_float_text(k)
  end
  error("unsupported table key type: " .. kind, 0)
end

local buf, nbuf, seen

local function emit(piece)
  nbuf = nbuf + 1
  buf[nbuf] = piece
end

local encode_value

local function encode_array(t, length, depth)
  emit("[")
  for i = 1, length do
    if i > 1 then emit(",") end
    encode_value(t[i], depth)
  end
  emit("]")
end

-- Quoted keys with their colon, "k": and ,"k": , cached for one encode call (keys repeat).
local first_keys, next_keys

local function encode_object(t, depth)
  local keys, count, numeric = {}, 0, nil
  for k in pairs(t) do
    count = count + 1
    if type(k) == "string" then
      keys[count] = k
    else
      local text = key_text(k)
      numeric = numeric or {}
      numeric[text] = k
      keys[count] = text
    end
  end
  sort(keys)
  emit("{")
  for i = 1, count do
    local text = keys[i]
    local cache = i == 1 and first_keys or next_keys
    local piece = cache[text]
    if not piece then
      piece = (i == 1 and "" or ",") .. quote(text) .. ":"
      cache[text] = piece
    end
    emit(piece)
    local key = numeric and numeric[text]
    if key == nil then key = text end
    encode_value(t[key], depth)
  end
  emit("}")
end

-- Number of items when t is a proper sequence (keys exactly 1..n, n >= 1), else nil.
local function sequence_length(t)
  local count, max = 0, 0
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k ~= floor(k) then return nil end
    count = count + 1
    if k > max then max = k end
  end
  if count > 0 and max == count then return count end
  return nil
end

local function encode_table(t, depth)
  if depth >= ENCODE_DEPTH then
    error("value nested deeper than " .. ENCODE_DEPTH .. " levels", 0)
  end
  if seen[t] then error("cannot encode a cyclic table", 0) end
  seen[t] = true
  local mt = getmetatable(t)
  local forced = type(mt) == "table" and mt.__jsontype or nil
  if forced == "array" then
    -- As the original counts: every key up to and including the first that is not a
    -- positive whole number (in pairs order).
    local count = 0
    for k in pairs(t) do
      count = count + 1
      if type(k) ~= "number" or k < 1 or k ~= floor(k) then break end
    end
    encode_array(t, count, depth + 1)
  elseif forced == "object" then
    encode_object(t, depth + 1)
  else
    local length = sequence_length(t)
    if length then encode_array(t, length, depth + 1) else encode_object(t, depth + 1) end
  end
  seen[t] = nil
end

encode_value = function(v, depth)
  local kind = type(v)
  if kind == "string" then emit(quote(v))
  elseif kind == "number" then emit(number_text(v))
  elseif kind == "table" then encode_table(v, depth)
  elseif kind == "boolean" then emit(v and "true" or "false")
  elseif v == nil then emit("null")
  else error("unsupported Lua type for JSON: " .. kind, 0) end
end

-- Compact JSON text for v; raises a plain message (no position) on values JSON cannot hold.
local function encode(v)
  buf, nbuf, seen, first_keys, next_keys = {}, 0, {}, {}, {}
  local ok, err = pcall(encode_value, v, 0)
  local out = ok and concat(buf, "", 1, nbuf) or nil
  buf, seen, first_keys, next_keys = nil, nil, nil, nil
  if not ok then
    if type(err) == "string" and find(err, "stack overflow", 1, true) then
      err = "value nested too deeply"
    end
    error(err, 0)
  end
  return out
end

-- --------------------------------------------------------------------------------- decode
local text, text_len

local function fail(message, pos)
  -- Position like serde_json: 1-based line and column of the offending byte; at the end
  -- of the input, the column of the last byte.
  local line, line_start = 1, 1
  local upto = pos > text_len and text_len or pos
  local i = find(text, "\n", 1, true)
  while i and i < upto do
    line, line_start = line + 1, i + 1
    i = find(text, "\n", i + 1, true)
  end
  local column = pos > text_len and (text_len - line_start + 1) or (pos - line_start + 1)
  error(fmt("%s at line %d column %d", message, line, column), 0)
end

local function skip(i)
  local c = byte(text, i)
  while c == 32 or c == 10 or c == 13 or c == 9 do
    i = i + 1
    c = byte(text, i)
  end
  return i, c
end

local unescapes = {
  [34] = '"', [92] = "\\", [47] = "/", [98] = "\b", [102] = "\f", [110] = "\n", [114] = "\r",
  [116] = "\t",
}

local function utf8_char(code)
  if code < 0x80 then return char(code) end
  if code < 0x800 then return char(0xC0 + floor(code / 0x40), 0x80 + code % 0x40) end
  if code < 0x10000 then
    return char(0xE0 + floor(code / 0x1000), 0x80 + floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
  end
  return char(0xF0 + floor(code / 0x40000), 0x80 + floor(code / 0x1000) % 0x40,
              0x80 + floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
end

-- Four hex digits at i; serde reports a bad one at the last of the four.
local function hex4(i)
  local digits = sub(text, i, i + 3)
  if #digits < 4 then fail("EOF while parsing a string", text_len + 1) end
  local code = tonumber(digits, 16)
  if not code or not find(digits, "^%x%x%x%x$") then fail("invalid escape", i + 3) end
  return code
end

-- The escape at j (a backslash): its text and the index after it.
local function unescape(j)
  local e = byte(text, j + 1)
  if e == nil then fail("EOF while parsing a string", text_len + 1) end
  if e ~= 117 then
    local plain = unescapes[e]
    if not plain then fail("invalid escape", j + 1) end
    return plain, j + 2
  end
  local code, i = hex4(j + 2), j + 6
  if code >= 0xD800 and code <= 0xDBFF then
    for k = i, i + 1 do
      local c = byte(text, k)
      if c == nil then fail("EOF while parsing a string", text_len + 1) end
      if c ~= (k == i and 92 or 117) then fail("unexpected end of hex escape", k) end
    end
    local low = hex4(i + 2)
    if low < 0xDC00 or low > 0xDFFF then fail("lone leading surrogate in hex escape", i + 5) end
    code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
    i = i + 6
  elseif code >= 0xDC00 and code <= 0xDFFF then
    fail("lone leading surrogate in hex escape", j + 5)
  end
  return utf8_char(code), i
end

-- i is just past an opening quote; returns the string and the index after its closing quote.
local function parse_string(i)
  local j = i
  local c = byte(text, j)
  while c and c >= 32 and c < 128 and c ~= 34 and c ~= 92 do
    j = j + 1
    c = byte(text, j)
  end
  if c == 34 then return sub(text, i, j - 1), j + 1 end
  local parts, n = {}, 0
  while true do
    if c == 34 then
      n = n + 1
      parts[n] = sub(text, i, j - 1)
      return concat(parts, "", 1, n), j + 1
    elseif c == 92 then
      n = n + 1
      parts[n] = sub(text, i, j - 1)
      n = n + 1
      parts[n], i = unescape(j)
      j = i
    elseif c == nil then
      fail("EOF while parsing a string", text_len + 1)
    elseif c < 32 then
      fail("control character (\\u0000-\\u001F) found while parsing a string", j)
    elseif c >= 128 then
      local after = utf8_next(text, j, c)
      if not after then fail("invalid UTF-8 in string", j) end
      j = after
    else
      j = j + 1
    end
    c = byte(text, j)
  end
end

local function digits(j)
  local c = byte(text, j)
  while c and c >= 48 and c <= 57 do
    j = j + 1
    c = byte(text, j)
  end
  return j, c
end

local function parse_number(i)
  local j, c = i, byte(text, i)
  if c == 45 then
    j = j + 1
    c = byte(text, j)
  end
  if c == 48 then
    j = j + 1
    c = byte(text, j)
    -- Only one leading zero.
    if c and c >= 48 and c <= 57 then fail("invalid number", j) end
  elseif c and c >= 49 and c <= 57 then
    j, c = digits(j + 1)
  else
    fail(c and "invalid number" or "EOF while parsing a value", j)
  end
  if c == 46 then
    local start = j + 1
    j, c = digits(start)
    if j == start then fail(c and "invalid number" or "EOF while parsing a value", j) end
  end
  if c == 101 or c == 69 then
    j = j + 1
    c = byte(text, j)
    if c == 43 or c == 45 then j = j + 1 end
    local start = j
    j, c = digits(start)
    if j == start then fail(c and "invalid number" or "EOF while parsing a value", j) end
  end
  local literal = sub(text, i, j - 1)
  local value = tonumber(literal)
  -- serde reports it at the number's last digit.
  if value == huge or value == -huge then fail("number out of range", j - 1) end
  -- serde reads "-0" as the float -0.0 (Lua 5.5 would make it the integer 0).
  if value == 0 and byte(literal, 1) == 45 then value = -0.0 end
  return value, j
end

local parse_value

-- The text at i starts like `word` but is not it: fail where it stops matching, as serde does.
local function bad_ident(i, word)
  for k = 1, #word do
    local c = byte(text, i + k - 1)
    if c == nil then fail("EOF while parsing a value", text_len + 1) end
    if c ~= byte(word, k) then fail("expected ident", i + k - 1) end
  end
end

local function parse_array(i, depth)
  local t, n = {}, 0
  local c
  i, c = skip(i)
  if c == 93 then return t, i + 1 end
  while true do
    local v
    v, i = parse_value(i, depth)
    n = n + 1
    if v ~= nil then t[n] = v end
    i, c = skip(i)
    if c == 93 then return t, i + 1 end
    if c ~= 44 then fail(c and "expected `,` or `]`" or "EOF while parsing a list", i) end
    i, c = skip(i + 1)
    if c == 93 then fail("trailing comma", i) end
  end
end

local function parse_object(i, depth)
  local t = {}
  local c
  i, c = skip(i)
  if c == 125 then return t, i + 1 end
  while true do
    if c ~= 34 then fail(c and "key must be a string" or "EOF while parsing an object", i) end
    local key, v
    key, i = parse_string(i + 1)
    i, c = skip(i)
    if c ~= 58 then fail(c and "expected `:`" or "EOF while parsing an object", i) end
    v, i = parse_value(i + 1, depth)
    t[key] = v
    i, c = skip(i)
    if c == 125 then return t, i + 1 end
    if c ~= 44 then fail(c and "expected `,` or `}`" or "EOF while parsing an object", i) end
    i, c = skip(i + 1)
    if c == 125 then fail("trailing comma", i) end
  end
end

parse_value = function(i, depth)
  local c
  i, c = skip(i)
  if c == 34 then return parse_string(i + 1) end
  if c == 123 or c == 91 then
    if depth >= PARSE_DEPTH then fail("recursion limit exceeded", i) end
    if c == 123 then return parse_object(i + 1, depth + 1) end
    return parse_array(i + 1, depth + 1)
  end
  if c == 45 or (c and c >= 48 and c <= 57) then return parse_number(i) end
  if c == 116 and sub(text, i, i + 3) == "true" then return true, i + 4 end
  if c == 102 and sub(text, i, i + 4) == "false" then return false, i + 5 end
  if c == 110 and sub(text, i, i + 3) == "null" then return nil, i + 4 end
  if c == nil then fail("EOF while parsing a value", i) end
  if c == 116 then bad_ident(i, "true") end
  if c == 102 then bad_ident(i, "false") end
  if c == 110 then bad_ident(i, "null") end
  fail("expected value", i)
end

local function decode(s)
  text, text_len = s, #s
  local ok, value, i = pcall(parse_value, 1, 0)
  if ok then
    local c
    ok, i, c = pcall(skip, i)
    if c ~= nil then ok, value = pcall(fail, "trailing characters", i) end
  end
  text = nil
  if not ok then error(value, 0) end
  return value
end

-- ----------------------------------------------------------------------------- the global
local json = {}

function json.encode(...)
  local ok, out = pcall(encode, (...))
  -- The original's conversion errors carry no "json.encode:"; ours follow suit.
  if not ok then error(out, 2) end
  return out
end

function json.parse(s)
  local kind = type(s)
  if kind == "number" then s = tostring(s)
  elseif kind ~= "string" then
    error("bad argument #1: error converting Lua " .. kind
          .. " to String (expected string or number)", 2)
  elseif not valid_utf8(s) then
    error("bad argument #1: error converting Lua string to String (" .. utf8_fault(s) .. ")", 2)
  end
  local ok, value = pcall(decode, s)
  if not ok then error("json.parse: " .. value, 2) end
  return value
end

local function marker(kind)
  return function(t)
    if t == nil then t = {} end
    if type(t) ~= "table" then
      local got = type(t)
      if got == "number" and (mtype and mtype(t) == "integer" or not mtype and t == floor(t)) then
        got = "integer"
      end
      error("bad argument #1: error converting Lua " .. got .. " to table", 2)
    end
    local mt = getmetatable(t)
    if mt == nil then
      mt = {}
      setmetatable(t, mt)
    end
    mt.__jsontype = kind
    return t
  end
end
json.array = marker("array")
json.object = marker("object")

-- For Python callers: plain messages, no "json.*:" prefix and no position.
local raw = { encode = encode, decode = decode }

return json, raw
"""
