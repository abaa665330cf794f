"""Static checks that ``ClientOptions`` is ``AsyncMistral.__init__``'s keywords, run by mypy.

``Mistral.__init__`` and both ``with_options`` take ``**options: Unpack[ClientOptions]`` rather
than restating the constructor, so the TypedDict must stay exactly in step with it: same names,
same types. Both directions are checked (``tests/core/test_options.py`` checks the names at
run time too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from typing_extensions import ParamSpec, Unpack, assert_type

from mistral_async import AsyncMistral, Mistral
from mistral_async._core.options import NOT_GIVEN, ClientOptions, ClientOverrides, NotGiven

P = ParamSpec("P")


def signature_of(fn: Callable[P, Any]) -> Callable[P, None]:
    raise NotImplementedError


def takes_client_options(**options: Unpack[ClientOptions]) -> None: ...


def every_option_is_a_constructor_keyword(**options: Unpack[ClientOptions]) -> AsyncMistral:
    # Fails if ClientOptions has a key AsyncMistral does not take, or a wider type.
    return AsyncMistral(**options)


# Fails if AsyncMistral takes a keyword ClientOptions lacks, or takes it with a wider type.
constructor = signature_of(AsyncMistral)
constructor = takes_client_options


def overrides_are_client_options(overrides: ClientOverrides) -> AsyncMistral:
    # The with_options keywords are the constructor's, minus http_client and transport.
    return AsyncMistral(**overrides, http_client=None, transport="httpx")


def the_shims_take_the_same_options(options: ClientOptions, overrides: ClientOverrides) -> None:
    assert_type(Mistral(**options), Mistral)
    assert_type(Mistral(**options).with_options(**overrides), Mistral)
    assert_type(AsyncMistral(**options).with_options(**overrides), AsyncMistral)
    AsyncMistral().with_options(http_client=None)  # type: ignore[call-arg]
    Mistral(max_retries="2")  # type: ignore[arg-type]


def not_given_is_a_value_of_its_own(tracker: Any, maybe: int | NotGiven = NOT_GIVEN) -> None:
    if isinstance(maybe, NotGiven):
        assert_type(maybe, NotGiven)
    else:
        assert_type(maybe, int)
    AsyncMistral(usage_tracker=NOT_GIVEN)
    AsyncMistral(usage_tracker=None)
