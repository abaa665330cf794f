"""The API contract as executable checks: the bottom layer, importing nothing else of ``testing``.

:mod:`.openapi` loads Mistral's OpenAPI file (corrected in memory) and validates requests,
responses and event streams against it; :mod:`.violations` turns jsonschema errors into short,
located violations; :mod:`.multipart` and :mod:`.sse` parse form bodies and event streams for the
checks; :mod:`.error_bodies` is the error object the live API sends beyond the file (and
``ApiError``, the one exception that answers with it); :mod:`.exchanges` holds recorded
exchanges, and :mod:`.conformance` checks them.
"""
