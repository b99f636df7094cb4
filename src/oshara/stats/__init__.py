"""Owner dashboard statistics."""
