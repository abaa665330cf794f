"""The package's shape, as docs/architecture.md states it: no import cycles, few files at the
root, and imports that go down the layers only.

The import graph is read from the source (``ast``): every ``import`` and ``from ... import``,
at module level and inside functions (a lazy import still runs, and still closes a cycle), with
relative imports resolved; what sits under ``if TYPE_CHECKING:`` is left out, since it never
runs. Importing ``a.b.c`` also runs the ``__init__`` of ``a.b``, so that is an edge too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import mistral_async

PACKAGE = Path(mistral_async.__file__).parent
ROOT = "mistral_async"

ROOT_HELPERS = ("tools", "_structured", "cache", "usage", "conversation", "embeddings_utils")
"""The public helper modules at the root (and structured output), above the core."""

MAX_ROOT_FILES = 15


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    line: int
    lazy: bool  # inside a function: runs when called, not when the module is imported

    def __str__(self) -> str:
        where = "in a function" if self.lazy else "at module level"
        return f"{self.importer} -> {self.imported} (line {self.line}, {where})"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def is_type_checking(test: ast.expr) -> bool:
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name in ("TYPE_CHECKING", "_TYPE_CHECKING")


def imports_of(name: str) -> Iterator[tuple[str, int, bool]]:
    """``(imported module, line, lazy)`` for every import that runs."""
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST, lazy: bool) -> Iterator[tuple[str, int, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and is_type_checking(child.test):
                for other in child.orelse:
                    yield from visit_one(other, lazy)
                continue
            yield from visit_one(child, lazy)

    def visit_one(node: ast.AST, lazy: bool) -> Iterator[tuple[str, int, bool]]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, lazy
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"  # `from . import x` imports module x
                yield (submodule if submodule in modules() else target), node.lineno, lazy
        inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        yield from visit(node, inner)

    yield from visit(ast.parse(path.read_text()), False)


@cache
def graph() -> dict[str, tuple[Edge, ...]]:
    edges: dict[str, dict[str, Edge]] = {name: {} for name in modules()}
    for name in modules():
        own_packages = {name.rsplit(".", i)[0] for i in range(name.count(".") + 1)}
        for imported, line, lazy in imports_of(name):
            if imported != ROOT and not imported.startswith(ROOT + "."):
                continue
            while imported not in modules():  # `from pkg.mod import name`
                imported = imported.rpartition(".")[0]
            # the module itself, and the packages above it that this import runs first
            targets = [imported.rsplit(".", i)[0] for i in range(imported.count(".") + 1)]
            for target in targets:
                if target != name and target not in own_packages:
                    previous = edges[name].get(target)
                    if previous is None or (previous.lazy and not lazy):
                        edges[name][target] = Edge(name, target, line, lazy)
    return {name: tuple(found.values()) for name, found in edges.items()}


def cycles() -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for edge in graph()[node]:
            if edge.imported not in index:
                connect(edge.imported)
                low[node] = min(low[node], low[edge.imported])
            elif edge.imported in on_stack:
                low[node] = min(low[node], index[edge.imported])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph()):
        if node not in index:
            connect(node)
    return found


def one_cycle(component: frozenset[str]) -> list[Edge]:
    """A closed path through the component, to show which imports make it."""
    start = min(component)
    path: list[Edge] = []
    seen: set[str] = set()

    def walk(node: str) -> bool:
        seen.add(node)
        for edge in graph()[node]:
            if edge.imported not in component:
                continue
            path.append(edge)
            if edge.imported == start or (edge.imported not in seen and walk(edge.imported)):
                return True
            path.pop()
        return False

    walk(start)
    return path


def describe(component: frozenset[str]) -> str:
    return "\n    ".join(["import cycle:", *map(str, one_cycle(component))])


def test_no_import_cycles() -> None:
    found = cycles()
    assert not found, "\n".join(map(describe, found))


def test_few_files_at_the_root() -> None:
    files = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(files) <= MAX_ROOT_FILES, files


# -- the layers -------------------------------------------------------------------------------


def under(name: str, *prefixes: str) -> bool:
    return any(name == f"{ROOT}.{p}" or name.startswith(f"{ROOT}.{p}.") for p in prefixes)


def violations(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        str(edge)
        for name, edges in graph().items()
        if under(name, *importers)
        for edge in edges
        if under(edge.imported, *forbidden) and (name, edge.imported) not in ALLOWED
    ]


ALLOWED = {
    # The client makes its default UsageTracker. usage depends on _core.errors only (and on
    # cache's header, until ResponseInfo.from_cache replaces it); it may then move into _core.
    (f"{ROOT}._core.client", f"{ROOT}.usage"),
}

ABOVE_THE_CORE = ("_sync", "_batch", "cli", "testing", *ROOT_HELPERS)


def test_types_and_the_core_import_nothing_above_them() -> None:
    assert not violations(("types", "_core"), ABOVE_THE_CORE)
    assert not violations(("types",), ("_core.client", "resources"))


def test_only_the_clients_import_resources_and_lazily() -> None:
    eager = [
        str(edge)
        for name, edges in graph().items()
        if under(name, "_core", "_sync")
        for edge in edges
        if under(edge.imported, "resources")
        and not (edge.lazy and name in (f"{ROOT}._core.client", f"{ROOT}._sync.client"))
    ]
    assert not eager


def test_resources_never_import_a_client() -> None:
    # They name AsyncMistral under TYPE_CHECKING only; the sync twins use _sync.views.
    assert not violations(("resources",), ("_core.client", "_sync.client", "_batch", "cli"))
    assert not violations(("resources",), ("testing",))


def test_the_sync_shim_imports_nothing_above_it() -> None:
    assert not violations(("_sync",), ("_batch", "cli", "testing", *ROOT_HELPERS))


def test_views_and_bridge_reach_no_client() -> None:
    for leaf in ("_sync.views", "_sync.bridge", "_sync.portal"):
        reached: set[str] = set()
        todo = [f"{ROOT}.{leaf}"]
        while todo:
            for edge in graph()[todo.pop()]:
                if edge.imported not in reached:
                    reached.add(edge.imported)
                    todo.append(edge.imported)
        assert not reached & {f"{ROOT}._core.client", f"{ROOT}._sync.client"}, leaf


def test_testing_imports_only_the_models_and_the_core_pieces() -> None:
    def allowed(imported: str) -> bool:
        if imported == f"{ROOT}._core.client":
            return False  # the server is no client of itself
        return imported == ROOT or under(imported, "testing", "types", "_core", "_version")

    outside = [
        str(edge)
        for name, edges in graph().items()
        if under(name, "testing")
        for edge in edges
        if not allowed(edge.imported)
    ]
    assert not outside


def test_the_batch_runner_stays_below_the_command_line() -> None:
    assert not violations(("_batch",), ("cli", "testing"))


def test_only_the_command_line_imports_cli_and_testing() -> None:
    users = [
        str(edge)
        for name, edges in graph().items()
        if not under(name, "cli", "__main__")
        for edge in edges
        if under(edge.imported, "cli")
        or (under(edge.imported, "testing") and not under(name, "testing"))
    ]
    assert not users


def test_the_graph_reader_sees_lazy_and_relative_imports() -> None:
    """The reader must see what the rules are about, or every rule passes vacuously."""
    client = {edge.imported: edge for edge in graph()[f"{ROOT}._core.client"]}
    assert client[f"{ROOT}.resources.chat"].lazy  # a function-level, relative import
    assert f"{ROOT}.resources" in client  # the package a submodule import runs first
    assert not client[f"{ROOT}._core.errors"].lazy
    views = {edge.imported for edge in graph()[f"{ROOT}._sync.views"]}
    assert f"{ROOT}.tools" not in views  # named under TYPE_CHECKING only
