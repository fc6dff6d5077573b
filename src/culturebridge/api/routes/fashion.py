"""Fashion: a segment's trends, the caller's products and their images, and image tagging and
look-alike search on an uploaded photo.

Each route runs what `culturebridge fashion ...` runs (`fashion_trends`, the image tagger,
`ImageIndex`) and returns its typed result. Products, images and look-alikes are item-level, so
a partner key gets its own items only (platform keys see all); an item outside the scope is a
404, as an unknown one is. The tagger and the workspace's image index load once per server
(the index again when the data version changes).
"""

from __future__ import annotations

import mimetypes
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, UploadFile, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel

from culturebridge.api._catalogue import ItemRecord, catalogue, visible_item
from culturebridge.api._deps import AppState, Caller, CallerDep, StateDep, not_visible
from culturebridge.api._models import CHART_RESPONSE, Message, Rows, published
from culturebridge.errors import UserError
from culturebridge.fashion import FashionTrendsResult
from culturebridge.privacy import Released
from culturebridge.query import Scope

router = APIRouter(prefix="/fashion", tags=["fashion"])

MAX_UPLOAD = 10 * 1024 * 1024
"""Largest image a client may upload (bytes): far above any product photo."""
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/tiff")

SegmentQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="A segment name (see `GET /segments`); `all` is every user.",
    ),
]
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
FromQuery = Annotated[
    date | None,
    Query(ge=FIRST_DAY, le=LAST_DAY, description="First day read (inclusive), 1900 to 2999."),
]
ToQuery = Annotated[
    date | None,
    Query(ge=FIRST_DAY, le=LAST_DAY, description="Last day read (inclusive), 1900 to 2999."),
]
ItemId = Annotated[str, PathParam(min_length=1, max_length=200, description="An item id.")]


# ------------------------------------------------------------------------ the catalogue


def image_url(item: ItemRecord) -> str | None:
    return f"/api/v1/fashion/images/{item.item_id}" if item.image_uri else None


def image_file(state: AppState, item: ItemRecord) -> Path | None:
    """The item's local image file, or None (no image_uri, remote, missing, not an image)."""
    if not item.image_uri:
        return None
    from culturebridge.workspace import resolve_image

    try:
        path = resolve_image(state.ws.root, item.image_uri)
    except UserError:
        return None
    media, _ = mimetypes.guess_type(path.name)
    if media not in IMAGE_TYPES or not path.is_file():
        return None
    return path


# ------------------------------------------------------------------------ trends


@router.get(
    "/trends",
    response_model=FashionTrendsResult,
    summary="A segment's fashion preferences and movers (`fashion trends --json`)",
    responses=CHART_RESPONSE,
)
@published
def get_trends(
    state: StateDep,
    caller: CallerDep,
    segment: SegmentQuery = "gen_z_tier1",
    period: Literal["day", "week", "month"] = "week",
    top: Annotated[
        int, Query(ge=1, le=200, description="Rows per source × attribute; notable rows first.")
    ] = 5,
    period_from: FromQuery = None,
    period_to: ToQuery = None,
) -> Released[FashionTrendsResult]:
    """Per source (catalogue, posts, product images) and attribute, each value's share in the
    segment, its lift against everyone else, its growth per period and its direction; the
    same result as `culturebridge fashion trends DIR --segment S --json`, with each group cut
    to its `top` rows (the notable ones first)."""
    from culturebridge.fashion import IMAGES, fashion_trends

    def compute() -> Released[FashionTrendsResult]:
        table, why = image_attributes(state)
        with state.analysis(caller, period_from=period_from, period_to=period_to) as a:
            result = fashion_trends(
                a,
                segment=segment,
                period=period,
                item_attributes=table,
                unavailable={IMAGES: why} if why else None,
            )
            return a.publish(result)

    out = state.cached(caller, "fashion.trends", (segment, period, period_from, period_to), compute)
    return out.map(lambda r: _cut(r, top))


def _cut(result: FashionTrendsResult, top: int) -> FashionTrendsResult:
    """Each source × attribute group's notable rows first, up to `top`, in the result's order."""
    keep: set[int] = set()
    for g in result.groups:
        rows = [
            (i, r)
            for i, r in enumerate(result.rows)
            if r.source == g.source and r.attribute == g.attribute
        ]
        rows.sort(key=lambda ir: (not ir[1].notable, ir[0]))
        keep.update(i for i, _ in rows[:top])
    return result.model_copy(update={"rows": [r for i, r in enumerate(result.rows) if i in keep]})


# ------------------------------------------------------------------------ images


def image_index(state: AppState) -> Any:
    """The workspace's `ImageIndex` (embeddings and tags of every product image), built once
    per data version; a UserError when the tagger is not installed or there are no images."""
    from culturebridge.fashion import ImageIndex

    return state.once(
        "fashion.image_index",
        lambda: ImageIndex.for_workspace(state.ws.root),
        state.data_version(["items"]),
    )


def image_attributes(state: AppState) -> tuple[Any, str | None]:
    """The image source of the trends, or None and why it is missing (as the CLI says)."""
    try:
        table = image_index(state).attribute_table()
    except (UserError, OSError) as exc:
        return None, f"no image attributes ({exc})"
    if table.num_rows == 0:
        return None, "no tagged product images in this workspace"
    return table, None


class FashionProduct(BaseModel):
    """A fashion item of the caller's, with its engagement in a segment when one was asked."""

    item_id: str
    title_en: str | None = None
    title_zh: str | None = None
    attributes: dict[str, Any]
    price: float | None = None
    """List price in CNY."""
    image_url: str | None = None
    """`GET` this (with the same key) for the product photo; null without one."""
    segment_share: float | None = None
    """The item's share of the segment's weighted engagement (null: no segment, or < k)."""
    lift: float | None = None
    """Segment share over the share among all users (null: no segment, or < k)."""
    segment_users: int | None = None
    """Segment users who engaged with the item (null below k)."""
    suppressed: bool = False


@router.get(
    "/products",
    response_model=Rows[FashionProduct],
    summary="The caller's fashion items, with their engagement in a segment",
)
def get_products(
    state: StateDep,
    caller: CallerDep,
    segment: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            pattern=r"^[A-Za-z0-9_.-]+$",
            description="Segment whose engagement is shown (and sorts the list).",
        ),
    ] = None,
    top: Annotated[int, Query(ge=1, le=1000, description="How many products.")] = 20,
) -> Rows[FashionProduct]:
    """Fashion items visible to the key (its partner's; every partner's for the platform),
    by engagement in `segment` when given (guarded: cells under k users are blanked), else by
    item id."""
    mine = sorted(
        (
            it
            for it in catalogue(state).values()
            if it.kind == "fashion" and caller.sees(it.partner_id)
        ),
        key=lambda it: it.item_id,
    )
    privacy: list[str] = []
    scope: Scope | None = None
    figures: dict[str, Any] = {}
    if segment is not None:
        prefs = _item_preferences(state, caller, segment)
        figures = {r.value: r for r in prefs.rows}
        privacy = [prefs.privacy.note()]
        scope = prefs.scope
    rows = []
    for it in mine:
        r = figures.get(it.item_id)
        rows.append(
            FashionProduct(
                item_id=it.item_id,
                title_en=it.title_en,
                title_zh=it.title_zh,
                attributes=it.attributes,
                price=it.price,
                image_url=image_url(it),
                segment_share=r.segment_share if r else None,
                lift=r.lift if r else None,
                segment_users=r.users if r else None,
                suppressed=r.suppressed if r else False,
            )
        )
    if segment is not None:
        rows.sort(key=lambda p: -(p.segment_share or 0.0))  # stable: ties by item id
    rows = rows[:top]
    return Rows[FashionProduct](data=rows, count=len(rows), privacy=privacy, scope=scope)


def _item_preferences(state: AppState, caller: Caller, segment: str) -> Any:
    """`preferences(segment, by=item)` in the caller's scope, once per data version."""
    from culturebridge.analytics import preferences

    def compute() -> Any:
        with state.analysis(caller) as a:
            return preferences(a, segment=segment, by="item")

    return state.cached(caller, "fashion.item_preferences", segment, compute)


@router.get(
    "/images/{item_id}",
    response_class=FileResponse,
    summary="A product's photo (the key's own items; platform keys: all)",
    responses={
        200: {
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in IMAGE_TYPES},
            "description": "The image file.",
        },
        404: {"model": Message, "description": "Unknown, not visible to this key, or no image."},
    },
)
def get_image(item_id: ItemId, state: StateDep, caller: CallerDep) -> FileResponse:
    """The item's image file, with its media type: the dashboard's product pictures."""
    item = visible_item(state, caller, item_id)
    path = image_file(state, item)
    if path is None:
        raise not_visible(f"image for item {item_id!r}")
    media, _ = mimetypes.guess_type(path.name)
    return FileResponse(path, media_type=media, headers={"Cache-Control": "private, max-age=3600"})


# ------------------------------------------------------------------------ uploads


class LabelScore(BaseModel):
    label: str
    score: float


class ColourSharePublic(BaseModel):
    name_en: str
    name_zh: str
    hex: str
    share: float


class BaseColour(BaseModel):
    label: str
    score: float
    name_zh: str | None = None
    hex: str | None = None


class GarmentPublic(BaseModel):
    """The garment in a designer's vocabulary, or the label "unsure" (不确定)."""

    label: str
    name_en: str
    name_zh: str
    score: float
    """Calibrated chance that the garment is right."""
    reason: str | None = None
    """null when sure; "low confidence" or "unlike any catalogue photo" when unsure."""
    best_guess: str
    """The likeliest garment even when unsure."""


class ImageTagPublic(BaseModel):
    """One image's tags, as `culturebridge fashion tag` prints them (path: the upload's name)."""

    path: str
    garment: GarmentPublic
    article_type: LabelScore
    sub_category: LabelScore
    colours: list[ColourSharePublic]
    """Named colours by share, largest first."""
    pattern: LabelScore
    base_colour: BaseColour
    """The article's colour, as the catalogue's baseColour records it."""


def _read_upload(file: UploadFile) -> bytes:
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the image is over {MAX_UPLOAD // (1024 * 1024)} MB",
        )
    if not data:
        raise UserError("the upload is empty: send an image file as `file`")
    return data


def _saved(data: bytes, directory: str) -> Path:
    """The upload as a file (the tagger reads files, as the CLI's does)."""
    path = Path(directory) / "upload"
    path.write_bytes(data)
    return path


def _upload_name(file: UploadFile) -> str:
    return Path(file.filename or "upload").name[:200] or "upload"


UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Message, "description": "Not a readable image, or an empty upload."},
    413: {"model": Message, "description": "Over 10 MB."},
}


@router.post(
    "/tag",
    response_model=ImageTagPublic,
    summary="Tag an uploaded photo: article type, colours, pattern (`fashion tag`)",
    responses=UPLOAD_ERRORS,
)
def tag_image(file: UploadFile, state: StateDep, caller: CallerDep) -> ImageTagPublic:
    """Article type and sub-category, base colour, named colours by share and pattern of one
    image (JPEG, PNG, WebP, ...; at most 10 MB), as `culturebridge fashion tag IMAGE` gives."""
    from culturebridge.fashion import TagError
    from culturebridge.fashion import default_image_tagger as default_tagger

    data = _read_upload(file)
    tagger = state.once("fashion.tagger", default_tagger)
    with tempfile.TemporaryDirectory(prefix="cb-tag-") as tmp:
        (result,) = list(tagger.tag_paths([_saved(data, tmp)]))
    if isinstance(result, TagError):
        raise UserError(f"{_upload_name(file)}: {result.error}")
    return ImageTagPublic.model_validate({**result.as_json(), "path": _upload_name(file)})


class SimilarProduct(BaseModel):
    """A product whose photo looks like the upload (cosine similarity of image embeddings)."""

    item_id: str
    similarity: float
    title_en: str | None = None
    title_zh: str | None = None
    image_url: str | None = None


@router.post(
    "/similar",
    response_model=Rows[SimilarProduct],
    summary="The caller's products that look most like an uploaded photo (`fashion similar`)",
    responses=UPLOAD_ERRORS,
)
def similar_products(
    file: UploadFile,
    state: StateDep,
    caller: CallerDep,
    n: Annotated[int, Query(ge=1, le=100, description="How many products.")] = 10,
) -> Rows[SimilarProduct]:
    """The workspace's product images nearest the upload, among the products the key may
    see, most similar first (`culturebridge fashion similar --image F --workspace DIR`)."""
    data = _read_upload(file)
    index = image_index(state)
    items = catalogue(state)
    with tempfile.TemporaryDirectory(prefix="cb-similar-") as tmp:
        path = _saved(data, tmp)
        try:
            hits = index.query(path, n=max(len(index.paths), 1))
        except UserError as exc:  # the message names the temporary file: name the upload
            raise UserError(str(exc).replace(str(path), _upload_name(file))) from None
    rows = []
    for h in hits:
        item = items.get(h.item_id or "")
        if item is None or not caller.sees(item.partner_id):
            continue
        rows.append(
            SimilarProduct(
                item_id=item.item_id,
                similarity=h.similarity,
                title_en=item.title_en,
                title_zh=item.title_zh,
                image_url=image_url(item),
            )
        )
        if len(rows) == n:
            break
    return Rows[SimilarProduct](data=rows, count=len(rows))
