"""What both renderers share: settings, the Typst show rule, figure and banner markup."""

from __future__ import annotations

from cpsa.render.document import (
    DocumentSettings,
    banner_html,
    html_image,
    pandoc_template_text,
    typst_figure,
    typst_show,
    typst_string,
    wants_toc,
)


def test_typst_strings_and_figures_are_escaped() -> None:
    assert typst_string('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c d"'
    assert typst_figure("figure-1.svg", 'Chart of "x"') == (
        '#figure(image("figure-1.svg", alt: "Chart of \\"x\\""))'
    )


def test_the_show_rule_sets_paper_language_banner_and_contents() -> None:
    settings = DocumentSettings(title="T", subtitle="S", banner="B", lang="en-GB")
    assert typst_show(settings) == (
        '#show: report.with(title: "T", subtitle: "S", lang: "en", region: "GB", '
        'banner: "B", paper: "a4", toc: true, toc-title: "Contents", toc-depth: 2)\n'
    )
    bare = typst_show(DocumentSettings(title="T", lang="cy", toc=False))
    assert 'subtitle: none, lang: "cy", region: none, banner: none' in bare
    assert "toc: false" in bare


def test_html_markup_is_escaped() -> None:
    assert banner_html(None) == ""
    assert '<p class="cpsa-banner" role="note">A &lt;b&gt; &amp; c</p>' in banner_html("A <b> & c")
    assert html_image("data:image/png;base64,AA==", 'a "q" <b>') == (
        '<img alt="a &quot;q&quot; &lt;b&gt;" src="data:image/png;base64,AA==" '
        'style="max-width: 100%;" />'
    )
    assert pandoc_template_text("$x$") == "$$x$$"


def test_the_front_matter_decides_the_contents_for_both_renderers() -> None:
    assert wants_toc({}) is True
    assert wants_toc({"format": {"html": {"toc": True}, "typst": {"toc": True}}}) is True
    assert wants_toc({"toc": False}) is False
    assert wants_toc({"format": {"html": {"toc": False}}}) is False
    assert wants_toc({"format": {"html": {"toc": False}, "typst": {"toc": True}}}) is True
