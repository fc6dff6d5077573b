"""Small trained heads on the backbone's features: article type, sub-category, base colour.

Each head is a multinomial logistic regression on standardised inputs, stored as plain arrays
(`heads.npz`, loaded with `allow_pickle=False`) plus `heads.json` (labels, inputs, training
record). Prediction is numpy only; training (`fit_head`) uses torch's L-BFGS and lives here so
that `culturebridge fashion train` and the committed heads come from the same code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
MODELS_DIR = Path(__file__).parent / "models"


@dataclass
class Head:
    """softmax((x - mean) / scale @ weight.T + bias) over `labels`."""

    name: str
    labels: list[str]
    inputs: str  # "cnn" or "cnn+colour"
    mean: F32
    scale: F32
    weight: F32
    bias: F32
    record: dict[str, Any] = field(default_factory=dict)

    def proba(self, x: F32) -> F32:
        z = ((x - self.mean) / self.scale) @ self.weight.T + self.bias
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float32)

    def predict(self, x: F32) -> list[tuple[str, float]]:
        p = self.proba(x)
        best = p.argmax(axis=1)
        return [(self.labels[int(j)], float(p[i, j])) for i, j in enumerate(best)]


def fit_head(
    name: str,
    x: F32,
    y: list[str],
    *,
    inputs: str,
    l2: float,
    max_iter: int = 300,
    seed: int = 0,
) -> Head:
    """Multinomial logistic regression with an L2 penalty `l2` (per sample), by L-BFGS."""
    import torch

    torch.manual_seed(seed)
    labels = sorted(set(y))
    index = {lab: i for i, lab in enumerate(labels)}
    target = torch.tensor([index[v] for v in y])
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-3
    xt = torch.from_numpy(((x - mean) / scale).astype(np.float32))
    w = torch.zeros(len(labels), x.shape[1], requires_grad=True)
    b = torch.zeros(len(labels), requires_grad=True)
    opt = torch.optim.LBFGS(
        [w, b], lr=1.0, max_iter=max_iter, history_size=20, line_search_fn="strong_wolfe"
    )

    def closure() -> Any:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(xt @ w.T + b, target) + l2 * (w * w).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    opt.step(closure)  # type: ignore[no-untyped-call]
    return Head(
        name=name,
        labels=labels,
        inputs=inputs,
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        weight=w.detach().numpy().astype(np.float32),
        bias=b.detach().numpy().astype(np.float32),
        record={"l2": l2, "n_train": len(y)},
    )


def save_heads(heads: dict[str, Head], directory: Path, meta: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, F32] = {}
    info: dict[str, Any] = {"meta": meta, "heads": {}}
    for name, h in heads.items():
        for part in ("mean", "scale", "weight", "bias"):
            arrays[f"{name}.{part}"] = getattr(h, part)
        info["heads"][name] = {"labels": h.labels, "inputs": h.inputs, "record": h.record}
    np.savez_compressed(directory / "heads.npz", **arrays)  # type: ignore[arg-type]
    (directory / "heads.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def load_heads(directory: Path = MODELS_DIR) -> tuple[dict[str, Head], dict[str, Any]]:
    info = json.loads((directory / "heads.json").read_text(encoding="utf-8"))
    with np.load(directory / "heads.npz", allow_pickle=False) as z:
        heads = {
            name: Head(
                name=name,
                labels=list(h["labels"]),
                inputs=h["inputs"],
                mean=z[f"{name}.mean"],
                scale=z[f"{name}.scale"],
                weight=z[f"{name}.weight"],
                bias=z[f"{name}.bias"],
                record=dict(h["record"]),
            )
            for name, h in info["heads"].items()
        }
    return heads, dict(info["meta"])
