"""maxcore.channels."""
