"""Background jobs: one enqueue wrapper over RQ, with an in-process fallback."""
