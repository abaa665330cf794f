"""MkDocs hook: the API reference pages, written at build time from the package itself.

Nothing under ``docs/reference/`` is a file in the repository. At each build this hook reads

- the export list, the ``TYPE_CHECKING`` block of ``mistral_async/__init__.py`` (the one list
  of public names, see its docstring), and files each name on the page of its area: the area
  of the module it comes from, by ``AREAS`` below; a name from a module no area claims gets a
  page named after that module, so a new public name is documented whatever its module;
- the public modules whose names are not re-exported at the top (``embeddings_utils``,
  ``testing``, one page per module of ``resources/`` and ``types/``), found by walking the
  package: a new module there gets its page too.

Each page is a list of mkdocstrings ``:::`` directives; mkdocstrings renders them from the
docstrings (statically, with griffe: the package is not imported). The pages and their nav
section are added to the build in memory (``on_config`` for the nav, ``on_files`` for the
pages), so the built site is all there is.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGE = "mistral_async"
SECTION = "API reference"

# (page, title, module prefixes of the export list that belong to it), in nav order. A prefix
# ending in "." claims a whole folder. The first matching prefix wins.
AREAS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "clients",
        "Clients and options",
        ("_core.client", "_sync.client", "_core.options", "_core.retry", "_core.http_client"),
    ),
    (
        "responses",
        "Responses, pages and downloads",
        ("_core.response_info", "_core.limits", "_core.pagination", "_core.download"),
    ),
    ("streams", "Streams", ("_core.streaming", "_core.event_streams")),
    ("structured", "Structured output", ("_structured",)),
    ("errors", "Errors", ("_core.errors", "_sync.portal")),
    ("sync-views", "Blocking views", ("_sync.views",)),
    ("batch", "Batch runs", ("_batch.",)),
    ("tools", "Tool runs", ("tools",)),
    ("conversation", "Conversations", ("conversation",)),
    ("usage", "Usage and cost", ("usage",)),
    ("cache", "Response cache", ("cache",)),
]

# Public modules documented by another means (the command documents itself with --help).
SKIPPED_MODULES = {"cli"}


@dataclass
class Page:
    path: str  # under docs/, e.g. "reference/errors.md"
    title: str
    objects: list[str] = field(default_factory=list)  # dotted paths for ":::"
    intro: str = ""
    nav_title: str = ""  # the title, unless given

    def markdown(self) -> str:
        lines = [f"# {self.title}", ""]
        if self.intro:
            lines += [self.intro, ""]
        lines += [f"::: {name}" for name in self.objects]
        return "\n\n".join(lines) + "\n"


def exports(init: Path) -> dict[str, str]:
    """Each public name of the package and its module, relative (``"_core.errors"``)."""
    tree = ast.parse(init.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "_TYPE_CHECKING":
            return {
                alias.asname or alias.name: statement.module or ""
                for statement in node.body
                if isinstance(statement, ast.ImportFrom) and statement.level == 1
                for alias in statement.names
            }
    raise RuntimeError(f"{init}: no `if _TYPE_CHECKING:` export block")


def area_of(module: str) -> tuple[str, str]:
    """The page and title of the area a module belongs to."""
    for page, title, prefixes in AREAS:
        if any(module == p or (p.endswith(".") and module.startswith(p)) for p in prefixes):
            return page, title
    last = module.rsplit(".", 1)[-1].lstrip("_")
    return last.replace("_", "-"), last.replace("_", " ").capitalize()


def public_modules(folder: Path, dotted: str) -> list[str]:
    """The dotted names of the public modules below ``folder`` (not the package itself)."""
    found = []
    for child in sorted(folder.iterdir()):
        name = child.stem if child.suffix == ".py" else child.name
        if name.startswith("_") or name in SKIPPED_MODULES:
            continue
        if child.suffix == ".py":
            found.append(f"{dotted}.{name}")
        elif (child / "__init__.py").is_file():
            found.append(f"{dotted}.{name}")
            found += public_modules(child, f"{dotted}.{name}")
    return found


def has_content(package: Path) -> bool:
    """Whether a package's ``__init__.py`` holds more than nothing."""
    return bool((package / "__init__.py").read_text(encoding="utf-8").strip())


def reference_pages(root: Path) -> list[Page | tuple[str, list[Page]]]:
    """The reference, in nav order: area pages, then module pages (a package with public
    submodules is a nav section of them)."""
    source = root / PACKAGE
    names = exports(source / "__init__.py")
    by_page: dict[str, Page] = {}
    order = [page for page, _, _ in AREAS]
    for name, module in names.items():
        page, title = area_of(module)
        if page not in by_page:
            by_page[page] = Page(f"reference/{page}.md", title)
        by_page[page].objects.append(f"{PACKAGE}.{name}")
    areas = sorted(by_page, key=lambda p: (order.index(p) if p in order else len(order), p))
    tree: list[Page | tuple[str, list[Page]]] = [by_page[p] for p in areas]

    exported_from = set(names.values())
    sections: dict[str, list[Page]] = {}
    modules = public_modules(source, PACKAGE)
    for dotted in modules:
        parts = dotted.split(".")[1:]
        if ".".join(parts) in exported_from:
            continue  # its public names are on their area's page
        folder = source.joinpath(*parts)
        page = Page(f"reference/{'/'.join(parts)}.md", dotted, [dotted], nav_title=parts[-1])
        if len(parts) == 1 and folder.is_dir() and any(m.startswith(dotted + ".") for m in modules):
            # a package of public modules: a nav section, its own page first if it has one
            sections[parts[0]] = [page] if has_content(folder) else []
        elif len(parts) == 1:
            tree.append(page)
        else:
            sections[parts[0]].append(page)
    tree += [(f"{PACKAGE}.{top}", pages) for top, pages in sections.items()]
    return tree


def _flat(tree: list[Page | tuple[str, list[Page]]]) -> list[Page]:
    return [p for item in tree for p in ([item] if isinstance(item, Page) else item[1])]


def _overview(tree: list[Page | tuple[str, list[Page]]]) -> Page:
    lines = [
        "Generated from the docstrings at each build: the public names of `mistral_async` "
        "(its export list), grouped by area, then the public modules.",
        "",
    ]
    for item in tree:
        pages = [item] if isinstance(item, Page) else item[1]
        for page in pages:
            lines.append(f"- [{page.title}]({page.path.removeprefix('reference/')})")
    return Page("reference/index.md", SECTION, intro="\n".join(lines))


_TREE: list[Page | tuple[str, list[Page]]] = []


def on_config(config: Any) -> Any:
    root = Path(config["config_file_path"]).parent
    _TREE[:] = reference_pages(root)
    nav: list[Any] = [{"Overview": "reference/index.md"}]
    for item in _TREE:
        if isinstance(item, Page):
            nav.append({item.nav_title or item.title: item.path})
        else:
            nav.append({item[0]: [{p.nav_title or p.title: p.path} for p in item[1]]})
    config["nav"] = [*(config["nav"] or []), {SECTION: nav}]
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for page in [_overview(_TREE), *_flat(_TREE)]:
        files.append(File.generated(config, page.path, content=page.markdown()))
    return files
