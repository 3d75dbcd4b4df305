"""Public bodies, their departments and units."""
