"""Every figure of every page, drawn by plotly.js in Chromium, in the light and the dark theme:
the baked figure (the template written in, see playground/plots/bake.py) is drawn exactly like
the figure with its template, and
Plotly.react of a JSON copy of it (what Streamlit 1.67 does after each mount) reuses the first
draw's calculation instead of starting again, which the templated figure does not.

plotly.js here is the bundle that ships with the plotly package, loaded into a blank page.
"""

import json
import math
from pathlib import Path

import plotly
import plotly.io as pio
import pytest

from playground.plots import style
from playground.plots.bake import can_bake
from playground.registry import HOME, present_pages
from tests.conftest import assert_no_exception, run_page

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

# Plotly's computed figure (_fullLayout, _fullData) as plain JSON: no internals ("_" keys), no
# DOM or functions; what may differ by design: the template itself, datarevision, random uids,
# and `newshape` (the colour of shapes a visitor would draw, a contrast to the background: with
# the dark template plotly.js contrasts it to white, with the dark colour written in, to dark;
# the drawing tools are off here).
FULL_FIGURE_JS = """(gd) => {
  const skip = new Set(['template', 'datarevision', 'uid', 'newshape']);
  const clean = (v) => {
    if (v === null || typeof v !== 'object') return typeof v === 'function' ? undefined : v;
    if (ArrayBuffer.isView(v)) return Array.from(v);
    if (Array.isArray(v)) return v.map(clean);
    if (Object.getPrototypeOf(v) !== Object.prototype) return undefined;
    const out = {};
    for (const k of Object.keys(v).sort()) {
      if (k.startsWith('_') || skip.has(k)) continue;
      const c = clean(v[k]);
      if (c !== undefined) out[k] = c;
    }
    return out;
  };
  return JSON.stringify({layout: clean(gd._fullLayout), data: gd._fullData.map(clean)});
}"""

# Draws a figure, then reacts to a JSON copy of it as Streamlit's chart does after mounting.
DRAW_TWICE_JS = """async (figure) => {
  const fullFigure = __FULL_FIGURE__;
  const div = document.createElement('div');
  div.style.width = '700px';
  document.body.appendChild(div);
  await Plotly.newPlot(div, figure.data, figure.layout);
  const drawn = fullFigure(div);
  const calc = div.calcdata;
  const copy = JSON.parse(JSON.stringify(figure));
  await Plotly.react(div, copy.data, copy.layout);
  const recalculated = div.calcdata !== calc;
  Plotly.purge(div);
  div.remove();
  return {drawn, recalculated};
}""".replace("__FULL_FIGURE__", FULL_FIGURE_JS)


def shown_figures(monkeypatch, script: str) -> list[tuple[str, dict, dict]]:
    """(theme, figure with that theme's template, figure as shown in it) for every figure the
    page shows, in our light theme and in Streamlit's dark one."""
    found = []
    bake_for_show = style.baked

    def recording(fig, theme="light"):
        for other in style.TEMPLATES:
            templated = json.loads(pio.to_json(fig.to_dict(), validate=False))
            templated["layout"]["template"] = style.TEMPLATES[other]
            shown = json.loads(pio.to_json(bake_for_show(fig, other), validate=False))
            found.append((other, templated, shown))
        return bake_for_show(fig, theme)

    monkeypatch.setattr(style, "baked", recording)
    assert_no_exception(run_page(script))
    return found


def differences(expected, found, path: str = "") -> list[str]:
    """Where two JSON values differ, as "path: expected -> found" lines."""
    if isinstance(expected, dict) and isinstance(found, dict):
        return [
            line
            for key in sorted(set(expected) | set(found))
            for line in differences(expected.get(key), found.get(key), f"{path}.{key}")
        ]
    if isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        pairs = enumerate(zip(expected, found, strict=True))
        return [line for i, (a, b) in pairs for line in differences(a, b, f"{path}[{i}]")]
    if _number(expected) and _number(found):
        # A shown figure's arrays are float32 (playground.plots.style.single_precision),
        # written as the shortest decimal that reads back as that float32 (orjson; -1.0 comes
        # back from the browser as -1): the same number, and what plotly derives from it (an
        # axis range), to float32's precision.
        same = math.isclose(expected, found, rel_tol=1e-6, abs_tol=1e-30)
    else:
        same = expected == found
    return [] if same else [f"{path}: {expected!r:.60} -> {found!r:.60}"]


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.fixture(scope="module")
def plotly_tab(browser):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.set_content("<html><body></body></html>")
    tab.add_script_tag(path=str(PLOTLY_JS))
    yield tab
    tab.context.close()


@pytest.mark.parametrize(
    "script", [p.script for p in present_pages() if p is not HOME], ids=lambda s: s[:-3]
)
def test_baked_figures_draw_like_their_template_and_redraw_without_recalculating(
    monkeypatch, plotly_tab, script
):
    shown_pairs = shown_figures(monkeypatch, script)
    assert shown_pairs, "the page showed no figure"
    baked_count = 0
    for i, (theme, templated, shown) in enumerate(shown_pairs):
        title = (theme, templated["layout"].get("title", {}).get("text", f"figure {i}"))
        template = style.TEMPLATES[theme]
        if not can_bake(templated, template):  # e.g. a table: shown with the template
            assert shown["layout"]["template"] == json.loads(json.dumps(template)), title
            continue
        baked_count += 1
        assert "template" not in shown["layout"], title
        reference = plotly_tab.evaluate(DRAW_TWICE_JS, templated)
        baked = plotly_tab.evaluate(DRAW_TWICE_JS, shown)
        differ = differences(json.loads(reference["drawn"]), json.loads(baked["drawn"]))
        assert not differ, (title, differ[:10])
        assert not baked["recalculated"], title
        assert reference["recalculated"], title  # what baking saves: a full second draw
    # Every figure but the optimizer page's table is baked, in both themes.
    assert baked_count >= len(shown_pairs) - 2, f"{baked_count} of {len(shown_pairs)} baked"
