"""The async core: ``AsyncMistral`` and the one request pipeline.

Options, request building, the transport, retry decisions, concurrency limits, the exchange (a
sent request holding its slot), argument checks, the error tree, response info, pagination,
held responses (streams, downloads) and stream accumulators. Nothing here imports the sync shim,
the batch runner or the helpers (but ``usage``, for the client's default tracker), and the client
imports its resources lazily (tests/test_architecture.py).
"""
