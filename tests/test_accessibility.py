"""Issue 6: the rendered report passes an axe-core audit in headless Chromium (WCAG 2.2 AA)."""

from __future__ import annotations

import importlib.resources
import json
import shutil

import pytest
from test_report_fixture import ROUND, build_project

pytestmark = pytest.mark.browser
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def driver():
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Debian chromium + chromium-driver not installed (CI installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ):
        opts.add_argument(flag)
    d = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield d
    d.quit()


def axe_violations(driver, html_file) -> list:
    axe = (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text()
    driver.get(html_file.as_uri())
    driver.execute_script(axe)
    driver.set_script_timeout(120)
    res = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa','best-practice']}})"
        ".then(r => done(r.violations)).catch(e => done([{id: 'axe-error', help: String(e)}]));"
    )
    return res


def _notebook(sections: list[str]) -> dict:
    cells = [
        {
            "id": "front",
            "cell_type": "raw",
            "metadata": {},
            "source": "---\ntitle: Report\nlang: en-GB\n---",
        }
    ]
    for text in sections:
        cells.append(
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "source": "",
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/markdown": text},
                    }
                ],
            }
        )
    return {
        "cells": cells,
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_rendered_cpp_report_has_no_axe_violations(driver, tmp_path, monkeypatch):
    root = build_project(tmp_path / "proj")
    monkeypatch.setenv("CPSA_ROOT", str(root))
    from cpsa.render import render_report
    from cpsa.report import CppReport

    r = CppReport.load(
        round=ROUND,
        cpp="fife",
        tables_dir=f"outputs/{ROUND}/tables/by_cpp/fife",
        synthetic=True,
        baseline="demo-2028",
    )
    sections = [
        getattr(r, m)().data
        for m in (
            "cover",
            "summary",
            "theme_profile",
            "themes",
            "change",
            "improvement_planning",
            "about",
        )
    ]
    nb = tmp_path / "fife.ipynb"
    nb.write_text(json.dumps(_notebook(sections)))
    out = render_report(
        nb,
        html_target=tmp_path / "fife.html",
        pdf_target=tmp_path / "fife.pdf",
        title="Fife: board self-assessment",
    )
    violations = axe_violations(driver, out.html)
    assert violations == [], json.dumps(
        [{"id": v["id"], "help": v.get("help"), "n": len(v.get("nodes", []))} for v in violations],
        indent=1,
    )
