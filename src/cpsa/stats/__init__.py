"""Statistics: scoring, intervals, tests, multiplicity, classification, suppression, redaction."""
