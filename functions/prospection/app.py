"""Prospection API: scenarios, campaigns, their prospects and interactions, the blacklist, approvals.

The routes live in ``routes/``, one router per resource; this module builds the resolver (validation,
error envelope, OpenAPI settings) and includes every router in it.
"""

from __future__ import annotations

from maxcore.api import create_app, make_handler

from routes import (
    analytics,
    approvals,
    automations,
    blacklist,
    campaigns,
    preview,
    prospects,
    scenarios,
    surveys,
    variants,
)

app = create_app("M.A.X. prospection")
ROUTERS = (
    scenarios,
    campaigns,
    prospects,
    automations,
    blacklist,
    analytics,
    approvals,
    preview,
    surveys,
    variants,
)
for resource in ROUTERS:
    app.include_router(resource.router)

lambda_handler = make_handler(app)
