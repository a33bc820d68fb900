"""Node ids the caller passes are resolved in Rust against the graph's own index (issue 15,
item 1): any order, any id type, unknown and null keys named, the same answers as before."""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiexposure import Graph, UnknownNodeError, _core

ID_TYPES = {
    "int64": pa.int64(),
    "int32": pa.int32(),
    "uint64": pa.uint64(),
    "string": pa.string(),
    "large_string": pa.large_string(),
    "string_view": pa.string_view(),
}


def chain(n, type_):
    """An ownership chain 0 -> 1 -> ... -> n-1, ids of ``type_`` (strings: 'n<i>')."""
    text = pa.types.is_string(type_) or pa.types.is_large_string(type_)
    ids = [f"n{i}" for i in range(n)] if text or pa.types.is_string_view(type_) else list(range(n))
    return Graph.from_arrow(
        {
            "source": pa.array(ids[:-1], type_),
            "target": pa.array(ids[1:], type_),
            "share": [0.5] * (n - 1),
        }
    ), ids


@pytest.mark.parametrize("name", ID_TYPES)
def test_id_keyed_inputs_in_any_order_equal_the_graph_ordered_call(name):
    g, ids = chain(50, ID_TYPES[name])
    values = np.arange(50, dtype=np.float64) * 3.0
    ordered = g.look_through(
        value_loss=pa.table({"node": g.nodes, "value": values}), legacy_columns=False
    )
    order = np.random.default_rng(1).permutation(50)
    shuffled = pa.table(
        {"node": pa.array([ids[i] for i in order], ID_TYPES[name]), "value": values[order]}
    )
    mapping = {ids[i]: float(values[i]) for i in order}
    for given_ in (shuffled, mapping):
        got = g.look_through(value_loss=given_, legacy_columns=False)
        assert got["total_loss"].equals(ordered["total_loss"]), name
    assert g.circular_financing(payees=[ids[3], ids[1]]).self_funded["node"].to_pylist() == [
        ids[3],
        ids[1],
    ]


def test_unknown_and_null_keys_are_named():
    g, _ = chain(5, pa.string())
    with pytest.raises(UnknownNodeError, match="'n9'") as info:
        g.look_through(value_loss=pa.table({"node": ["n1", "n9"], "value": [1.0, 2.0]}))
    assert info.value.nodes == ["n9"]
    with pytest.raises(UnknownNodeError, match="None"):
        g.look_through(value_loss=pa.table({"node": ["n1", None], "value": [1.0, 2.0]}))
    with pytest.raises(UnknownNodeError, match="'x'"):
        g.circular_financing(payees=["n1", "x"])


def test_uint64_ids_past_two_to_the_63_are_found():
    big = [2**64 - 1, 2**63, 5]
    g = Graph.from_arrow(
        {
            "source": pa.array(big[:2], pa.uint64()),
            "target": pa.array(big[1:], pa.uint64()),
            "share": [0.5, 0.5],
        }
    )
    lt = g.look_through(value_loss={5: 4.0, 2**63: 2.0}, legacy_columns=False)
    totals = dict(zip(lt["node"].to_pylist(), lt["total_loss"].to_pylist(), strict=True))
    assert totals[2**64 - 1] == pytest.approx(0.5 * 2.0 + 0.25 * 4.0)


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=40, unique=True),
    keys=st.lists(st.integers(-(2**62), 2**62), max_size=60),
)
def test_the_native_index_agrees_with_a_dict(labels, keys):
    index = _core.NodeIndex.of_ints(np.array(labels, dtype=np.int64))
    keys = keys + labels[::2]
    found = index.find_ints(np.array(keys, dtype=np.int64)).tolist()
    where = {v: i for i, v in enumerate(labels)}
    assert found == [where.get(k, -1) for k in keys]


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.text(max_size=6), min_size=1, max_size=30, unique=True),
    keys=st.lists(st.text(max_size=6), max_size=40),
)
def test_the_native_string_index_agrees_with_a_dict(labels, keys):
    def buffers(strings):
        array = pa.array(strings, pa.large_string())
        _, offsets, data = array.buffers()
        o = np.frombuffer(offsets, dtype=np.int64)[: len(strings) + 1]
        d = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
        return o, d

    index = _core.NodeIndex.of_strings(*buffers(labels))
    keys = keys + labels[::2]
    found = index.find_strings(*buffers(keys)).tolist()
    where = {v: i for i, v in enumerate(labels)}
    assert found == [where.get(k, -1) for k in keys]


def test_repeated_labels_are_refused_by_the_index():
    with pytest.raises(ValueError, match="repeats"):
        _core.NodeIndex.of_ints(np.array([3, 4, 3], dtype=np.int64))
