"""The Streamlit app: router, shared widgets and URL state, plot builders. No maths here."""
