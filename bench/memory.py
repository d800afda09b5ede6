"""Where the server's memory goes: RSS after each page's first visit, and what each compiled
program of the core holds.

Run: `python -m bench.memory [page ...]` (default: every page with a core computation). The pages
run in this process under AppTest, in the order given, with the app's persistent compilation
cache (as a restarted server has it). After each page the free heap is handed back to the OS
(`core.runtime.release_free_memory`, as the server does after heavy work) before RSS is read.
Then the caches are emptied one at a time, each program of the core last, so that every row is
what that cache alone was holding.

What a compiled program holds (heaptrack 1.4 on `transfer.train_runs`' three programs, 31 MB of
heap between them): the optimised HLO module XLA:CPU keeps with the executable, 44 %; its buffer
assignment, 29 %; the executable and its thunks, 19 %; the rest, 8 %. The JIT code itself is
~2 MB a program. All of it grows with the number of HLO instructions (threefry's unrolled rounds
included), not with the data, and no XLA flag makes it smaller (session notes, issue #7): a
program is made lighter by having fewer instructions (e.g. same-shape layers in one `lax.map`).
"""

import argparse
import gc
import importlib
import os
import pkgutil

MB = 2**20
DEFAULT_PAGES = ("overfitting", "initialization", "optimizers", "dropout", "transfer")


def rss_mb(trim: bool = True) -> float:
    """This process's resident memory once garbage and free heap pages are handed back."""
    if trim:
        from core.runtime import release_free_memory  # imports JAX

        gc.collect()
        release_free_memory()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


def core_programs() -> dict[str, object]:
    """Every jitted function at module level in core/, by `module.name`."""
    import core

    programs = {}
    for info in pkgutil.iter_modules(core.__path__):
        module = importlib.import_module(f"core.{info.name}")
        for name, value in vars(module).items():
            if hasattr(value, "lower") and hasattr(value, "clear_cache"):
                programs.setdefault(f"{info.name}.{name}", value)
    return programs


def visit_pages(pages: list[str]) -> list[tuple[str, float]]:
    """RSS after the first visit of each page, in order, the server's imports first."""
    rows = [("Python, before imports", rss_mb(trim=False))]
    from streamlit.testing.v1 import AppTest

    import playground.compute  # noqa: F401  (as the server does: sizes the pools)
    from core.runtime import enable_compilation_cache
    from playground.registry import PAGES_DIR

    enable_compilation_cache()
    rows.append(("imports: Streamlit, JAX, playground", rss_mb()))
    for page in pages:
        app = AppTest.from_file(str(PAGES_DIR / f"{page}.py"), default_timeout=600).run()
        if app.exception:
            raise RuntimeError(f"{page}: {app.exception[0].value}")
        rows.append((page, rss_mb()))
    return rows


def release_caches() -> list[tuple[str, float]]:
    """MB each cache was holding, freed one at a time (programs of the core largest first)."""
    import streamlit as st
    from jax._src import util

    steps = [
        ("st.cache_data", st.cache_data.clear),
        ("st.cache_resource", st.cache_resource.clear),
        ("JAX tracing and lowering caches", util.clear_all_caches),
    ]
    steps += [(name, fn.clear_cache) for name, fn in core_programs().items()]
    freed = []
    before = rss_mb()
    for name, clear in steps:
        clear()
        after = rss_mb()
        freed.append((name, before - after))
        before = after
    return freed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=list(DEFAULT_PAGES))
    pages = parser.parse_args().pages

    visits = visit_pages(pages)
    print("| after | RSS MB | + MB |\n|---|---|---|")
    for (name, mb), (_, previous) in zip(visits, [visits[0], *visits], strict=False):
        print(f"| {name} | {mb:.0f} | {mb - previous:+.0f} |")

    freed = release_caches()
    print("\n| held by | MB |\n|---|---|")
    caches, programs = freed[:3], sorted(freed[3:], key=lambda row: -row[1])
    for name, mb in caches + [(f"program {n}", mb) for n, mb in programs if mb >= 0.5]:
        print(f"| {name} | {mb:.1f} |")
    small = [mb for _, mb in programs if mb < 0.5]
    print(f"| {len(small)} smaller or unused programs | {sum(small):.1f} |")
    print(f"| **all caches** | **{sum(mb for _, mb in freed):.0f}** |")
    print(f"\nRSS with every cache empty: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
