"""maxcore.dal."""
