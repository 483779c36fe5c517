"""The channel repository: a tenant's channel settings and the daily send counters that cap them."""

from __future__ import annotations

import json
from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from maxcore.dal import keys
from maxcore.dal.base import TenantRepository
from maxcore.dal.conditions import condition_failed
from maxcore.dal.items import ChannelSettingsItem, SendCounterItem
from maxcore.errors import ConflictError, RateLimitedError
from maxcore.models.channel import ChannelSettings, EmailSender
from maxcore.models.common import Channel

COUNTER_TTL_SECONDS = 3 * 24 * 3600
"""A day's counter is kept a little past its day, then the TTL deletes it."""


class ChannelRepository(TenantRepository):
    """Channel settings and send counters of one tenant."""

    def get(self, channel: Channel) -> ChannelSettings:
        """AP25: a channel's settings; the defaults (on, no sender, no cap) when never saved."""
        try:
            item = ChannelSettingsItem.get(
                keys.tenant_pk(self.tenant_id), keys.channel_settings_sk(channel.value), consistent_read=True
            )
        except DoesNotExist:
            return ChannelSettings(channel=channel)
        return _settings(item)

    def list_all(self) -> dict[Channel, ChannelSettings]:
        """AP25: every channel's settings with one Query (defaults for those never saved)."""
        found = {c: ChannelSettings(channel=c) for c in Channel}
        for item in ChannelSettingsItem.query(
            keys.tenant_pk(self.tenant_id),
            ChannelSettingsItem.SK.startswith(keys.CHANNEL_SK_PREFIX),
            consistent_read=True,
        ):
            if isinstance(item, ChannelSettingsItem):
                settings = _settings(item)
                found[settings.channel] = settings
        return found

    def save(self, settings: ChannelSettings) -> ChannelSettings:
        """AP25: write the settings if nobody saved them since they were read (409 otherwise)."""
        item = ChannelSettingsItem(
            keys.tenant_pk(self.tenant_id),
            keys.channel_settings_sk(settings.channel.value),
            channel=settings.channel.value,
            enabled=settings.enabled,
            sender=settings.sender,
            sender_name=settings.sender_name,
            senders=_senders_json(settings.senders),
            inbound_address=settings.inbound_address,
            bot_name=settings.bot_name,
            opt_out_number=settings.opt_out_number,
            daily_cap=settings.daily_cap,
            updated_at=settings.updated_at,
            updated_by=settings.updated_by,
        )
        if settings.version is not None:
            item.version = settings.version
        try:
            item.save()
        except PutError as exc:
            if not condition_failed(exc):
                raise
            raise ConflictError(
                "the channel's settings changed meanwhile; read them again", {"channel": settings.channel}
            ) from exc
        return settings.model_copy(update={"version": item.version})

    # --- daily caps ---------------------------------------------------------------------------
    def take_send_slot(self, channel: Channel, day: str, cap: int | None, now: datetime) -> int:
        """AP26: count one message on ``channel`` for ``day``, refused (429) when the cap is reached.

        One conditional ADD: two sends racing for the last slot cannot both pass.
        """
        item = SendCounterItem(keys.send_counter_pk(self.tenant_id), keys.send_counter_sk(day, channel.value))
        condition = None
        if cap is not None:
            condition = SendCounterItem.sent.does_not_exist() | (SendCounterItem.sent < cap)
        try:
            item.update(
                actions=[
                    SendCounterItem.sent.add(1),
                    SendCounterItem.expires_at.set(int(now.timestamp()) + COUNTER_TTL_SECONDS),
                ],
                condition=condition,
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            raise RateLimitedError(
                f"the daily cap of {cap} {channel.value} messages is reached; it resets at midnight UTC",
                {"channel": channel.value, "daily_cap": cap, "day": day},
            ) from exc
        return int(item.sent)

    def take_campaign_slot(
        self, campaign_id: str, channel: Channel, day: str, cap: int, now: datetime
    ) -> int:
        """AP26': a campaign's own cap on one channel, counted on its local day."""
        name = keys.campaign_cap_channel(campaign_id, channel.value)
        item = SendCounterItem(keys.send_counter_pk(self.tenant_id), keys.send_counter_sk(day, name))
        try:
            item.update(
                actions=[
                    SendCounterItem.sent.add(1),
                    SendCounterItem.expires_at.set(int(now.timestamp()) + COUNTER_TTL_SECONDS),
                ],
                condition=SendCounterItem.sent.does_not_exist() | (SendCounterItem.sent < cap),
            )
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
            raise RateLimitedError(
                f"the campaign's daily cap of {cap} {channel.value} messages is reached",
                {"channel": channel.value, "daily_cap": cap, "day": day, "campaign_id": campaign_id},
            ) from exc
        return int(item.sent)

    def give_back_campaign_slot(self, campaign_id: str, channel: Channel, day: str) -> None:
        """AP26': a campaign message that could not be sent does not count against its cap."""
        name = keys.campaign_cap_channel(campaign_id, channel.value)
        item = SendCounterItem(keys.send_counter_pk(self.tenant_id), keys.send_counter_sk(day, name))
        item.update(actions=[SendCounterItem.sent.add(-1)], condition=SendCounterItem.sent > 0)

    def give_back_send_slot(self, channel: Channel, day: str) -> None:
        """AP26: a message that could not be sent does not count against the cap."""
        item = SendCounterItem(keys.send_counter_pk(self.tenant_id), keys.send_counter_sk(day, channel.value))
        item.update(actions=[SendCounterItem.sent.add(-1)], condition=SendCounterItem.sent > 0)

    def sent_on(self, channel: Channel, day: str) -> int:
        """AP26: messages counted on ``channel`` for ``day``."""
        try:
            item = SendCounterItem.get(
                keys.send_counter_pk(self.tenant_id), keys.send_counter_sk(day, channel.value)
            )
        except DoesNotExist:
            return 0
        return int(item.sent or 0)


def _settings(item: ChannelSettingsItem) -> ChannelSettings:
    return ChannelSettings(
        channel=Channel(item.channel),
        enabled=bool(item.enabled),
        sender=item.sender,
        sender_name=item.sender_name,
        senders=[EmailSender.model_validate(s) for s in json.loads(item.senders or "[]")],
        inbound_address=item.inbound_address,
        bot_name=item.bot_name,
        opt_out_number=item.opt_out_number,
        daily_cap=None if item.daily_cap is None else int(item.daily_cap),
        updated_at=item.updated_at,
        updated_by=item.updated_by,
        version=item.version,
    )


def _senders_json(senders: list[EmailSender]) -> str | None:
    return json.dumps([s.model_dump(mode="json") for s in senders]) if senders else None
