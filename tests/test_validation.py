"""Every bad input of the data model (Graph.from_arrow's docstring) is refused with the right
exception, naming the culprit."""

import pyarrow as pa
import pytest

from aiexposure import AIExposureError, Graph, InvalidGraphError


def table(**columns):
    base = {"source": ["A", "B", "C"], "target": ["B", "C", "D"], "share": [0.5, 0.5, 0.5]}
    base.update(columns)
    return {k: v for k, v in base.items() if v is not None}


def refused(data, match, rows=None, named=None, **kwargs):
    with pytest.raises(InvalidGraphError, match=match) as info:
        Graph.from_arrow(data, **kwargs)
    if rows is not None:
        assert info.value.rows == rows
    if named is not None:
        assert info.value.nodes == named
    assert isinstance(info.value, AIExposureError) and isinstance(info.value, ValueError)
    return info.value


def test_missing_source_column_lists_the_columns():
    refused(
        {"from": ["A"], "target": ["B"], "share": [0.5]},
        r"no source column 'source' \(columns: 'from'",
    )


def test_missing_renamed_optional_column():
    refused(table(), r"no share column 'pct'", share="pct")


def test_null_source():
    refused(table(source=["A", None, "C"]), r"null source in column 'source' at row 1", rows=[1])


def test_null_target():
    refused(table(target=[None, "C", None]), r"null target .* rows 0, 2", rows=[0, 2])


def test_unsupported_id_type():
    refused(
        table(source=[1.5, 2.5, 3.5]),
        r"source column 'source' holds double values; node ids must be strings or integers",
    )


def test_mixed_string_and_integer_ids():
    refused(table(source=[1, 2, 3]), r"mix strings and integers")


def test_unknown_kind_names_value_and_row():
    refused(
        table(kind=["equity", "loan", "equity"]),
        r"unknown kind 'loan' in column 'kind' at row 1",
        rows=[1],
    )


def test_null_kind():
    refused(table(kind=["equity", None, "equity"]), r"unknown kind null .* row 1", rows=[1])


def test_non_string_kind():
    refused(table(kind=[1, 2, 3]), r"column 'kind' holds int64 values")


def test_share_above_one():
    refused(table(share=[0.5, 1.5, 0.5]), r"share in column 'share' is above 1 .* row 1", rows=[1])


def test_share_zero_and_negative():
    refused(table(share=[0.0, -0.1, 0.5]), r"zero or negative .* rows 0, 1", rows=[0, 1])


def test_share_nan():
    refused(
        table(share=[0.5, float("nan"), 0.5]), r"share in column 'share' is NaN at row 1", rows=[1]
    )


def test_share_null_on_equity_is_an_unknown_stake():
    # A null share is a stake the data do not give: the interval (0, 1], never refused.
    g = Graph.from_arrow(table(share=[0.5, None, 0.5]))
    assert g.has_interval_stakes


def test_share_column_missing_with_equity_edges():
    refused(table(share=None), r"equity edges need a share.*rows 0, 1, 2", rows=[0, 1, 2])


def test_share_on_non_equity_edge():
    refused(
        table(kind=["equity", "credit", "equity"], share=[0.5, 0.2, 0.5]),
        r"share on non-equity edges at row 1",
        rows=[1],
    )


def test_non_numeric_share():
    refused(
        table(share=["50%", "1", "1"]), r"column 'share' holds string values; share must be numeric"
    )


def test_negative_amount():
    refused(
        table(amount=[1.0, -5.0, None]),
        r"amount in column 'amount' is negative or infinite at row 1",
        rows=[1],
    )


def test_infinite_amount():
    refused(table(amount=[float("inf"), 1.0, 1.0]), r"negative or infinite at row 0", rows=[0])


def test_nan_amount():
    refused(
        table(amount=[1.0, float("nan"), None]),
        r"amount in column 'amount' is NaN at row 1 \(0-based\); use null",
        rows=[1],
    )


def test_shares_in_one_issuer_above_one_name_issuer_and_holders():
    e = refused(
        {
            "source": ["Amazon", "Nvidia", "SoftBank"],
            "target": ["OpenAI"] * 3,
            "share": [0.5, 0.3, 0.3],
        },
        r"issuer 'OpenAI' sum to 1\.1.*'Amazon' holds 0\.5, 'Nvidia' holds 0\.3, "
        r"'SoftBank' holds 0\.3",
    )
    assert e.nodes[0] == "OpenAI"
    assert set(e.nodes) == {"OpenAI", "Amazon", "Nvidia", "SoftBank"}


def test_duplicates_summed_above_one_are_caught():
    refused(
        {"source": ["A", "A"], "target": ["B", "B"], "share": [0.6, 0.6]}, r"issuer 'B' sum to 1\.2"
    )


def test_several_over_held_issuers_are_counted():
    refused(
        {"source": [1, 2, 1, 2], "target": [10, 10, 20, 20], "share": [0.9, 0.9, 0.8, 0.8]},
        r"issuer 10 .* 1 more over-held issuer\(s\): 20",
    )


def test_tolerance_accepts_rounding():
    Graph.from_arrow({"source": ["A", "B", "C"], "target": ["D"] * 3, "share": [1 / 3] * 3})


def test_equity_self_loop_refused_naming_node():
    refused(
        table(target=["B", "C", "C"]),
        r"equity self-loop .* row 2.*'C'.*allow_treasury=True",
        rows=[2],
        named=["C"],
    )


def test_duplicates_error_names_rows():
    refused(
        {"source": ["A", "X", "A"], "target": ["B", "Y", "B"], "share": [0.1, 0.1, 0.1]},
        r"duplicate \(source, target, kind\) edges, e\.g\. 'A' -> 'B' \(equity\), at rows 0, 2",
        rows=[0, 2],
        duplicates="error",
    )


def test_same_pair_different_kinds_is_not_a_duplicate():
    g = Graph.from_arrow(
        {
            "source": ["A", "A"],
            "target": ["B", "B"],
            "kind": ["equity", "credit"],
            "share": [0.1, None],
        },
        duplicates="error",
    )
    assert g.num_edges == 2


def test_bad_duplicates_argument():
    with pytest.raises(ValueError, match="duplicates must be 'sum' or 'error'"):
        Graph.from_arrow(table(), duplicates="drop")


def test_duplicate_node_list():
    refused(table(), r"nodes lists 1 id\(s\) more than once: 'A'", nodes=["A", "B", "A", "C", "D"])


def test_null_in_node_list():
    refused(table(), r"null node id in nodes at row 1", nodes=["A", None])


def test_node_list_type_must_match_ids():
    refused(table(), r"mix strings and integers", nodes=[1, 2])


def test_nothing_half_built_on_error():
    # A failed build raises; no Graph object exists to be used half-built.
    with pytest.raises(InvalidGraphError):
        g = Graph.from_arrow(table(share=[0.5, 2.0, 0.5]))
    assert "g" not in locals()


def test_graph_cannot_be_constructed_directly():
    with pytest.raises(TypeError, match=r"Graph\.from_arrow"):
        Graph()


def test_dictionary_of_unequal_columns():
    with pytest.raises(InvalidGraphError, match="cannot make an Arrow edge table"):
        Graph.from_arrow({"source": ["A", "B"], "target": ["B"], "share": [0.5]})


def test_error_from_record_batch_with_string_view():
    t = pa.table(
        {
            "source": pa.array(["A", "B"], pa.string_view()),
            "target": pa.array(["C", "C"], pa.string_view()),
            "share": [0.9, 0.2],
        }
    )
    refused(t, r"issuer 'C'")


def test_over_held_issuer_lists_five_holders_and_says_how_many_more():
    with pytest.raises(InvalidGraphError, match=r"'h4' holds 0\.2 and 3 more\."):
        Graph.from_arrow(
            {"source": [f"h{i}" for i in range(8)], "target": ["X"] * 8, "share": [0.2] * 8}
        )
