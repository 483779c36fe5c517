"""Built-in content every new tenant starts with (the message template library)."""
