"""The Home page's "Start here" gallery: two of each page's "Try this" experiments, by title.

The gallery names experiments rather than repeating their settings, so a start-here link opens
exactly the view that the page's own "Try this" button and link give.
"""

import dataclasses
import importlib
from pathlib import Path
from typing import Any

from playground.controls import link_params
from playground.registry import PageInfo, present_pages

START_HERE = {
    "overfitting": ("Lesson example", "Parameters = points"),
    "initialization": ("N(0, 1) explodes", "He + ReLU holds"),
    "optimizers": ("The lesson's example", "Rosenbrock's valley"),
    "dropout": ("Memorising noise", "Spiral, playground style"),
    "transfer": ("One example per class", "A tiny budget"),
}


@dataclasses.dataclass(frozen=True)
class StartHere:
    """One experiment of a page, as a link: the page, the title, what to look for, settings."""

    page: PageInfo
    title: str
    look_for: str
    settings: dict[str, Any]

    @property
    def query_params(self) -> list[tuple[str, str]]:
        return link_params(self.page.prefix, self.settings)


def experiments_of(page: PageInfo) -> dict[str, tuple[str, dict[str, Any]]]:
    """{title: (what to look for, settings)} of the page's "Try this" list."""
    specs = importlib.import_module(f"playground.page_specs.{Path(page.script).stem}")
    return {title: (look_for, settings) for title, look_for, settings in specs.EXPERIMENTS}


def gallery() -> list[tuple[PageInfo, tuple[StartHere, ...]]]:
    """Every present page, in the registry's order, with its start-here experiments."""
    rows = []
    for page in present_pages():
        experiments = experiments_of(page)
        picks = START_HERE.get(page.url_path, ())
        rows.append((page, tuple(StartHere(page, t, *experiments[t]) for t in picks)))
    return rows
