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

from culturebridge.fashion._calibrate import Novelty

F32 = npt.NDArray[np.float32]
MODELS_DIR = Path(__file__).parent / "models"


@dataclass
class Head:
    """softmax(((x - mean) / scale @ weight.T + bias) / temperature) over `labels`.

    `temperature` is fitted after the weights, on products they were not fitted on (see
    `_calibrate`); heads saved before calibration existed load with 1.0.
    """

    name: str
    labels: list[str]
    inputs: str  # "cnn" or "cnn+colour"
    mean: F32
    scale: F32
    weight: F32
    bias: F32
    record: dict[str, Any] = field(default_factory=dict)
    temperature: float = 1.0

    def logits(self, x: F32) -> F32:
        """Uncalibrated logits (temperature 1)."""
        return np.asarray(((x - self.mean) / self.scale) @ self.weight.T + self.bias, np.float32)

    def proba(self, x: F32) -> F32:
        z = self.logits(x) / np.float32(self.temperature)
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


@dataclass
class Guard:
    """When the tagger answers "unsure" instead of a garment (fitted by `_train`, see
    `_calibrate`): a garment score below `threshold`, or an embedding that `novelty` flags."""

    threshold: float = 0.0
    novelty: Novelty | None = None
    record: dict[str, Any] = field(default_factory=dict)


def save_heads(
    heads: dict[str, Head], directory: Path, meta: dict[str, Any], guard: Guard | None = None
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, F32] = {}
    info: dict[str, Any] = {"meta": meta, "heads": {}}
    if guard is not None:
        info["guard"] = {"threshold": guard.threshold, "record": guard.record}
        if guard.novelty is not None:
            n = guard.novelty
            info["guard"]["novelty_threshold"] = n.threshold
            # float16 halves the file; cosines move by under 1e-3 of the threshold's scale
            arrays["novelty.centroids"] = n.centroids.astype(np.float16)
    for name, h in heads.items():
        for part in ("mean", "scale", "weight", "bias"):
            arrays[f"{name}.{part}"] = getattr(h, part)
        info["heads"][name] = {
            "labels": h.labels,
            "inputs": h.inputs,
            "temperature": h.temperature,
            "record": h.record,
        }
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
                temperature=float(h.get("temperature", 1.0)),
            )
            for name, h in info["heads"].items()
        }
    return heads, dict(info["meta"])


def load_guard(directory: Path = MODELS_DIR) -> Guard:
    """The heads' "unsure" rule; heads saved without one never answer "unsure"."""
    info = json.loads((directory / "heads.json").read_text(encoding="utf-8"))
    g = info.get("guard")
    if not g:
        return Guard()
    novelty = None
    if "novelty_threshold" in g:
        with np.load(directory / "heads.npz", allow_pickle=False) as z:
            novelty = Novelty(
                centroids=z["novelty.centroids"].astype(np.float32),
                threshold=float(g["novelty_threshold"]),
            )
    return Guard(float(g["threshold"]), novelty, dict(g.get("record", {})))
