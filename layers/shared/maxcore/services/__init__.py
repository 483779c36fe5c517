"""maxcore.services."""
