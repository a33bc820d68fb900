"""Reading any tabular input into a ``pyarrow.Table``."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from .errors import InvalidGraphError

TABULAR_INPUTS = (
    "a pyarrow Table, RecordBatch or RecordBatchReader, a polars or pandas DataFrame, a DuckDB "
    "relation, any object with __arrow_c_stream__, a dict of columns, or a path to a .parquet, "
    ".arrow, .feather, .ipc or .csv file"
)


def read_table(
    data: Any, what: str = "edge table", id_columns: Sequence[str | int] = ()
) -> pa.Table:
    """Return ``data`` as a ``pyarrow.Table`` without copying when it already is Arrow.

    ``id_columns`` (names, or positions) are read as strings from a CSV file: type inference
    would make ``007`` and ``07`` one integer node and drop a register number's leading
    zeros. Typed formats (Parquet, Arrow) keep their declared types."""
    if isinstance(data, (str, os.PathLike)):
        return _read_path(Path(data), what, id_columns)
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    if type(data).__module__.startswith("pandas"):
        return _from_pandas(data, what)
    if hasattr(data, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(data).read_all()
    if hasattr(data, "__arrow_c_array__"):
        return pa.Table.from_batches([pa.record_batch(data)])
    if isinstance(data, dict):
        try:
            return pa.table(data)
        except (pa.ArrowException, TypeError, ValueError) as e:
            raise InvalidGraphError(f"cannot make an Arrow {what} from this dict: {e}") from e
    raise TypeError(f"cannot read the {what} from {type(data).__name__}; pass {TABULAR_INPUTS}")


def _from_pandas(frame: Any, what: str) -> pa.Table:
    names = [str(c) for c in getattr(frame, "columns", [])]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InvalidGraphError(
            f"the pandas {what} has duplicate column names ({', '.join(map(repr, twice))}): "
            "rename or drop all but one of each"
        )
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as e:
        # Name the column: an object column mixing ints and strings is the usual cause.
        for name in getattr(frame, "columns", []):
            try:
                pa.array(frame[name], from_pandas=True)
            except (pa.ArrowException, TypeError, ValueError) as col_error:
                raise InvalidGraphError(
                    f"column {name!r} of the pandas {what} mixes value types "
                    f"({col_error}); node ids must be all strings or all integers: "
                    f"convert it, e.g. df[{name!r}].astype(str)"
                ) from e
        raise InvalidGraphError(f"cannot make an Arrow {what} from this DataFrame: {e}") from e


def _read_path(path: Path, what: str, id_columns: Sequence[str | int] = ()) -> pa.Table:
    if not path.exists():
        raise FileNotFoundError(f"{what} file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            # ParquetFile, not read_table: the dataset reader refuses duplicate column names
            # before the edge table's checks can name them.
            return pq.ParquetFile(path).read()
        if suffix in (".arrow", ".feather", ".ipc", ".arrows"):
            return _read_ipc(path)
        if suffix == ".csv":
            return _read_csv(path, id_columns)
    except (pa.ArrowException, OSError) as e:
        kind = suffix.lstrip(".")
        raise InvalidGraphError(f"cannot read {path} as a {kind} {what}: {e}") from e
    raise InvalidGraphError(
        f"unsupported file type {suffix!r} for {path}; use .parquet, .arrow, .feather, .ipc or "
        ".csv (or load it yourself and pass an Arrow table)"
    )


def _read_csv(path: Path, id_columns: Sequence[str | int]) -> pa.Table:
    import pyarrow.csv as pcsv

    header: list[str] = []
    if id_columns:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
            header = next(csv.reader(f), [])
    names = [header[c] if isinstance(c, int) and c < len(header) else c for c in id_columns]
    types = {name: pa.string() for name in names if name in header}
    return pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(column_types=types))


def _read_ipc(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        try:
            return pa.ipc.open_file(source).read_all()
        except pa.ArrowInvalid:
            source.seek(0)
            return pa.ipc.open_stream(source).read_all()


def write_table(table: pa.Table, path: str | os.PathLike) -> None:
    """Write ``table`` in the format its suffix names (.parquet, .arrow/.feather/.ipc: Arrow
    IPC file, .arrows: IPC stream, .csv); an unknown suffix is an error before anything is
    written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    elif suffix in (".arrow", ".feather", ".ipc"):
        import pyarrow.feather as feather

        feather.write_feather(table, path, compression="uncompressed")
    elif suffix == ".arrows":
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
            w.write_table(table)
    elif suffix == ".csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, path)
    else:
        raise ValueError(
            f"unsupported output type {suffix!r} for {path}; use .parquet, .arrow, .feather, "
            ".ipc, .arrows or .csv"
        )
