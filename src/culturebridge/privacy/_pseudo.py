"""Pseudonymisation: raw user ids become keyed hashes before anything is written.

HMAC-SHA256 under the workspace secret, so the mapping cannot be rebuilt by hashing guessed
ids without the key, yet the same person gets the same pseudonym in every ingest.

Ids repeat heavily in event data, so each distinct id is hashed once per ingest: a batch is
dictionary-encoded by Arrow (its distinct ids and, per row, which one), the distinct ids are
looked up in an in-memory map of the ids seen so far, only new ones reach HMAC (OpenSSL's
one-shot `hmac.digest`), and rows get their pseudonym by an Arrow gather. The map lives in this
process only and is never written.
"""

from __future__ import annotations

import hmac

import pyarrow as pa
import pyarrow.compute as pc

PREFIX = "u"
DIGEST_CHARS = 32  # 128 bits: collisions are negligible even for billions of ids


class Pseudonymiser:
    def __init__(self, secret: str, *, max_known: int = 2_000_000) -> None:
        self._key = secret.encode("utf-8")
        self._max_known = max_known
        self._raw = pa.array([], pa.string())  # the ids seen so far...
        self._pseudo = pa.array([], pa.string())  # ...and their pseudonyms, position by position

    def one(self, raw: str) -> str:
        return PREFIX + hmac.digest(self._key, raw.encode("utf-8"), "sha256").hex()[:DIGEST_CHARS]

    def apply(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Pseudonyms for a string array (nulls stay null)."""
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        encoded = pc.dictionary_encode(values.cast(pa.string()))
        distinct = encoded.dictionary
        if len(self._raw) + len(distinct) > self._max_known:  # bounded memory
            self._raw = pa.array([], pa.string())
            self._pseudo = pa.array([], pa.string())
        where = pc.index_in(distinct, value_set=self._raw)
        new = distinct.filter(pc.is_null(where))
        if len(new):
            key = self._key
            fresh = [
                PREFIX + hmac.digest(key, raw.encode("utf-8"), "sha256").hex()[:DIGEST_CHARS]
                for raw in new.to_pylist()
            ]
            self._raw = pa.concat_arrays([self._raw, new])
            self._pseudo = pa.concat_arrays([self._pseudo, pa.array(fresh, pa.string())])
            where = pc.index_in(distinct, value_set=self._raw)
        return pc.take(pc.take(self._pseudo, where), encoded.indices)
