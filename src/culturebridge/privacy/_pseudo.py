"""Pseudonymisation: raw user ids become keyed hashes before anything is written.

HMAC-SHA256 under the workspace secret, so the mapping cannot be rebuilt by hashing guessed
ids without the key, yet the same person gets the same pseudonym in every ingest.

Ids repeat heavily in event data, so each distinct id is hashed once per ingest: a batch's ids
are looked up (Arrow's `index_in`) among the ids seen so far, only new ones reach HMAC (OpenSSL's
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
        if not pa.types.is_string(values.type):
            values = values.cast(pa.string())
        where = pc.index_in(values, value_set=self._raw)
        missing = pc.and_(pc.is_null(where), pc.is_valid(values))
        if pc.any(missing).as_py():
            new = pc.unique(values.filter(missing))
            if len(self._raw) and len(self._raw) + len(new) > self._max_known:
                # bounded memory: forget the ids seen so far (one batch may exceed the bound)
                self._raw = pa.array([], pa.string())
                self._pseudo = pa.array([], pa.string())
                return self.apply(values)
            key = self._key
            fresh = [
                PREFIX + hmac.digest(key, raw.encode("utf-8"), "sha256").hex()[:DIGEST_CHARS]
                for raw in new.to_pylist()
            ]
            # the new ids' positions follow the known ones
            found = pc.add(pc.index_in(values, value_set=new), len(self._raw))
            where = pc.coalesce(where, found)
            self._raw = pa.concat_arrays([self._raw, new])
            self._pseudo = pa.concat_arrays([self._pseudo, pa.array(fresh, pa.string())])
        return pc.take(self._pseudo, where)
