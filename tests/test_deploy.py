"""Deployment files: pinned requirements, a Dockerfile serving on $PORT, a context with the app.

No Docker engine needed: these static checks keep the files honest as the app grows (the
Dockerfile's commands themselves were run in a clean venv when it was written).
"""

import fnmatch
import importlib.metadata
import re
import shlex
import subprocess
import sys

from playground.registry import HOME, PAGES, ROOT, present_pages

DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORED = [
    line.strip()
    for line in (ROOT / ".dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
RUNTIME_PATHS = [
    "playground/app.py",
    "playground/plots/style.py",
    "core/__init__.py",
    ".streamlit/config.toml",
    "requirements.txt",
    "assets/overfitting_lesson_points.csv",
    *(f"pages/{page.script}" for page in (HOME, *PAGES)),
]


def test_requirements_are_pinned_for_community_cloud():
    lines = [
        line.split("#")[0].strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    assert lines
    for line in lines:
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", line), line


def test_dockerfile_serves_the_app_on_port():
    assert re.search(r"^FROM python:3\.11", DOCKERFILE, re.M)
    assert "pip install -r requirements.txt" in DOCKERFILE
    cmd = re.search(r"^CMD (.+)$", DOCKERFILE, re.M).group(1)
    assert "streamlit run playground/app.py" in cmd
    assert '--server.port=\\"$PORT\\"' in cmd or "--server.port=$PORT" in cmd
    assert "--server.address=0.0.0.0" in cmd
    assert re.search(r"^USER \w+", DOCKERFILE, re.M), "run as a non-root user"


def test_the_image_keeps_the_digits_its_starts_would_load(tmp_path):
    """The Dockerfile's `RUN python -c ...` line, run here with the cache in a temporary folder."""
    line = re.search(r"^RUN (python -c .+)$", DOCKERFILE, re.M).group(1)
    code = shlex.split(line)[2]
    env = {"PATH": "/usr/bin:/bin", "PLAYGROUND_JAX_CACHE": str(tmp_path), "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=300)
    assert [path.name for path in (tmp_path / "data").iterdir()] == [
        f"digits-scikit-learn-{importlib.metadata.version('scikit-learn')}.npz"
    ]


def _ignored(path: str) -> bool:
    for pattern in IGNORED:
        bare = pattern.removeprefix("**/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(p, bare) for p in prefixes + parts):
            return True
    return False


def test_build_context_keeps_everything_the_app_needs():
    for path in RUNTIME_PATHS:
        if (ROOT / path).exists():
            assert not _ignored(path), path


def test_build_context_leaves_out_tests_and_caches():
    for path in ("tests/conftest.py", ".git/HEAD", "core/__pycache__/x.pyc", ".hypothesis/x"):
        assert _ignored(path), path


def test_readme_shows_a_screenshot_of_every_page():
    """The e2e tests write assets/screenshots/<url_path>.png; the README must show each."""
    readme = (ROOT / "README.md").read_text()
    for page in (HOME, *present_pages()):
        assert f"assets/screenshots/{page.url_path}.png" in readme, page.url_path
