"""Figures of the optimizer page: NumPy results in, plotly figures out (no JAX here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from playground.plots.plain import PlainFigure
from playground.plots.style import (
    COLORBAR,
    LEGEND_AT_FOOT,
    color,
    new_figure,
    title_layout,
    vline,
)

if TYPE_CHECKING:  # the result types only; plotting never runs core code
    from core.optimizers import CurvatureReport, Exploration, Run, Sweep

LOG_FLOOR = 1e-12


def run_color(run: Run) -> str:
    """Each optimizer keeps its colour whichever others are shown."""
    return color(run.index)


def run_name(run: Run) -> str:
    if run.diverged_at is None:
        return run.label
    return f"{run.label} — diverged at step {run.diverged_at}"


def gap_to_floor(values: np.ndarray, floor: float) -> np.ndarray:
    """L − L*, kept positive for a log axis."""
    return np.maximum(np.asarray(values, np.float64) - floor, LOG_FLOOR)


def plot_trajectories(result: Exploration, at_step: int) -> PlainFigure:
    """Contour of log₁₀(L − L*) (so equally spaced contours are log-spaced levels), every run's
    path, start and known minima, each run's position at `at_step`, and Hessian eigenvectors."""
    (x0, x1), (y0, y1) = result.domain
    fig = new_figure(
        f"Paths on the {result.surface} surface — dots at step {at_step}",
        "x",
        "y",
        margin={"r": 112, "b": 206},  # colour bar; a legend of 2-3 rows
        legend=LEGEND_AT_FOOT,  # more rows on a phone
        height=600,
    )
    gap = gap_to_floor(result.grid_loss, result.floor)
    fig.add_contour(
        x=result.grid_x,
        y=result.grid_y,
        # 3 decimals of log₁₀ (0.2 % of L) move a contour by under 1 % of the gap between two
        # of the 30 levels; the 120 × 120 grid is resent on every slider move (~4 digits less
        # text per number) and is not shown on hover.
        z=np.round(np.log10(gap + 1e-6 * gap.max()), 3),
        ncontours=30,
        colorscale="Viridis",
        opacity=0.75,
        colorbar={"title": {"text": "log₁₀(L − L*)"}},
        name="log₁₀(L − L*)",
        hoverinfo="skip",
    )
    for run in result.runs:
        k = int(min(at_step, len(run.path) - 1))
        fig.add_scatter(
            x=run.path[:, 0],
            y=run.path[:, 1],
            mode="lines",
            name=run_name(run),
            legendgroup=run.name,
            line={"color": run_color(run), "width": 2},
        )
        fig.add_scatter(
            x=[run.path[k, 0]],
            y=[run.path[k, 1]],
            mode="markers",
            name=f"{run.label} at step {k}",
            legendgroup=run.name,
            showlegend=False,
            marker={"color": run_color(run), "size": 12, "line": {"color": "white", "width": 2}},
        )
    fig.add_scatter(
        x=[result.start[0]],
        y=[result.start[1]],
        mode="markers",
        name="start",
        marker={"symbol": "circle-open", "size": 14, "color": "black", "line": {"width": 3}},
    )
    if len(result.minima):
        fig.add_scatter(
            x=result.minima[:, 0],
            y=result.minima[:, 1],
            mode="markers",
            name="known minima",
            # An outline of width 1: plotly draws none by default, and a white star alone was
            # invisible in the legend and on the surface's light colours.
            marker={
                "symbol": "star",
                "size": 14,
                "color": "white",
                "line": {"color": "black", "width": 1},
            },
        )
    length, centre = 0.15 * min(x1 - x0, y1 - y0), ((x0 + x1) / 2, (y0 + y1) / 2)
    drawn = []
    for report in result.curvature:
        # A minimum found near the start would draw its lines and labels over the start's (each
        # reaches up to ~1.3 lengths out): its numbers are in the Hessian table.
        if all(np.linalg.norm(report.point - point) > 2.5 * length for point in drawn):
            _add_eigenvectors(fig, report, length, centre)
            drawn.append(report.point)
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1], scaleanchor="x", scaleratio=1)
    return fig


def _add_eigenvectors(fig: PlainFigure, report: CurvatureReport, length: float, centre) -> None:
    """A line from the point along each Hessian eigenvector, the steeper one longer, labelled
    past its far end (plotly writes an arrow's text at its tail: at the point, both labels and
    the point's marker would be drawn over one another). An eigenvector has no sign: each line
    points toward the plot's centre, so that it and its label stay inside the plot, and each
    label reaches away from the point, so that the two labels of perpendicular lines part."""
    scale = np.abs(report.eigenvalues) / max(np.abs(report.eigenvalues).max(), 1e-12)
    for i in range(2):
        direction = report.eigenvectors[:, i]
        if direction @ (np.asarray(centre) - report.point) < 0:
            direction = -direction
        end = report.point + length * (0.5 + 0.5 * scale[i]) * direction
        fig.add_annotation(
            x=float(report.point[0]),
            y=float(report.point[1]),
            ax=float(end[0]),
            ay=float(end[1]),
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=0,  # a line, not an arrow
            arrowwidth=2,
            arrowcolor="crimson",
            text=f"λ{'₁₂'[i]}",  # the values are in the Hessian table below
            font={"color": "crimson", "size": 12},
            xanchor="left" if direction[0] >= 0 else "right",
            yanchor="bottom" if direction[1] >= 0 else "top",
        )


def plot_loss(result: Exploration, at_step: int) -> PlainFigure:
    """L − L* against step on a log axis; diverged runs end in a labelled ×."""
    fig = new_figure(
        "Loss against step",
        "step",
        "L − L* (log)",
        margin={"b": 140},
        yaxis_type="log",
        legend=LEGEND_AT_FOOT,  # wraps with every optimizer or "diverged at step k"
    )
    for run in result.runs:
        steps = np.arange(len(run.loss))
        finite = np.isfinite(run.loss)
        fig.add_scatter(
            x=steps[finite],
            y=gap_to_floor(run.loss[finite], result.floor),
            mode="lines",
            name=run_name(run),
            line={"color": run_color(run)},
        )
        if run.diverged_at is not None and finite.any():
            last = np.flatnonzero(finite)[-1]
            fig.add_scatter(
                x=[last],
                y=gap_to_floor(run.loss[last : last + 1], result.floor),
                mode="markers+text",
                text=[f"diverged at step {run.diverged_at}"],
                textposition="middle right",
                name=f"{run.label} diverged",
                showlegend=False,
                marker={"symbol": "x", "size": 12, "color": run_color(run)},
            )
    vline(fig, at_step, color="gray", dash="dot")
    return fig


def plot_schedule(result: Exploration) -> PlainFigure:
    """η_t against step, beside the stability limit 2/λmax at the start."""
    fig = new_figure(
        "Learning rate against step",
        "step",
        "learning rate η_t",
        margin={"b": 112},
        height=320,
        legend=LEGEND_AT_FOOT,  # a short chart
    )
    fig.add_scatter(
        x=np.arange(len(result.learning_rates)),
        y=result.learning_rates,
        mode="lines",
        name="η_t",
        line={"color": color(0)},
    )
    limit = result.curvature[0].stable_learning_rate
    if np.isfinite(limit):
        fig.add_scatter(
            x=[0, max(len(result.learning_rates) - 1, 1)],
            y=[limit, limit],
            mode="lines",
            name="2/λmax at the start",
            line={"color": "crimson", "dash": "dash"},
        )
    return fig


def plot_curvature(reports: Sequence[CurvatureReport], learning_rate: float) -> PlainFigure:
    """The Hessian at the start and at the found minimum, as a table."""
    rows = [
        [r.where for r in reports],
        [f"({r.point[0]:.3g}, {r.point[1]:.3g})" for r in reports],
        [f"{r.eigenvalues[0]:.4g}" for r in reports],
        [f"{r.eigenvalues[1]:.4g}" for r in reports],
        [f"{r.condition_number:.3g}" for r in reports],
        [f"{r.stable_learning_rate:.3g}" for r in reports],
        [_verdict(r, learning_rate) for r in reports],
    ]
    header = [
        "where",
        "point",
        "λ₁",
        "λ₂",
        "condition number",
        "2/λmax",
        f"your η = {learning_rate:g}",
    ]
    table = {
        "type": "table",
        "header": {"values": header, "fill": {"color": "#e8eef5"}, "align": "left"},
        "cells": {"values": rows, "align": "left", "height": 28},
    }
    heading = title_layout("Hessian: curvature and the stability limit", top=40, height=220)
    layout = heading | {"margin": {"l": 10, "r": 10, "b": 10} | heading["margin"]}
    return PlainFigure(layout).add_trace(table)


def _verdict(report: CurvatureReport, learning_rate: float) -> str:
    if report.eigenvalues[0] < 0:
        return "negative curvature: a saddle or a maximum here"
    if learning_rate >= report.stable_learning_rate:
        return "η ≥ 2/λmax: plain gradient descent overshoots here"
    return "η < 2/λmax: plain gradient descent is stable here"


def plot_sweep(result: Sweep, floor: float, current: tuple[float, float]) -> PlainFigure:
    """log₁₀ of the final L − L* over η × the second hyperparameter (blank cells diverged),
    with the current (η, second) marked."""
    fig = new_figure(
        f"{result.label}: final loss after {result.steps} steps, η × {result.field_label}"
        " (grey: diverged)",
        "learning rate η (log)",
        result.field_label,
        margin=COLORBAR,
        height=480,
    )
    fig.add_heatmap(
        x=result.learning_rates,
        y=result.seconds,
        z=np.log10(gap_to_floor(result.final_loss, floor)),
        colorscale="Viridis",
        colorbar={"title": {"text": "log₁₀(L − L*)"}},
        name="final loss",
        hovertemplate="η=%{x:.3g}<br>second=%{y:.3g}<br>log₁₀(L − L*)=%{z:.2f}<extra></extra>",
    )
    fig.add_scatter(
        x=[current[0]],
        y=[current[1]],
        mode="markers",
        name="your setting",
        marker={"symbol": "x", "size": 14, "color": "cyan", "line": {"width": 2}},
    )
    fig.update_xaxes(type="log")
    fig.update_layout(plot_bgcolor="#bbbbbb")
    return fig


def trajectory_columns(result: Exploration) -> dict[str, np.ndarray]:
    """Every run as long-format CSV columns: optimizer, step, x, y, loss, learning rate."""
    rates = np.append(result.learning_rates, np.nan)
    parts = [
        (np.full(len(r.loss), r.name), np.arange(len(r.loss)), r.path, r.loss) for r in result.runs
    ]
    return {
        "optimizer": np.concatenate([p[0] for p in parts]),
        "step": np.concatenate([p[1] for p in parts]),
        "x": np.concatenate([p[2][:, 0] for p in parts]),
        "y": np.concatenate([p[2][:, 1] for p in parts]),
        "loss": np.concatenate([p[3] for p in parts]),
        "learning_rate": np.concatenate([rates[p[1]] for p in parts]),
    }


def sweep_columns(result: Sweep) -> dict[str, np.ndarray]:
    """The heatmap as CSV columns: η, the second hyperparameter, final loss (NaN = diverged)."""
    lr, second = np.meshgrid(result.learning_rates, result.seconds)
    return {"learning_rate": lr, result.field: second, "final_loss": result.final_loss}
