"""One notebook to PDF with the project's built-in PDF renderer (the naive loop's PDF step).

``python naive_pdf.py EXECUTED.ipynb OUT.pdf TITLE`` — a fresh process per
report, as a shell loop would run it: it pays the imports and the renderer's
start-up every time, which is exactly what the naive comparison measures.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    executed, out, title = Path(argv[0]), Path(argv[1]), argv[2]
    from cpsa.render.pdf import render_pdf
    from cpsa.render.prepare import prepare

    prepared = prepare(json.loads(executed.read_text(encoding="utf-8")), title=title)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        pdf = render_pdf(prepared, workdir=Path(tmp), subtitle=None, banner=None, timestamp=0)
    out.write_bytes(pdf)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
