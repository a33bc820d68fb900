"""Imports go one way (docs/architecture.md): every module of the package has a layer, and
imports only from lower layers (function-level imports included). A new module must be given
its layer here, which is the point: where it sits is a decision."""

import ast
import pkgutil
from pathlib import Path

import aiexposure

PACKAGE = Path(aiexposure.__file__).parent

LAYERS = [
    {"errors", "_vocabulary", "_text", "_progress", "_pairs"},
    {"_core", "_io"},
    {"_ids"},
    {"_nodes", "_validate"},
    {"_stakes"},
    {"_handle"},
    {"_inputs"},
    {"_scenarios"},
    {"_exposure", "_cycles", "_size", "_bods", "_bods_write", "_saved", "_contagion", "_control"},
    {"_build", "_chunks"},
    {"graph"},
    {"datasets", "_cluster"},
    {"synthetic", "distributed"},
    {"_plot"},
    {"_stress"},
    {"_report"},
    {"cli"},
    {"__init__", "__main__"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def package_imports(path: Path) -> set[str]:
    """The package modules ``path`` imports (``from . import x``, ``from .x import y``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "aiexposure" and len(parts) > 1:
                    found.add(parts[1])
    return found


def modules() -> dict[str, Path]:
    out = {}
    for info in pkgutil.iter_modules([str(PACKAGE)]):
        path = PACKAGE / info.name / "__init__.py" if info.ispkg else PACKAGE / f"{info.name}.py"
        if path.exists():  # the native module has no source
            out[info.name] = path
    out["__init__"] = PACKAGE / "__init__.py"
    return out


def test_every_module_has_a_layer():
    unplaced = set(modules()) - set(LAYER)
    assert not unplaced, f"give these modules a layer in tests/test_layers.py: {unplaced}"


def test_imports_go_down_only():
    wrong = []
    for name, path in modules().items():
        for target in package_imports(path):
            if target not in LAYER:
                continue  # a name from the package root (aiexposure.__version__) is not a module
            if LAYER[target] >= LAYER[name]:
                wrong.append(
                    f"{name} (layer {LAYER[name]}) imports {target} (layer {LAYER[target]})"
                )
    assert not wrong, "\n".join(wrong)


def test_method_modules_never_see_the_graph_class():
    for name in (
        "_exposure",
        "_cycles",
        "_size",
        "_handle",
        "_nodes",
        "_build",
        "_stakes",
        "_saved",
        "_inputs",
        "_contagion",
    ):
        assert "graph" not in package_imports(modules()[name]), name
