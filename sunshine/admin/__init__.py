"""Administrator pages: units, staff and roles."""
