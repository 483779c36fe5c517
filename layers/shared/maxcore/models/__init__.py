"""maxcore.models."""
