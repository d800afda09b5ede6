"""The Optimizer trajectories page's controls and "Try this" experiments, as data."""

from core.expression import GRAMMAR, MAX_LENGTH
from core.optimizers import (
    DEFAULT_EXPRESSION,
    MAX_STEPS,
    OPTIMIZERS,
    SCHEDULES,
    SURFACE_CHOICES,
    SWEEP_FIELD,
    Settings,
)
from playground.control_specs import LogSlider, MultiSelect, Select, Slider, Text, one_two_five

P = "opt"
SURFACE = (
    Select("surface", "Loss surface", SURFACE_CHOICES, "bowl", "custom: type a formula below"),
    Text("expression", "Custom surface f(x, y)", DEFAULT_EXPRESSION, MAX_LENGTH, GRAMMAR),
    Slider("condition", "Bowl: condition number κ", 1.0, 100.0, 10.0, step=0.5),
    Slider("rotation", "Bowl: rotation (degrees)", -90.0, 90.0, 30.0, step=1.0),
    Slider("start_x", "Start x", -5.0, 5.0, -1.5, step=0.01),
    Slider("start_y", "Start y", -5.0, 5.0, 1.5, step=0.01),
)
OPTIMIZER = (
    MultiSelect("optimizers", "Optimizers", OPTIMIZERS, Settings.optimizers),
    LogSlider("learning_rate", "Learning rate η", one_two_five(-4, 1), 0.05),
    Slider("momentum", "Momentum γ (momentum, Nesterov)", 0.0, 0.99, 0.9, step=0.01),
    Slider("beta1", "Adam β₁", 0.0, 0.99, 0.9, step=0.01),
    Slider("beta2", "Adam β₂", 0.5, 0.999, 0.999, step=0.001),
    Slider("rho", "RMSProp decay ρ", 0.0, 0.99, 0.9, step=0.01),
    Slider(
        "clip",
        "Clip gradients to norm θ (0 = off)",
        0.0,
        10.0,
        0.0,
        step=0.1,
        help="A gradient longer than θ is scaled to length θ (optax.clip_by_global_norm). The "
        "lesson divides it by its norm instead, i.e. length 1: the same as θ = 1.",
    ),
    Slider("noise", "Gradient noise σ", 0.0, 5.0, 0.0, step=0.05, help="∇L + σ·N(0, I) per step"),
    Select("schedule", "Learning-rate schedule", SCHEDULES, "constant"),
    Slider("decay_rate", "Decay factor r (exponential, step)", 0.5, 1.0, 0.98, step=0.01),
    Slider("decay_every", "Every k steps (decay) / warm-up length", 1, 1000, 10, integer=True),
    Slider("steps", "Steps", 1, MAX_STEPS, 300, integer=True),
    Slider("seed", "Noise seed", 0, 9999, 0, integer=True),
    Select("sweep", "Heatmap optimizer", tuple(SWEEP_FIELD), "momentum"),
)
# A share of the run, not a step number: a slider up to MAX_STEPS used 6 % of its track for the
# default 300 steps (and showed 5000 where the dots sat at step 300).
SCRUB = (
    Slider("scrub", "Scrub: the dots at this share of the run (% of Steps)", 0.0, 100.0, 100.0,
           step=0.1),
)  # fmt: skip


def unused_note(settings: Settings) -> str | None:
    """Names the controls that change nothing with these choices (ρ without RMSProp, …), so
    that a learner who moves one knows why nothing moved."""
    unused = settings.unused()
    labels = [spec.label for spec in SURFACE + OPTIMIZER if spec.name in unused]
    if not labels:
        return None
    return f"Not read with these choices, so moving them changes nothing: {'; '.join(labels)}."


def step_at(percent: float, steps: int) -> int:
    """The step that `percent` of a `steps`-step run has reached (0 … steps)."""
    return min(steps, max(0, round(percent / 100.0 * steps)))


LESSON = {"surface": "custom", "expression": "(x-3)^2 + (y+2)^2", "start_x": 0.0, "start_y": 0.0}
EXPERIMENTS = (
    (
        "The lesson's example",
        "f = (x₁−3)² + (x₂+2)² from (0, 0), η = 0.1: SGD's points are (3, −2)(1 − 0.8ᵏ).",
        {**LESSON, "learning_rate": 0.1, "optimizers": ("sgd",), "steps": 40},
    ),
    (
        "Past 2/λmax",
        "κ = 10 puts the limit at η = 0.2: there SGD bounces forever; at 0.5 it diverges.",
        {"surface": "bowl", "condition": 10.0, "learning_rate": 0.2,
         "optimizers": ("sgd", "momentum", "adam")},
    ),
    (
        "'Adagrad' vs Adagrad",
        "Normalised steps stay η long and rattle around the minimum; Adagrad's shrink to 0.",
        {"surface": "bowl", "learning_rate": 0.3, "optimizers": ("adagrad", "normalised")},
    ),
    (
        "Rosenbrock's valley",
        "SGD crawls along the curved valley, momentum reaches (1, 1); Adam needs a larger η "
        "(its heatmap shows which).",
        {"surface": "rosenbrock", "start_x": -1.2, "start_y": 1.0, "learning_rate": 0.002,
         "optimizers": ("sgd", "momentum", "adam"), "steps": 3000, "sweep": "adam"},
    ),
    (
        "Noise escapes a saddle",
        "On the ridge y = 0 the gradient never points off it: set σ = 0 and all three stop "
        "at the saddle (0, 0); with σ = 0.1 they roll off to a minimum.",
        {"surface": "saddle", "start_x": -1.5, "start_y": 0.0, "learning_rate": 0.05,
         "noise": 0.1, "optimizers": ("sgd", "momentum", "adam"), "steps": 500},
    ),
)  # fmt: skip
