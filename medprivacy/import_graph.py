"""Check that the project's apps import each other in one direction only (no app-level cycle).

Run it with ``python -m medprivacy.import_graph``: it prints each app's imports of other apps and exits 1
on a cycle. It reads the project's own sources with `ast` (no Django, nothing imported), counting every
import, also those inside functions, and skipping tests, migrations and benchmarks.

Nodes are the top-level packages of the project. The project package `medprivacy` is two nodes: its
foundation (settings, clock, access, jobs, links, admin base, roles, health, the Celery app), which sits at
the bottom and imports no app, and its composition root (`COMPOSITION_ROOT`: URLs, the admin site's
project pages, the demo seeder), which sits on top, may import every app and is imported by none.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("security", "audit", "subjects", "regimes", "compliance", "timeline", "outbox", "minors", "consents",
        "retention", "fulfilment", "assessments", "referrals", "admt", "requests_app", "drp", "reporting", "medprivacy")
ROOT_NODE = "medprivacy[root]"
# Modules of the project package that compose the apps: nothing may import them.
COMPOSITION_ROOT = frozenset({
    "medprivacy.urls", "medprivacy.api", "medprivacy.admin", "medprivacy.demo", "medprivacy.wsgi", "medprivacy.asgi",
    "medprivacy.management.commands.seed_demo",
})
SKIPPED_PARTS = frozenset({"migrations", "tests", "benchmarks", "__pycache__"})


@dataclass(frozen=True)
class Edge:
    source: str  # node
    target: str  # node
    where: str  # "path:line"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def node_of(module: str) -> str | None:
    """Return the graph node of a module name, or None for a module outside the project."""
    if module in COMPOSITION_ROOT or any(module.startswith(m + ".") for m in COMPOSITION_ROOT):
        return ROOT_NODE
    top = module.split(".", 1)[0]
    return top if top in APPS else None


def _imported_modules(tree: ast.AST, package: str) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield module, node.lineno
            for alias in node.names:  # "from medprivacy import urls" imports the module medprivacy.urls
                yield f"{module}.{alias.name}", node.lineno


def source_files(root: Path = ROOT) -> Iterator[Path]:
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if not SKIPPED_PARTS.intersection(path.relative_to(root).parts):
                yield path


def edges(paths: Iterable[Path], root: Path = ROOT) -> list[Edge]:
    """Return every import from one node to another found in `paths`."""
    found: list[Edge] = []
    for path in paths:
        module = module_name(path, root)
        source = node_of(module)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        seen: set[tuple[str, int]] = set()
        for imported, line in _imported_modules(tree, package):
            target = node_of(imported)
            if target is None or target == source or (target, line) in seen:
                continue
            if target == "medprivacy" and imported.split(".")[0] == "medprivacy" and imported.count(".") == 0:
                continue  # "from medprivacy import x": the edge is to medprivacy.x, counted on its own
            seen.add((target, line))
            found.append(Edge(source, target, f"{path.relative_to(root)}:{line}"))
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one cycle of the graph as a list of nodes (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def build_graph(found: Iterable[Edge]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for edge in found:
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    return graph


def check(root: Path = ROOT) -> tuple[dict[str, set[str]], list[str] | None, list[Edge]]:
    """Return the app graph, a cycle if there is one, and the edges."""
    found = edges(source_files(root), root)
    graph = build_graph(found)
    return graph, find_cycle(graph), found


def main() -> int:
    graph, cycle, found = check()
    for node in sorted(graph):
        print(f"{node} -> {', '.join(sorted(graph[node])) or '(nothing)'}")
    if cycle:
        print(f"\nCYCLE: {' -> '.join(cycle)}", file=sys.stderr)
        for a, b in zip(cycle, cycle[1:], strict=False):
            for edge in found:
                if (edge.source, edge.target) == (a, b):
                    print(f"  {a} -> {b}: {edge.where}", file=sys.stderr)
        return 1
    print("\nNo import cycle between apps.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
