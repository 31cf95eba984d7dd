"""A round's tables: computed once (compute), written (write) and read back (read)."""
