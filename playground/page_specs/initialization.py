"""The Initialization page's controls and "Try this" experiments, as data."""

from core.activations import ACTIVATIONS
from core.initializers import SCHEMES
from playground.control_specs import LogSlider, MultiSelect, Select, Slider, Toggle, log_stops

NAMES = tuple(SCHEMES)
SPECS = (
    Select("scheme", "Init scheme", NAMES, "normal", help="Formulas: see below the first figure."),
    Select("activation", "Activation φ", tuple(ACTIVATIONS), "tanh"),
    Slider("depth", "Depth (layers)", 1, 50, 20, 1, integer=True),
    Slider("width", "Width n (units per layer)", 8, 512, 256, 8, integer=True),
    LogSlider("gain", "Gain (multiplies every weight)", log_stops(-2, 1), 1.0),
    Toggle("batch_norm", "Batch norm before φ", False),
    Slider("seed", "Seed", 0, 999, 0, 1, integer=True),
    MultiSelect(
        "train_schemes", "Schemes to train on digits", NAMES,
        ("normal", "gaussian", "xavier_normal", "he_normal"), max_selections=4,
    ),
)  # fmt: skip
EXPERIMENTS = (
    ("N(0, 1) explodes", "Linear layers: ×√512 ≈ 23 per layer until float32 overflows.",
     {"scheme": "normal", "activation": "linear", "depth": 50, "width": 512, "gain": 1.0,
      "batch_norm": False}),
    ("N(0, 0.01) vanishes", "Gain 0.01: the signal and its gradients shrink to nothing.",
     {"scheme": "normal", "activation": "relu", "gain": 0.01, "batch_norm": False}),
    ("He + ReLU holds", "Flat theory over 50 layers; change the seed: the wobble is "
     "finite-width noise, growing like √(depth/width).",
     {"scheme": "he_normal", "activation": "relu", "depth": 50, "gain": 1.0,
      "batch_norm": False}),
    ("Xavier + tanh", "Unsaturated tanh; then set width 16 and watch the noise grow.",
     {"scheme": "xavier_normal", "activation": "tanh", "depth": 30, "gain": 1.0,
      "batch_norm": False}),
    ("Batch norm rescues N(0, 1)", "Std 1 in every layer, whatever the gain.",
     {"scheme": "normal", "activation": "relu", "depth": 50, "batch_norm": True}),
)  # fmt: skip
