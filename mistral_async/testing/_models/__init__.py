"""The simulated models: deterministic, pure functions from a request to its answer.

No I/O, no server, no state: chat (:mod:`.chat`, with tools and structured output from
:mod:`.instances`), fill-in-the-middle (:mod:`.fim`), embeddings (:mod:`.embeddings`),
moderation and classification (:mod:`.moderation`), OCR (:mod:`.ocr`) and conversation steps
(:mod:`.conversation`, answered through chat; :mod:`.conversation_format` writes their events)
share their tokens, word lists and request hash (:mod:`.text`); :mod:`.completion_format` writes
a completion in the API's JSON and stream shapes, and :mod:`.catalog` is the fixed list of models
the server knows. Of the rest of ``testing`` they import only :mod:`.._spec` (to refuse a request
with an ``ApiError``).
"""
