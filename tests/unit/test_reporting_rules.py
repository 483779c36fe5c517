"""The reporting rules: what each write counts, the median from a histogram, weeks, the best template."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from maxcore.dal.stats import in_transactions
from maxcore.models.activity import Activity, ActivityChannel, ActivityStatus, Direction
from maxcore.models.intent import ReplyKind
from maxcore.rules import reporting as rules

LEAD = "01JFVENTS0DEMA0000000000SM"
ACTIVITY = "01JFVENTS0DEMA0000000000AC"


def message(
    direction: Direction,
    at: datetime,
    *,
    channel: ActivityChannel = ActivityChannel.SMS,
    status: ActivityStatus = ActivityStatus.SENT,
    template_id: str | None = None,
) -> Activity:
    return Activity(
        id=ACTIVITY,
        lead_id=LEAD,
        channel=channel,
        direction=direction,
        status=status,
        occurred_at=at,
        metadata={} if template_id is None else {"template_id": template_id},
    )


# --- what a write counts ---------------------------------------------------------------------------
def test_a_message_sent_late_in_the_evening_counts_on_the_tenants_day_not_utcs() -> None:
    # Given an SMS sent at 23:30 UTC on 2 March, which is 00:30 on 3 March in Paris
    sent = message(Direction.OUT, datetime(2026, 3, 2, 23, 30, tzinfo=UTC), template_id="T1")

    # When its counts are read for a tenant in Paris, and for one in Montreal
    paris = rules.outbound_counts(sent, "Europe/Paris")
    montreal = rules.outbound_counts(sent, "America/Montreal")

    # Then each counts one send on its own day, and the template's send in that day's month
    assert [(d.day, d.channel, dict(d.facts)) for d in paris.days] == [(date(2026, 3, 3), "sms", {"sent": 1})]
    assert [d.day for d in montreal.days] == [date(2026, 3, 2)]
    assert [(t.month, t.template_id) for t in paris.templates] == [("2026-03", "T1")]
    assert [t.month for t in montreal.templates] == ["2026-03"]


def test_a_message_the_provider_refused_a_call_and_a_machines_reply_count_nothing() -> None:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    refused = message(Direction.OUT, at, status=ActivityStatus.FAILED)
    call = message(Direction.OUT, at, channel=ActivityChannel.CALL)
    automatic = message(Direction.IN, at)

    assert not rules.outbound_counts(refused, "Europe/Paris")
    assert not rules.outbound_counts(call, "Europe/Paris")
    assert not rules.inbound_counts(automatic, ReplyKind.AUTOMATIC, at, "Europe/Paris")


@pytest.mark.parametrize(
    ("kind", "facts"),
    [
        (ReplyKind.HOT, {"replied", "positive"}),
        (ReplyKind.NEUTRAL, {"replied"}),
        (ReplyKind.DECLINE, {"replied"}),
        (ReplyKind.OPT_OUT, {"unsubscribed"}),
        (ReplyKind.OUT_OF_OFFICE, {"out_of_office"}),
    ],
)
def test_a_reply_counts_by_what_it_does(kind: ReplyKind, facts: set[str]) -> None:
    reply = message(Direction.IN, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    (day,) = rules.inbound_counts(reply, kind, None, "Europe/Paris").days

    assert set(day.facts) == facts


def test_a_persons_reply_puts_its_wait_in_the_histogram_and_a_positive_one_counts_for_its_template() -> None:
    # Given our SMS at 09:00 and a positive reply at 10:30 (an hour and a half later)
    sent_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    reply = message(Direction.IN, sent_at + timedelta(minutes=90))

    # When it is counted
    counts = rules.inbound_counts(reply, ReplyKind.HOT, sent_at, "Europe/Paris", answered_template="T1")

    # Then the wait falls in the bucket "up to 2 hours", and the template gets a positive reply
    (day,) = counts.days
    bucket = rules.REPLY_TIME_BOUNDS.index(7200)
    assert day.facts[rules.reply_time_field(bucket)] == 1
    assert [(t.template_id, dict(t.facts)) for t in counts.templates] == [("T1", {"positive": 1})]


def test_an_opt_out_has_no_time_to_reply_and_gives_no_template_a_positive_reply() -> None:
    sent_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    reply = message(Direction.IN, sent_at + timedelta(minutes=5))

    counts = rules.inbound_counts(reply, ReplyKind.OPT_OUT, sent_at, "Europe/Paris", answered_template="T1")

    (day,) = counts.days
    assert dict(day.facts) == {"unsubscribed": 1}
    assert counts.templates == ()


@pytest.mark.parametrize(
    ("seconds", "bucket"), [(-3, 0), (0, 0), (300, 0), (301, 1), (86_400, 8), (20_160 * 60 + 1, 13)]
)
def test_reply_time_buckets_include_their_upper_bound(seconds: float, bucket: int) -> None:
    assert rules.reply_time_bucket(seconds) == bucket


# --- status moves --------------------------------------------------------------------------------
def test_a_read_report_tried_from_the_statuses_before_delivery_first_counts_delivery_with_the_read() -> None:
    # Given a "read" report, which may replace unconfirmed, queued, sent or delivered
    allowed = ("unconfirmed", "queued", "sent", "delivered")

    # When its moves are grouped by what they count
    steps = rules.status_steps(ActivityStatus.READ, allowed)

    # Then from before delivery it counts delivered and read, from delivered the read alone
    assert [(set(s.from_statuses), set(s.facts)) for s in steps] == [
        ({"unconfirmed", "queued", "sent"}, {"delivered", "read"}),
        ({"delivered"}, {"read"}),
    ]


def test_a_bounce_counts_a_bounce_from_any_status_it_may_replace() -> None:
    steps = rules.status_steps(ActivityStatus.BOUNCED, ("queued", "sent", "delivered"))

    assert [set(s.facts) for s in steps] == [{"bounced"}]


def test_a_status_move_counts_on_the_day_the_message_was_sent() -> None:
    sent_at = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)

    counts = rules.status_counts(frozenset({"delivered"}), sent_at, "email", "Europe/Paris")

    assert [(d.day, d.channel) for d in counts.days] == [(date(2026, 3, 3), "email")]


# --- reading the counters ----------------------------------------------------------------------------
def test_the_median_is_the_bound_of_the_bucket_that_holds_the_middle_reply() -> None:
    histogram = [0] * rules.REPLY_TIME_BUCKETS
    histogram[0], histogram[3], histogram[9] = 2, 1, 2  # 5 replies: the 3rd is in "up to 1 hour"

    assert rules.median_reply_seconds(histogram) == 3600


def test_an_even_number_of_replies_takes_the_lower_middle_and_none_has_no_median() -> None:
    histogram = [0] * rules.REPLY_TIME_BUCKETS
    histogram[1], histogram[4] = 1, 1

    assert rules.median_reply_seconds(histogram) == 900
    assert rules.median_reply_seconds([0] * rules.REPLY_TIME_BUCKETS) is None


def test_replies_beyond_two_weeks_answer_with_the_last_bound() -> None:
    histogram = [0] * rules.REPLY_TIME_BUCKETS
    histogram[-1] = 3

    assert rules.median_reply_seconds(histogram) == rules.REPLY_TIME_BOUNDS[-1]


def test_channels_add_up_their_days_and_read_their_rates() -> None:
    days = [
        ("sms", {"sent": 3, "replied": 1, "rt0": 1}),
        ("email", {"sent": 4, "delivered": 4, "read": 2}),
        ("sms", {"sent": 1, "replied": 1, "rt2": 1, "converted": 1}),
    ]

    email, sms = (rules.channel_stats(t) for t in rules.tally_channels(days))

    assert (sms.channel, sms.sent, sms.replied, sms.reply_rate, sms.conversions) == ("sms", 4, 2, 0.5, 1)
    assert sms.median_reply_seconds == 300
    assert (email.delivered, email.read, email.reply_rate, email.median_reply_seconds) == (4, 2, 0.0, None)


@pytest.mark.parametrize(
    ("today", "monday"),
    [(date(2026, 11, 16), date(2026, 11, 16)), (date(2026, 11, 22), date(2026, 11, 16))],
)
def test_a_week_starts_on_monday(today: date, monday: date) -> None:
    assert rules.week_start(today) == monday


def test_this_week_is_compared_with_last_week_whole_and_to_the_same_weekday() -> None:
    # Given a Wednesday, two sends a day last week and three a day this week
    today = date(2026, 11, 18)
    last_monday = date(2026, 11, 9)
    sent = {last_monday + timedelta(days=n): 2 for n in range(7)}
    sent |= {date(2026, 11, 16) + timedelta(days=n): 3 for n in range(3)}
    sent[date(2026, 11, 8)] = 50  # the Sunday before last week: counted nowhere

    # When the weeks are compared
    weeks = rules.week_messages(sent, today)

    # Then this week has 9, last week 14 in all and 6 by its Wednesday: half as many again
    assert (weeks.this_week, weeks.last_week, weeks.last_week_to_date, weeks.change) == (9, 14, 6, 0.5)


def test_a_first_week_has_nothing_to_compare_with() -> None:
    weeks = rules.week_messages({date(2026, 11, 16): 4}, date(2026, 11, 16))

    assert (weeks.this_week, weeks.last_week, weeks.change) == (4, 0, None)


def test_the_tenants_day_at_midnight_in_its_own_time_zone() -> None:
    at = datetime(2026, 11, 15, 23, 30, tzinfo=UTC)  # a Sunday in UTC, Monday 00:30 in Paris

    assert rules.week_start(rules.tenant_day(at, "Europe/Paris")) == date(2026, 11, 16)
    assert rules.week_start(rules.tenant_day(at, "UTC")) == date(2026, 11, 9)


def test_the_best_template_has_the_best_positive_rate_among_those_sent_enough() -> None:
    months = [
        rules.TemplateMonth("SMALL", sent=5, positive=4),  # 80 %, too few to tell
        rules.TemplateMonth("A", sent=40, positive=6),  # 15 %
        rules.TemplateMonth("B", sent=20, positive=4),  # 20 %
        rules.TemplateMonth("C", sent=60, positive=12),  # 20 %, sent more: wins the tie
    ]

    best = rules.best_template(months, min_sent=20)

    assert best is not None
    assert best.template_id == "C"
    assert rules.best_template(months[:1], min_sent=20) is None


# --- counting a lead's history again (the backfill) ------------------------------------------------
CUTOVER = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def day_facts(counts: rules.Counts) -> dict[tuple[date, str], dict[str, int]]:
    return {(d.day, d.channel): dict(d.facts) for d in counts.days}


def test_a_history_counts_what_each_write_counted_a_reply_its_wait_and_template_a_conversion() -> None:
    # Given an SMS from a template, delivered, a hot reply 20 minutes later, and the lead converted
    sent_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    sent = message(Direction.OUT, sent_at, status=ActivityStatus.DELIVERED, template_id="T1")
    sent = sent.model_copy(update={"status_updated_at": sent_at + timedelta(minutes=1)})
    reply = message(Direction.IN, sent_at + timedelta(minutes=20)).model_copy(
        update={"metadata": {"reply_kind": "hot"}}
    )
    converted_at = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)

    # When the history is counted back
    counts = rules.history_counts([sent, reply], converted_at, CUTOVER, "Europe/Paris")

    # Then it is what the writes counted, added up per counter
    wait = rules.reply_time_field(rules.reply_time_bucket(20 * 60))
    assert day_facts(counts) == {
        (date(2026, 3, 2), "sms"): {"sent": 1, "delivered": 1, "replied": 1, "positive": 1, wait: 1},
        (date(2026, 3, 4), "sms"): {"converted": 1},
    }
    assert [(t.month, t.template_id, dict(t.facts)) for t in counts.templates] == [
        ("2026-03", "T1", {"sent": 1, "positive": 1})
    ]


def test_a_history_leaves_to_the_write_paths_what_they_counted_after_the_cutover() -> None:
    # Given a message sent before the cut-over and delivered after it, and a lead converted (last
    # changed) after it
    sent_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    delivered_later = message(Direction.OUT, sent_at, status=ActivityStatus.READ).model_copy(
        update={"status_updated_at": CUTOVER + timedelta(hours=1)}
    )

    # When the history is counted back
    counts = rules.history_counts([delivered_later], CUTOVER + timedelta(days=1), CUTOVER, "Europe/Paris")

    # Then only the send counts: its rungs and the conversion are the write paths'
    assert day_facts(counts) == {(date(2026, 3, 2), "sms"): {"sent": 1}}


def test_a_positive_reply_a_month_after_our_message_counts_for_no_template() -> None:
    sent_at = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    sent = message(Direction.OUT, sent_at, template_id="T1")
    late = sent_at + rules.ANSWERED_WITHIN + timedelta(days=1)
    reply = message(Direction.IN, late).model_copy(update={"metadata": {"reply_kind": "hot"}})

    counts = rules.history_counts([sent, reply], None, CUTOVER, "Europe/Paris")

    assert [(t.template_id, dict(t.facts)) for t in counts.templates] == [("T1", {"sent": 1})]


def test_counts_add_up_per_counter_and_cut_into_transactions_in_a_stable_order() -> None:
    # Given 30 days of one send each, a template's two sends and a campaign's delivery
    first = date(2026, 3, 1)
    parts = [
        rules.Counts((rules.DayCount(first + timedelta(days=n), "sms", {"sent": 1}),)) for n in range(30)
    ]
    parts.append(rules.Counts((rules.DayCount(first, "sms", {"sent": 2, "delivered": 1}),)))
    parts += [rules.Counts(templates=(rules.TemplateCount("2026-03", "T1", {"sent": 1}),))] * 2
    parts.append(rules.Counts(campaigns=(rules.CampaignCount("C1", {"delivered": 1}),)))

    # When they are added up, then cut into transactions of 24 counters
    total = rules.merged(parts)
    chunks = in_transactions(total)

    # Then each counter appears once with its sum, and the chunks hold every counter once
    assert len(total.days) == 30
    assert dict(total.days[0].facts) == {"sent": 3, "delivered": 1}
    assert [dict(t.facts) for t in total.templates] == [{"sent": 2}]
    assert [len(c.days) + len(c.templates) + len(c.campaigns) for c in chunks] == [24, 8]
    assert rules.merged(chunks) == total
