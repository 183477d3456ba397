"""Reading training sets out of the warehouse for the SFT adapters.

A recipe names its table and equality filters (e.g. `instruction_set: alpaca` for a partitioned
quality table). The table and column names are validated identifiers; filter values are bound
parameters. The rows are streamed through a Parquet snapshot, so no connection is held while the
training set is written.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from mammoth_assets.warehouse import Warehouse, WarehouseError, identifier


class MissingTrainingTable(WarehouseError):
    pass


def table_reader(warehouse: Warehouse):
    def read(table: str, filters: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        if not warehouse.table_exists(table):
            raise MissingTrainingTable(
                f"training-set table {table!r} does not exist yet: materialize it first"
            )
        text = f"SELECT * FROM {identifier(table)}"
        params: dict[str, Any] = {}
        if filters:
            clauses = []
            for i, (column, value) in enumerate(sorted(filters.items())):
                clauses.append(f"{identifier(column)} = $f{i}")
                params[f"f{i}"] = value
            text += " WHERE " + " AND ".join(clauses)
        for batch in warehouse.iter_batches(text, params, batch_rows=5_000):
            yield from batch.iter_rows(named=True)

    return read
