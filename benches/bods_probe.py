"""Reading a BODS v0.4 register (JSON Lines), measured in a fresh process.

Usage: python benches/bods_probe.py MODE PATH
MODE:
* aiexposure: ``aiexposure.read_bods(PATH)``, the node, interest and edge tables built; then,
  timed apart (outside the peak), ``Graph.from_bods(PATH)``.
* json: ``json.loads`` of every line, keeping nothing.
* orjson: ``orjson.loads`` of every line, keeping nothing.
* duckdb: DuckDB parses every statement fully into typed columns: ``CREATE TEMP TABLE AS
  SELECT * FROM read_ndjson(PATH, columns=...)`` with the BODS v0.4 columns given (as
  aiexposure knows them) and every nested field typed, so each record is parsed and
  transformed into DuckDB's columns (a ``count(*)`` alone projects no column and transforms
  nothing). Also timed apart: ``count(*)`` of ``read_json_objects`` (parsing each line,
  no transform: a lower bound).
* duckdb_infer: the same table with the schema left to DuckDB. The statements are
  heterogeneous (entity, person and relationship details in one ``recordDetails``) and the
  register is written company block by company block, so DuckDB's default sample (20,480
  records, all entities here) misses keys and fails ("has unknown key personType");
  ``sample_size=-1`` makes it read the whole file once more to infer the schema.
  ``union_by_name`` only matters across several files.
* load: ``Graph.from_bods(PATH)`` alone, what a user runs to load a register.
* reference: ``read_bods(PATH)`` of the former pure-Python reader (tests/bods_reference.py,
  json.loads then Python dicts), the three tables built.
* pipeline: the tables Graph.from_bods reads (nodes and edges: no interests table) ->
  Graph.from_arrow (together the two are Graph.from_bods) ->
  strongly_connected_components -> integrated_ownership("ultimate", threshold=0.25), each
  phase timed.

Prints one JSON line: seconds, statements, statements_per_s, peak_bytes (the peak resident
memory above the baseline taken after the imports and a warm-up, sampled from a thread from
/proc/self/statm: the Rust and DuckDB calls release the GIL), file_bytes and the mode's
counts. Before anything is timed the file is read once to count its lines (and so every mode
starts from the page cache). Run by test_bods_bench.py with malloc as a user has it (no
MALLOC_MMAP_THRESHOLD_): the heap a long call frees is handed back by aiexposure itself, so
resident memory is what a user sees.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time

from memory_probe import Peak  # the sampler of benches/memory_probe.py

MODES = (
    "aiexposure",
    "json",
    "orjson",
    "duckdb",
    "duckdb_infer",
    "load",
    "reference",
    "pipeline",
)

# The BODS v0.4 statement as the synthetic register writes it (what DuckDB infers from the
# whole file with sample_size=-1), with the share figures as DOUBLE (BODS numbers) and
# statementId as VARCHAR (BODS allows any 32-64 character id). interestedParty is a recordId
# string or an unspecified-party object: JSON.
_SHARE = "STRUCT(exact DOUBLE, minimum DOUBLE, maximum DOUBLE, exclusiveMinimum DOUBLE, " + (
    "exclusiveMaximum DOUBLE)"
)
DUCKDB_COLUMNS = {
    "statementId": "VARCHAR",
    "declarationSubject": "VARCHAR",
    "statementDate": "DATE",
    "publicationDetails": (
        'STRUCT(publicationDate DATE, bodsVersion VARCHAR, publisher STRUCT("name" VARCHAR))'
    ),
    "recordId": "VARCHAR",
    "recordType": "VARCHAR",
    "recordStatus": "VARCHAR",
    "recordDetails": (
        'STRUCT(isComponent BOOLEAN, entityType STRUCT("type" VARCHAR), "name" VARCHAR, '
        'jurisdiction STRUCT("name" VARCHAR, code VARCHAR), '
        "identifiers STRUCT(scheme VARCHAR, schemeName VARCHAR, id VARCHAR)[], "
        'foundingDate DATE, personType VARCHAR, "names" STRUCT("type" VARCHAR, '
        "fullName VARCHAR, givenName VARCHAR, familyName VARCHAR)[], "
        'nationalities STRUCT("name" VARCHAR, code VARCHAR)[], birthDate VARCHAR, '
        "subject VARCHAR, interestedParty JSON, "
        'interests STRUCT("type" VARCHAR, directOrIndirect VARCHAR, '
        f'beneficialOwnershipOrControl BOOLEAN, details VARCHAR, "share" {_SHARE}, '
        "startDate DATE, endDate DATE)[])"
    ),
}


def count_lines(path: str) -> int:
    """Non-empty lines of a JSON Lines file (the register writes one statement a line)."""
    n, last = 0, b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


def duckdb_columns() -> str:
    def quote(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    return "{" + ", ".join(f"{quote(k)}: {quote(v)}" for k, v in DUCKDB_COLUMNS.items()) + "}"


def sql_path(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def warm_up() -> None:
    """Imports and lazy initialisation on a tiny register, before the baseline."""
    from aiexposure import Graph, read_bods
    from aiexposure.synthetic import bods_register

    with tempfile.TemporaryDirectory() as where:
        small = bods_register(50, os.path.join(where, "warm.jsonl"), seed=1).path
        data = read_bods(small)
        g = Graph.from_arrow(data.edges, nodes=data.nodes)
        g.strongly_connected_components()
        g.integrated_ownership("ultimate", threshold=0.25)


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    if mode not in MODES:
        raise SystemExit(f"MODE must be one of {', '.join(MODES)}, not {mode!r}")
    lines = count_lines(path)
    out: dict = {"mode": mode, "file_bytes": os.path.getsize(path), "lines": lines}

    if mode in ("json", "orjson"):
        if mode == "json":
            from json import loads
        else:
            from orjson import loads
        gc.collect()
        n = 0
        with Peak() as peak, open(path, "rb") as f:
            for line in f:
                if line.strip():
                    loads(line)
                    n += 1
        out["statements"] = n

    elif mode in ("duckdb", "duckdb_infer"):
        import duckdb

        con = duckdb.connect()  # in memory

        def query(sql: str) -> list:
            # execute() runs the statement now; fetchall() reads its result to the end
            # (DuckDB 2 keeps a connection busy until a result is finished).
            return con.execute(sql).fetchall()

        query("SELECT 1")  # the JSON extension is loaded before the baseline
        out["threads"] = query("SELECT current_setting('threads')")[0][0]
        how = f"columns={duckdb_columns()}" if mode == "duckdb" else "sample_size=-1"
        gc.collect()
        with Peak() as peak:
            query(
                f"CREATE TEMP TABLE statements AS SELECT * FROM read_ndjson({sql_path(path)}, "
                f"{how})"
            )
        out["statements"], out["with_record_details"] = query(
            "SELECT count(*), count(recordDetails) FROM statements"
        )[0]
        query("DROP TABLE statements")
        if mode == "duckdb":
            t0 = time.perf_counter()
            query(
                f"SELECT count(*) FROM read_json_objects({sql_path(path)}, "
                "format='newline_delimited')"
            )
            out["parse_only_seconds"] = time.perf_counter() - t0

    elif mode == "aiexposure":
        from aiexposure import Graph, read_bods

        peak = read_timed(read_bods, path, lines, out)
        gc.collect()
        t0 = time.perf_counter()
        g = Graph.from_bods(path)
        out["from_bods_seconds"] = time.perf_counter() - t0
        out["graph_nodes"], out["graph_edges"] = g.num_nodes, g.num_edges
        # Relationships repeating a (holder, company) pair are one edge of the graph.
        out["merged_duplicates"] = g.summary()["merged_duplicates"]

    elif mode == "reference":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
        from bods_reference import read_bods as reference_read_bods

        peak = read_timed(reference_read_bods, path, lines, out)

    elif mode == "load":
        from aiexposure import Graph

        warm_up()
        gc.collect()
        with Peak() as peak:
            g = Graph.from_bods(path)
        out.update(statements=lines, nodes=g.num_nodes, edges=g.num_edges)

    else:  # pipeline
        from aiexposure import Graph
        from aiexposure._bods import read_tables

        warm_up()
        gc.collect()
        phases: dict[str, float] = {}

        def phase(name, f):
            t0 = time.perf_counter()
            result = f()
            phases[name] = time.perf_counter() - t0
            return result

        with Peak() as peak:
            data = phase(
                "read",
                lambda: read_tables(path, "range", "shareholding", None, interests=False),
            )
            # The rest of Graph.from_bods: the graph from the tables (the caller keeps none).
            g = phase("build", lambda: Graph.from_arrow(data.edges, nodes=data.nodes))
            del data
            scc = phase("scc", g.strongly_connected_components)
            owners = phase("ultimate_0.25", lambda: g.integrated_ownership("ultimate", 0.25))
        out.update(
            statements=lines,
            phases=phases,
            nodes=g.num_nodes,
            edges=g.num_edges,
            cyclic_components=cyclic_components(scc),
            owner_rows=owners.num_rows,
        )

    out["seconds"] = peak.seconds
    out["statements_per_s"] = out["statements"] / peak.seconds
    out["peak_bytes"] = peak.peak - peak.baseline
    out["peak_per_file_byte"] = out["peak_bytes"] / out["file_bytes"]
    out["retained_bytes"] = peak.retained
    out["cpus"] = os.cpu_count()
    print(json.dumps(out))


def read_timed(read, path: str, lines: int, out: dict) -> Peak:
    """``read(path)`` (a reader of the three BODS tables) under the peak sampler; its row
    counts into ``out``, the tables freed."""
    warm_up()
    gc.collect()
    with Peak() as peak:
        data = read(path)
    out.update(
        statements=lines,
        nodes=data.nodes.num_rows,
        interests=data.interests.num_rows,
        edges=data.edges.num_rows,
    )
    return peak


def cyclic_components(scc) -> int:
    """Strongly connected components of more than one node (the ownership rings)."""
    import numpy as np

    component, size = scc["component"].to_numpy(), scc["size"].to_numpy()
    return int(np.unique(component[size > 1]).size)


if __name__ == "__main__":
    main()
