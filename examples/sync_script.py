"""A blocking script: a chat answer, a streamed answer printed as it arrives, an error handled.

Run it::

    export MISTRAL_API_KEY=...            # and MISTRAL_BASE_URL to use another server
    python examples/sync_script.py

``Mistral`` is the blocking client: no ``async``/``await``, the same methods and models as
``AsyncMistral`` (it runs the async client on a private event loop thread). Use it in scripts,
notebooks and threads; in an async program use ``AsyncMistral``.
"""

from __future__ import annotations

from mistral_async import APIStatusError, Mistral

MODEL = "mistral-small-latest"


def main() -> None:
    # The key comes from MISTRAL_API_KEY, the server from MISTRAL_BASE_URL (default: the API).
    # `with` closes the connections and the loop thread at the end.
    with Mistral(max_retries=2) as client:
        completion = client.chat.complete(
            model=MODEL,
            messages=[{"role": "user", "content": "Name a French painter, in one line."}],
        )
        print("answer:", completion.text)
        print("tokens:", completion.usage.total_tokens)

        # A stream is read with a plain `for`; leaving the `with` early (break, exception)
        # closes the response.
        print("stream: ", end="", flush=True)
        with client.chat.stream(
            model=MODEL,
            messages=[{"role": "user", "content": "Describe the sea in two sentences."}],
        ) as stream:
            for text in stream.text_deltas():
                print(text, end="", flush=True)  # flush: show each piece as it comes
        print()
        print("finish reason:", stream.current_completion().choices[0].finish_reason)

        # Errors are typed: an APIStatusError carries the HTTP status and Mistral's error
        # type, code and message. 400s like this one are never retried.
        try:
            client.chat.complete(
                model="no-such-model", messages=[{"role": "user", "content": "Hello"}]
            )
        except APIStatusError as error:
            print(
                f"error handled: {type(error).__name__} status={error.status_code} "
                f"type={error.type} message={error.message!r}"
            )


if __name__ == "__main__":
    main()
