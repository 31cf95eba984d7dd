"""Issue 6: the real demo reports pass an axe-core audit in headless Chromium (WCAG 2.x A/AA).

axe-core is the copy vendored by ``axe-playwright-python``; Selenium drives the
Debian ``chromium`` + ``chromedriver`` and injects it into each page. The pages
are the reports of the shared ``planted_demo`` build (see conftest.py): a full
CPP report, a report withheld for too few respondents, and the national overview.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
# every WCAG 2.0-2.2 A/AA rule plus axe's best practices (landmarks, one h1, ...)
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice")
FULL, SHORT = "fife", "orkney-islands"


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not (CHROMIUM.is_file() and DRIVER.is_file()):
        pytest.skip(
            f"needs {CHROMIUM} and {DRIVER} for the accessibility audit: "
            "apt-get install chromium chromium-driver"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        opts.add_argument(flag)
    d = webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
    d.set_script_timeout(120)
    yield d
    d.quit()


@pytest.fixture(scope="module")
def axe_source() -> str:
    return (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text()


def axe_run(driver, axe_source: str, page: Path) -> dict:
    """axe's full result for one page: violations, passes, incomplete, ..."""
    driver.get(page.as_uri())
    driver.execute_script(axe_source)
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done({violations: r.violations, passes: r.passes.map(p => p.id)}))"
        ".catch(e => done({error: String(e)}));",
        list(AXE_TAGS),
    )


def describe(violations: list[dict]) -> str:
    """The violations as a reader can act on them: rule, impact, help, where."""
    lines = [f"{len(violations)} axe violation(s):"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} [{v.get('helpUrl', '')}]")
        for node in v.get("nodes", [])[:5]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {node.get('target')}: {node.get('html', '')[:160]}")
            lines.append(f"       {summary[:300]}")
        if len(v.get("nodes", [])) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def test_the_audited_reports_cover_a_full_and_a_short_report(planted_demo):
    # the audit below is only meaningful if both kinds of CPP report are in it
    assert planted_demo.exit_code == 0, planted_demo.console[-3000:]
    assert planted_demo.allowed(FULL)
    assert not planted_demo.allowed(SHORT)


@pytest.mark.parametrize("report", [FULL, SHORT, "national"])
def test_report_has_no_axe_violations(planted_demo, driver, axe_source, report):
    page = planted_demo.report(report, "html")
    assert page.is_file(), f"{page} was not built"
    result = axe_run(driver, axe_source, page)
    assert "error" not in result, f"axe failed to run: {result.get('error')}"
    # a page axe could not read would pass vacuously: the core rules must have run
    core = {"document-title", "html-has-lang", "color-contrast", "page-has-heading-one"}
    if report != SHORT:  # the short report has no figures
        core.add("image-alt")
    assert core <= set(result["passes"]), sorted(core - set(result["passes"]))
    assert result["violations"] == [], describe(result["violations"])


def test_axe_reports_a_seeded_violation(driver, axe_source, tmp_path):
    # the audit must be able to fail: an image without alt text and no page title
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head>'
        '<body><main><h1>Bad</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw='
        '"></main></body></html>',
        encoding="utf-8",
    )
    result = axe_run(driver, axe_source, page)
    ids = {v["id"] for v in result["violations"]}
    assert {"image-alt", "document-title"} <= ids, describe(result["violations"])
    assert "image-alt" in describe(result["violations"])
