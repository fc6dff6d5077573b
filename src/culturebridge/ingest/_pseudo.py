"""Pseudonymisation: raw user ids become keyed hashes before anything is written.

HMAC-SHA256 under the workspace secret, so the mapping cannot be rebuilt by hashing guessed
ids without the key, yet the same person gets the same pseudonym in every ingest. Each distinct
id is hashed once (ids repeat heavily in event data) and the result is gathered back per row.
"""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pyarrow.compute as pc

PREFIX = "u"
DIGEST_CHARS = 32  # 128 bits: collisions are negligible even for billions of ids


class Pseudonymiser:
    def __init__(self, secret: str, *, cache_size: int = 2_000_000) -> None:
        self._base = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
        self._cache: dict[str, str] = {}
        self._cache_size = cache_size

    def one(self, raw: str) -> str:
        h = self._base.copy()
        h.update(raw.encode("utf-8"))
        return PREFIX + h.hexdigest()[:DIGEST_CHARS]

    def apply(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Pseudonyms for a string array (nulls stay null)."""
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        uniques = pc.unique(values).drop_null()
        cache = self._cache
        if len(cache) > self._cache_size:
            cache.clear()
        out: list[str] = []
        for raw in uniques.to_pylist():
            p = cache.get(raw)
            if p is None:
                p = cache[raw] = self.one(raw)
            out.append(p)
        index = pc.index_in(values, value_set=uniques)
        return pc.take(pa.array(out, pa.string()), index)
