"""Report pipeline: parameters, kernels, execution, incremental build, verify, provenance."""
