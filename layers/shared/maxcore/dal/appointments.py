"""The appointment repository: a lead's appointments and the states of their reminders.

Every change is conditional: a move on the revision read, a status change on the status read, a
reminder's claim and settlement on the claim's token. A cancellation a reply asks for opens its alert
in the same transaction, so the alert exists exactly when the cancellation does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.alerts import alert_item
from maxcore.dal.base import TenantRepository, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import AlertItem, AppointmentItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.alert import Alert
from maxcore.models.appointment import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    ReminderKind,
    ReminderState,
)
from maxcore.models.common import Channel
from maxcore.rules.appointments import reminder_time

CLAIMED, SENDING, DONE = "claimed", "sending", "done"
"""The states of a reminder on its appointment."""


class AppointmentRepository(TenantRepository):
    """Appointments of one tenant, under their leads."""

    def get(self, lead_id: str, appointment_id: str) -> Appointment:
        """AP60: one appointment of a lead (consistent); 404 when unknown."""
        try:
            item = AppointmentItem.get(
                keys.appointment_pk(self.tenant_id),
                keys.appointment_sk(lead_id, appointment_id),
                consistent_read=True,
            )
        except DoesNotExist as exc:
            raise NotFoundError(
                f"appointment {appointment_id} not found", {"appointment_id": appointment_id}
            ) from exc
        return _appointment(item)

    def for_lead(self, lead_id: str) -> list[Appointment]:
        """AP60: every appointment of a lead, soonest first (one Query of its key range)."""
        items = AppointmentItem.query(
            keys.appointment_pk(self.tenant_id),
            AppointmentItem.SK.startswith(keys.lead_appointments_prefix(lead_id)),
            consistent_read=True,
        )
        found = [_appointment(item) for item in items if isinstance(item, AppointmentItem)]
        return sorted(found, key=lambda a: (a.at, a.id))

    def create(self, appointment: Appointment) -> Appointment:
        """AP61: write a new appointment."""
        try:
            _to_item(self.tenant_id, appointment).save(condition=AppointmentItem.PK.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "this appointment exists already", {"appointment_id": appointment.id}
            ) from exc
        return appointment

    def change(self, appointment: Appointment, changed: Appointment) -> Appointment:
        """AP61: write ``changed`` over ``appointment``, conditional on the revision read; 409 otherwise."""
        item = self._key(appointment)
        actions: list[Action] = [
            AppointmentItem.at.set(changed.at),
            AppointmentItem.with_whom.set(changed.with_whom),
            AppointmentItem.where.set(changed.where),
            AppointmentItem.status.set(changed.status.value),
            AppointmentItem.reminders.set(_reminders(changed)),
            AppointmentItem.updated_at.set(changed.updated_at),
            AppointmentItem.revision.set(appointment.version + 1),
        ]
        try:
            item.update(actions=actions, condition=AppointmentItem.revision == appointment.version)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "the appointment changed meanwhile; read it again", {"appointment_id": appointment.id}
            ) from exc
        return changed.model_copy(update={"version": appointment.version + 1})

    def answer(
        self, appointment: Appointment, status: AppointmentStatus, now: datetime, alert: Alert | None
    ) -> bool:
        """AP61: confirm or cancel a coming appointment, with the alert a cancellation opens, together.

        Conditional on the appointment still being scheduled or confirmed; ``False`` when it was not.
        """
        actions: list[Action] = [
            AppointmentItem.status.set(status.value),
            AppointmentItem.updated_at.set(now),
            AppointmentItem.revision.add(1),
        ]
        condition = AppointmentItem.status.is_in(*(s.value for s in ACTIVE_STATUSES))
        try:
            with self._transaction() as tx:
                tx.update(self._key(appointment), actions=actions, condition=condition)
                if alert is not None:
                    tx.save(alert_item(self.tenant_id, alert), condition=AlertItem.PK.does_not_exist())
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True

    # --- reminders: the exactly-once protocol's claim, note and settlement --------------------------
    def claim_reminder(
        self, appointment: Appointment, kind: ReminderKind, lease: tuple[str, datetime], now: datetime
    ) -> str | None:
        """AP62: take a reminder of a coming appointment at its current time, for a lease.

        Returns the reminder's state before the claim (``""`` for a fresh one, ``sending`` for a send
        a dead worker started), or ``None`` when it is not claimable: settled, held by a live lease,
        the appointment cancelled, done or moved since it was read (a confirmation meanwhile does not
        matter: the reminder still goes).
        """
        previous = appointment.reminders.get(kind)
        if previous is not None and (
            previous.state == DONE or (previous.lease_until is not None and previous.lease_until > now)
        ):
            return None
        path = AppointmentItem.reminders[kind.value]
        held: Condition = path.does_not_exist() if previous is None else path["token"] == previous.token
        token, lease_until = lease
        state = _reminder(
            ReminderState(
                state=CLAIMED if previous is None else previous.state,
                at=reminder_time(appointment, kind),
                token=token,
                lease_until=lease_until,
            )
        )
        condition = (
            AppointmentItem.status.is_in(*(s.value for s in ACTIVE_STATUSES))
            & (AppointmentItem.at == appointment.at)
            & held
        )
        if not self._update(appointment, [path.set(state)], condition):
            return None
        return "" if previous is None else previous.state

    def note_reminder_sending(self, appointment: Appointment, kind: ReminderKind, token: str) -> bool:
        """AP62: the claimed reminder's send starts (before the provider call), conditional on the claim."""
        path = AppointmentItem.reminders[kind.value]
        return self._update(appointment, [path["state"].set(SENDING)], path["token"] == token)

    def settle_reminder(
        self, appointment: Appointment, kind: ReminderKind, token: str, settled: ReminderState
    ) -> bool:
        """AP62: what the reminder came to, conditional on the claim; ``False`` when another worker won."""
        path = AppointmentItem.reminders[kind.value]
        return self._update(appointment, [path.set(_reminder(settled))], path["token"] == token)

    # --- helpers ----------------------------------------------------------------------------------
    def _update(self, appointment: Appointment, actions: list[Any], condition: Condition) -> bool:
        try:
            self._key(appointment).update(actions=actions, condition=condition)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            return False
        return True

    def _key(self, appointment: Appointment) -> AppointmentItem:
        return AppointmentItem(
            keys.appointment_pk(self.tenant_id), keys.appointment_sk(appointment.lead_id, appointment.id)
        )


def _reminder(state: ReminderState) -> dict[str, Any]:
    """The stored map of a reminder's state, its claim included (the API leaves the claim out)."""
    stored: dict[str, Any] = state.model_dump(mode="json", exclude_none=True)
    if state.token is not None and state.lease_until is not None:
        stored["token"] = state.token
        stored["lease_until"] = state.lease_until.isoformat()
    return stored


def _reminders(appointment: Appointment) -> dict[str, Any]:
    return {kind.value: _reminder(state) for kind, state in appointment.reminders.items()}


def _to_item(tenant_id: str, appointment: Appointment) -> AppointmentItem:
    return AppointmentItem(
        keys.appointment_pk(tenant_id),
        keys.appointment_sk(appointment.lead_id, appointment.id),
        appointment_id=appointment.id,
        lead_id=appointment.lead_id,
        at=appointment.at,
        with_whom=appointment.with_whom,
        where=appointment.where,
        channel=None if appointment.channel is None else appointment.channel.value,
        status=appointment.status.value,
        reminders=_reminders(appointment),
        created_at=appointment.created_at,
        updated_at=appointment.updated_at,
        revision=appointment.version,
    )


def _appointment(item: AppointmentItem) -> Appointment:
    reminders = {
        ReminderKind(kind): ReminderState.model_validate(dict(state))
        for kind, state in plain(item.reminders).items()
    }
    return Appointment(
        id=item.appointment_id,
        lead_id=item.lead_id,
        at=item.at,
        with_whom=item.with_whom,
        where=item.where,
        channel=None if item.channel is None else Channel(item.channel),
        status=AppointmentStatus(item.status),
        reminders=reminders,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.revision),
    )
