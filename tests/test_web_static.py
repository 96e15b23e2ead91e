"""The page's JavaScript modules, read as text: no build step means no bundler checks them.

Every module builds the DOM with createElement / createElementNS and text nodes (never
``innerHTML`` and its relatives, which would parse text from the server as HTML), every relative
import names a module that exists and exports the name, and the page loads ``main.js`` as a
module. How the page behaves is tested in a real browser in tests/test_web_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[1] / "src/digitnet/web/static"
MODULES = sorted(STATIC.glob("*.js"))
HTML_PARSERS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                "createContextualFragment", "DOMParser")
IMPORT = re.compile(
    r'^import\s+(?:\{([^}]*)\}|\*\s+as\s+\w+|(\w+))\s+from\s+"\./([\w/.-]+\.js)";', re.MULTILINE)
VENDOR = STATIC / "vendor"  # third-party modules, copied unchanged (see vendor/*/README.md)


def test_the_page_loads_its_modules() -> None:
    page = (STATIC / "index.html").read_text()
    assert '<script type="module" src="/static/main.js"></script>' in page
    assert page.count("<script") == 1
    for stylesheet in re.findall(r'<link rel="stylesheet" href="/static/([^"]+)">', page):
        assert (STATIC / stylesheet).is_file(), stylesheet
    assert {path.name for path in MODULES} >= {"main.js", "api.js", "dom.js", "pad.js",
                                               "network-view.js", "neuron-panel.js",
                                               "test-browser.js", "training-panel.js",
                                               "charts.js", "training-state.js"}


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_no_module_parses_html(module: Path) -> None:
    text = module.read_text()
    for name in HTML_PARSERS:
        assert name not in text, f"{module.name} uses {name}: build elements with dom.js"


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_imports_name_modules_and_exports_that_exist(module: Path) -> None:
    text = module.read_text()
    imports = IMPORT.findall(text)
    statements = re.findall(r"^import\b", text, re.MULTILINE)
    assert len(imports) == len(statements), f"{module.name}: an import this test cannot read"
    for names, default, target in imports:
        source = STATIC / target
        assert source.is_file(), f"{module.name} imports {target}, which does not exist"
        if default:  # only from a vendored library, which must export a default
            assert source.is_relative_to(VENDOR), f"{module.name}: a default import from {target}"
            assert re.search(r"^export (?:default|\{ \w+ as default \})", source.read_text(),
                             re.MULTILINE), f"{target} exports no default"
            continue
        exported = set(re.findall(r"^export (?:async )?(?:function|class|const) (\w+)",
                                  source.read_text(), re.MULTILINE))
        for name in filter(None, (part.strip() for part in names.split(","))):
            assert name in exported, f"{module.name} imports {name}, not exported by {target}"


def test_the_guard_can_fail(tmp_path: Path) -> None:
    """The checks above catch what they look for (a module that uses innerHTML)."""
    bad = tmp_path / "bad.js"
    bad.write_text('export function f(node, text) { node.innerHTML = text; }\n')
    with pytest.raises(AssertionError, match="innerHTML"):
        test_no_module_parses_html(bad)
