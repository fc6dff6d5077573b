"""Consistent noise: the same question gets the same noisy answer.

Noise drawn afresh for every request can be averaged away: ask the same count a hundred times
and the mean converges on the truth. LinkedIn's audience analytics (PriPeARL) answer that by
keying the noise to the query: a pseudorandom draw seeded by a secret and by what the query
releases, so a repeat returns the identical figures and, released once already, costs no
budget again. The key includes the data version, so new data means new noise.

The mechanism is the discrete Laplace (two-sided geometric) distribution, which is
epsilon-differentially private for integer counts with the given L1 sensitivity.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import numpy as np


def release_key(secret: str, *parts: object) -> str:
    """A key naming one release: HMAC-SHA256 of its parts under the workspace's secret, so
    nobody without the secret can predict (and subtract) the noise."""
    message = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def laplace_counts(
    counts: Sequence[int], *, epsilon: float, sensitivity: int = 1, key: str
) -> list[int]:
    """`counts` plus discrete Laplace noise of scale sensitivity/epsilon, drawn from a
    generator seeded by `key`: the same key gives the same noise, byte for byte."""
    if epsilon <= 0:
        raise ValueError(f"epsilon must be positive, not {epsilon}")
    values = np.asarray([int(c) for c in counts], dtype=np.int64)
    if values.size == 0:
        return []
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()))
    # the difference of two geometric variables with success 1 - exp(-1/scale) is discrete
    # Laplace with that scale (numpy counts trials, not failures; the offsets cancel)
    p = -np.expm1(-epsilon / sensitivity)
    noise = rng.geometric(p, values.size) - rng.geometric(p, values.size)
    return [int(v) for v in values + noise]
