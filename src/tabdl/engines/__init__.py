"""Training engines: one training pass over a block of rows (``online``: H2O's per-row algorithm)."""
