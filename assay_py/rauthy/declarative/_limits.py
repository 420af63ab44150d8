"""How big and deep a clients-file entry may be, measured without expanding shared values.

A YAML alias is one Python object reachable from many places, so a 600-byte "billion laughs"
file loads quickly and only explodes when something walks it (copying, validating, encoding).
Values are therefore measured once each, by identity: a container already measured adds its
known size again without being walked, so the cost is that of the distinct values written in
the file, whatever they expand to. Cycles (``&a [*a]``) are found on the way.
"""

from __future__ import annotations

from typing import Any, Final

#: Containers nested inside one field: ``claims: {a: {b: 1}}`` is 2 deep.
MAX_FIELD_DEPTH: Final = 32
#: Values one field may hold, every alias expanded (Rauthy caps claims at 1 KB of JSON).
MAX_FIELD_VALUES: Final = 10_000
#: Over a whole file, aliases may multiply what is written out at most this much (plus a margin
#: for small files): ``<<: *defaults`` in every entry is fine, exponential growth is not.
EXPANSION_FACTOR: Final = 10
EXPANSION_MARGIN: Final = 100_000

_CONTAINERS: Final = (dict, list, tuple)
# Exact types checked first: a type lookup is much cheaper than isinstance on every value.
_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


class ShapeError(ValueError):
    """A value nests too deep, holds too much, or contains itself; the text says which."""


class Measure:
    """Sizes of field values; one instance per file so shared values are walked once."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[int, int]] = {}  # id -> (depth, expanded size)
        self._keep: list[Any] = []  # ids stay valid only while their objects live
        self.written = 0  # values as written out, each shared container counted once
        self.expanded = 0  # values with every alias expanded

    def over_budget(self) -> bool:
        """Whether aliases have multiplied the file beyond what a real file needs."""
        return self.expanded > EXPANSION_FACTOR * self.written + EXPANSION_MARGIN

    def field(self, value: Any) -> None:
        """Count ``value``; raise :class:`ShapeError` when it breaks a limit."""
        if type(value) in _SCALARS or not isinstance(value, _CONTAINERS):
            self.written += 1
            self.expanded += 1
            return
        depth, size = self._known.get(id(value)) or self._flat(value) or self._container(value)
        self.expanded += size
        if depth > MAX_FIELD_DEPTH:
            raise ShapeError(f"nested deeper than {MAX_FIELD_DEPTH} levels")
        if size > MAX_FIELD_VALUES:
            raise ShapeError(_too_many())

    def _flat(self, container: Any) -> tuple[int, int] | None:
        """Most fields are scalars in one list or mapping: measured without the walk."""
        for child in container.values() if isinstance(container, dict) else container:
            if type(child) not in _SCALARS and isinstance(child, _CONTAINERS):
                return None
        self._enter(container)
        result = self._known[id(container)] = (1, len(container) + 1)
        return result

    def _container(self, root: Any) -> tuple[int, int]:
        # Iterative post-order walk: (container, its children, [depth, size] so far).
        stack: list[tuple[Any, Any, list[int]]] = [(root, _children(root), [0, 1])]
        on_path = {id(root)}
        self._enter(root)
        while True:
            node, children, acc = stack[-1]
            for child in children:
                if not isinstance(child, _CONTAINERS):
                    acc[1] += 1
                    continue
                seen = self._known.get(id(child))
                if seen is not None:
                    acc[0] = max(acc[0], seen[0])
                    acc[1] += seen[1]
                elif id(child) in on_path:
                    raise ShapeError("contains itself (a YAML alias to one of its own parents)")
                elif len(stack) >= MAX_FIELD_DEPTH:
                    raise ShapeError(f"nested deeper than {MAX_FIELD_DEPTH} levels")
                else:
                    on_path.add(id(child))
                    self._enter(child)
                    stack.append((child, _children(child), [0, 1]))
                    break
                if acc[1] > MAX_FIELD_VALUES:
                    raise ShapeError(_too_many())
            else:
                stack.pop()
                on_path.discard(id(node))
                result = (acc[0] + 1, acc[1])
                self._known[id(node)] = result
                if not stack:
                    return result
                parent = stack[-1][2]
                parent[0] = max(parent[0], result[0])
                parent[1] += result[1]
                if parent[1] > MAX_FIELD_VALUES:
                    raise ShapeError(_too_many())

    def _enter(self, container: Any) -> None:
        self._keep.append(container)
        self.written += len(container) + 1


def _children(container: Any) -> Any:
    return iter(container.values() if isinstance(container, dict) else container)


def _too_many() -> str:
    return (
        f"holds more than {MAX_FIELD_VALUES} values once YAML aliases are expanded (an alias bomb?)"
    )
