"""Python <-> Lua values: JSON-faithful, depth- and cycle-checked."""

from __future__ import annotations

from typing import Any

import pytest

from assay_py.host._convert import MAX_DEPTH, ConversionError
from assay_py.host.vm import LuaVM
from tests.support.engines import per_engine


@pytest.fixture
def vm() -> LuaVM:
    return LuaVM(builtins=("json",))


def roundtrip(vm: LuaVM, value: Any) -> Any:
    return vm.from_lua(vm.to_lua(value))


def describe(vm: LuaVM, value: Any) -> Any:
    """What Lua sees: type, length and a few probes, computed in Lua."""
    return vm.execute(
        "local v = ... if type(v) ~= 'table' then return type(v), v end "
        "local n = 0 for _ in pairs(v) do n = n + 1 end return 'table', n",
        "=probe",
        vm.to_lua(value),
    )


@pytest.mark.parametrize(
    "value",
    [
        {"a": {"b": [1, 2, {"c": "d"}]}, "e": True, "f": False},
        [[[]], {}],
        "héllo",
        2.5,
        -7,
        0,
        [1, "two", 3.5, False],
    ],
)
def test_roundtrip(vm: LuaVM, value: Any) -> None:
    expected = value
    if value == [[[]], {}]:
        expected = [[{}], {}]  # an empty Lua table reads back as an object
    assert roundtrip(vm, value) == expected


def test_dicts_become_tables_with_string_keys(vm: LuaVM) -> None:
    table = vm.to_lua({"k": 1})
    assert vm.execute("local t = ... return type(t), t.k", "=t", table) == (b"table", 1)


def test_lists_become_sequences(vm: LuaVM) -> None:
    table = vm.to_lua(["a", "b", "c"])
    assert vm.execute("local t = ... return #t, t[1], t[3]", "=t", table) == (3, b"a", b"c")


def test_none_is_nil(vm: LuaVM) -> None:
    assert describe(vm, None) == (b"nil", None)
    assert vm.execute("local t = ... return t.a == nil, t.b", "=t", vm.to_lua({"a": None, "b": 1}))


def test_none_inside_list_leaves_a_hole(vm: LuaVM) -> None:
    table = vm.to_lua([1, None, 3])
    assert vm.execute("local t = ... return t[1], t[2], t[3]", "=t", table) == (1, None, 3)
    assert vm.from_lua(table) == {1: 1, 3: 3}


def test_empty_containers(vm: LuaVM) -> None:
    assert describe(vm, {}) == (b"table", 0)
    assert describe(vm, []) == (b"table", 0)
    assert roundtrip(vm, {}) == {}


def test_empty_table_marked_as_array_reads_back_as_list(vm: LuaVM) -> None:
    (table,) = vm.execute("return json.array({})", "=t")
    assert vm.from_lua(table) == []


def test_whole_numbers_come_back_as_int(vm: LuaVM) -> None:
    values = vm.execute("return 3, 10 / 2, 2 ^ 40, 1.5", "=t")
    converted = [vm.from_lua(v) for v in values]
    assert converted == [3, 5, 2**40, 1.5]
    # LuaJIT has doubles only; Lua 5.5's / and ^ give floats, kept as floats.
    assert [type(v) for v in converted] == per_engine(
        [int, int, int, float], [int, float, float, float]
    )


def test_numbers_above_2_pow_53(vm: LuaVM) -> None:
    # Exactly representable as doubles: survive unchanged.
    assert roundtrip(vm, 2**60) == 2**60
    assert roundtrip(vm, -(2**62)) == -(2**62)
    # Not representable as a double: the nearest one on LuaJIT; a Lua 5.5 integer holds it.
    assert roundtrip(vm, 2**53 + 1) == per_engine(2**53, 2**53 + 1)
    # Beyond int64 the value stays a float.
    assert roundtrip(vm, 2**70) == float(2**70)
    assert isinstance(roundtrip(vm, 2**70), float)


def test_integer_too_large_for_a_double_is_a_clear_error(vm: LuaVM) -> None:
    with pytest.raises(ConversionError, match="too large"):
        vm.to_lua({"n": 10**400})


def test_non_utf8_strings_survive_as_bytes(vm: LuaVM) -> None:
    (raw,) = vm.execute("return '\\255\\0\\128'", "=t")
    assert raw == b"\xff\x00\x80"
    assert vm.from_lua(raw) == b"\xff\x00\x80"
    assert roundtrip(vm, b"\xfe\xff") == b"\xfe\xff"
    assert vm.execute("return #(...)", "=t", vm.to_lua(b"\xff\x00")) == (2,)


def test_python_cycle_is_a_clear_error(vm: LuaVM) -> None:
    value: list[Any] = [1]
    value.append(value)
    with pytest.raises(ConversionError, match="cyclic"):
        vm.to_lua(value)


def test_shared_but_acyclic_values_are_fine(vm: LuaVM) -> None:
    shared = {"x": 1}
    assert roundtrip(vm, {"a": shared, "b": shared}) == {"a": {"x": 1}, "b": {"x": 1}}


@pytest.mark.parametrize(
    "make",
    [
        "local t = {} t.self = t return t",
        "local a, b = {}, {} a[1] = b b.back = a return {a}",
        # A cycle behind more levels than the depth limit is still reported as a cycle.
        "local top = {} local t = top for i = 1, 250 do t.next = {} t = t.next end "
        "t.loop = top return top",
    ],
)
def test_lua_cycle_is_reported_as_a_cycle(vm: LuaVM, make: str) -> None:
    (table,) = vm.execute(make, "=t")
    with pytest.raises(ConversionError) as caught:
        vm.from_lua(table)
    assert str(caught.value) == "cannot convert a cyclic table"


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def test_depth_limit_to_lua(vm: LuaVM) -> None:
    assert roundtrip(vm, nested(MAX_DEPTH)) == nested(MAX_DEPTH)
    with pytest.raises(ConversionError, match=f"deeper than {MAX_DEPTH}"):
        vm.to_lua(nested(MAX_DEPTH + 1))


def test_depth_limit_from_lua(vm: LuaVM) -> None:
    make = "local t = 1 for i = 1, ... do t = {t} end return t"
    (ok_table,) = vm.execute(make, "=t", MAX_DEPTH)
    assert vm.from_lua(ok_table) == nested(MAX_DEPTH)
    (deep_table,) = vm.execute(make, "=t", MAX_DEPTH + 1)
    with pytest.raises(ConversionError) as caught:
        vm.from_lua(deep_table)
    assert str(caught.value) == f"table nested deeper than {MAX_DEPTH} levels cannot be converted"


def test_mixed_table_reads_back_as_dict(vm: LuaVM) -> None:
    (table,) = vm.execute("return {10, 20, x = 'y'}", "=t")
    assert vm.from_lua(table) == {1: 10, 2: 20, "x": "y"}


def test_lua_functions_pass_through(vm: LuaVM) -> None:
    (fn,) = vm.execute("return function(a) return a * 2 end", "=t")
    assert vm.from_lua(fn)(21) == 42


@pytest.mark.parametrize("value", [len, dict, {"callback": lambda: 1}, [object()]])
def test_python_objects_and_callables_do_not_reach_lua(vm: LuaVM, value: Any) -> None:
    # A raw Python callable in Lua would hand back Python objects (a route out of the
    # sandbox, and errors that are not text); builtins must go through LuaVM.function.
    with pytest.raises(ConversionError, match="to a Lua value"):
        vm.to_lua(value)
