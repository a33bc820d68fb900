"""Every docstring example in the package runs, and every public name has one.

Modules are found by walking the package, so a new module's examples run without a list to
keep."""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import aiexposure

# __main__ runs the command line when imported.
FOUND = pkgutil.walk_packages(aiexposure.__path__, prefix="aiexposure.")
MODULES = ["aiexposure", *sorted(m.name for m in FOUND if m.name != "aiexposure.__main__")]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_the_walk_finds_the_modules():
    assert {"aiexposure.graph", "aiexposure._nodes", "aiexposure.datasets"} <= set(MODULES)
    # The native module is found too; its functions document themselves in _core.pyi.
    assert "aiexposure._core" in MODULES


def public_members(cls):
    for name, member in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        if isinstance(member, property) or callable(member):
            yield name, member


def test_every_public_name_has_an_example():
    for name in aiexposure.__all__:
        if name == "__version__":
            continue
        obj = getattr(aiexposure, name)
        assert obj.__doc__ and ">>>" in obj.__doc__, name
    missing = [
        name
        for name, member in public_members(aiexposure.Graph)
        if ">>>" not in (inspect.getdoc(member) or "")
    ]
    assert not missing, f"Graph members without a docstring example: {missing}"
