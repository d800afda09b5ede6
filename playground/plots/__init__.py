"""Plot builders: NumPy arrays in, plotly figures out. They know nothing of networks or JAX."""
