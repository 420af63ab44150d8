"""require(): package.path, ./modules, the global modules folder, then built-in modules."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay_py.host import LuaHost, LuaScriptError


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as CWD, with its own global modules folder."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("ASSAY_MODULES_PATH", str(tmp_path / "global"))
    monkeypatch.delenv("LUA_PATH", raising=False)
    return root


@pytest.fixture
def host(project: Path) -> Iterator[LuaHost]:
    with LuaHost() as lua_host:
        yield lua_host


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def origin(name: str) -> str:
    return f'return {{ origin = "{name}" }}'


def required(host: LuaHost, name: str) -> str:
    (value,) = host.run_string(f"return require('{name}').origin")
    assert isinstance(value, str)
    return value


def test_plain_names_resolve_from_cwd(project: Path, host: LuaHost) -> None:
    write(project / "mylib.lua", origin("cwd file"))
    write(project / "pkg" / "init.lua", origin("cwd init"))
    write(project / "pkg" / "sub.lua", origin("cwd dotted"))
    assert required(host, "mylib") == "cwd file"
    assert required(host, "pkg") == "cwd init"
    assert required(host, "pkg.sub") == "cwd dotted"


def test_plain_names_do_not_use_module_folders(project: Path, host: LuaHost) -> None:
    write(project / "modules" / "mylib.lua", origin("modules"))
    with pytest.raises(LuaScriptError) as caught:
        host.run_string("require('mylib')")
    assert "not an assay.* module: mylib" in str(caught.value)


def test_assay_names_resolve_in_order(project: Path, host: LuaHost, tmp_path: Path) -> None:
    global_dir = tmp_path / "global"
    # Lowest priority first; each test step adds a higher-priority file.
    write(global_dir / "tool.lua", origin("global"))
    assert required(host, "assay.tool") == "global"

    with LuaHost() as fresh:
        write(project / "modules" / "tool.lua", origin("project modules"))
        assert required(fresh, "assay.tool") == "project modules"

    with LuaHost() as fresh:
        write(project / "assay" / "tool.lua", origin("package.path"))
        assert required(fresh, "assay.tool") == "package.path"


def test_dots_map_to_folders_and_init_files(project: Path, host: LuaHost) -> None:
    write(project / "modules" / "ory" / "kratos.lua", origin("kratos"))
    write(project / "modules" / "ory" / "init.lua", origin("ory"))
    assert required(host, "assay.ory.kratos") == "kratos"
    assert required(host, "assay.ory") == "ory"


def test_file_in_global_folder_without_env_uses_home(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASSAY_MODULES_PATH")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write(tmp_path / "home" / ".assay" / "modules" / "homed.lua", origin("home"))
    with LuaHost() as host:
        assert required(host, "assay.homed") == "home"


def test_builtin_python_module_is_found_last(host: LuaHost) -> None:
    (kind,) = host.run_string("return type(require('assay.rauthy').client)")
    assert kind == "function"


def test_file_overrides_builtin_module(project: Path, host: LuaHost) -> None:
    write(project / "modules" / "rauthy.lua", origin("local rauthy"))
    assert required(host, "assay.rauthy") == "local rauthy"


def test_modules_are_cached(project: Path, host: LuaHost) -> None:
    write(project / "modules" / "counter.lua", "COUNT = (COUNT or 0) + 1 return {}")
    assert host.run_string("require('assay.counter') require('assay.counter') return COUNT") == [1]


def test_errors_name_the_module_file(project: Path, host: LuaHost) -> None:
    write(project / "modules" / "broken.lua", "local M = {}\n\nerror('bad module')\n")
    with pytest.raises(LuaScriptError) as caught:
        host.run_string("require('assay.broken')")
    assert str(caught.value) == "./modules/broken.lua:3: bad module"


def test_syntax_error_in_module_names_file(project: Path, host: LuaHost) -> None:
    write(project / "modules" / "typo.lua", "return {\n")
    with pytest.raises(LuaScriptError) as caught:
        host.run_string("require('assay.typo')")
    assert "error loading module 'assay.typo' from file './modules/typo.lua'" in str(caught.value)


def test_missing_module_lists_where_it_looked(host: LuaHost, tmp_path: Path) -> None:
    with pytest.raises(LuaScriptError) as caught:
        host.run_string("require('assay.nope.deep')")
    message = str(caught.value)
    assert message.startswith("<string>:1: module 'assay.nope.deep' not found:")
    looked = [
        "no field package.preload['assay.nope.deep']",
        "no file './assay/nope/deep.lua'",
        "no file './modules/nope/deep.lua'",
        "no file './modules/nope/deep/init.lua'",
        f"no file '{tmp_path / 'global'}/nope/deep.lua'",
        "no built-in module 'assay.nope.deep'",
    ]
    positions = [message.index(entry) for entry in looked]
    assert positions == sorted(positions)


def test_lua_path_environment_is_respected(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "lib" / "shared.lua", origin("LUA_PATH"))
    monkeypatch.setenv("LUA_PATH", f"{tmp_path}/lib/?.lua")
    with LuaHost() as host:
        assert required(host, "shared") == "LUA_PATH"


def test_run_module_file_passes_arguments_and_names_chunk(host: LuaHost) -> None:
    vm = host.vm
    native = vm.table({"twice": vm.function(lambda n: n * 2)})
    module = vm.run_module_file(
        b"local native = ...\nlocal M = {}\nfunction M.four() return native.twice(2) end\n"
        b"function M.fail() error('nope') end\nreturn M",
        "@assay/demo.lua",
        native,
    )
    vm.set_global("demo", module)
    assert host.run_string("return demo.four()") == [4]
    assert host.run_string("return pcall(demo.fail)") == [False, "assay/demo.lua:4: nope"]


def test_lua_source_reads_shipped_files() -> None:
    from assay_py.host.lua_files import lua_root, lua_source

    assert lua_source("assay/rauthy.lua") == (lua_root() / "assay" / "rauthy.lua").read_bytes()
    with pytest.raises(FileNotFoundError):
        lua_source("assay/not-shipped.lua")


def test_registry_lists_rauthy_without_importing_it() -> None:
    from assay_py.host import registry

    entry = registry.find("assay.rauthy")
    assert entry is not None
    assert entry.loader == "assay_py.host.modules.rauthy:load"
    assert registry.find("assay.nope") is None
    probe = (
        "import sys; from assay_py.host import registry; registry.find('assay.rauthy'); "
        "print('assay_py.host.modules.rauthy' in sys.modules, 'lupa' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout == "False False\n"
