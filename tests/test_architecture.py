"""The layer rules that import-linter does not check (`make test` runs `lint-imports` for the
layers themselves; see README, "Architecture"). Every import counts, those inside functions too:
a lazy import hides a dependency from the reader, not from the rules.

- no module imports another package's private module (`culturebridge.X._y` from outside X);
- no import cycle between modules;
- only `query` and `ingest` open the engine; nothing outside `privacy` reads the k setting.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "culturebridge"

ENGINE_OWNERS = {"query", "ingest"}
ENGINE_CALLS = {"connect", "engine"}
"""What `culturebridge.query` exports that opens a connection."""
ALLOWED_ENGINE = {
    # model fitting reads every user's events in-process (nothing leaves); callers may pass
    # the session's own connection instead
    "culturebridge.recommend._data",
}
ALLOWED_DUCKDB = {
    "culturebridge.workspace",  # keeps the warehouse's views over its own files
    "culturebridge.privacy._pseudo",  # hashes ids in memory, no data attached
}


def _modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(name: str, path: Path, tree: ast.Module) -> Iterator[tuple[str, int]]:
    """(imported culturebridge module, line) for every import in the module, lazy ones too;
    `from pkg import sub` counts as importing `pkg.sub` when `sub` is a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("culturebridge"):
                    yield a.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, node, path.name == "__init__.py")
            if not target.startswith("culturebridge"):
                continue
            for a in node.names:
                sub = f"{target}.{a.name}"
                exists = (SRC / Path(*sub.split("."))).with_suffix(".py").exists() or (
                    SRC / Path(*sub.split("."))
                ).is_dir()
                yield (sub if exists else target), node.lineno


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _is_private(module: str) -> bool:
    return any(p.startswith("_") and p != "__init__" for p in module.split(".")[2:])


def test_no_module_imports_another_packages_private_module() -> None:
    found = []
    for name, path, tree in _modules():
        for target, line in _imports(name, path, tree):
            if _package(target) != _package(name) and _is_private(target):
                found.append(f"{path.relative_to(SRC)}:{line} imports {target}")
    assert not found, "\n".join(found)


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for name, path, tree in _modules():
        graph.setdefault(name, set())
        for target, _ in _imports(name, path, tree):
            if target != name:
                graph[name].add(target)
    # a package's __init__ re-exporting its own modules is not a cycle of design
    edges = {
        m: {t for t in ts if not (m != t and t.startswith(m + "."))} for m, ts in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            visit(v)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def _calls(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Dotted names of every call (`duckdb.connect`, `engine`, `a.b.c`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            parts = []
            f = node.func
            while isinstance(f, ast.Attribute):
                parts.append(f.attr)
                f = f.value
            if isinstance(f, ast.Name):
                parts.append(f.id)
                yield ".".join(reversed(parts)), node.lineno


def test_only_query_and_ingest_open_the_engine() -> None:
    found = []
    for name, path, tree in _modules():
        if _package(name) in ENGINE_OWNERS:
            continue
        from_query = {
            a.asname or a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "") == "culturebridge.query"
            for a in node.names
            if a.name in ENGINE_CALLS
        }
        for call, line in _calls(tree):
            opens = call in from_query or call.endswith((".duckdb.connect", "pyspark.connect"))
            raw = call == "duckdb.connect" and name not in ALLOWED_DUCKDB
            if (opens and name not in ALLOWED_ENGINE) or raw:
                found.append(f"{path.relative_to(SRC)}:{line} calls {call}")
    assert not found, "\n".join(found)


def test_only_privacy_reads_the_k_setting() -> None:
    """`config.privacy.k` (and `privacy.k` of a config) is read in `privacy` alone; everyone
    else asks a `Policy` (`enough`, `shown`) or releases through the guard."""
    found = []
    for name, path, tree in _modules():
        if _package(name) == "privacy":
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "k"
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "privacy"
                and ast.unparse(node.value.value).endswith("config")
            ):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not found, "\n".join(found)
