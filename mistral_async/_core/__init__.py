"""The async core: ``AsyncMistral`` and the one request pipeline.

Options, request building, the transport, retry decisions, concurrency limits, the exchange (a
sent request holding its slot), argument checks, the error tree, response info, pagination,
held responses (streams, downloads) and stream accumulators. Nothing
here imports the sync shim, the batch runner, the helpers or a resource module at import time.
"""
