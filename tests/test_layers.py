"""The package's imports point down its layers (README, "For developers").

Every module of ``src/xltools`` is parsed (not imported) and each of its imports of
another xltools module, at the top or inside a function, is held against
:data:`LAYERS`: a module may import its own layer or a lower one, never a higher one;
an operation never imports another operation; nobody takes a ``_private`` name from
another module (an import of it, or ``module._name`` on an imported module); and no
modules import each other in a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "xltools"

# Lowest first.  A module belongs to the layer of the longest key that is its dotted path
# (below ``xltools``) or a package above it.
ORDER = ("core", "workbooks", "ops", "runs", "excel", "shells")
LAYERS = {
    "": "core",            # the package itself: its version
    "core": "core",        # the forms and the rules: pure, no files read or written
    "workbooks": "workbooks",  # reading and writing workbooks and files
    "ops": "ops",          # the survey's operations: peers, none imports another
    "runs": "runs",        # each command from inputs to written files: what the CLI and serve share
    "excel": "excel",      # the Excel add-in
    "cli": "shells", "web": "shells",  # the shells
    # the faces at the top, which hand on a module of a layer under the name users import
    "validate": "core", "templates": "ops", "merge": "ops", "udfs": "excel",
}
OPERATIONS = "ops"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def inner(name: str) -> str:
    """'xltools.core.schema' -> 'core.schema' ('' for the package itself)."""
    return name.partition(".")[2]


def layer_key(name: str) -> str:
    parts = inner(name).split(".") if inner(name) else []
    for i in range(len(parts), -1, -1):
        key = ".".join(parts[:i])
        if key in LAYERS:
            return key
    raise KeyError(name)


def layer(name: str) -> str:
    return LAYERS[layer_key(name)]


def operation(name: str) -> str | None:
    """The operation a module of the operations layer belongs to: the first name below
    ``ops`` (after the move) or its own name (before), so a face and its package agree."""
    if layer(name) != OPERATIONS:
        return None
    parts = inner(name).split(".")
    return parts[1] if parts[0] == "ops" and len(parts) > 1 else parts[0]


def resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(name: str, path: Path, known: dict[str, Path]):
    """(imported module, names taken from it, line) for every import of an xltools module;
    also ``module._name`` attribute uses, as a name taken from that module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound: dict[str, str] = {}  # local name -> xltools module
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = resolve(name, path.name == "__init__.py", node)
            if base.split(".")[0] != "xltools":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:  # from . import readers: the module readers
                    out.append((sub, [], node.lineno))
                    bound[alias.asname or alias.name] = sub
                else:
                    out.append((base, [alias.name], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "xltools":
                    out.append((alias.name, [], node.lineno))
                    if alias.asname:
                        bound[alias.asname] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
            out.append((bound[node.value.id], [node.attr], node.lineno))
    return out


def owner(target: str, known: dict[str, Path]) -> str:
    """The module an imported dotted name lives in (a name below a module is that module)."""
    while target not in known and "." in target:
        target = target.rpartition(".")[0]
    return target


def edges():
    known = modules()
    for name, path in known.items():
        for target, names, line in imports(name, path, known):
            yield name, owner(target, known), names, f"{path.relative_to(SRC.parent)}:{line}"


def test_every_module_has_a_layer():
    assert [n for n in modules() if layer_key_or_none(n) is None] == []


def layer_key_or_none(name: str):
    try:
        return layer_key(name)
    except KeyError:
        return None


def test_imports_point_down_the_layers():
    wrong = [f"{where}: {a} ({layer(a)}) imports {b} ({layer(b)})" for a, b, _, where in edges()
             if ORDER.index(layer(b)) > ORDER.index(layer(a))]
    assert not wrong, "\n".join(wrong)


def test_no_operation_imports_another_operation():
    wrong = [f"{where}: {a} imports {b}" for a, b, _, where in edges()
             if operation(a) and operation(b) and operation(a) != operation(b)]
    assert not wrong, "\n".join(wrong)


def test_no_module_takes_another_modules_private_name():
    wrong = [f"{where}: {a} takes {b}.{n}" for a, b, names, where in edges() if b != a
             for n in names if n.startswith("_") and not (n.startswith("__") and n.endswith("__"))]
    assert not wrong, "\n".join(wrong)


def test_no_modules_import_each_other_in_a_circle():
    graph: dict[str, set[str]] = {}
    for a, b, _, _ in edges():
        if a != b and not a.startswith(b + "."):  # a package's own modules may import its face
            graph.setdefault(a, set()).add(b)
    circles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif not state.get(nxt):
                visit(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(graph):
        if not state.get(start):
            visit(start, [start])
    assert not circles, "\n".join(circles)


@pytest.mark.parametrize("importer, imported, allowed", [
    ("xltools.core.validate", "xltools.core.schema", True),
    ("xltools.core.schema", "xltools.workbooks.readers", False),
    ("xltools.core.status", "xltools.workbooks.readers", False),
    ("xltools.workbooks.rosterbook", "xltools.core.stats", True),
    ("xltools.ops.split", "xltools.workbooks.outbook", True),
    ("xltools.workbooks.readers", "xltools.ops.forms.read", False),
    ("xltools.excel.ribbon", "xltools.ops.merge", True),
    ("xltools.cli.commands", "xltools.excel.addin", True),
])
def test_the_layer_table_reads_flat_and_packaged_names_alike(importer, imported, allowed):
    assert (ORDER.index(layer(imported)) <= ORDER.index(layer(importer))) is allowed


def test_operations_are_told_apart_before_and_after_the_move():
    assert operation("xltools.ops.split") == operation("xltools.ops.split") == "split"
    assert operation("xltools.ops.forms.prefill") == operation("xltools.ops.forms") == "forms"
    assert operation("xltools.ops.templates") == operation("xltools.ops.templates")
    assert operation("xltools.workbooks.readers") is None


def test_the_names_users_and_the_add_in_import_stay_where_they_expect_them():
    """Moving code into the layers changed no public name: the faces hand them on."""
    import importlib

    from xltools.core.validate import validate_rows
    from xltools.excel.udfs import XT_ID_CHECK
    from xltools.ops.merge import merge
    from xltools.ops.templates import build_template

    assert importlib.import_module("xltools.merge").merge is merge
    assert importlib.import_module("xltools.templates").build_template is build_template
    assert importlib.import_module("xltools.validate").validate_rows is validate_rows
    assert importlib.import_module("xltools.udfs").XT_ID_CHECK is XT_ID_CHECK  # xlwings' "UDF Modules"
    assert callable(importlib.import_module("xltools.cli").main)  # the console script xltools.cli:main
