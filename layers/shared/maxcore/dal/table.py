"""Binds the pynamodb items to the table of this process (name, region, endpoint)."""

from __future__ import annotations

from maxcore.dal.items import ALL_ITEMS
from maxcore.settings import Settings, get_settings

_bound: tuple[str, str, str | None] | None = None


def bind(settings: Settings | None = None) -> None:
    """Point every item class at the configured table; cheap when nothing changed.

    Parameters
    ----------
    settings
        Where the table is; defaults to :func:`maxcore.settings.get_settings`.
    """
    global _bound
    settings = settings or get_settings()
    target = (settings.table_name, settings.region, settings.dynamodb_endpoint)
    if target == _bound:
        return
    for item in ALL_ITEMS:
        item.Meta.table_name = settings.table_name
        item.Meta.region = settings.region
        item.Meta.host = settings.dynamodb_endpoint
        # pynamodb caches one connection per class; drop it so the new target is used.
        item._connection = None
    _bound = target
