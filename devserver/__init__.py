"""Local development server: runs the SAM template's functions in process, without containers."""
