"""``ReclaimingPool``: httpcore's connection pool, mended for cancelled requests.

Kept apart from ``transport.py`` so that importing the client does not import httpcore: it is
only needed once the first pool is built (see ``transport._shard_transport``).
"""

from __future__ import annotations

import httpcore


class ReclaimingPool(httpcore.AsyncConnectionPool):
    """httpcore's pool, closing the connections that no request holds and nothing can reclaim.

    httpcore calls ``_assign_requests_to_connections`` whenever a request arrives or leaves,
    with the pool's state consistent, and closes what it returns; that is the moment to find
    the connections a cancelled request left behind. Such a connection is either still to be
    made (cancelled while waiting for its turn: nothing to close) or made but never given its
    request (``NEW``, cancelled on httpcore's state lock: an open socket). Every other
    connection is held by a request, or idle, closed or expired, which httpcore handles itself.
    """

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        held = {id(request.connection) for request in self._requests}
        orphans = [
            connection
            for connection in self._connections
            if id(connection) not in held
            and not (connection.is_idle() or connection.is_closed() or connection.is_available())
        ]
        for connection in orphans:
            self._connections.remove(connection)
        return orphans + super()._assign_requests_to_connections()


_RECLAIMING: dict[type[httpcore.AsyncConnectionPool], type[httpcore.AsyncConnectionPool]] = {
    httpcore.AsyncConnectionPool: ReclaimingPool
}


def _reclaiming(kind: type[httpcore.AsyncConnectionPool]) -> type[httpcore.AsyncConnectionPool]:
    if issubclass(kind, ReclaimingPool):
        return kind
    found = _RECLAIMING.get(kind)
    if found is None:
        # httpcore's proxies are pools that make other connections (forwarding, tunnelling):
        # ReclaimingPool first in the MRO mends the assigning, the proxy still makes them.
        name = f"Reclaiming{kind.__name__.removeprefix('Async')}"
        found = _RECLAIMING[kind] = type(name, (ReclaimingPool, kind), {})
    return found


def reclaim(pool: httpcore.AsyncConnectionPool) -> None:
    """Turn the pool an ``httpx.AsyncHTTPTransport`` built (direct, or through an HTTP or SOCKS
    proxy) into its reclaiming kind, in place.

    In place rather than built anew so that every argument httpx translated for it (the proxy's
    URL, credentials, headers and TLS) stays as httpx made it; the subclass adds one method and
    no state, which is what makes assigning ``__class__`` sound.
    """
    pool.__class__ = _reclaiming(type(pool))
