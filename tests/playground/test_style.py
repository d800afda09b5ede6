"""The shared figure style: titles that fit a phone, and a plot that keeps its size."""

import pytest

from playground.plots import style
from playground.plots.style import TITLE_CHARS, title_layout, title_lines

TITLES = [
    "Data and fit",
    "Training and validation error against degree",
    "Dead / saturated units per layer: saturated (|tanh| > 0.99)",
    "Momentum: final loss after 300 steps, η × momentum γ (grey: diverged)",
    "Target-task accuracy against labelled examples per class (mean ± std, 3 seeds)",
    "word " * 30,
]


@pytest.mark.parametrize("title", TITLES)
def test_title_lines_keep_every_word_in_order_within_the_width(title):
    lines = title_lines(title)
    assert " ".join(lines).split() == title.split()
    assert all(0 < len(line) <= TITLE_CHARS for line in lines)


def test_a_title_that_fits_stays_one_line():
    assert title_lines("Loss against step") == ["Loss against step"]


def test_titles_break_where_their_sense_breaks_never_inside_parentheses():
    assert title_lines("Dead / saturated units per layer: saturated (|tanh| > 0.99)") == [
        "Dead / saturated units per layer:",
        "saturated (|tanh| > 0.99)",
    ]
    boundary = "Decision boundary per dropout rate (filled: train, hollow: validation)"
    assert title_lines(boundary) == [
        "Decision boundary per dropout rate",
        "(filled: train, hollow: validation)",
    ]


def test_without_a_sense_break_two_lines_are_as_even_as_they_can_be():
    assert title_lines("Training and validation error against degree") == [
        "Training and validation",
        "error against degree",
    ]


def test_a_word_longer_than_a_line_is_kept_whole():
    assert title_lines("x" * 60) == ["x" * 60]


def test_each_further_title_line_and_the_tool_bar_band_add_to_margin_and_height():
    one, two = title_layout("Loss against step"), title_layout(TITLES[2])
    assert one["margin"]["t"] == style.MARGIN["t"] + style.TOOLBAR_PX
    assert one["height"] == style.PLOTLY_HEIGHT + style.TOOLBAR_PX
    assert two["margin"]["t"] - one["margin"]["t"] == style.TITLE_LINE_PX
    assert two["height"] - one["height"] == style.TITLE_LINE_PX
    assert two["title"]["text"].count("<br>") == 1


def test_new_figure_keeps_the_plot_height_asked_for():
    short = style.new_figure("Loss against step", height=320).layout
    long = style.new_figure(TITLES[2], height=320).layout
    assert short["height"] - short["margin"]["t"] == long["height"] - long["margin"]["t"]
    assert short["height"] - short["margin"]["t"] == 320 - style.MARGIN["t"]


@pytest.mark.parametrize(
    ("log_range", "length_px", "ticks"),
    [
        ([0.0, 2.0], 300, {"dtick": "D2"}),  # 150 px a decade: 1, 2, 5 at least 45 px apart
        ([0.0, 4.0], 300, {"dtick": 1}),  # 75 px: 1 to 2 would be 23 px, so decades only
        ([-30.0, 30.0], 300, {"dtick": 6}),  # 5 px a decade: every sixth, 30 px apart
        (None, 300, {}),
    ],
)
def test_log_axis_labels_stay_apart(log_range, length_px, ticks):
    assert style.log_ticks(log_range, length_px) == ticks


def test_plot_length_is_the_figure_height_less_its_margins():
    fig = style.new_figure("Loss against step", height=320)
    margin = fig.layout["margin"]
    assert style.plot_length_px(fig) == 320 + style.TOOLBAR_PX - margin["t"] - margin["b"]
