"""The automation repository: a tenant's automations and the trigger occurrences they acted on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from maxcore.dal import keys
from maxcore.dal.approvals import approval_item
from maxcore.dal.attributes import to_iso
from maxcore.dal.base import TenantRepository, decode_position, encode_position, from_index, plain
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import ApprovalItem, AutomationItem, AutomationRunItem
from maxcore.errors import ConflictError, NotFoundError
from maxcore.models.automation import Automation, AutomationRun, StopCondition, TriggerType
from maxcore.models.prospection import Approval, Decision

RUN_TTL_SECONDS = 400 * 24 * 3600
"""An occurrence is remembered for over a year: its trigger time never comes back after that."""


@dataclass(frozen=True)
class OpenRun:
    """An occurrence not done whose lease is over: its worker died, or its retry time came."""

    automation_id: str
    lead_id: str
    episode: str
    state: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.automation_id, self.lead_id, self.episode


class AutomationRepository(TenantRepository):
    """Automations of one tenant."""

    def get(self, automation_id: str) -> Automation:
        """AP37: one automation (consistent); 404 when unknown."""
        try:
            item = AutomationItem.get(
                keys.automation_pk(self.tenant_id), keys.automation_sk(automation_id), consistent_read=True
            )
        except DoesNotExist as exc:
            raise NotFoundError(
                f"automation {automation_id} not found", {"automation_id": automation_id}
            ) from exc
        return _automation(item)

    def list_all(self) -> list[Automation]:
        """AP37: every automation of the tenant, newest first (one Query)."""
        return [
            _automation(i)
            for i in AutomationItem.query(keys.automation_pk(self.tenant_id), scan_index_forward=False)
            if isinstance(i, AutomationItem)
        ]

    def save(self, automation: Automation, *, new: bool = False) -> Automation:
        """AP37: create, or replace if unchanged since read (``version``; 409 otherwise)."""
        item = AutomationItem(
            keys.automation_pk(self.tenant_id),
            keys.automation_sk(automation.id),
            automation_id=automation.id,
            name=automation.name,
            trigger_type=automation.trigger_type.value,
            trigger_config=automation.trigger_config,
            template_id=automation.template_id,
            stop_conditions=[s.value for s in automation.stop_conditions],
            enabled=automation.enabled,
            skip_leads_in_sequence=automation.skip_leads_in_sequence,
            created_at=automation.created_at,
            updated_at=automation.updated_at,
        )
        if not new:
            item.version = automation.version
        try:
            item.save()
        except PutError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "the automation changed meanwhile; read it again", {"automation_id": automation.id}
            ) from exc
        return automation.model_copy(update={"version": item.version})

    def delete(self, automation: Automation) -> None:
        """AP37: delete if unchanged since read."""
        item = AutomationItem(keys.automation_pk(self.tenant_id), keys.automation_sk(automation.id))
        item.version = automation.version
        try:
            item.delete()
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "the automation changed meanwhile; read it again", {"automation_id": automation.id}
            ) from exc

    # --- occurrences --------------------------------------------------------------------------
    def claim_run(
        self, automation_id: str, lead_id: str, episode: str, token: str, lease_until: datetime, now: datetime
    ) -> str | None:
        """AP38: claim one occurrence of a trigger on a lead for one worker.

        A new occurrence is a conditional Put; one whose worker died or that was put off (``state``
        not ``done``, lease over) is taken over by a conditional Update. Returns the state the
        occurrence was in (``new``, ``claimed``, ``sending`` or ``deferred``: ``sending`` means a
        worker died after calling the provider), or ``None``: done already, or another worker has it.
        """
        pk, sk = (
            keys.automation_run_pk(self.tenant_id),
            keys.automation_run_sk(automation_id, lead_id, episode),
        )
        item = AutomationRunItem(
            pk,
            sk,
            automation_id=automation_id,
            lead_id=lead_id,
            episode=episode,
            state="claimed",
            claim_token=token,
            lease_until=lease_until,
            GSI1PK=keys.open_run_gsi1pk(self.tenant_id),
            GSI1SK=keys.open_run_gsi1sk(to_iso(lease_until), automation_id, lead_id, episode),
            created_at=now,
            updated_at=now,
            expires_at=int(now.timestamp()) + RUN_TTL_SECONDS,
        )
        try:
            item.save(condition=AutomationRunItem.PK.does_not_exist())
            return "new"
        except PutError as exc:
            if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
                raise
        taken = AutomationRunItem(pk, sk)
        try:
            taken.update(
                actions=[
                    AutomationRunItem.claim_token.set(token),
                    AutomationRunItem.lease_until.set(lease_until),
                    AutomationRunItem.GSI1PK.set(keys.open_run_gsi1pk(self.tenant_id)),
                    AutomationRunItem.GSI1SK.set(
                        keys.open_run_gsi1sk(to_iso(lease_until), automation_id, lead_id, episode)
                    ),
                    AutomationRunItem.updated_at.set(now),
                ],
                condition=(AutomationRunItem.state != "done") & (AutomationRunItem.lease_until < now),
            )
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                return None
            raise
        # The update answers the item as it now is: its state is the one the last worker left.
        return taken.state

    def busy(self, occurrences: list[tuple[str, str, str]], now: datetime) -> set[tuple[str, str, str]]:
        """AP38: of ``(automation_id, lead_id, episode)`` occurrences, those nobody may claim now.

        Done ones, and ones a worker holds or that were put off (lease not over). BatchGet, 100 keys
        a call: a run reads these before claiming, so an occurrence acted on long ago costs one read
        per hour, never a failed conditional write.
        """
        if not occurrences:
            return set()
        pk = keys.automation_run_pk(self.tenant_id)
        found: set[tuple[str, str, str]] = set()
        for item in AutomationRunItem.batch_get([(pk, keys.automation_run_sk(*o)) for o in occurrences]):
            if not isinstance(item, AutomationRunItem):
                continue
            if item.state == "done" or (item.lease_until is not None and item.lease_until >= now):
                found.add((item.automation_id, item.lead_id, item.episode))
        return found

    def open_runs(self, now: datetime) -> Iterator[OpenRun]:
        """AP40: the occurrences left open whose lease is over, oldest first (sparse GSI1).

        A dead worker's occurrence, or one put off whose retry time came. The sweep of the leads
        finds those whose trigger still holds; these are how a run finds the others, the ones whose
        trigger stopped holding meanwhile (the message the dead worker sent changed the summary).
        GSI1 gives the keys, BatchGetItem the occurrences; eventually consistent: the claim that
        follows is the judge.
        """
        bound = f"{to_iso(now)}#{keys.DUE_UPPER}"
        entries = AutomationRunItem.gsi1.query(
            keys.open_run_gsi1pk(self.tenant_id), bound >= AutomationRunItem.GSI1SK
        )
        for item in from_index(AutomationRunItem, entries):
            if item.state != "done":
                yield OpenRun(item.automation_id, item.lead_id, item.episode, item.state)

    def mark_run_sending(
        self, automation_id: str, lead_id: str, episode: str, token: str, now: datetime
    ) -> bool:
        """AP38: note, before calling the provider, that the send has started."""
        return self._move(automation_id, lead_id, episode, token, "sending", now)

    def finish_run(
        self,
        automation_id: str,
        lead_id: str,
        episode: str,
        token: str,
        decision: Decision,
        now: datetime,
        approval: Approval | None = None,
    ) -> bool:
        """AP38: the occurrence is done, with its decision (and the draft or suggestion it made,
        in the same transaction). ``False``: another worker took the occurrence over meanwhile."""
        return self._move(automation_id, lead_id, episode, token, "done", now, decision, approval=approval)

    def defer_run(
        self,
        automation_id: str,
        lead_id: str,
        episode: str,
        token: str,
        decision: Decision,
        until: datetime,
        now: datetime,
    ) -> bool:
        """AP38: put the occurrence off until ``until`` (a cap, the provider down): nothing left,
        and the first run after ``until`` may claim it again."""
        return self._move(automation_id, lead_id, episode, token, "deferred", now, decision, lease=until)

    def runs(
        self, automation_id: str, limit: int, cursor: str | None
    ) -> tuple[list[AutomationRun], str | None]:
        """AP39: the occurrences an automation acted on, by lead, a page at a time."""
        pk = keys.automation_run_pk(self.tenant_id)
        prefix = keys.automation_run_prefix(automation_id)
        last_evaluated_key = None
        if cursor is not None:
            last_evaluated_key = {"PK": {"S": pk}, "SK": {"S": prefix + decode_position(cursor)}}
        query = AutomationRunItem.query(
            pk,
            AutomationRunItem.SK.startswith(prefix),
            limit=limit,
            last_evaluated_key=last_evaluated_key,
        )
        found = [_run(item) for item in query if isinstance(item, AutomationRunItem)]
        more = query.last_evaluated_key
        next_cursor = None
        if more is not None and found:
            next_cursor = encode_position(str(more["SK"]["S"]).removeprefix(prefix))
        return found, next_cursor

    def _move(
        self,
        automation_id: str,
        lead_id: str,
        episode: str,
        token: str,
        state: str,
        now: datetime,
        decision: Decision | None = None,
        *,
        lease: datetime | None = None,
        approval: Approval | None = None,
    ) -> bool:
        item = AutomationRunItem(
            keys.automation_run_pk(self.tenant_id), keys.automation_run_sk(automation_id, lead_id, episode)
        )
        actions: list[Action] = [AutomationRunItem.state.set(state), AutomationRunItem.updated_at.set(now)]
        if decision is not None:
            actions.append(AutomationRunItem.decision.set(decision.model_dump_json(exclude_none=True)))
        if lease is not None:
            actions += [
                AutomationRunItem.lease_until.set(lease),
                AutomationRunItem.GSI1SK.set(
                    keys.open_run_gsi1sk(to_iso(lease), automation_id, lead_id, episode)
                ),
            ]
        if state == "done":
            actions += [AutomationRunItem.GSI1PK.remove(), AutomationRunItem.GSI1SK.remove()]
        condition = AutomationRunItem.claim_token == token
        try:
            if approval is None:
                item.update(actions=actions, condition=condition)
            else:
                with self._transaction() as tx:
                    tx.update(item, actions=actions, condition=condition)
                    tx.save(
                        approval_item(self.tenant_id, approval), condition=ApprovalItem.PK.does_not_exist()
                    )
        except UpdateError as exc:
            if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
                return False
            raise
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                return False
            raise
        return True


def _run(item: AutomationRunItem) -> AutomationRun:
    return AutomationRun(
        lead_id=item.lead_id,
        episode=item.episode,
        state=item.state,
        decision=None if item.decision is None else Decision.model_validate_json(item.decision),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _automation(item: AutomationItem) -> Automation:
    return Automation(
        id=item.automation_id,
        name=item.name,
        trigger_type=TriggerType(item.trigger_type),
        trigger_config=plain(item.trigger_config) or {},
        template_id=item.template_id or "",
        stop_conditions=[StopCondition(s) for s in item.stop_conditions or []],
        enabled=bool(item.enabled),
        # Automations saved before the setting existed skip, as new ones do by default.
        skip_leads_in_sequence=item.skip_leads_in_sequence is not False,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=int(item.version or 1),
    )
