"""The Transfer learning page's controls and "Try this" experiments, as data."""

from core import adversarial, ideal_image, pretrain, transfer
from playground.control_specs import LogSlider, Select, Slider, log_stops

P = "tl"
DIGITS = ("0", "1", "2", "3", "4")
LAST_IMAGE = pretrain.TEST_PER_CLASS * len(DIGITS) - 1
IDEAL, ATTACK, SWEEP = ideal_image.Settings(), adversarial.Settings(), transfer.Settings()
SPECS = (
    Slider("seed", "Seed", 0, 999, 0, integer=True),
    Slider("k", "Labelled examples per class k", 1, transfer.MAX_K, 5, integer=True),
    LogSlider("learning_rate", "Learning rate (Adam)", log_stops(-3, -1), SWEEP.learning_rate),
    LogSlider(
        "finetune_lr_scale", "Fine-tune all: body LR ×", log_stops(-2, 0), SWEEP.finetune_lr_scale
    ),
    Select("class_index", "Ideal image of digit", DIGITS, str(IDEAL.class_index)),
    LogSlider("tv_weight", "TV weight λ", log_stops(-3, 0), IDEAL.tv_weight),
    Slider("steps", "Ascent steps", 1, ideal_image.MAX_STEPS, IDEAL.steps, integer=True),
    Slider("image_index", "Test image to attack", 0, LAST_IMAGE, ATTACK.image_index, integer=True),
    Select("target_class", "Attack target digit", DIGITS, str(ATTACK.target_class)),
    Slider("epsilon", "Budget ε", 0.0, 0.3, ATTACK.epsilon, step=0.01),
    Slider("attack_steps", "PGD steps", 1, adversarial.MAX_STEPS, ATTACK.steps, integer=True),
)
EXPERIMENTS = (
    ("One example per class", "At k = 1 the pretrained strategies lead; the stars in "
     "the PCA are every label a model gets.", {"k": 1}),
    ("Plenty of labels", "By k = 50 training from scratch has caught up with fine-tuning "
     "and passed the frozen head: those features were made for 0–4.", {"k": 50}),
    ("No smoothness prior", "λ = 0.001: the ideal image is noise that the network still "
     "calls a 3 with near certainty.", {"tv_weight": 0.001}),
    ("One step is FGSM", "PGD steps = 1: its bars equal FGSM's. Ten small steps find a "
     "stronger change within the same ε.", {"attack_steps": 1}),
    ("A tiny budget", "ε = 0.05 with 50 PGD steps: how much accuracy is left?",
     {"epsilon": 0.05, "attack_steps": 50}),
)  # fmt: skip
