"""Pure JAX/Flax/Optax maths and data for the playground.

Never imports streamlit, plotly or pandas.
"""

import jax

# Float32 matrix products in full float32 on every backend. GPUs from Ampere on compute float32
# dots in TF32 (10-bit mantissa) by default: measured on an H100, a degree-10 polynomial meant to
# pass through its 6 training points missed them by 0.03 (MSE) and the double-descent curve lost
# its interpolation threshold. On CPU this changes nothing; our networks are too small for TF32's
# speed to matter.
jax.config.update("jax_default_matmul_precision", "highest")
