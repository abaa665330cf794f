"""The docs' API reference (docs/hooks/reference.py) covers the whole public surface.

The build itself (``mkdocs build --strict``) runs in CI; these checks need no MkDocs: they
load the hook and ask it which pages it would write.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import mistral_async

ROOT = Path(__file__).parent.parent


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "docs_reference", ROOT / "docs/hooks/reference.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def _documented() -> set[str]:
    hook = _hook()
    pages = hook._flat(hook.reference_pages(ROOT))
    return {name for page in pages for name in page.objects}


def test_every_public_name_has_a_reference_entry() -> None:
    documented = _documented()
    missing = {f"mistral_async.{n}" for n in mistral_async.__all__ if n != "__version__"}
    assert missing - documented == set()


def test_public_modules_not_reexported_have_pages() -> None:
    documented = _documented()
    for module in ("embeddings_utils", "testing", "types.chat", "resources.chat"):
        assert f"mistral_async.{module}" in documented
    assert "mistral_async.cli" not in documented
    assert not any(".types._" in name or "._core" in name for name in documented)


def test_a_name_from_a_new_module_gets_a_page_of_its_own() -> None:
    hook = _hook()
    assert hook.area_of("_core.errors") == ("errors", "Errors")
    assert hook.area_of("_batch.anything") == ("batch", "Batch runs")
    assert hook.area_of("_core.tracing_hooks") == ("tracing-hooks", "Tracing hooks")
