"""Shared core of the M.A.X. back end: models, rules, data access, channels, AI and services."""
