"""Pseudonymisation: raw user ids become keyed hashes before anything is written.

HMAC-SHA256 under the workspace secret, so the mapping cannot be rebuilt by hashing guessed
ids without the key, yet the same person gets the same pseudonym in every ingest.

Ids repeat heavily in event data, so each distinct id is hashed once per ingest: the ids seen so
far and their pseudonyms sit in an in-memory DuckDB table, a batch's distinct ids are matched
against it with a hash join, and only ids never seen before reach Python's HMAC. Rows then get
their pseudonym by an Arrow gather. The table lives in this process only and is never written.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

PREFIX = "u"
DIGEST_CHARS = 32  # 128 bits: collisions are negligible even for billions of ids


class Pseudonymiser:
    def __init__(self, secret: str, *, max_known: int = 5_000_000) -> None:
        self._base = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
        self._max_known = max_known
        self._known = 0
        self._con = duckdb.connect()
        self._con.execute("CREATE TABLE known (raw VARCHAR, p VARCHAR)")

    def one(self, raw: str) -> str:
        h = self._base.copy()
        h.update(raw.encode("utf-8"))
        return PREFIX + h.hexdigest()[:DIGEST_CHARS]

    def apply(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Pseudonyms for a string array (nulls stay null)."""
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        uniques = pc.unique(values).drop_null()
        con = self._con
        if self._known + len(uniques) > self._max_known:
            con.execute("DELETE FROM known")
            self._known = 0
        batch = pa.table({"raw": uniques})
        con.register("batch", batch)
        try:
            new = con.sql("SELECT raw FROM batch ANTI JOIN known USING (raw)").to_arrow_table()
            if new.num_rows:
                raws = new["raw"].to_pylist()
                fresh = pa.table({"raw": new["raw"], "p": [self.one(r) for r in raws]})
                con.register("fresh", fresh)
                con.execute("INSERT INTO known SELECT raw, p FROM fresh")
                con.unregister("fresh")
                self._known += len(raws)
            mapped = con.sql("SELECT raw, p FROM batch JOIN known USING (raw)").to_arrow_table()
        finally:
            con.unregister("batch")
        index = pc.index_in(values, value_set=mapped["raw"])
        return pc.take(mapped["p"].combine_chunks(), index)
