"""Report templates: the nbconvert HTML template and the Typst template of the PDF."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent
