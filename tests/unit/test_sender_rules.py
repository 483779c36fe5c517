"""The pure rules of several e-mail senders: the list checked, and the order a send tries them in."""

from __future__ import annotations

import pytest

from maxcore.models.channel import DEFAULT_SENDER_DAILY_LIMIT, ChannelSettings, EmailSender
from maxcore.models.common import Channel
from maxcore.rules.senders import SenderListError, checked_senders, turn_order

CLAIRE = EmailSender(address="claire@bellepeau.fr", name="Claire", daily_limit=2)
MARC = EmailSender(address="marc@bellepeau.fr", daily_limit=2)
LINA = EmailSender(address="lina@bellepeau.fr", daily_limit=5)


def _addresses(senders: list[EmailSender]) -> list[str]:
    return [s.address for s in senders]


def test_senders_take_turns_least_used_first_then_in_listed_order() -> None:
    # Given two senders and the counts of the day as e-mails go out one by one
    senders = [CLAIRE, MARC]
    counts: dict[str, int] = {}
    chosen = []
    for _ in range(4):
        # When each e-mail takes the first sender of the order, which then counts it
        first = turn_order(senders, counts)[0]
        counts[first.address] = counts.get(first.address, 0) + 1
        chosen.append(first.address)
    # Then they alternate, starting with the first listed
    assert chosen == [CLAIRE.address, MARC.address] * 2


def test_a_sender_at_its_limit_is_left_out_and_all_full_leaves_none() -> None:
    # Given one sender at its limit and another with room
    order = turn_order([CLAIRE, LINA], {CLAIRE.address: 2, LINA.address: 4})
    # Then only the one with room is tried
    assert _addresses(order) == [LINA.address]
    # And when both are full, none is
    assert turn_order([CLAIRE, LINA], {CLAIRE.address: 2, LINA.address: 5}) == []


def test_an_inactive_sender_is_never_tried() -> None:
    paused = MARC.model_copy(update={"active": False})
    assert _addresses(turn_order([paused, CLAIRE], {})) == [CLAIRE.address]


def test_a_thread_sender_is_the_only_one_tried_even_when_full() -> None:
    # Given a thread that started from Marc's address
    # Then its follow-up tries Marc only, though Claire has more room
    assert _addresses(turn_order([CLAIRE, MARC], {MARC.address: 1}, pinned=MARC.address)) == [MARC.address]
    # And when Marc is full, it waits rather than switch address
    assert turn_order([CLAIRE, MARC], {MARC.address: 2}, pinned=MARC.address) == []


def test_a_thread_whose_sender_left_the_list_takes_the_next_turn() -> None:
    # Given a thread from an address that was removed, or paused
    paused = MARC.model_copy(update={"active": False})
    # Then its follow-up goes from the next sender in turn
    assert _addresses(turn_order([CLAIRE, LINA], {}, pinned="old@bellepeau.fr")) == [
        CLAIRE.address,
        LINA.address,
    ]
    assert _addresses(turn_order([paused, CLAIRE], {}, pinned=MARC.address)) == [CLAIRE.address]


def test_checked_senders_normalise_addresses_and_refuse_duplicates() -> None:
    # Given senders typed with capitals and spaces
    checked = checked_senders([EmailSender(address=" Claire@BellePeau.fr "), MARC])
    # Then their addresses are normalised, the rest kept
    assert _addresses(checked) == ["claire@bellepeau.fr", MARC.address]
    assert checked[0].daily_limit == DEFAULT_SENDER_DAILY_LIMIT
    # And the same address twice, however written, is refused with its position
    with pytest.raises(SenderListError, match="listed twice") as duplicate:
        checked_senders([CLAIRE, MARC, EmailSender(address="CLAIRE@bellepeau.fr")])
    assert duplicate.value.index == 2
    # And an address that is not one is refused with its position
    with pytest.raises(SenderListError) as invalid:
        checked_senders([CLAIRE, EmailSender(address="not-an-address")])
    assert invalid.value.index == 1


def test_a_channel_set_with_one_sender_reads_as_a_list_of_one() -> None:
    # Given e-mail settings saved before lists of senders existed
    legacy = ChannelSettings(channel=Channel.EMAIL, sender="contact@bellepeau.fr", sender_name="Belle Peau")
    # Then they read as one sender with the default limit
    assert legacy.email_senders() == [
        EmailSender(address="contact@bellepeau.fr", name="Belle Peau", daily_limit=DEFAULT_SENDER_DAILY_LIMIT)
    ]
    # And SMS settings or a channel with no sender have none
    assert ChannelSettings(channel=Channel.SMS, sender="+33700000001").email_senders() == []
    assert ChannelSettings(channel=Channel.EMAIL).email_senders() == []
    # And a saved list is read as it is
    listed = ChannelSettings(channel=Channel.EMAIL, sender=CLAIRE.address, senders=[CLAIRE, MARC])
    assert listed.email_senders() == [CLAIRE, MARC]
