"""maxcore.rules."""
