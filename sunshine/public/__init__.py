"""Pages for the public and the signed-in workspace."""
