"""An executed report notebook as Papermill leaves it, for the render tests."""

from __future__ import annotations

import base64

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    b'<rect width="90" height="30" fill="#1f77b4"/></svg>'
)
ALT = r"Bar chart of the theme scores for Fife \(72\% on Leadership\_A\)"
PLAIN_ALT = "Bar chart of the theme scores for Fife (72% on Leadership_A)"
MARKDOWN = (
    "# Fife: board self-assessment\n\n"
    "12 of the 19 board members answered.\n\n"
    "## Theme profile\n\n"
    f"![{ALT}](data:image/svg+xml;base64,{base64.b64encode(SVG).decode()})\n\n"
    "| Theme | This board | Rest of Scotland |\n"
    "| :--- | ---: | ---: |\n"
    "| Leadership | 72% | 65% |\n"
    "| Governance | 41% | 63% |\n"
)


def executed_nb(markdown: str = MARKDOWN, *, extra_outputs: list | None = None) -> dict:
    """An executed report notebook as Papermill leaves it (lists of lines, as on disk)."""
    return {
        "cells": [
            {
                "cell_type": "raw",
                "id": "fm",
                "metadata": {},
                "source": ["---\n", 'title: "Template title"\n', "lang: en\n", "---"],
            },
            {
                "cell_type": "code",
                "id": "p",
                "metadata": {"tags": ["parameters"]},
                "source": 'cpp = "fife"',
                "outputs": [],
                "execution_count": 1,
            },
            {
                "cell_type": "code",
                "id": "injected-parameters",
                "metadata": {"tags": ["injected-parameters"]},
                "source": "# Parameters\ncpp = 'SECRET-PARAMETER-CELL'\n",
                "outputs": [],
                "execution_count": 2,
            },
            {
                "cell_type": "code",
                "id": "load",
                "metadata": {},
                "source": "r = CppReport.load(cpp='UNIQUE-CODE-MARKER')",
                "outputs": [
                    {"output_type": "stream", "name": "stderr", "text": ["UserWarning: noise\n"]}
                ],
                "execution_count": 3,
            },
            {
                "cell_type": "code",
                "id": "cover",
                "metadata": {},
                "source": "r.cover()",
                "execution_count": 4,
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": 4,
                        "metadata": {},
                        "data": {
                            "text/markdown": markdown.splitlines(keepends=True),
                            "text/plain": ["<IPython.core.display.Markdown object>"],
                        },
                    },
                    *(extra_outputs or []),
                ],
            },
        ],
        "metadata": {"kernelspec": {"name": "cpsa", "display_name": "Python (cpsa)"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


TITLE = "Fife CPP board self-assessment demo-2026"
