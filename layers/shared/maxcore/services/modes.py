"""The server-side guard of the autonomy modes: every service that acts asks it first.

Sending paths, the assistant and the scheduler call :meth:`ModeGuard.require` before they act; the
front end's own checks are a convenience, never the guard.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from maxcore.errors import ModeForbiddenError
from maxcore.models.tenant import Mode
from maxcore.observability import logger, metrics
from maxcore.rules.modes import ActionKind, ModeDecision, decide
from maxcore.services.tenants import tenant_settings

__all__ = ["ActionKind", "ModeDecision", "ModeGuard"]


class ModeGuard:
    """The autonomy mode of one tenant, read from its stored settings at each check."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id

    def mode(self) -> Mode:
        """The tenant's current mode (a strongly consistent read: a switch applies at once)."""
        return tenant_settings(self.tenant_id).mode

    def check(self, kind: ActionKind) -> tuple[Mode, ModeDecision]:
        """The tenant's mode and what it says about an action of ``kind``, without raising."""
        mode = self.mode()
        return mode, decide(mode, kind)

    def require(self, kind: ActionKind, approved: bool = False) -> ModeDecision:
        """Let an action of ``kind`` through, or refuse it.

        Parameters
        ----------
        kind
            What the action does.
        approved
            Whether a user approved this very action (assisted mode needs it for sends and runs).

        Returns
        -------
        ModeDecision
            The decision, whose ``reason`` the caller records with the action.

        Raises
        ------
        ModeForbiddenError
            403 ``mode_forbids_action`` with ``{mode, action, reason}``: the mode refuses the action,
            or it needs an approval it did not get. Nothing may run.
        NotFoundError
            The tenant was never provisioned.
        """
        mode, decision = self.check(kind)
        if decision.permits(approved):
            return decision
        reason = decision.reason
        if decision.allowed:  # allowed, but only with an approval it does not have
            reason = f"{reason}; approve it first"
        metrics.add_metric(name="ActionRefusedByMode", unit=MetricUnit.Count, value=1)
        logger.info(
            "action refused by the tenant's mode",
            extra={"mode": mode.value, "action": kind.value, "approved": approved, "reason": reason},
        )
        raise ModeForbiddenError(
            f"the tenant's {mode.value} mode does not allow this {kind.value.replace('_', ' ')} action",
            {"mode": mode.value, "action": kind.value, "reason": reason},
        )
