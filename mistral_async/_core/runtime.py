"""Which async library's event loop runs in this thread, if any.

A question both the blocking shim (it must not block a running loop) and the aiohttp transport
(it runs on asyncio only) ask; it lives here, in the core, so the core never imports the shim.
"""

from __future__ import annotations

import sys


def running_async_library() -> str | None:
    """The async library whose event loop runs in this thread, if any."""
    # Neither library is imported here: one whose loop runs is loaded already, and importing
    # asyncio just to ask would add to the client's import time.
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            asyncio.get_running_loop()
            return "asyncio"
        except RuntimeError:
            pass
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            trio.lowlevel.current_trio_token()
            return "trio"
        except RuntimeError:
            pass
        except AttributeError:
            # Another thread is importing trio right now (httpcore does, when the loop thread
            # builds the first pool): half a module runs no loop in this thread.
            pass
    return None
