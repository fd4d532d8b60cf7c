"""The files attached to a workspace travel beside its export file, in a folder laid out
like STORAGE_DIR (`ab/abcdef...`, by SHA-256), so such a folder could also serve as one.
Files are copied to a temporary name and renamed, never left half-written."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Collection
from pathlib import Path

from resolvers.deals.files import CHUNK, FileStore
from server.backup.format import BadBackup


def copy_out(store: FileStore, digests: Collection[str], folder: Path) -> int:
    """Copy into `folder` the files from the store it does not have yet (a folder may
    take several exports); refused, nothing copied, if the store lacks any: the backup
    would not be whole. How many were copied."""
    missing = sorted(d for d in digests if not store.path_of(d).is_file())
    if missing:
        raise BadBackup(
            f"{len(missing)} attached file(s) are missing from STORAGE_DIR ({store.root}), "
            f"the first {missing[0]}: nothing was written"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return _copy_missing(store, FileStore(folder, store.max_bytes), digests)


def check_in(folder: Path, digests: Collection[str]) -> None:
    """Every file is in `folder`, with the content its name promises."""
    source = FileStore(folder, 0)
    for digest in sorted(digests):
        path = source.path_of(digest)
        if not path.is_file():
            raise BadBackup(f"the attached file {digest} is not in {folder}")
        if _sha256(path) != digest:
            raise BadBackup(f"{path} does not hold the content its name promises")


def copy_in(folder: Path, digests: Collection[str], store: FileStore) -> int:
    """Copy into the store the files it does not have yet (checked by `check_in`); how
    many were copied."""
    return _copy_missing(FileStore(folder, 0), store, digests)


def _copy_missing(source: FileStore, target: FileStore, digests: Collection[str]) -> int:
    """A file of the same name holds the same content: only the others are copied."""
    copied = 0
    for digest in sorted(digests):
        if not target.path_of(digest).is_file():
            _copy(source.path_of(digest), target.path_of(digest))
            copied += 1
    return copied


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".copy-{os.getpid()}-{target.name}")
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
