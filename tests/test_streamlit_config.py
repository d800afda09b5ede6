"""The server configuration every deployment uses, and that user text never becomes markup."""

import re
import subprocess
import sys
import tomllib

import pytest

from playground.controls import code_literal
from playground.registry import PAGES_DIR, ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"
APP_SOURCES = sorted([*PAGES_DIR.glob("*.py"), *(ROOT / "playground").rglob("*.py")])


@pytest.fixture(scope="module")
def config() -> dict:
    return tomllib.loads(CONFIG.read_text())


def test_cross_site_protections_stay_on(config):
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True


def test_upload_and_message_sizes_are_limited(config):
    assert 0 < config["server"]["maxUploadSize"] <= 10  # MB; the app takes no uploads
    assert 0 < config["server"]["maxMessageSize"] <= 100  # MB; Streamlit's default is 200


def test_served_headless_with_a_theme_and_no_usage_stats(config):
    assert config["server"]["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["theme"]["base"] in ("light", "dark")
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", config["theme"]["primaryColor"])


def test_streamlit_reads_the_file_as_written():
    """Streamlit itself, started in the project root, sees these values (no misspelt option)."""
    code = (
        "from streamlit import config\n"
        "config.get_config_options(force_reparse=True)\n"
        "for key in ('server.enableXsrfProtection', 'server.enableCORS', 'server.maxUploadSize',"
        " 'server.maxMessageSize', 'server.headless', 'theme.primaryColor'):\n"
        "    print(key, config.get_option(key))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    seen = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    file_values = tomllib.loads(CONFIG.read_text())
    assert seen["server.enableXsrfProtection"] == "True"
    assert seen["server.enableCORS"] == "True"
    assert seen["server.maxUploadSize"] == str(file_values["server"]["maxUploadSize"])
    assert seen["server.maxMessageSize"] == str(file_values["server"]["maxMessageSize"])
    assert seen["theme.primaryColor"] == file_values["theme"]["primaryColor"]
    assert "not a valid config option" not in result.stderr


@pytest.mark.parametrize("source", APP_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_app_never_renders_raw_html(source):
    text = source.read_text()
    assert not re.search(r"unsafe_allow_html\s*=\s*True", text)
    assert not re.search(r"\bst\.html\(|components\.v1\.html|components\.html\(", text)


@pytest.mark.parametrize(
    "text",
    [
        "[prize](http://evil.invalid)",
        "http://evil.invalid",
        "<img src=x onerror=alert(1)>",
        "**bold** $x^2$ :red[red] :material/home:",
        "`tick` and ``two``",
        "line\nbreak",
        "`",
    ],
)
def test_link_text_in_notes_is_a_single_code_span(text):
    """Notes quote link values inside one code span: shown verbatim, never as markup."""
    span = code_literal(text)
    fence = re.match(r"`+", span).group(0)
    assert span.endswith(fence)
    inner = span[len(fence) : -len(fence)]
    assert fence not in inner
    assert inner.strip() == " ".join(text.splitlines()).strip()
