"""The prospects of a tenant's campaigns, as the API manages them: enrollment (by lead id or from a
CSV), pause, resume and removal, and the history of what the scheduler decided for each.

The campaigns themselves are :mod:`maxcore.services.campaigns`; the scheduler's side (running due
steps) is :mod:`maxcore.services.sequencer`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from maxcore.clock import utcnow
from maxcore.dal.base import decode_cursor, encode_cursor
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.dal.campaigns import CampaignRepository
from maxcore.dal.enrollments import Enrolled, EnrollmentRepository, Guard
from maxcore.dal.leads import LeadRepository
from maxcore.errors import ConflictError, InvalidInputError, NotFoundError
from maxcore.ids import new_id
from maxcore.models.contact import ContactFormatError, normalize_email
from maxcore.models.lead import MAX_CUSTOM_FIELD_VALUE, CreateLeadRequest, Lead
from maxcore.models.prospection import (
    AcceptedRow,
    Campaign,
    CampaignStatus,
    Decision,
    Enrollment,
    EnrollmentReport,
    EnrollmentStatus,
    EnrollRequest,
    Interaction,
    Outcome,
    ProspectResponse,
    RejectedRow,
    RejectionCode,
    Scenario,
)
from maxcore.models.tenant import Tenant
from maxcore.observability import logger, metrics
from maxcore.rules.contact import PhoneNumberError, normalize_phone
from maxcore.rules.lead_csv import CsvFormatError, CsvRow, read_leads
from maxcore.rules.prospection import running_elsewhere
from maxcore.rules.send_window import Window, add_local_days, describe, next_open
from maxcore.services.leads import LeadService
from maxcore.services.scenarios import ScenarioService
from maxcore.services.tenants import tenant_settings
from maxcore.texts import CATALOGUE, render

MAX_CSV_ROWS = 500


class ProspectService:
    """The prospects of one tenant's campaigns: enrollment, pause, removal, their history."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.campaigns = CampaignRepository(tenant_id)
        self.repository = EnrollmentRepository(tenant_id)
        self.leads = LeadRepository(tenant_id)
        self.blacklist = BlacklistRepository(tenant_id)
        self.scenarios = ScenarioService(tenant_id, clock)
        self.sequences = RunningSequences(tenant_id)
        self._clock = clock

    # --- enrollment -----------------------------------------------------------------------
    def enroll(self, campaign_id: str, request: EnrollRequest) -> EnrollmentReport:
        """Enroll leads by id or from CSV rows; every row is accepted or rejected with its reason."""
        campaign = self.campaigns.get(campaign_id)
        if campaign.status is CampaignStatus.COMPLETED:
            raise ConflictError(
                "the campaign is completed: enroll prospects in an active or paused campaign",
                {"campaign_id": campaign_id},
            )
        tenant = tenant_settings(self.tenant_id)
        scenario = self.scenarios.version(campaign.scenario_id, campaign.scenario_version)
        accepted: list[AcceptedRow] = []
        rejected: list[RejectedRow] = []
        if request.lead_ids is not None:
            rows: list[tuple[int, Lead | RejectedRow, bool]] = []
            seen: set[str] = set()
            for row, lead_id in enumerate(request.lead_ids, start=1):
                if lead_id in seen:
                    reason = _text("enrollment.row.listed_twice", tenant)
                    rows.append((row, _reject(row, RejectionCode.DUPLICATE, reason, lead_id), False))
                    continue
                seen.add(lead_id)
                try:
                    rows.append((row, self.leads.get(lead_id), False))
                except NotFoundError:
                    reason = _text("enrollment.row.unknown_lead", tenant)
                    rows.append((row, _reject(row, RejectionCode.UNKNOWN_LEAD, reason, lead_id), False))
        else:
            rows = self._csv_rows(request.csv_data(), tenant)
        for row, found, created in rows:
            if isinstance(found, RejectedRow):
                rejected.append(found)
                continue
            refusal = self._refusal(row, found, scenario, tenant) or self._in_sequence(
                row, found, campaign, tenant, request.allow_parallel
            )
            if refusal is not None:
                rejected.append(refusal)
                continue
            enrolled = self._enroll_one(campaign, scenario, found, tenant, request.allow_parallel)
            if enrolled is Enrolled.ENROLLED:
                accepted.append(AcceptedRow(row=row, lead_id=found.id, lead_created=created))
            elif enrolled is Enrolled.ALREADY_IN_CAMPAIGN:
                reason = _text("enrollment.row.already_in_campaign", tenant)
                rejected.append(_reject(row, RejectionCode.DUPLICATE, reason, found.id))
            else:
                reason = _text("prospection.enrolling_elsewhere", tenant)
                rejected.append(_reject(row, RejectionCode.ALREADY_IN_SEQUENCE, reason, found.id))
        metrics.add_metric(name="ProspectsEnrolled", unit=MetricUnit.Count, value=len(accepted))
        logger.info(
            "prospects enrolled",
            extra={"campaign_id": campaign_id, "accepted": len(accepted), "rejected": len(rejected)},
        )
        return EnrollmentReport(accepted=accepted, rejected=rejected)

    def _refusal(self, row: int, lead: Lead, scenario: Scenario, tenant: Tenant) -> RejectedRow | None:
        if not (lead.email or lead.phone or lead.telegram_chat_id):
            return _reject(
                row, RejectionCode.NO_CONTACT, _text("enrollment.row.unreachable", tenant), lead.id
            )
        if self.blacklist.matches(lead.email, lead.phone):
            return _reject(
                row, RejectionCode.BLACKLISTED, _text("enrollment.row.blacklisted", tenant), lead.id
            )
        channels = {s.channel.channel for s in scenario.steps if s.channel.channel is not None}
        revoked = {c for c, state in lead.consent.items() if not state.granted}
        if channels and channels <= revoked:
            names = ", ".join(sorted(c.value for c in channels))
            reason = _text("enrollment.row.opted_out", tenant, channels=names)
            return _reject(row, RejectionCode.OPTED_OUT, reason, lead.id)
        return None

    def _in_sequence(
        self, row: int, lead: Lead, campaign: Campaign, tenant: Tenant, allow_parallel: bool
    ) -> RejectedRow | None:
        """One sequence at a time: the row is refused while the lead runs in another campaign."""
        other = None if allow_parallel else self.sequences.of(lead.id, campaign.id)
        if other is None:
            return None
        reason = _text("prospection.already_in_sequence", tenant, campaign=other.name)
        return _reject(row, RejectionCode.ALREADY_IN_SEQUENCE, reason, lead.id)

    def _enroll_one(
        self, campaign: Campaign, scenario: Scenario, lead: Lead, tenant: Tenant, parallel: bool
    ) -> Enrolled:
        now = self._clock()
        window = Window.of(campaign.send_window, campaign.timezone)
        first = scenario.steps[0]
        due = next_open(window, add_local_days(now, first.delay_days, campaign.timezone))
        decision = Decision(
            outcome=Outcome.DEFERRED,
            code="enrolled",
            reason=_text(
                "prospection.enrolled", tenant, until=describe(due, campaign.timezone, tenant.locale.value)
            ),
            step=1,
            until=due,
            at=now,
        )
        enrollment = Enrollment(
            campaign_id=campaign.id,
            lead_id=lead.id,
            scenario_id=scenario.id,
            scenario_version=scenario.version,
            next_action_at=due,
            held=campaign.status is CampaignStatus.PAUSED,
            decisions=[decision],
            enrolled_at=now,
            updated_at=now,
        )
        enrolled = self.repository.enroll(enrollment, parallel=parallel)
        if enrolled is Enrolled.ENROLLING_ELSEWHERE:
            # Another campaign enrolled the lead within the last minute. If that enrollment is
            # already over (removed, stopped), its guard holds nothing: take it over, unless it moved.
            guard = self.repository.sequence_guard(lead.id)
            if guard is None or not self._running(guard.campaign_id, lead.id):
                enrolled = self.repository.enroll(enrollment, replacing=guard)
        return enrolled

    def _running(self, campaign_id: str, lead_id: str) -> bool:
        try:
            return running_elsewhere([self.repository.get(campaign_id, lead_id)]) is not None
        except NotFoundError:
            return False

    def _csv_rows(self, data: bytes | str, tenant: Tenant) -> list[tuple[int, Lead | RejectedRow, bool]]:
        try:
            sheet = read_leads(data, MAX_CSV_ROWS)
        except CsvFormatError as exc:
            message = _text(f"enrollment.csv.{exc.code}", tenant, **exc.values)
            raise InvalidInputError(
                message, [{"field": "csv", "message": message, "type": exc.code}]
            ) from exc
        logger.info(
            "csv read",
            extra={"encoding": sheet.encoding, "delimiter": sheet.delimiter, "rows": len(sheet.rows)},
        )
        seen: set[str] = set()
        return [(row.number, *self._csv_row(row, seen, tenant)) for row in sheet.rows]

    def _csv_row(self, row: CsvRow, seen: set[str], tenant: Tenant) -> tuple[Lead | RejectedRow, bool]:
        """The lead a CSV row names (found by e-mail or phone, else created), or why it cannot be enrolled."""
        number, values = row.number, row.fields
        if row.problem is not None:
            reason = _text(
                f"enrollment.row.{row.problem}", tenant, column=row.problem_column, max=MAX_CUSTOM_FIELD_VALUE
            )
            return _reject(number, RejectionCode.BAD_ROW, reason, value=row.problem_value), False
        email = phone = None
        try:
            email = normalize_email(values["email"]) if "email" in values else None
        except ContactFormatError:
            reason = _text("enrollment.row.bad_email", tenant)
            return _reject(number, RejectionCode.BAD_EMAIL, reason, value=values["email"]), False
        try:
            phone = normalize_phone(values["phone"], tenant.default_country) if "phone" in values else None
        except PhoneNumberError as exc:
            # The library's reason (TOO_LONG...) first, then a sentence, so the user can fix the file.
            reason = _phone_reason(exc, tenant)
            return _reject(number, RejectionCode.BAD_PHONE, reason, value=values["phone"]), False
        if email is None and phone is None:
            return _reject(
                number, RejectionCode.NO_CONTACT, _text("enrollment.row.no_contact", tenant)
            ), False
        contacts = [c for c in (email, phone) if c]
        if any(c in seen for c in contacts):
            reason = _text("enrollment.row.duplicate_in_file", tenant)
            return _reject(number, RejectionCode.DUPLICATE, reason, value=contacts[0]), False
        seen.update(contacts)
        for field_name, value in (("email", email), ("phone", phone)):
            if value is not None and (lead_id := self.leads.find_by_contact(field_name, value)):
                return self.leads.get(lead_id), False
        try:
            request = CreateLeadRequest(
                first_name=values.get("first_name"),
                last_name=values.get("last_name"),
                company=values.get("company"),
                email=email,
                phone=phone,
                custom_fields=row.custom_fields,
                source="csv",
            )
        except ValidationError as exc:
            fields = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}))
            reason = _text("enrollment.row.bad_value", tenant, fields=fields)
            return _reject(number, RejectionCode.BAD_ROW, reason), False
        try:
            return LeadService(self.tenant_id, self._clock).create(request), True
        except ConflictError:
            return _reject(
                number, RejectionCode.BAD_ROW, _text("enrollment.row.contact_taken", tenant)
            ), False

    # --- prospects ------------------------------------------------------------------------
    def page(
        self, campaign_id: str, limit: int, cursor: str | None
    ) -> tuple[list[ProspectResponse], str | None]:
        """A page of the campaign's prospects, in lead order, with their last decision."""
        campaign = self.campaigns.get(campaign_id)
        after = None if cursor is None else decode_cursor(cursor)
        found = self.repository.page(campaign.id, limit, after)
        names = self._lead_names(e.lead_id for e in found[:limit])
        items = [self._response(e, names.get(e.lead_id)) for e in found[:limit]]
        next_cursor = encode_cursor(found[limit - 1].lead_id) if len(found) > limit else None
        return items, next_cursor

    def get(self, campaign_id: str, lead_id: str) -> ProspectResponse:
        """One prospect with every decision kept."""
        self.campaigns.get(campaign_id)
        return self._named_response(self.repository.get(campaign_id, lead_id))

    def set_status(
        self, campaign_id: str, lead_id: str, status: EnrollmentStatus, by: str
    ) -> ProspectResponse:
        """Pause or resume one prospect (409 when it is finished or a worker holds its step)."""
        campaign = self.campaigns.get(campaign_id)
        e = self.repository.get(campaign_id, lead_id)
        tenant = tenant_settings(self.tenant_id)
        now = self._clock()
        if status is e.status and not e.paused_until_return:
            return self._named_response(e)
        # A user's pause or resume takes over an out-of-office pause: it no longer resumes by itself.
        if status is EnrollmentStatus.PAUSED:
            allowed: tuple[EnrollmentStatus, ...] = (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
            changes: dict[str, object] = {"status": status, "resume_at": None, "updated_at": now}
            decision = _user_decision(e, Outcome.HELD, "paused_by_user", tenant, now)
        else:
            allowed = (EnrollmentStatus.PAUSED,)
            due, decision = _resumption(e, campaign, tenant, now)
            changes = {"status": status, "resume_at": None, "next_action_at": due, "updated_at": now}
        after = e.model_copy(update=changes)
        if e.status not in allowed or not self.repository.transition(
            after, Guard(statuses=allowed, step=e.current_step), decision, _interaction(after, decision)
        ):
            raise ConflictError(
                f"the prospect is {e.status.value} and cannot be {status.value} now",
                {"campaign_id": campaign_id, "lead_id": lead_id, "status": e.status.value},
            )
        logger.info(
            "prospect status changed",
            extra={"campaign_id": campaign_id, "lead_id": lead_id, "status": status.value, "by": by},
        )
        return self._named_response(self.repository.get(campaign_id, lead_id))

    def remove(self, campaign_id: str, lead_id: str, by: str) -> None:
        """Take a prospect out of its campaign for good (its history stays)."""
        self.campaigns.get(campaign_id)
        e = self.repository.get(campaign_id, lead_id)
        if e.status is EnrollmentStatus.REMOVED:
            return
        tenant = tenant_settings(self.tenant_id)
        now = self._clock()
        after = e.model_copy(
            update={"status": EnrollmentStatus.REMOVED, "next_action_at": None, "updated_at": now}
        )
        decision = _user_decision(e, Outcome.STOPPED, "removed_by_user", tenant, now)
        open_statuses = tuple(s for s in EnrollmentStatus if s is not EnrollmentStatus.REMOVED)
        if not self.repository.transition(
            after,
            Guard(statuses=open_statuses, step=e.current_step),
            decision,
            _interaction(after, decision),
        ):
            raise ConflictError(
                "the prospect's step is running right now; try again in a minute",
                {"campaign_id": campaign_id, "lead_id": lead_id},
            )
        logger.info("prospect removed", extra={"campaign_id": campaign_id, "lead_id": lead_id, "by": by})

    def release_held(self, campaign: Campaign) -> int:
        """Put the prospects a campaign's pause held back in the due index, due now at the earliest."""
        now = self._clock()
        tenant = tenant_settings(self.tenant_id)
        released = 0
        for e in self.repository.iter_campaign(campaign.id):
            if not e.held or e.status is not EnrollmentStatus.ACTIVE:
                continue
            due, decision = _resumption(e, campaign, tenant, now)
            after = e.model_copy(update={"held": False, "next_action_at": due, "updated_at": now})
            if self.repository.transition(
                after,
                Guard(statuses=(EnrollmentStatus.ACTIVE,), step=e.current_step),
                decision,
                _interaction(after, decision),
            ):
                released += 1
        return released

    def interactions(
        self, campaign_id: str, limit: int, cursor: str | None, lead_id: str | None
    ) -> tuple[list[Interaction], str | None]:
        """The campaign's interactions, newest first."""
        self.campaigns.get(campaign_id)
        return self.repository.interactions(campaign_id, limit, cursor, lead_id)

    def _response(self, e: Enrollment, lead_name: str | None = None) -> ProspectResponse:
        scenario = self.scenarios.version(e.scenario_id, e.scenario_version)
        return prospect_response(e, len(scenario.steps), lead_name)

    def _named_response(self, e: Enrollment) -> ProspectResponse:
        return self._response(e, self._lead_names([e.lead_id]).get(e.lead_id))

    def _lead_names(self, lead_ids: Iterable[str]) -> dict[str, str]:
        """The display names of the leads, read in one BatchGet (a deleted lead has none)."""
        return {lead_id: lead.display_name for lead_id, lead in self.leads.get_many(lead_ids).items()}


class RunningSequences:
    """The campaign whose sequence a lead is in: its enrollments read once per lead (AP15), each
    campaign once (AP30)."""

    def __init__(self, tenant_id: str) -> None:
        self._enrollments = EnrollmentRepository(tenant_id)
        self._campaigns = CampaignRepository(tenant_id)
        self._of_lead: dict[str, list[Enrollment]] = {}
        self._found: dict[str, Campaign | None] = {}

    def of(self, lead_id: str, campaign_id: str | None = None) -> Campaign | None:
        """The campaign, other than ``campaign_id``, whose sequence still runs for the lead."""
        if lead_id not in self._of_lead:
            self._of_lead[lead_id] = self._enrollments.for_lead(lead_id)
        running = running_elsewhere(self._of_lead[lead_id], campaign_id)
        return None if running is None else self._campaign(running.campaign_id)

    def _campaign(self, campaign_id: str) -> Campaign | None:
        if campaign_id not in self._found:
            try:
                self._found[campaign_id] = self._campaigns.get(campaign_id)
            except NotFoundError:  # deleted since: its enrollments go with it
                self._found[campaign_id] = None
        return self._found[campaign_id]


def prospect_response(e: Enrollment, steps_total: int, lead_name: str | None = None) -> ProspectResponse:
    """The API view of an enrollment."""
    return ProspectResponse(
        campaign_id=e.campaign_id,
        lead_id=e.lead_id,
        lead_name=lead_name,
        scenario_version=e.scenario_version,
        status=e.status,
        current_step=e.current_step,
        steps_total=steps_total,
        next_action_at=e.next_action_at,
        last_decision=e.decisions[-1] if e.decisions else None,
        decisions=list(reversed(e.decisions)),
        replied_at=e.replied_at,
        reply_kind=e.reply_kind,
        resume_at=e.resume_at,
        enrolled_at=e.enrolled_at,
    )


def _resumption(
    e: Enrollment, campaign: Campaign, tenant: Tenant, now: datetime
) -> tuple[datetime, Decision]:
    """When a paused or held prospect is due again (the campaign's next open time, now at the
    earliest), and the decision that says so."""
    due = next_open(Window.of(campaign.send_window, campaign.timezone), max(e.next_action_at or now, now))
    until = describe(due, campaign.timezone, tenant.locale.value)
    return due, _user_decision(e, Outcome.DEFERRED, "resumed_by_user", tenant, now, due, until=until)


def _user_decision(
    e: Enrollment,
    outcome: Outcome,
    code: str,
    tenant: Tenant,
    now: datetime,
    due: datetime | None = None,
    **values: object,
) -> Decision:
    """A user's change to a prospect, with its reason (the text ``prospection.<code>``) in the
    tenant's language."""
    reason = _text(f"prospection.{code}", tenant, **values)
    return Decision(outcome=outcome, code=code, reason=reason, step=e.current_step, until=due, at=now)


def _interaction(e: Enrollment, decision: Decision) -> Interaction:
    return Interaction(id=new_id(), campaign_id=e.campaign_id, lead_id=e.lead_id, decision=decision)


def _reject(
    row: int, code: RejectionCode, reason: str, lead_id: str | None = None, value: str | None = None
) -> RejectedRow:
    return RejectedRow(row=row, lead_id=lead_id, value=value, code=code, reason=reason)


def _phone_reason(error: PhoneNumberError, tenant: Tenant) -> str:
    """Why a number was refused, in the tenant's language, led by the library's reason code."""
    key = f"enrollment.phone.{error.reason.lower()}"
    if key not in CATALOGUE:
        key = "enrollment.phone.invalid_number"
    return _text(key, tenant, code=error.reason, country=tenant.default_country)


def _text(key: str, tenant: Tenant, **values: object) -> str:
    return render(key, tenant.locale.value, **values)
