"""A file's content, streamed: ``FileDownload``.

Like a stream, a download is created without I/O (``client.files.download(id)`` needs no
``await``). The request is sent on ``async with`` or on the first read, and the response then
holds a concurrency slot until it is closed: when the body has been read, on ``break``, on an
exception, on cancellation, or by ``aclose()``. The body is never held whole in memory unless
you ask for it with ``read()``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from email.message import Message
from typing import TYPE_CHECKING

import anyio
import httpx

from .bounds import close_iterator
from .deadline import Deadline
from .errors import transport_error
from .held import HeldResponse
from .options import RequestOptions
from .request import APIRequest
from .upload import StrPath as StrPath

if TYPE_CHECKING:
    from .client import AsyncMistral


class FileDownload(HeldResponse):
    """The body of a download, read in chunks: ``async with`` it, then ``iter_bytes()``,
    ``read()`` or ``write_to(path)``; each reads the body once."""

    def __init__(self, client: AsyncMistral, request: APIRequest, options: RequestOptions) -> None:
        super().__init__(client, request, options)
        self._consumed = False

    @property
    def filename(self) -> str | None:
        """The file name the server gave (``Content-Disposition``), once started."""
        disposition = self._header("content-disposition")
        if not disposition:
            return None
        message = Message()
        message["content-disposition"] = disposition
        name = message.get_filename()
        return name if isinstance(name, str) else None

    @property
    def size(self) -> int | None:
        """The body's length in bytes, when the server said it (``Content-Length``)."""
        length = self._header("content-length")
        return int(length) if length and length.isdigit() else None

    def _header(self, name: str) -> str | None:
        info = self.response_info
        return info.headers.get(name) if info is not None else None

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncGenerator[bytes, None]:
        """The body in chunks as they arrive (of ``chunk_size`` bytes, except the last, if given).

        A connection lost midway raises ``APIConnectionError``; it is not retried, since part
        of the body has already been handed over.
        """
        if self._consumed or self._closed:
            raise RuntimeError("A download's body can be read once; this one is read or closed.")
        self._consumed = True
        try:
            await self._start()
            response = self._response
            assert response is not None
            body = response.aiter_bytes(chunk_size)
            # The call's deadline, if any, bounds the body too: each read in a scope ending at
            # it (no scope is held across the yield), as a stream's reads are.
            deadline = self._deadline
            try:
                while True:
                    chunk = b""
                    with Deadline.scope(deadline) as scope:
                        try:
                            chunk = await body.__anext__()
                        except StopAsyncIteration:
                            return
                        except httpx.TransportError as exc:
                            raise transport_error(exc, response.request, self._retries) from exc
                    if scope.cancelled_caught:
                        assert deadline is not None
                        failure = deadline.failure(response.request)
                        raise transport_error(failure, response.request, self._retries)
                    yield chunk
            finally:
                # httpx's aiter_bytes is an async generator, though typed as an iterator.
                await close_iterator(body, response)
        finally:
            await self.aclose()

    async def read(self) -> bytes:
        """The whole body, in memory."""
        async with aclosing(self.iter_bytes()) as chunks:
            return b"".join([chunk async for chunk in chunks])

    async def write_to(self, path: StrPath) -> int:
        """Write the body to ``path`` as it arrives; return the number of bytes written.

        The file is written from a worker thread, so the event loop never waits on the disk.
        If the download fails, the partly written file is removed.
        """
        written = 0
        target = anyio.Path(path)
        try:
            async with (
                await anyio.open_file(target, "wb") as out,
                aclosing(self.iter_bytes()) as chunks,
            ):
                async for chunk in chunks:
                    await out.write(chunk)
                    written += len(chunk)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await target.unlink(missing_ok=True)
            raise
        return written
