"""Files attached to step completions: stored once under their content hash, and read
back only by people who may see a deal that carries them."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tortoise.expressions import Subquery

from models.account import User
from models.deal import StepCompletion
from models.history import HistoryEntry
from resolvers import access
from resolvers.errors import ErrorCode, Refused

CHUNK = 64 * 1024
_HASH = re.compile(r"[0-9a-f]{64}")


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

    def path_of(self, digest: str) -> Path:
        return self.root / digest[:2] / digest


@dataclass(frozen=True)
class StoredFile:
    digest: str
    size: int
    name: str
    content_type: str


async def store(files: FileStore, upload: IncomingFile, field: tuple[str, ...]) -> StoredFile:
    """Stream the upload to disk under its SHA-256, refusing it past the size cap."""
    files.root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temp_name = tempfile.mkstemp(dir=files.root, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > files.max_bytes:
                    raise Refused.one(
                        ErrorCode.VALIDATION,
                        f"Files may be at most {files.max_bytes // (1024 * 1024)} MiB.",
                        field,
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Refused.one(ErrorCode.VALIDATION, "The file is empty.", field)
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
