"""The ``mistral-async`` command: ``demo``, ``serve``, ``chat`` and ``batch``."""

from .main import main

__all__ = ["main"]
