"""Pseudonymisation: raw user ids become keyed hashes before anything is written.

HMAC-SHA256 under the workspace secret, so the mapping cannot be rebuilt by hashing guessed
ids without the key, yet the same person gets the same pseudonym in every ingest. Each distinct
id is hashed once per ingest (ids repeat heavily in event data); known ids are looked up with
Arrow's hash kernels, so Python only touches ids it has not seen before.
"""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pyarrow.compute as pc

PREFIX = "u"
DIGEST_CHARS = 32  # 128 bits: collisions are negligible even for billions of ids


class Pseudonymiser:
    def __init__(self, secret: str, *, max_known: int = 5_000_000) -> None:
        self._base = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
        self._known_raw = pa.array([], pa.string())
        self._known_pseudo = pa.array([], pa.string())
        self._max_known = max_known

    def one(self, raw: str) -> str:
        h = self._base.copy()
        h.update(raw.encode("utf-8"))
        return PREFIX + h.hexdigest()[:DIGEST_CHARS]

    def apply(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Pseudonyms for a string array (nulls stay null)."""
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        uniques = pc.unique(values).drop_null()
        if len(self._known_raw) + len(uniques) > self._max_known:
            self._known_raw = pa.array([], pa.string())
            self._known_pseudo = pa.array([], pa.string())
        seen = pc.is_in(uniques, value_set=self._known_raw)
        new = uniques.filter(pc.invert(seen))
        if len(new):
            hashed = pa.array([self.one(raw) for raw in new.to_pylist()], pa.string())
            self._known_raw = pa.concat_arrays([self._known_raw, new])
            self._known_pseudo = pa.concat_arrays([self._known_pseudo, hashed])
        index = pc.index_in(values, value_set=self._known_raw)
        return pc.take(self._known_pseudo, index)
