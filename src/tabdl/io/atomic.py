"""Writing a file atomically: a crash or an error never leaves half a file where a good one was.

The content goes to a temporary file in the target's folder, is flushed to disk, and is then moved
over the target in one step (``os.replace``). The file gets the usual permissions (0666 less the
umask), as an ordinary ``open`` would give it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from tabdl.errors import DataError


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None], what: str) -> Path:
    """Write ``path`` through ``write(handle)``, atomically; return the path.

    Parameters
    ----------
    path : str or PathLike
        The file to write; its folder must exist, and it must not be a folder.
    write : callable
        Writes the content to the binary handle it is given.
    what : str
        What is written ("the model", "the MOJO"), for error messages.

    Raises
    ------
    tabdl.errors.DataError
        If the folder does not exist, the target is a folder, or the system refuses the write; the
        old file, if any, is left as it was.

    """
    target = Path(path)
    if target.is_dir():
        raise DataError(f"cannot write {what} to {target}: it is a folder; give a file name")
    if not target.parent.is_dir():
        raise DataError(
            f"cannot write {what} to {target}: the folder {target.parent} does not exist"
        )
    temporary = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise DataError(f"cannot write {what} to {target}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise DataError(f"cannot write {what} to {target}: {error}") from None
        raise
    return target
