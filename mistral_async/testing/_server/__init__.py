"""The ASGI server: the top layer, which puts the others to work over HTTP.

:mod:`.app` builds ``MistralApp`` from the middleware (:mod:`.recording`, :mod:`.middleware` for
request ids, rate-limit headers and auth, :mod:`.faults` for injected failures, all on the small
helpers of :mod:`.asgi`) around the Starlette routes of :mod:`.routes`, one module per API area,
which answer with :mod:`.._models` and keep what they must in :mod:`.._state`. :mod:`.serving`
runs the app on uvicorn: ``LocalServer`` on a background thread, ``run_server`` in the foreground.
"""
