"""The Dropout page's controls and "Try this" experiments, as data."""

from core.datasets import DATASETS, TRAIN_MAX
from core.dropout_training import MAX_EPOCHS, MAX_RATES, MAX_SEEDS, OPTIMIZERS
from core.mlp import ACTIVATIONS
from playground.control_specs import LogSlider, MultiSelect, Select, Slider, Toggle, log_stops

RATES = tuple(f"{r / 10:g}" for r in range(10))
BATCHES = {"16": 16, "32": 32, "64": 64, "128": 128, "full": TRAIN_MAX}
WIDTHS = ("8", "16", "32", "64", "128", "256", "512")
SPECS = (
    Select("dataset", "Data", tuple(DATASETS), "digits", "8×8 handwritten digits or a 2-D set"),
    Slider("n_train", "Training examples", 20, 1000, 100, 10, integer=True),
    Slider("val_share", "Validation share of all examples", 0.1, 0.9, 0.75, 0.05),
    Slider("noise", "Input noise σ", 0.0, 1.0, 0.0, 0.05, "Gaussian noise on the inputs"),
    Slider("label_noise", "Label noise", 0.0, 0.6, 0.2, 0.05, "Share of wrong training labels"),
    Slider("layers", "Hidden layers", 1, 6, 2, 1, integer=True),
    Select("width", "Units per layer", WIDTHS, "256"),
    Select("activation", "Activation", tuple(ACTIVATIONS), "relu"),
    Select("optimizer", "Optimizer", tuple(OPTIMIZERS), "adam"),
    LogSlider("lr", "Learning rate", log_stops(-4, 0), 0.001),
    Slider("l2", "L2 weight decay λ", 0.0, 0.01, 0.0, 0.0005),
    Select("batch_size", "Batch size", tuple(BATCHES), "32"),
    Slider("epochs", "Epochs", 10, MAX_EPOCHS, 100, 10, integer=True),
    MultiSelect(
        "rates",
        "Dropout rates to compare",
        RATES,
        ("0", "0.2", "0.5", "0.8"),
        max_selections=MAX_RATES,
    ),
    Slider("seeds", "Seeds per rate", 1, MAX_SEEDS, 3, 1, "Runs per rate; bands show ± std", True),
    Slider("seed", "Seed", 0, 9999, 0, 1, integer=True),
    Select("inspect", "Rate to inspect", RATES, "0.5", "Confusion, uncertainty, weights"),
    Toggle("train_off", "Train curves with dropout off", False),
)
EXPERIMENTS = (
    (
        "Clean labels",
        "Set label noise to 0: every rate fits the training set and the gaps "
        "differ by about the seed noise — on easy data dropout changes little.",
        {"label_noise": 0.0},
    ),
    (
        "Memorising noise",
        "40% wrong labels: p = 0 learns them all (train accuracy 100%), "
        "p = 0.5 refuses and validates better.",
        {"label_noise": 0.4, "rates": ("0", "0.5")},
    ),
    (
        "Spiral, playground style",
        "Three arms, 3 layers: compare the boundaries drawn with and without dropout.",
        {
            "dataset": "spiral",
            "noise": 0.05,
            "label_noise": 0.1,
            "n_train": 300,
            "width": "64",
            "layers": 3,
            "lr": 0.00562,
            "epochs": 200,
        },
    ),
    (
        "MC-dropout on moons",
        "The uncertainty map glows along the boundary and away from data.",
        {
            "dataset": "moons",
            "noise": 0.2,
            "label_noise": 0.1,
            "width": "128",
            "inspect": "0.5",
        },
    ),
    (
        "Too much dropout",
        "A narrow net with p = 0.8: train accuracy with dropout on collapses — underfitting.",
        {"width": "16", "layers": 1, "rates": ("0", "0.5", "0.8"), "label_noise": 0.0},
    ),
)
