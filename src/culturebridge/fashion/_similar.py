"""Tagged image collections: a workspace's product images or a folder, with a cache on disk.

`ImageIndex` holds, for every readable image, its unit-length embedding and its tags; it is
built once and cached (`cache/image_tags.npz` in a workspace, `.culturebridge-embeddings.npz` in
a folder), keyed by each file's path, size and modification time, so only new or changed files
are tagged again. Nearest neighbours are exact (one matrix product): at tens of thousands of
products that is milliseconds; past a few hundred thousand an ANN index would take over.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from pydantic import BaseModel

from culturebridge.errors import UserError
from culturebridge.fashion._decode import ImageError, find_images, load_rgb
from culturebridge.query import reference_table
from culturebridge.workspace import Workspace, resolve_image

if TYPE_CHECKING:
    from culturebridge.fashion._image import ImageTag

F32 = npt.NDArray[np.float32]
WORKSPACE_CACHE = Path("cache") / "image_tags.npz"
FOLDER_CACHE = ".culturebridge-embeddings.npz"


class Neighbour(BaseModel):
    item_id: str | None
    path: str
    similarity: float


@dataclass
class ImageIndex:
    paths: list[str]
    item_ids: list[str | None]
    embeddings: F32
    tags: list[dict[str, str]]
    """Per image: article_type, sub_category, colour (base colour), pattern."""

    @classmethod
    def build(
        cls,
        files: list[Path],
        item_ids: list[str | None],
        cache: Path | None,
        base: Path | None = None,
    ) -> ImageIndex:
        from culturebridge.fashion._image import ImageTag, default_tagger

        old = _read_cache(cache) if cache else {}
        # keyed relative to `base` (the workspace or the folder): one copied or moved with its
        # images keeps its image tags
        keys = [_key(p, base) for p in files]
        todo = [p for p, k in zip(files, keys, strict=True) if k not in old]
        fresh: dict[str, tuple[F32, dict[str, str]]] = {}
        if todo:
            for result in default_tagger().tag_paths(todo):
                if isinstance(result, ImageTag):
                    fresh[_key(Path(result.path), base)] = (result.embedding, _tag_dict(result))
        entries = {**old, **fresh}
        rows = [
            (str(p), i, entries[k])
            for p, i, k in zip(files, item_ids, keys, strict=True)
            if k in entries
        ]
        if cache and fresh:
            _write_cache(cache, {k: entries[k] for k in keys if k in entries})
        emb = np.stack([e for _, _, (e, _) in rows]) if rows else np.zeros((0, 1280), np.float32)
        return cls(
            [p for p, _, _ in rows], [i for _, i, _ in rows], emb, [t for _, _, (_, t) in rows]
        )

    @classmethod
    def for_folder(cls, folder: Path) -> ImageIndex:
        if not folder.is_dir():
            raise UserError(f"{folder}: not a folder of images")
        files = find_images([folder])
        if not files:
            raise UserError(f"{folder}: no images found")
        return cls.build(files, [None] * len(files), folder / FOLDER_CACHE, folder)

    @classmethod
    def for_workspace(cls, root: Path) -> ImageIndex:
        files, ids = workspace_images(root)
        if not files:
            raise UserError(f"{root}: no item has an image file (items.image_uri)")
        return cls.build(files, ids, root / WORKSPACE_CACHE, root)

    def query(self, image: Path, n: int = 10) -> list[Neighbour]:
        from culturebridge.fashion._backbone import DIM, backbone
        from culturebridge.fashion._image import normalise

        try:
            rgb = load_rgb(image)
        except ImageError as exc:
            raise UserError(f"{image}: {exc}") from None
        q = normalise(backbone().features(rgb[None])[:, :DIM])[0]
        sims = self.embeddings @ q
        order = np.argsort(-sims, kind="stable")
        same = {str(image.resolve())}
        out: list[Neighbour] = []
        for j in order:
            if str(Path(self.paths[j]).resolve()) in same:
                continue
            out.append(
                Neighbour(item_id=self.item_ids[j], path=self.paths[j], similarity=float(sims[j]))
            )
            if len(out) == n:
                break
        return out

    def attribute_table(self) -> pa.Table:
        """(item_id, attribute, value) rows: image_type, image_colour, image_pattern."""
        ids: list[str] = []
        attrs: list[str] = []
        values: list[str] = []
        for item, tag in zip(self.item_ids, self.tags, strict=True):
            if item is None:
                continue
            for attr, key in (
                ("image_type", "article_type"),
                ("image_colour", "colour"),
                ("image_pattern", "pattern"),
            ):
                ids.append(item)
                attrs.append(attr)
                values.append(tag[key])
        return pa.table({"item_id": ids, "attribute": attrs, "value": values})


def workspace_images(root: Path) -> tuple[list[Path], list[str | None]]:
    """The workspace's items that have a local image file (`resolve_image`; remote URIs and
    missing files are left out)."""
    ws = Workspace.open(root)
    table = reference_table(ws, "items", ["item_id", "image_uri"], order_by=["item_id"])
    files: list[Path] = []
    ids: list[str | None] = []
    for item, uri in zip(table["item_id"].to_pylist(), table["image_uri"].to_pylist(), strict=True):
        if uri is None:
            continue
        try:
            path = resolve_image(ws.root, uri)
        except UserError:
            continue
        if path.is_file():
            files.append(path)
            ids.append(str(item))
    return files, ids


def workspace_image_attributes(ws: Workspace | Path) -> pa.Table:
    """Attributes seen in the workspace's product images, for the trends' `images` source.

    `ws` is a `Workspace` or its root folder."""
    root = ws.root if isinstance(ws, Workspace) else Path(str(ws))
    return ImageIndex.for_workspace(root).attribute_table()


def _tag_dict(t: ImageTag) -> dict[str, str]:
    return {
        "article_type": t.article_type.label,
        "sub_category": t.sub_category.label,
        "colour": t.colour.label,
        "pattern": t.pattern.label,
    }


def _key(path: Path, base: Path | None) -> str:
    st = path.stat()
    where = path.resolve()
    if base is not None and where.is_relative_to(base.resolve()):
        where = where.relative_to(base.resolve())
    return f"{where}|{st.st_size}|{st.st_mtime_ns}"


def _read_cache(path: Path) -> dict[str, tuple[F32, dict[str, str]]]:
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = [str(k) for k in z["keys"]]
            tags = json.loads(str(z["tags"]))
            return {k: (z["embeddings"][i], tags[i]) for i, k in enumerate(keys)}
    except (OSError, ValueError, KeyError):
        return {}  # a stale or foreign cache: rebuilt


def _write_cache(path: Path, entries: dict[str, tuple[F32, dict[str, str]]]) -> None:
    keys = list(entries)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.savez(
                fh,
                keys=np.asarray(keys, dtype=np.str_),
                embeddings=np.stack([entries[k][0] for k in keys]),
                tags=np.asarray(json.dumps([entries[k][1] for k in keys])),
            )
        tmp.replace(path)
    except OSError:
        pass  # read-only location: tagged again next time
