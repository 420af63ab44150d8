"""Every global works when first used inside a coroutine, and after that coroutine is gone.

Each case runs in its own process: a fault in the engine (a segfault, a PANIC) must fail the
test, not end pytest. The list of globals is the registry's, so a global added later is
covered without touching this file.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from assay_py.host.registry import BUILTIN_GLOBALS

# A real use of a global, as an expression whose value is true when the global works. Globals
# missing here get a generic use (iterate the table, or call the function under pcall).
USES = {
    "json": """json.encode({task = 1}) == '{"task":1}' and json.parse('[1]')[1] == 1""",
    "os": "type(os.hostname()) == 'string' and type(os.time()) == 'number'",
    "assert": "select('#', assert.eq(1, 1)) == 0 and not pcall(assert.eq, 1, 2)",
    "log": "log.debug('from a coroutine') == nil and type(log.info) == 'function'",
    "env": "env.get('PATH') == os.getenv('PATH')",
    "sleep": "sleep(0) == nil and not pcall(sleep, 'x')",
    "time": "time() > 0",
    "base64": "base64.encode('a') == 'YQ==' and base64.decode('YQ==') == 'a'",
    "crypto": "#crypto.hash('a') == 64 and #crypto.random(8) == 8",
    "yaml": "yaml.encode({a = 1}) == 'a: 1\\n' and yaml.parse('a: 2').a == 2",
    "fs": "fs.exists('.') == true and (function() local d = fs.tempdir()"
    " fs.write(d .. '/f', 'a\\nb')"
    " local n = fs.sub_in_file(d .. '/f', 'a', string.upper) local c = 0"
    " for _ in fs.lines(d .. '/f') do c = c + 1 end fs.remove(d) return n == 1 and c == 2 end)()",
    "toml": "toml.parse(toml.encode({a = {b = 1}})).a.b == 1",
    "regex": "regex.replace('a-b', '(\\\\w)-(\\\\w)', '$2$1') == 'ba'"
    " and regex.find('x1', '\\\\d').match == '1'",
    "template": "template.render_string('{{ a }}{% for i in l %}{{ i }}{% endfor %}',"
    " {a = 1, l = {2, 3}}) == '123'",
    "markdown": "markdown.to_html('# x') == '<h1>x</h1>\\n'",
    "http": "pcall(http.get, 'http://127.0.0.1:9/') == false and type(http.client) == 'function'",
}


def generic_use(name: str) -> str:
    return (
        f"(function() local g = {name} "
        "if type(g) == 'function' then pcall(g) return true end "
        "local n = 0 for _ in pairs(g) do n = n + 1 end return n > 0 end)()"
    )


def use_of(name: str) -> str:
    return USES.get(name) or generic_use(name)


def script_for(use: str) -> str:
    """First use inside coroutines of both shapes (wrap, and create/resume from a function
    with locals of its own), a yield after it, collection, then uses outside and inside."""
    return f"""
local results = {{}}
local function check(label, ok, value)
  if not ok or value ~= true then
    error(label .. ": " .. tostring(value), 0)
  end
end
local function resumed(a, b, c)
  local co = coroutine.create(function(x)
    local first = {use}
    coroutine.yield(first)
    return {use}
  end)
  local ok, value = coroutine.resume(co, a)
  check("create/resume, first use", ok, value)
  ok, value = coroutine.resume(co)
  check("create/resume, after a yield", ok, value)
  return a, b, c
end
for round = 1, 3 do
  if round == 1 then resumed(1, 2, 3) end
  coroutine.wrap(function() results[round] = {use} end)()
end
collectgarbage()
collectgarbage()
check("wrap", true, results[1] and results[2] and results[3])
check("main thread, after collection", true, {use})
local suspended = coroutine.wrap(function() coroutine.yield({use}) end)
check("a coroutine left suspended", true, suspended())
check("main thread, with a coroutine suspended", true, {use})
collectgarbage()
print("ok")
"""


def run_lua(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assay_py", "exec", "-e", code],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("name", sorted(BUILTIN_GLOBALS))
def test_first_use_inside_a_coroutine(name: str) -> None:
    done = run_lua(script_for(use_of(name)))
    # A negative return code is a signal (-11: the segfault this guards against).
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert done.stdout == "ok\n"
    assert "PANIC" not in done.stderr


def test_the_reported_json_pattern_survives_collection() -> None:
    code = (
        "local out = {} for k = 1, 3 do coroutine.wrap(function() "
        "out[k] = json.encode({task = k}) end)() end collectgarbage() "
        "print(out[1], out[2], out[3])"
    )
    for _ in range(5):  # the crash was not deterministic in every layout
        done = run_lua(code)
        assert done.returncode == 0, done.stderr
        assert done.stdout == '{"task":1}\t{"task":2}\t{"task":3}\n'


def test_require_of_a_python_backed_module_inside_a_coroutine() -> None:
    code = (
        "local m = coroutine.wrap(function() return require('assay.rauthy') end)() "
        "collectgarbage() print(type(m), type(m.client))"
    )
    done = run_lua(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "table\tfunction\n"


def test_builtin_tables_made_inside_a_coroutine_outlive_it() -> None:
    # http.client() builds its table of functions during a call made from the coroutine.
    code = (
        "local c = coroutine.wrap(function() return http.client({timeout = 1}) end)() "
        "collectgarbage() collectgarbage() "
        "local ok, err = pcall(c.get, c, 'http://127.0.0.1:9/') print(ok, type(err))"
    )
    done = run_lua(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "false\tstring\n"
