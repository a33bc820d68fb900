"""Every public docstring example runs."""

import doctest
import importlib

import pytest

MODULES = [
    "aiexposure",
    "aiexposure.errors",
    "aiexposure.graph",
    "aiexposure.datasets",
    "aiexposure.synthetic",
    "aiexposure._cycles",
    "aiexposure._bods",
    "aiexposure._text",
    "aiexposure._progress",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0


def test_every_public_name_has_an_example():
    import aiexposure

    for name in aiexposure.__all__:
        obj = getattr(aiexposure, name)
        if name == "__version__":
            continue
        assert obj.__doc__ and ">>>" in obj.__doc__, name
    for attr in [
        "from_arrow",
        "from_networkx",
        "from_bods",
        "node_table",
        "num_nodes",
        "num_edges",
        "nodes",
        "edges",
        "to_networkx",
        "summary",
        "strongly_connected_components",
        "has_cycle",
        "find_cycle",
        "simple_cycles",
        "circular_financing",
    ]:
        doc = getattr(aiexposure.Graph, attr).__doc__
        assert doc and ">>>" in doc, attr
