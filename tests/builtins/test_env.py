from __future__ import annotations

import os

import pytest

from tests.builtins.conftest import Lua

NAME = "ASSAY_PY_TEST_ENV_VAR"


@pytest.fixture(autouse=True)
def restore_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)  # monkeypatch puts the variable back afterwards


def test_get_reads_the_process_environment(lua: Lua) -> None:
    os.environ[NAME] = "from-process"
    assert lua(f'return env.get("{NAME}")') == b"from-process"


def test_get_missing_is_nil(lua: Lua) -> None:
    assert lua(f'return env.get("{NAME}")') is None


def test_set_reaches_the_process_and_nil_unsets(lua: Lua) -> None:
    assert lua(f'env.set("{NAME}", "v1"); return env.get("{NAME}")') == b"v1"
    assert os.environ[NAME] == "v1"
    assert lua(f'env.set("{NAME}", nil); return env.get("{NAME}")') is None
    assert NAME not in os.environ


def test_set_coerces_numbers(lua: Lua) -> None:
    lua(f'env.set("{NAME}", 8080)')
    assert os.environ[NAME] == "8080"


def test_check_env_wins_over_the_process(lua: Lua) -> None:
    os.environ[NAME] = "from-process"
    assert lua(f'env._check_env = {{ {NAME} = "injected" }}; return env.get("{NAME}")') == (
        b"injected"
    )
    # Names the check does not define still come from the process.
    assert lua(f'env._check_env = {{ OTHER = "x" }}; return env.get("{NAME}")') == (b"from-process")


def test_process_get_skips_check_env(lua: Lua) -> None:
    os.environ[NAME] = "from-process"
    code = f'env._check_env = {{ {NAME} = "injected" }}; return env._process_get("{NAME}")'
    assert lua(code) == b"from-process"


def test_list_is_an_array_of_key_value_pairs(lua: Lua) -> None:
    os.environ[NAME] = "listed"
    found = lua(
        f"""
        local hits, count = {{}}, 0
        for i, pair in ipairs(env.list()) do
          count = i
          if pair.key == "{NAME}" then hits[#hits + 1] = pair.value end
        end
        return hits[1], #hits, count
        """
    )
    assert found == (b"listed", 1, len(os.environ))


def test_names_and_values_are_rust_text(lua: Lua) -> None:
    assert lua.error(rf'env.set("{NAME}", "a\255")') == (
        "bad argument #2: error converting Lua string to String "
        "(invalid utf-8 sequence of 1 bytes from index 1)"
    )
    assert lua(f'env.set("{NAME}", 12) return env.get("{NAME}")') == b"12"


def test_bad_arguments(lua: Lua) -> None:
    assert lua.error("env.get({})") == (
        "bad argument #1: error converting Lua table to String (expected string or number)"
    )
    assert lua.error("env.get()") == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )
    assert lua.error("env.set(nil, 'x')") == (
        "bad argument #1: error converting Lua nil to String (expected string or number)"
    )
    assert lua.error(f'env.set("{NAME}", true)') == (
        "bad argument #2: error converting Lua boolean to String (expected string or number)"
    )
    assert lua.error('env.set("A=B", "x")').startswith("env.set: cannot set 'A=B': ")


def test_check_env_is_an_empty_table_that_get_reads_first(
    lua: Lua, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_PY_CHECK_VAR", "process")
    got = lua(
        """
        local before = next(env._check_env)
        local from_process = env.get("ASSAY_PY_CHECK_VAR")
        env._check_env.ASSAY_PY_CHECK_VAR = "injected"
        return type(env._check_env), before, from_process, env.get("ASSAY_PY_CHECK_VAR")
        """
    )
    assert got == (b"table", None, b"process", b"injected")
