"""Files attached to step completions: stored once under their content hash, read back
only by people who may see a deal that carries them, counted against their workspace's
storage quota, and deleted once nothing refers to them.

A file belongs to a workspace while one of its step completions or history entries
refers to it: un-completing a step keeps the file in the deal's history (it stays
downloadable there, and counted), purging the deal from the trash lets it go. The
workspace's use is the size of each distinct file its history refers to (every
completion with a file writes one history entry carrying it)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from tortoise.expressions import Subquery
from tortoise.functions import Max

from models.account import User
from models.deal import StepCompletion
from models.history import HistoryEntry
from resolvers import access
from resolvers.errors import ErrorCode, Refused

CHUNK = 64 * 1024
_HASH = re.compile(r"[0-9a-f]{64}")
_UPLOAD_PREFIX = ".upload-"
# A file on disk that nothing refers to is left alone this long: it may be an upload
# whose transaction has not committed yet.
SWEEP_GRACE = timedelta(hours=1)


class IncomingFile(Protocol):
    """What an upload offers (Starlette's UploadFile has this shape)."""

    filename: str | None
    content_type: str | None

    async def read(self, size: int = -1) -> bytes: ...


def is_digest(text: str) -> bool:
    """A SHA-256 as files are stored under: 64 lower-case hex digits, safe in a path."""
    return _HASH.fullmatch(text) is not None


@dataclass(frozen=True)
class FileStore:
    root: Path
    max_bytes: int
    # The bytes one workspace's files may take in all; None: no quota.
    quota_bytes: int | None = None

    def path_of(self, digest: str) -> Path:
        return self.root / digest[:2] / digest


@dataclass(frozen=True)
class StoredFile:
    digest: str
    size: int
    name: str
    content_type: str


async def workspace_usage(workspace_id: int) -> int:
    """The bytes the workspace's files take: each distinct file its history refers to."""
    sizes: list[Any] = (
        await HistoryEntry.filter(workspace_id=workspace_id, file_hash__not_isnull=True)
        .group_by("file_hash")
        .annotate(size=Max("file_size"))
        .values_list("size", flat=True)
    )
    return sum(int(size) for size in sizes if size)


async def _check_quota(files: FileStore, workspace_id: int, digest: str, size: int) -> None:
    """Refuse a file that would take the workspace past its quota (a file it already
    holds takes no more room). Concurrent uploads may each pass alone: the quota can be
    exceeded by the uploads in flight at one moment, never more."""
    if files.quota_bytes is None:
        return
    if await HistoryEntry.exists(workspace_id=workspace_id, file_hash=digest):
        return
    if await workspace_usage(workspace_id) + size > files.quota_bytes:
        raise Refused.one(
            ErrorCode.QUOTA_EXCEEDED,
            f"The workspace's files would take more than its "
            f"{_megabytes(files.quota_bytes)} MiB of storage.",
        )


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


async def store(
    files: FileStore, upload: IncomingFile, field: tuple[str, ...], workspace_id: int
) -> StoredFile:
    """Stream the upload to disk under its SHA-256, refusing it past the size cap or
    the workspace's quota (before it takes its place in the store)."""
    files.root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temp_name = tempfile.mkstemp(dir=files.root, prefix=_UPLOAD_PREFIX)
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > files.max_bytes:
                    raise Refused.one(
                        ErrorCode.VALIDATION,
                        f"Files may be at most {_megabytes(files.max_bytes)} MiB.",
                        field,
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Refused.one(ErrorCode.VALIDATION, "The file is empty.", field)
        await _check_quota(files, workspace_id, digest.hexdigest(), size)
        target = files.path_of(digest.hexdigest())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_name, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
    name = Path(upload.filename or "file").name[:255] or "file"
    return StoredFile(
        digest.hexdigest(), size, name, (upload.content_type or "application/octet-stream")[:127]
    )


@dataclass(frozen=True)
class ReadableFile:
    name: str
    content_type: str


async def readable_file(actor: User, digest: str) -> ReadableFile | None:
    """The file, if a deal the actor may see (trash included) carries it: on a step
    completion, or in its history (a step since un-completed)."""
    if not is_digest(digest):
        return None
    visible = Subquery(access.visible_deals_and_trash(actor).values("id"))
    completion = await StepCompletion.filter(file_hash=digest, deal_id__in=visible).first()
    if completion is not None:
        return ReadableFile(
            completion.file_name or digest,
            completion.file_content_type or "application/octet-stream",
        )
    entry = await HistoryEntry.filter(file_hash=digest, deal_id__in=visible).first()
    if entry is None:
        return None
    return ReadableFile(
        str(entry.data.get("file") or digest),
        str(entry.data.get("fileType") or "application/octet-stream"),
    )


@dataclass(frozen=True)
class Sweep:
    files: int
    bytes: int


async def sweep_unreferenced(files: FileStore, grace: timedelta = SWEEP_GRACE) -> Sweep:
    """Delete the stored files no step completion or history entry refers to (a deal
    purged from the trash, an upload whose mutation was refused or failed), and
    uploads left half-written by a crash, once older than `grace`."""
    if not files.root.is_dir():
        return Sweep(0, 0)
    kept: set[Any] = set(
        await StepCompletion.filter(file_hash__not_isnull=True)
        .distinct()
        .values_list("file_hash", flat=True)
    )
    kept.update(
        await HistoryEntry.filter(file_hash__not_isnull=True)
        .distinct()
        .values_list("file_hash", flat=True)
    )
    cutoff = time.time() - grace.total_seconds()
    count = size = 0
    for path in _stored_paths(files.root):
        if path.name in kept:
            continue
        with contextlib.suppress(FileNotFoundError):
            stat = path.stat()
            if stat.st_mtime < cutoff:
                path.unlink()
                count, size = count + 1, size + stat.st_size
    return Sweep(count, size)


def _stored_paths(root: Path) -> list[Path]:
    """Every stored file (`ab/abcd…`) and half-written upload (`.upload-…`) under root."""
    found = [p for p in root.glob(f"{_UPLOAD_PREFIX}*") if p.is_file()]
    for folder in root.iterdir():
        if folder.is_dir() and len(folder.name) == 2:
            found.extend(p for p in folder.iterdir() if p.is_file() and is_digest(p.name))
    return found
