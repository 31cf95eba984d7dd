"""Data layer: reference lists, codebooks, survey exports, validation, ingest, demo data."""
