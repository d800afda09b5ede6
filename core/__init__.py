"""Pure JAX/Flax/Optax maths and data for the playground.

Never imports streamlit, plotly or pandas.
"""
