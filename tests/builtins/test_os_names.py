"""The mapping from Python's machine and platform names to the names the original reports."""

from __future__ import annotations

import pytest

from assay_py.host.builtins.os import arch_name, platform_name


@pytest.mark.parametrize(
    ("machine", "expected"),
    [
        ("x86_64", "x86_64"),
        ("AMD64", "x86_64"),
        ("arm64", "aarch64"),
        ("aarch64", "aarch64"),
        ("i686", "x86"),
        ("armv7l", "arm"),
        ("riscv64", "riscv64"),
    ],
)
def test_arch_names(machine: str, expected: str) -> None:
    assert arch_name(machine) == expected


@pytest.mark.parametrize(
    ("system", "expected"),
    [("linux", "linux"), ("darwin", "macos"), ("win32", "windows"), ("freebsd14", "freebsd")],
)
def test_platform_names(system: str, expected: str) -> None:
    assert platform_name(system) == expected
