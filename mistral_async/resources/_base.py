"""What every resource shares: a reference to its client and the request-building step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .._http import APIRequest
from .._options import RequestOptions
from .._validate import split_options, validate_options, validate_params
from ..types._base import dump_request

if TYPE_CHECKING:
    from .._client import AsyncMistral


class AsyncAPIResource:
    def __init__(self, client: AsyncMistral) -> None:
        self._client = client


def json_request(
    method: str,
    path: str,
    model: type[BaseModel],
    kwargs: Mapping[str, Any],
    **fixed: Any,
) -> tuple[APIRequest, RequestOptions]:
    """Validate keyword arguments against ``model`` and describe the JSON request.

    :param fixed: body fields the method sets itself (``stream``), which win over ``kwargs``.
    """
    params, options = split_options(kwargs)
    validate_options(options)
    body = dump_request(validate_params(model, {**params, **fixed}))
    return APIRequest(method, path, json=body), options
