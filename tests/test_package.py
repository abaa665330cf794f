"""Importing the package or its client builds no model: models and resources load on first use."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_importing_the_client_loads_no_model() -> None:
    code = textwrap.dedent(
        """
        import sys
        import mistral_async
        assert "mistral_async._core.client" not in sys.modules
        from mistral_async import AsyncMistral
        AsyncMistral(api_key="k")
        loaded = sorted(m for m in sys.modules if m.startswith(("mistral_async.", "pydantic.main")))
        assert not any(".types." in m or ".resources." in m for m in loaded), loaded
        assert "pydantic.main" not in loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)
