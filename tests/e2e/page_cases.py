"""Per-page facts the end-to-end tests and browser benchmarks need, one row per page.

Everything else is generic over `playground.registry.present_pages()`: a page whose script does
not exist yet is skipped, and a row whose keys the page does not have makes its tests skip with
a message (never fail), so a guessed row is harmless until someone corrects it.

Each row names one numeric slider to move by keyboard and one shared link (a query string) that
must restore the same controls and figures in a fresh session. Rows marked `guessed=True` were
written from the page's URL prefix before the page existed; check their keys when merging.
"""

import dataclasses

from core.optimizers import OPTIMIZERS
from playground.registry import HOME, present_pages


@dataclasses.dataclass(frozen=True)
class PageCase:
    url_path: str
    prefix: str | None = None  # widget keys are "<prefix>.<name>"
    slider: str | None = None  # a numeric slider to move by keyboard
    link: str = ""  # a shared link's query string (valid values: no replacement note)
    guessed: bool = False
    # bench/latency.py: a slider whose every step is a new computation (default: `slider`)
    latency_slider: str | None = None
    # Links to states that crowd the charts (long legends, labels near each other): the
    # legibility test opens them beside the default page.
    crowded: tuple[str, ...] = ()

    @property
    def bench_slider(self) -> str | None:
        return self.latency_slider or self.slider

    @property
    def path(self) -> str:
        """What to open: the default page lives at "/", not at "/home"."""
        return "" if self.url_path == HOME.url_path else self.url_path


CASES = {
    HOME.url_path: PageCase(HOME.url_path),
    "overfitting": PageCase(
        "overfitting",
        prefix="fit",
        slider="fit.degree",
        link="fit.degree=9&fit.n_train=30&fit.noise=0.3&fit.seed=3",
        latency_slider="fit.seed",
    ),
    "initialization": PageCase(
        "initialization",
        prefix="init",
        slider="init.depth",
        latency_slider="init.seed",
        link="init.depth=30&init.seed=2",
    ),
    # Keys read from the optimizers and dropout branches before they were merged.
    "optimizers": PageCase(
        "optimizers",
        prefix="opt",
        slider="opt.steps",
        latency_slider="opt.start_x",  # its seed only matters with gradient noise on
        link="opt.steps=80&opt.start_x=-2&opt.learning_rate=0.01",
        crowded=(
            # every optimizer, two of them "diverged at step k": the longest legend
            "opt.surface=himmelblau" + "".join(f"&opt.optimizers={name}" for name in OPTIMIZERS),
            # the Hessian's lines at the start and at a minimum found nearby
            "opt.surface=camel",
        ),
    ),
    "dropout": PageCase(
        "dropout",
        prefix="drop",
        slider="drop.epochs",
        latency_slider="drop.seed",
        link="drop.epochs=20&drop.seed=2",
        crowded=("drop.dataset=moons",),  # the decision-boundary panels
    ),
    "transfer": PageCase(
        "transfer",
        prefix="tl",
        # Seed and learning rate retrain the whole strategy sweep (seconds); the attack's
        # sliders are the interactive ones.
        slider="tl.epsilon",
        latency_slider="tl.tv_weight",
        link="tl.epsilon=0.1&tl.image_index=3",
    ),
}

# Measured by bench/latency.py against the floor; the target is p95 <= floor + 50 ms.
LATENCY_TARGET_PAGES = ("overfitting", "initialization", "optimizers")


def present_cases() -> list[PageCase]:
    """Home and every page whose script exists, in registry order (unknown pages: bare row)."""
    paths = [HOME.url_path] + [p.url_path for p in present_pages()]
    return [CASES.get(path, PageCase(path)) for path in paths]
