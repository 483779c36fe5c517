"""maxcore.ai."""
