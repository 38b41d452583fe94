"""The project's modules import each other without a cycle, and import lazily only to keep
WeasyPrint out of the web process (the issue of the structure, #9).

The graph is read from the source (ast), not by importing: a cycle that Python happens to
resolve today because of the order modules load in is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agencies", "activities", "reports", "notifications", "home", "monitoring", "doingoai")
# A function-level import must name one of these and say why in a comment next to it.
LAZY_ALLOWED = {"weasyprint", "reports.pdf", "reports.documents"}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _resolve(module: str, path: Path, node: ast.ImportFrom | ast.Import, known) -> list[str]:
    """The project modules an import statement loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
        return [n for n in names if n in known or n.split(".")[0] in PACKAGES]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    if node.level:
        base = package[: len(package) - node.level + 1]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    if target.split(".")[0] not in PACKAGES:
        return []
    loaded = [target]
    for alias in node.names:  # `from activities import services` loads activities.services
        child = f"{target}.{alias.name}"
        if child in known:
            loaded.append(child)
    return loaded


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif (isinstance(node, ast.If) and not _is_type_checking(node)) or isinstance(
            node, ast.Try
        ):
            yield from (n for n in node.body if isinstance(n, ast.Import | ast.ImportFrom))


def _all_imports(tree: ast.Module):
    """Every import statement, at the top or inside a function, but not under
    `if TYPE_CHECKING:` (never executed)."""
    skipped = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and _is_type_checking(block)
        for n in ast.walk(block)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped:
            yield node


def _graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports, lazily or not: a cycle through a function's
    import is a cycle all the same."""
    known = _modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _all_imports(tree):
            for target in _resolve(module, path, node, known):
                if target in known and target != module:
                    graph[module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_project_has_no_import_cycle():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_the_graph_sees_relative_and_absolute_imports():
    graph = _graph()
    assert "activities.models" in graph["activities.services"]
    assert "agencies.permissions" in graph["activities.services"]


def test_lazy_imports_only_keep_weasyprint_out_of_the_web_process():
    strays = []
    for module, path in _modules().items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        top = set(map(id, _top_level_imports(tree)))
        # Django's own pattern: an AppConfig connects its signal handlers in ready().
        top |= {
            id(n)
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef) and f.name == "ready" and path.name == "apps.py"
            for n in ast.walk(f)
        }
        for node in _all_imports(tree):
            if id(node) in top:
                continue
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            targets = _resolve(module, path, node, _modules())
            if isinstance(node, ast.Import):
                targets += [a.name for a in node.names]
            elif node.module and not node.level:
                targets.append(node.module)
            if not targets:
                continue  # a standard-library or third-party import inside a function
            nearby = " ".join(lines[max(0, node.lineno - 3) : node.lineno])
            allowed = any(t in LAZY_ALLOWED for t in targets) and "WeasyPrint" in nearby
            if not allowed:
                strays.append(f"{module}:{node.lineno} imports {', '.join(targets)}")
    assert strays == []
