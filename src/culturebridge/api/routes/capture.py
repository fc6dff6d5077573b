"""`POST /capture`: the platform's event stream. Each batch is durable once answered (an fsync'd
append log), idempotent by `event_id`, and committed to the lake in micro-batches through the
same validation and pseudonymisation as files (see `ingest._capture`)."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from culturebridge.api._deps import AppState, CapturerDep, StateDep
from culturebridge.errors import UserError
from culturebridge.ingest import MAX_BATCH, BatchTooLarge, CaptureLog, encode_batch

router = APIRouter(prefix="/capture", tags=["capture"])

MAX_BODY = 32 << 20


class CaptureAnswer(BaseModel):
    """The batch is on disk: it will reach the lake with the next commit."""

    received: int
    buffered: int
    """Events answered and not yet committed, this batch's included."""


class CaptureState(BaseModel):
    running: bool
    problem: str | None = None
    buffered: int = 0
    pending_segments: int = 0
    committed: int = 0
    rejected: int = 0
    duplicates: int = 0
    last_commit: str | None = None
    commit_seconds: float


def _log(state: AppState) -> CaptureLog:
    if state.capture is None:
        # off: no such resource here; otherwise the log could not be opened (said why)
        off = not state.settings.capture
        code = status.HTTP_404_NOT_FOUND if off else status.HTTP_503_SERVICE_UNAVAILABLE
        raise HTTPException(code, state.capture_error)
    return state.capture


@router.post(
    "",
    response_model=CaptureAnswer,
    summary="Send a batch of events (capture keys, or the platform's admin key)",
    responses={
        400: {"description": "The body is not a JSON list of event objects"},
        413: {"description": f"More than {MAX_BATCH:,} events, or a body over 32 MiB"},
        404: {"description": "Capture is off on this server"},
    },
)
async def capture(request: Request, state: StateDep, caller: CapturerDep) -> CaptureAnswer:
    """Events as a JSON list (or `{"events": [...]}`), each an object with the columns of the
    `events` table (`culturebridge schema events`); send `event_id` so that a retried batch is
    recognised. The answer means the batch is written and fsync'd; rows are validated and
    pseudonymised when committed, and rejected rows go to `rejects/` like a file's."""
    log = _log(state)
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, "a batch over 32 MiB")
    try:
        lines = encode_batch(json.loads(body))
    except UserError as exc:
        code = 413 if isinstance(exc, BatchTooLarge) else 400
        raise HTTPException(code, str(exc)) from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"invalid JSON: {exc}") from None
    buffered = await run_in_threadpool(log.append, lines)
    committer = state.committer or await run_in_threadpool(state.ensure_committer)
    if committer is not None:
        committer.nudge(buffered)
    return CaptureAnswer(received=len(lines), buffered=buffered)


@router.get("", response_model=CaptureState, summary="What the capture log holds")
def capture_state(state: StateDep, caller: CapturerDep) -> CaptureState:
    seconds = state.settings.capture_commit_seconds
    if state.capture is None:
        return CaptureState(running=False, problem=state.capture_error, commit_seconds=seconds)
    s = state.capture.status()
    problem = state.committer.error if state.committer is not None else None
    return CaptureState(
        running=True,
        problem=problem,
        buffered=s.buffered,
        pending_segments=s.pending_segments,
        committed=s.committed,
        rejected=s.rejected,
        duplicates=s.duplicates,
        last_commit=s.last_commit,
        commit_seconds=seconds,
    )
