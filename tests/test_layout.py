"""The package's shape, read from its source: import circles and private names.

Every import counts, deferred ones inside functions included; only imports under
``if TYPE_CHECKING:`` do not (they never run). A module's private names (``_x``) are its
own: another module neither imports them (``from m import _x``) nor reaches them as
attributes (``m._x``, ``obj._x``; a class's own ``self._x``, inherited ones included, is
its business); a private module (``pkg/_m.py``) is imported only from inside its package.
The tests themselves are exempt: they may open a module's internals to check them.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import limette

ROOT = Path(limette.__file__).parent
#: Circles allowed in all (each listed): results that open their views lazily.
MOST_CIRCLES = 2
#: Private names of other libraries that limette must use.
FOREIGN = {"_getframe", "_client"}  # sys._getframe; Dask's ClientExecutor._client


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def _absolute(module: str, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")
    if not _is_package(module):
        base.pop()
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _imports(module: str) -> set[str]:
    """The limette modules ``module`` imports (at run time)."""
    tree = ast.parse(MODULES[module].read_text())
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node.level, node.module)
            subs = {f"{source}.{alias.name}" for alias in node.names} & MODULES.keys()
            # ``from pkg import sub`` runs ``sub``; ``pkg`` is being imported already
            found.update(subs if len(subs) == len(node.names) else {source, *subs})
    return {name for name in found if name in MODULES and name != module}


def _circles() -> list[tuple[str, ...]]:
    """Every elementary import circle, each once (starting at its smallest module)."""
    graph = {name: _imports(name) for name in MODULES}
    circles = []
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    circles.append(tuple(path))
                elif nxt > start and nxt not in path:
                    stack.append((nxt, [*path, nxt]))
    return circles


def test_few_import_circles_and_none_through_an_explainer_or_a_plan():
    circles = _circles()
    assert len(circles) <= MOST_CIRCLES, circles
    for circle in circles:
        assert not any(name.endswith(("explainer", "_plan", "attribution")) for name in circle), (
            circle
        )


def _own_names(tree: ast.Module) -> set[str]:
    """Private names a module defines: functions, classes, variables, attributes, fields."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return {name for name in names if _private(name)}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _home(target: str) -> str:
    """The package a module lives in up to its first private part: who may import it."""
    parts = target.split(".")
    first = next((i for i, part in enumerate(parts) if _private(part)), None)
    return "limette" if first is None else ".".join(parts[:first])


def _may_import(module: str, target: str) -> bool:
    home = _home(target)
    return module == home or module.startswith(home + ".")


def _reaches(module: str) -> list[str]:
    """Where ``module`` uses a private name or a private module of another."""
    tree = ast.parse(MODULES[module].read_text())
    own = _own_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(module, node.level, node.module)
            if not source.startswith("limette"):
                continue
            found += [
                f"line {node.lineno}: from {source} import {alias.name}"
                for alias in node.names
                if _private(alias.name) and f"{source}.{alias.name}" not in MODULES
            ]
            found += [
                f"line {node.lineno}: imports {target}"
                for target in [source, *(f"{source}.{alias.name}" for alias in node.names)]
                if target in MODULES and not _may_import(module, target)
            ]
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: imports {alias.name}"
                for alias in node.names
                if alias.name in MODULES and not _may_import(module, alias.name)
            ]
        elif (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and node.attr not in own | FOREIGN
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_uses_another_modules_private_names():
    reaches = {name: _reaches(name) for name in MODULES}
    assert {name: found for name, found in reaches.items() if found} == {}


def test_the_checks_see_what_they_look_for(tmp_path, monkeypatch):
    """The two readers find a planted circle and planted private reaches."""
    (tmp_path / "limette" / "a").mkdir(parents=True)
    files = {
        "limette/__init__.py": "",
        "limette/a/__init__.py": "",
        "limette/a/_inner.py": "from ..b import go\n_secret = 1\n",
        "limette/b.py": "import limette.a._inner\n"
        "def go():\n    from .a._inner import _secret\n    return limette.a._inner._other\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path / "limette")
    planted = {
        ".".join(
            Path(n).with_suffix("").parts[:-1]
            if n.endswith("__init__.py")
            else Path(n).with_suffix("").parts
        ): tmp_path / n
        for n in files
    }
    monkeypatch.setattr(sys.modules[__name__], "MODULES", planted)
    assert _circles() == [("limette.a._inner", "limette.b")]
    found = _reaches("limette.b")
    assert any("import _secret" in line for line in found)
    assert any("._other" in line for line in found)
    assert any("imports limette.a._inner" in line for line in found)
    assert _reaches("limette.a._inner") == []
