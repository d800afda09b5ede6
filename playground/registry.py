"""Every page of the app, registered explicitly (no folder auto-discovery)."""

import dataclasses
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = ROOT / "pages"


@dataclasses.dataclass(frozen=True)
class PageInfo:
    """A page: its script, URL path, title, icon, the one idea it teaches, and the prefix of
    its controls' keys (`fit` for `fit.degree`, both in session state and in links)."""

    script: str
    url_path: str
    title: str
    icon: str
    teaches: str
    prefix: str = ""

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.script

    def streamlit_page(self, default: bool = False) -> st.Page:
        """The page for `st.navigation`; `st.page_link` takes the same to link to it."""
        return st.Page(
            self.path, title=self.title, icon=self.icon, url_path=self.url_path, default=default
        )


HOME = PageInfo("home.py", "home", "Home", ":material/home:", "Where to start.")
PAGES = (
    PageInfo(
        "overfitting.py",
        "overfitting",
        "Overfitting",
        ":material/show_chart:",
        "Fit polynomials of any degree: the U-curve, bias² + variance + noise, double descent.",
        "fit",
    ),
    PageInfo(
        "initialization.py",
        "initialization",
        "Initialization",
        ":material/stacked_line_chart:",
        "Watch signals vanish or explode through 50 layers, for every init scheme.",
        "init",
    ),
    PageInfo(
        "optimizers.py",
        "optimizers",
        "Optimizer trajectories",
        ":material/route:",
        "SGD, momentum, Adam & co. racing on loss surfaces, with whole LR × momentum sweeps.",
        "opt",
    ),
    PageInfo(
        "dropout.py",
        "dropout",
        "Dropout & network playground",
        ":material/hub:",
        "Train real networks live, many dropout rates and seeds at once.",
        "drop",
    ),
    PageInfo(
        "transfer.py",
        "transfer",
        "Transfer learning",
        ":material/school:",
        "Reuse a pretrained CNN with few labels; its ideal images and adversarial weak spots.",
        "tl",
    ),
)


def present_pages() -> tuple[PageInfo, ...]:
    """The registered pages whose script exists (all of them once every page is built)."""
    return tuple(p for p in PAGES if p.path.exists())
