"""The policy file (ASSAY_POLICY_FILE): its checks at VM creation, modules and env filters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay_py.host import LuaHost
from assay_py.host.errors import PolicyError
from assay_py.host.policy import Policy
from tests.host.policy_support import ENGINES, error_of, policed, run

# ------------------------------------------------------------------------- the file


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "version: 1\nmodules:\n  alow: [assay.json]\n",
            "policy: invalid YAML: modules: unknown field 'alow' (expected one of: allow)",
        ),
        ("version: 1\nhtpp: {}\n", "policy: invalid YAML: top level: unknown field 'htpp'"),
        ("version: 99\n", "policy: unsupported version 99 (this build understands 1)"),
        ("modules: {}\n", "policy: invalid YAML: the document: missing field 'version'"),
        ("", "policy: invalid YAML: the document: is empty"),
        ("- 1\n", "policy: invalid YAML: the document: must be a mapping, got a list"),
        ("version: one\n", "policy: invalid YAML: version: must be a whole number"),
        (
            "version: 1\nhttp:\n  rules:\n    - hosts: [a.example.com]\n      methods: [FETCH]\n",
            "policy: http.rules[0] has unknown method 'FETCH'",
        ),
        (
            "version: 1\nhttp:\n  rules:\n    - hosts: []\n",
            "policy: http.rules[0] needs at least one host",
        ),
        (
            "version: 1\nhttp:\n  rules:\n    - methods: [GET]\n",
            "policy: invalid YAML: http.rules[0]: missing field 'hosts'",
        ),
        (
            "version: 1\nhttp:\n  rules:\n    - {hosts: [a], classify: reed}\n",
            "policy: invalid YAML: http.rules[0].classify: must be 'read' or 'write'",
        ),
        (
            "version: 1\nhttp:\n  rules:\n    - {hosts: [a], pathz: [/]}\n",
            "policy: invalid YAML: http.rules[0]: unknown field 'pathz'",
        ),
        (
            "version: 1\nhttp: {max_response_bytes: -1}\n",
            "policy: invalid YAML: http.max_response_bytes: must be a whole number >= 0",
        ),
        (
            "version: 1\nhttp: {rules: {hosts: [a]}}\n",
            "policy: invalid YAML: http.rules: must be a list of rules, got a mapping",
        ),
        (
            "version: 1\nenv: {allow: HOME}\n",
            "policy: invalid YAML: env.allow: must be a list of strings, got a string",
        ),
        (
            "version: 1\nmodules: {allow: [assay.json, 3]}\n",
            "policy: invalid YAML: modules.allow[1]: must be a string, got a number (3)",
        ),
        (
            "version: 1\ncredentials: {db: {password: 7}}\n",
            "policy: invalid YAML: credentials.db.password: must name the environment variable",
        ),
        ("version: 1\nhttp: [\n", "policy: invalid YAML: while parsing"),
    ],
)
def test_a_malformed_file_names_the_field_and_the_rule(document: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.from_text(document)
    assert message in str(caught.value)


def test_a_malformed_file_stops_vm_creation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: 1\nenv: {allow: [HOME], deny: [PATH]}\n")
    monkeypatch.setenv("ASSAY_POLICY_FILE", str(path))
    with pytest.raises(PolicyError, match=r"env: unknown field 'deny'"):
        LuaHost()


def test_an_unreadable_file_names_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyError, match=rf"policy: cannot read {missing}: No such file"):
        Policy.from_file(missing)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from assay_py.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def test_the_command_refuses_to_run_a_script_under_a_malformed_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "version: 1\nhttp:\n  rules:\n    - hosts: [api.example.com]\n      methods: [FETCH]\n"
    )
    result = _cli(["exec", "-e", "print('ran')"], {"ASSAY_POLICY_FILE": str(path)})
    assert result.returncode == 1
    assert result.stdout == ""
    assert "ERROR policy: http.rules[0] has unknown method 'FETCH'" in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_applies_the_file_it_names(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: 1\nenv:\n  allow: [POLICY_T_SEEN]\n")
    result = _cli(
        ["exec", "-e", "print(env.get('POLICY_T_SEEN'), env.get('POLICY_T_HIDDEN'))"],
        {"ASSAY_POLICY_FILE": str(path), "POLICY_T_SEEN": "yes", "POLICY_T_HIDDEN": "no"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "yes\tnil\n"


def test_without_a_policy_nothing_of_it_is_loaded_or_visible() -> None:
    code = (
        "import os, sys\n"
        "os.environ.pop('ASSAY_POLICY_FILE', None)\n"
        "from assay_py.host import LuaHost\n"
        "with LuaHost() as h:\n"
        "    print(h.run_string('return type(credential), env.get(\"HOME\") ~= nil')[0:2])\n"
        "print(sorted(m for m in sys.modules if 'policy' in m or m == 'yaml'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout == "['nil', True]\n[]\n"


def test_an_empty_variable_means_no_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_POLICY_FILE", "")
    with LuaHost() as host:
        assert host.vm.policy is None
        assert run(host, "return type(credential)") == "nil"


def test_the_policy_repr_shows_its_shape() -> None:
    policy = Policy.from_text(
        "version: 1\nmodules: {allow: [assay.rauthy]}\nhttp: {rules: [{hosts: [a]}]}\n"
        "credentials: {db: {password: DB_PASSWORD}}\n"
    )
    assert repr(policy) == (
        "Policy(modules=['assay.rauthy'], env=any, http_rules=1, credentials=['db'])"
    )


# ------------------------------------------------------------------------- modules


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "modules"
    (folder / "team").mkdir(parents=True)
    (folder / "team" / "tool.lua").write_text("return { name = 'tool' }\n")
    (folder / "other.lua").write_text("return { name = 'other' }\n")
    monkeypatch.setenv("ASSAY_MODULES_PATH", str(folder))
    monkeypatch.chdir(tmp_path / "modules")  # no ./modules here: only the global folder
    return folder


@pytest.mark.parametrize("engine", ENGINES)
def test_require_outside_the_allowlist_is_refused(module_dir: Path, engine: str) -> None:
    with policed("version: 1\nmodules:\n  allow: [assay.team.tool]\n", engine) as host:
        assert run(host, "return require('assay.team.tool').name") == "tool"
        ok, err = host.run_string("return pcall(function()\n  require('assay.other')\nend)")
        assert ok is False
        assert err == "<string>:2: policy: module 'assay.other' is not in the allowed set"
        # The Python-backed modules are refused the same way.
        assert error_of(host, "require('assay.rauthy')") == (
            "policy: module 'assay.rauthy' is not in the allowed set"
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_the_allowlist_admits_python_backed_modules(engine: str) -> None:
    with policed("version: 1\nmodules:\n  allow: [assay.rauthy]\n", engine) as host:
        assert run(host, "return type(require('assay.rauthy').client)") == "function"


@pytest.mark.parametrize("engine", ENGINES)
def test_without_a_modules_list_every_module_loads(module_dir: Path, engine: str) -> None:
    with policed("version: 1\nmodules: {}\n", engine) as host:
        assert run(host, "return require('assay.other').name") == "other"


@pytest.mark.parametrize("engine", ENGINES)
def test_plain_lua_modules_are_not_assay_modules(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "helper.lua").write_text("return 42\n")
    monkeypatch.chdir(tmp_path)
    with policed("version: 1\nmodules:\n  allow: []\n", engine) as host:
        assert run(host, "return (require('helper'))") == 42
        assert "not in the allowed set" in error_of(host, "require('assay.anything')")


# ------------------------------------------------------------------------- env


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_T_PUBLIC", "fine")
    monkeypatch.setenv("POLICY_T_SECRET", "hunter2")


@pytest.mark.parametrize("engine", ENGINES)
def test_env_get_and_getenv_hide_keys_outside_the_allowlist(environment: None, engine: str) -> None:
    with policed("version: 1\nenv:\n  allow: [POLICY_T_PUBLIC]\n", engine) as host:
        assert run(
            host,
            "return tostring(env.get('POLICY_T_SECRET')), env.get('POLICY_T_PUBLIC'),"
            " tostring(os.getenv('POLICY_T_SECRET')), os.getenv('POLICY_T_PUBLIC'),"
            " tostring(env._process_get('POLICY_T_SECRET'))",
        ) == ["nil", "fine", "nil", "fine", "nil"]
        keys = run(
            host, "local k = {} for _, e in ipairs(env.list()) do k[#k+1] = e.key end return k"
        )
        assert keys == ["POLICY_T_PUBLIC"]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_env_section_without_allow_hides_everything(environment: None, engine: str) -> None:
    with policed("version: 1\nenv: {}\n", engine) as host:
        assert run(host, "return #env.list(), tostring(env.get('POLICY_T_PUBLIC'))") == [0, "nil"]


@pytest.mark.parametrize("engine", ENGINES)
def test_without_an_env_section_the_environment_reads_as_before(
    environment: None, engine: str
) -> None:
    with policed("version: 1\n", engine) as host:
        assert run(host, "return env.get('POLICY_T_SECRET'), os.getenv('POLICY_T_SECRET')") == [
            "hunter2",
            "hunter2",
        ]


@pytest.mark.parametrize("engine", ENGINES)
def test_check_env_values_stay_visible_and_bad_names_still_fail(
    environment: None, engine: str
) -> None:
    with policed("version: 1\nenv:\n  allow: []\n", engine) as host:
        assert run(host, "env._check_env.INJECTED = 'v' return env.get('INJECTED')") == "v"
        assert error_of(host, "env.get({})") == (
            "bad argument #1: error converting Lua table to String (expected string or number)"
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_the_env_filter_holds_when_env_is_first_used_in_a_coroutine(
    environment: None, engine: str
) -> None:
    with policed("version: 1\nenv:\n  allow: [POLICY_T_PUBLIC]\n", engine) as host:
        assert run(
            host,
            "local co = coroutine.wrap(function()"
            "  return tostring(env.get('POLICY_T_SECRET')), env.get('POLICY_T_PUBLIC') end)"
            " return co()",
        ) == ["nil", "fine"]


def test_tool_mode_reports_a_malformed_policy_in_its_envelope(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 3\n")
    script = tmp_path / "s.lua"
    script.write_text("return 1\n")
    result = _cli(["run", "--mode", "tool", str(script)], {"ASSAY_POLICY_FILE": str(policy)})
    assert result.returncode == 0
    assert '"ok":false' in result.stdout
    assert "creating Lua VM: policy: unsupported version 3" in result.stdout
