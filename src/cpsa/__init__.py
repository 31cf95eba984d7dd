"""cpsa — reporting pipeline of the National Community Planning Self-Assessment.

Every number in every report is computed by this package; the notebooks in
``notebooks/`` only load precomputed tables and present them.
"""

__version__ = "0.2.0"
