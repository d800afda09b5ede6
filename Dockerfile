# The playground as a container that serves on $PORT (Hugging Face Spaces, Cloud Run, any host).
#   docker build -t playground .
#   docker run -e PORT=8501 -p 8501:8501 playground
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8501 \
    HOME=/home/app \
    PLAYGROUND_JAX_CACHE=/home/app/.cache/dl-playground/jax \
    MALLOC_ARENA_MAX=2
# MALLOC_ARENA_MAX: each session's script thread otherwise gets its own glibc heap; with 2, a
# 20-session load test peaked at 828 MB instead of 882 MB (bench/load.py, same machine).

# Hugging Face Spaces runs containers as uid 1000.
RUN useradd --create-home --uid 1000 app
WORKDIR /home/app/playground

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=app:app . .
USER app
RUN mkdir -p "$PLAYGROUND_JAX_CACHE"
# The digits' arrays kept in that cache, as a first start would keep them (core/digits.py):
# no start of the image waits 1.5 s for scikit-learn's loader.
RUN python -c "from core.runtime import enable_compilation_cache as on; on(); from core import digits; digits.load()"

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ['PORT'], timeout=4)"
# .streamlit/config.toml (copied above) sets headless, XSRF/CORS protection, limits and theme.
CMD ["sh", "-c", "exec streamlit run playground/app.py --server.port=\"$PORT\" --server.address=0.0.0.0"]
