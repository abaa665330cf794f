"""The file part of a ``multipart/form-data`` request: one home for every upload (files,
transcriptions, library documents, raw requests).

A path is opened when the part is made and closed when its ``with`` block ends, however it ends;
content is streamed by httpx from the file rather than read whole. httpx rewinds a seekable file
before each send, so a retry sends it again from its start; one that cannot seek is sent once.
"""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import Generator
from contextlib import contextmanager
from typing import IO, Any, TypeAlias

from .checks import check_clean_text
from .errors import ArgumentError
from .json_values import is_mapping, is_tuple

StrPath: TypeAlias = str | os.PathLike[str]
"""A file system path."""

FileInput: TypeAlias = StrPath | bytes | IO[bytes]
"""A path, the content itself, or a file object opened in binary mode."""

FilePart = tuple[str, Any, str]
"""What httpx sends as one file: ``(file name, content, media type)``."""

# Types `mimetypes` does not know everywhere; the API reports JSONL files as application/jsonl.
_MEDIA_TYPES = {".jsonl": "application/jsonl"}


@contextmanager
def file_part(
    file: Any,
    filename: str | None = None,
    content_type: str | None = None,
    *,
    argument: str = "file",
) -> Generator[tuple[FilePart, bool], None, None]:
    """The part httpx streams for ``file``, and whether a retry can send it again from its
    start. A path is opened here and closed on leaving, however we leave.

    :param filename: the part's file name (default: the path's base name, the file object's
        ``name``, else ``"file"``); :param content_type: its media type (default: guessed from
        the name). :param argument: the name an ``ArgumentError`` gives the file.
    """
    if isinstance(file, (bytes, bytearray, memoryview)):
        name = _part_name(filename or "file")
        yield (name, bytes(file), content_type or _media_type(name)), True  # pyright: ignore[reportUnknownArgumentType]
    elif isinstance(file, (str, os.PathLike)):
        path = os.fsdecode(file)  # pyright: ignore[reportUnknownArgumentType]
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the `with` below
        except FileNotFoundError:
            raise ArgumentError(argument, f"no such file: {path!r}") from None
        except OSError as exc:
            raise ArgumentError(argument, f"cannot read {path!r}: {exc.strerror}") from None
        with handle:
            name = _part_name(filename or os.path.basename(path))
            yield (name, handle, content_type or _media_type(name)), True
    elif callable(getattr(file, "read", None)):
        if isinstance(file, io.TextIOBase):
            raise ArgumentError(argument, "is a text file object; open it in binary mode ('rb')")
        own_name = getattr(file, "name", None)
        name = _part_name(
            filename or (os.path.basename(own_name) if isinstance(own_name, str) else "file")
        )
        seekable = getattr(file, "seekable", None)
        yield (name, file, content_type or _media_type(name)), bool(seekable and seekable())
    else:
        message = f"must be a path, bytes or a binary file object, got {type(file).__name__}"
        raise ArgumentError(argument, message)


def _part_name(name: str) -> str:
    """The part's file name, which goes in a header: UTF-8 must be able to encode it (a name
    from ``os.fsdecode`` may hold lone surrogates; then pass ``filename=``)."""
    return check_clean_text("filename", name)


def _media_type(filename: str) -> str:
    extension = os.path.splitext(filename)[1].lower()
    known = _MEDIA_TYPES.get(extension) or mimetypes.guess_type(filename)[0]
    return known or "application/octet-stream"


class LazyFile(io.RawIOBase):
    """A file opened at its first read, for a request sent later than it is described (a
    stream sends on first use): the path is checked at the call, the handle held only while
    the request is out. httpx reads it in chunks and seeks to its start before each send;
    :meth:`close` releases the handle (the owner of the request calls it when done)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.name = path
        self._handle: IO[bytes] | None = None

    def _file(self) -> IO[bytes]:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if self._handle is None:
            self._handle = open(self.name, "rb")  # noqa: SIM115 - closed by close()
        return self._handle

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._file().readinto(buffer)  # type: ignore[attr-defined, no-any-return]

    def read(self, size: int = -1) -> bytes:
        return self._file().read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file().seek(offset, whence)

    def tell(self) -> int:
        return self._file().tell() if self._handle is not None else 0

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()
        super().close()


def lazy_file_part(
    file: Any,
    filename: str | None = None,
    content_type: str | None = None,
    *,
    argument: str = "file",
) -> tuple[FilePart, bool]:
    """Like :func:`file_part`, for a request sent later: a path is checked now (so a missing
    file fails at the call) and opened only when the request is sent, as a :class:`LazyFile`
    that the request's owner closes (:func:`close_parts`)."""
    if isinstance(file, (str, os.PathLike)):
        path = os.fsdecode(file)  # pyright: ignore[reportUnknownArgumentType]
        if not os.path.isfile(path):
            problem = "no such file" if not os.path.exists(path) else "not a regular file"
            raise ArgumentError(argument, f"{problem}: {path!r}")
        if not os.access(path, os.R_OK):
            raise ArgumentError(argument, f"cannot read {path!r}: permission denied")
        name = _part_name(filename or os.path.basename(path))
        return (name, LazyFile(path), content_type or _media_type(name)), True
    with file_part(file, filename, content_type, argument=argument) as made:
        return made  # bytes and file objects need no opening, so leaving the block is a no-op


def close_parts(files: Any) -> None:
    """Close the :class:`LazyFile` parts of a request's ``files``, in either of httpx's forms
    (``{field: part}`` or ``[(field, part), ...]``); other contents belong to the caller."""
    items = files.items() if is_mapping(files) else files or ()
    for _field, part in items:
        content = part[1] if is_tuple(part) else part
        if isinstance(content, LazyFile):
            content.close()
