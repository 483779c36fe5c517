"""The blacklist of a tenant: addresses it never prospects, checked at enrollment and before every step."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from maxcore.clock import utcnow
from maxcore.dal.blacklist import BlacklistRepository
from maxcore.errors import InvalidInputError
from maxcore.models.contact import ContactFormatError, normalize_email
from maxcore.models.prospection import AddBlacklistRequest, BlacklistEntry, BlacklistKind
from maxcore.rules.contact import PhoneNumberError, normalize_phone
from maxcore.services.leads import phone_error_detail
from maxcore.services.tenants import tenant_settings


class BlacklistService:
    """The blacklist of one tenant."""

    def __init__(self, tenant_id: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.tenant_id = tenant_id
        self.repository = BlacklistRepository(tenant_id)
        self._clock = clock

    def list(self) -> list[BlacklistEntry]:
        """Every entry."""
        return self.repository.list_all()

    def add(self, request: AddBlacklistRequest, by: str) -> BlacklistEntry:
        """Blacklist an address (stored normalised, so any way of writing it matches)."""
        kind, value = _normalised(
            request.email, request.phone, tenant_settings(self.tenant_id).default_country
        )
        entry = BlacklistEntry(
            kind=kind,
            value=value,
            reason=request.reason,
            source=request.source,
            created_at=self._clock(),
            created_by=by,
        )
        return self.repository.add(entry)

    def remove(self, kind: BlacklistKind, value: str) -> None:
        """Take an address off the blacklist."""
        email, phone = (value, None) if kind is BlacklistKind.EMAIL else (None, value)
        try:
            _, normalised = _normalised(email, phone, tenant_settings(self.tenant_id).default_country)
        except InvalidInputError:
            if kind is not BlacklistKind.PHONE or not _STORED_E164.match(value):
                raise
            # An entry stored before numbers were validated (+337911123456) must still be removable.
            normalised = value
        self.repository.remove(kind, normalised)


_STORED_E164 = re.compile(r"^\+[1-9]\d{1,14}$")


def _normalised(email: str | None, phone: str | None, country: str) -> tuple[BlacklistKind, str]:
    if email is not None:
        try:
            return BlacklistKind.EMAIL, normalize_email(email)
        except ContactFormatError as exc:
            raise InvalidInputError(str(exc), [{"field": "email", "message": str(exc)}]) from exc
    try:
        return BlacklistKind.PHONE, normalize_phone(phone or "", country)
    except PhoneNumberError as exc:
        raise InvalidInputError(str(exc), [phone_error_detail(exc)]) from exc
