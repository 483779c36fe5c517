"""Template rules: placeholders, what a draft may hold, what activation needs, rendering (pure)."""

from __future__ import annotations

import pytest

from maxcore.models.common import Channel
from maxcore.models.template import Problem, TemplateContent
from maxcore.rules.templates import (
    BUILTIN_VARIABLES,
    HARD_LIMITS,
    WHATSAPP_MAX_BODY,
    activation_problems,
    content_problems,
    lead_values,
    malformed_placeholders,
    placeholder_names,
    placeholders,
    render,
    sms_estimate,
    tenant_values,
    unsendable,
)


def _content(body: str = "Hello", **fields: object) -> TemplateContent:
    return TemplateContent.model_validate({"body": body, **fields})


def _codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def _email(**fields: object) -> TemplateContent:
    return TemplateContent.model_validate({"subject": "Hello {{firstName}}", "body": "Hi"} | fields)


# --- placeholders -------------------------------------------------------------------------------
def test_placeholders_read_names_and_fallbacks_in_order() -> None:
    found = placeholders("Hi {{firstName|there}}, {{ company }} and {{appointmentDate|}} {{x_1}}")
    assert [(p.name, p.fallback) for p in found] == [
        ("firstName", "there"),
        ("company", None),
        ("appointmentDate", ""),
        ("x_1", None),
    ]
    assert found[0].text == "{{firstName|there}}"
    assert placeholders(None) == []
    assert placeholders("no placeholder, {single} braces") == []


def test_placeholder_names_are_distinct_across_subject_body_and_html_in_first_use_order() -> None:
    content = _content(
        subject="{{companyName}}: {{firstName}}",
        body="{{firstName|there}} {{calendarLink}} {{companyName}}",
        html='<a href="{{calendarLink}}">{{lastName}}</a>',
        variables=["calendarLink"],
    )
    assert placeholder_names(content) == ["companyName", "firstName", "calendarLink", "lastName"]


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("Hi {{first name}}", ["{{first name}}"]),
        ("Hi {{x", ["{{x"]),
        ("Hi {{firstName", ["{{firstName"]),
        ("Hi }} there", ["}}"]),
        ("Hi {{1abc}}", ["{{1abc}}"]),
        ("Hi {{a-b}}", ["{{a-b}}"]),
        ("Hi {{}}", ["{{}}"]),
        ("Hi {{firstName|a{b}}", ["{{firstName|a{b}}"]),
        ("Hi {{firstName}} and {{ company }} and {{firstName|}}", []),
        ("Prices {from 10 €}", []),
    ],
)
def test_malformed_placeholders_are_found(text: str, fragments: list[str]) -> None:
    assert malformed_placeholders(text) == fragments


@pytest.mark.parametrize("text", ["Hi {{first name}}", "Hi {{x", "Hi {{firstName}"])
def test_a_malformed_placeholder_is_a_content_problem_naming_the_fragment(text: str) -> None:
    problems = content_problems(Channel.SMS, _content(text))
    assert _codes(problems) == ["malformed_placeholder"]
    assert problems[0].field == "body"
    assert problems[0].details["fragment"] in text


# --- variables ----------------------------------------------------------------------------------
def test_lead_and_tenant_fields_are_known_variables() -> None:
    assert {"firstName", "lastName", "fullName", "company", "email", "phone", "companyName"} == (
        BUILTIN_VARIABLES
    )
    body = " ".join(f"{{{{{name}}}}}" for name in sorted(BUILTIN_VARIABLES))
    assert content_problems(Channel.SMS, _content(body)) == []


def test_an_unknown_variable_is_named_once_per_field() -> None:
    content = _email(
        subject="Your visit on {{appointmentDate}}",
        body="{{appointmentDate}} at {{appointmentTime|noon}}, {{appointmentDate}}",
    )
    problems = content_problems(Channel.EMAIL, content)
    assert [(p.code, p.field, p.details["variable"]) for p in problems] == [
        ("unknown_variable", "subject", "appointmentDate"),
        ("unknown_variable", "body", "appointmentDate"),
        ("unknown_variable", "body", "appointmentTime"),
    ]
    assert "{{appointmentDate}}" in problems[0].message


def test_a_declared_variable_is_known_with_or_without_fallback() -> None:
    content = _content("{{appointmentDate}} at {{appointmentTime|noon}}", variables=["appointmentDate"])
    assert [p.details["variable"] for p in content_problems(Channel.SMS, content)] == ["appointmentTime"]
    declared = content.model_copy(update={"variables": ["appointmentDate", "appointmentTime"]})
    assert content_problems(Channel.SMS, declared) == []


def test_variables_are_case_sensitive() -> None:
    problems = content_problems(Channel.SMS, _content("Hi {{firstname}}"))
    assert [(p.code, p.details["variable"]) for p in problems] == [("unknown_variable", "firstname")]


def test_declaring_a_lead_or_tenant_field_is_a_reserved_variable() -> None:
    problems = content_problems(
        Channel.SMS, _content("Hi", variables=["promoCode", "firstName", "companyName"])
    )
    assert _codes(problems) == ["reserved_variable"]
    assert problems[0].details["variables"] == ["companyName", "firstName"]


# --- what a channel may hold --------------------------------------------------------------------
@pytest.mark.parametrize("channel", [Channel.SMS, Channel.WHATSAPP, Channel.TELEGRAM])
def test_subject_and_html_are_for_email_only(channel: Channel) -> None:
    problems = content_problems(channel, _content("Hi", subject="Subject", html="<p>Hi</p>"))
    assert [(p.code, p.field) for p in problems] == [
        ("not_for_channel", "subject"),
        ("not_for_channel", "html"),
    ]
    assert problems[0].details["channel"] == channel.value
    assert content_problems(Channel.EMAIL, _content("Hi", subject="Subject", html="<p>Hi</p>")) == []


@pytest.mark.parametrize(
    ("channel", "limit"),
    [(Channel.SMS, 1600), (Channel.WHATSAPP, 4096), (Channel.TELEGRAM, 4096), (Channel.EMAIL, 50_000)],
)
def test_a_body_over_the_channel_hard_limit_cannot_be_saved(channel: Channel, limit: int) -> None:
    assert HARD_LIMITS[channel] == limit
    subject = "S" if channel is Channel.EMAIL else None
    assert content_problems(channel, _content("a" * limit, subject=subject)) == []
    problems = content_problems(channel, _content("a" * (limit + 1), subject=subject))
    assert _codes(problems) == ["too_long"]
    assert problems[0].details == {"length": limit + 1, "limit": limit}


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("<p>Hi</p><script>alert(1)</script>", "<script>"),
        ('<img src="x.png" onerror="alert(1)">', "onerror on <img>"),
        ('<a href="javascript:alert(1)">go</a>', "javascript: in href of <a>"),
        ('<a href=" JaVaScRiPt:alert(1)">go</a>', "javascript: in href of <a>"),
    ],
)
def test_unsafe_html_is_a_content_problem(html: str, detail: str) -> None:
    problems = content_problems(Channel.EMAIL, _email(html=html))
    assert _codes(problems) == ["unsafe_html"]
    assert problems[0].field == "html"
    assert detail in [p["detail"] for p in problems[0].details["problems"]]


def test_safe_email_html_with_placeholders_in_attributes_is_accepted() -> None:
    html = (
        '<table role="presentation" style="width:100%"><tr><td>'
        '<a href="{{calendarLink}}" style="color:#fff">{{firstName|there}}</a></td></tr></table>'
    )
    assert content_problems(Channel.EMAIL, _email(html=html, variables=["calendarLink"])) == []


# --- activation ---------------------------------------------------------------------------------
def test_a_valid_draft_of_each_channel_has_no_activation_problem() -> None:
    assert activation_problems(Channel.SMS, _content("Hi {{firstName|there}}, see you!")) == []
    assert activation_problems(Channel.WHATSAPP, _content("Hi {{firstName}}")) == []
    assert activation_problems(Channel.TELEGRAM, _content("a" * 4096)) == []
    assert activation_problems(Channel.EMAIL, _email(html="<p>Hi</p>")) == []


def test_an_email_needs_a_subject_to_activate_not_to_be_saved() -> None:
    content = _content("Hi {{firstName}}", html="<p>Hi</p>")
    assert content_problems(Channel.EMAIL, content) == []
    problems = activation_problems(Channel.EMAIL, content)
    assert [(p.code, p.field) for p in problems] == [("subject_required", "subject")]


def test_activation_repeats_the_content_problems() -> None:
    problems = activation_problems(Channel.EMAIL, _email(body="{{promoCode}}"))
    assert _codes(problems) == ["unknown_variable"]


@pytest.mark.parametrize(
    ("body", "segments", "encoding"),
    [
        ("a" * 1530, 10, "GSM-7"),
        ("a" * 1531, 11, "GSM-7"),
        ("ç" * 670, 10, "UCS-2"),
        ("ç" * 671, 11, "UCS-2"),
        # A variable without fallback counts 10 characters, one with a fallback counts its fallback.
        ("a" * 1520 + "{{firstName}}", 10, "GSM-7"),
        ("a" * 1521 + "{{firstName}}", 11, "GSM-7"),
        ("a" * 1528 + "{{firstName|Jo}}", 10, "GSM-7"),
        ("a" * 1529 + "{{firstName|Jo}}", 11, "GSM-7"),
        ("a" * 1528 + "{{firstName|Zoë}}", 23, "UCS-2"),
    ],
)
def test_an_sms_activates_up_to_10_segments(body: str, segments: int, encoding: str) -> None:
    report = sms_estimate(body)
    assert (report.segments, report.encoding.value) == (segments, encoding)
    assert content_problems(Channel.SMS, _content(body)) == []  # always savable as a draft
    problems = activation_problems(Channel.SMS, _content(body))
    if segments <= 10:
        assert problems == []
    else:
        assert _codes(problems) == ["too_many_segments"]
        assert problems[0].details == {"segments": segments, "encoding": encoding, "limit": 10}


def test_sms_estimate_reports_the_characters_that_force_ucs2() -> None:
    report = sms_estimate("Bonjour {{firstName}}, ça va ? 😀")
    assert report.encoding.value == "UCS-2"
    assert report.non_gsm_characters == ("ç", "😀")
    assert sms_estimate("Bonjour {{firstName|Hélène}}, à demain").encoding.value == "GSM-7"


def test_a_whatsapp_body_activates_up_to_1024_characters() -> None:
    assert WHATSAPP_MAX_BODY == 1024
    assert activation_problems(Channel.WHATSAPP, _content("a" * 1024)) == []
    longer = _content("a" * 1025)
    assert content_problems(Channel.WHATSAPP, longer) == []
    problems = activation_problems(Channel.WHATSAPP, longer)
    assert [(p.code, p.details["length"], p.details["limit"]) for p in problems] == [("too_long", 1025, 1024)]


# --- rendering ----------------------------------------------------------------------------------
def test_render_fills_values_then_fallbacks_and_reports_what_is_missing() -> None:
    content = _content(
        "Hi {{firstName|there}} from {{companyName}}, {{appointmentDate}} {{firstName|there}}",
        subject="{{company|your company}}: {{appointmentDate}}",
        variables=["appointmentDate"],
    )
    rendered = render(content, {"companyName": "Bella", "firstName": "   "})
    assert rendered.body == "Hi there from Bella,  there"
    assert rendered.subject == "your company: "
    assert rendered.html is None
    assert rendered.fallbacks == ["company", "firstName"]
    assert rendered.missing == ["appointmentDate"]
    full = render(
        content, {"companyName": "Bella", "firstName": "Léa", "company": "ACME", "appointmentDate": "1/4"}
    )
    assert (full.subject, full.body) == ("ACME: 1/4", "Hi Léa from Bella, 1/4 Léa")
    assert (full.fallbacks, full.missing) == ([], [])


def test_render_escapes_values_in_html_only() -> None:
    content = _content(
        "Hi {{firstName}} of {{company|<none>}}",
        subject="{{firstName}}",
        html='<p>Hi {{firstName}} of {{company|<none>}}</p><a href="{{calendarLink}}">x</a>',
        variables=["calendarLink"],
    )
    values = {"firstName": '<b>Jo</b> & "Co"', "calendarLink": 'https://cal.example/?a=1&b="2"'}
    rendered = render(content, values)
    assert rendered.subject == '<b>Jo</b> & "Co"'
    assert rendered.body == 'Hi <b>Jo</b> & "Co" of <none>'
    assert rendered.html == (
        "<p>Hi &lt;b&gt;Jo&lt;/b&gt; &amp; &quot;Co&quot; of &lt;none&gt;</p>"
        '<a href="https://cal.example/?a=1&amp;b=&quot;2&quot;">x</a>'
    )


def test_a_value_that_looks_like_a_placeholder_is_inserted_as_it_is() -> None:
    rendered = render(_content("Hi {{firstName}}"), {"firstName": "{{email}}", "email": "a@b.c"})
    assert rendered.body == "Hi {{email}}"


def test_lead_values_map_the_lead_fields_and_leave_empty_ones_out() -> None:
    lead = {
        "first_name": "Hélène",
        "last_name": "Dupont",
        "company": "Bella",
        "email": "helene@example.fr",
        "phone": "+33612345678",
        "notes": "ignored",
    }
    assert lead_values(lead) == {
        "firstName": "Hélène",
        "lastName": "Dupont",
        "fullName": "Hélène Dupont",
        "company": "Bella",
        "email": "helene@example.fr",
        "phone": "+33612345678",
    }
    assert lead_values({"first_name": None, "last_name": "Dupont", "company": ""}) == {
        "lastName": "Dupont",
        "fullName": "Dupont",
    }
    assert lead_values({"email": "x@example.com"}) == {"email": "x@example.com"}


def test_tenant_values_give_the_company_name() -> None:
    assert tenant_values({"name": "Institut Belle Peau", "locale": "fr"}) == {
        "companyName": "Institut Belle Peau"
    }
    assert tenant_values({"name": ""}) == {}


def test_nested_css_blocks_in_email_html_are_not_taken_for_placeholders() -> None:
    html = "<style>@media (max-width:600px){.card{width:100%}}</style><p>Bonjour {{firstName|}}</p>"
    content = TemplateContent(subject="Bonjour", body="Bonjour", html=html)

    assert content_problems(Channel.EMAIL, content) == []
    # The same closing braces in a text body are still a stray fragment
    assert malformed_placeholders("Bonjour }} a bientot") == ["}}"]


# --- what may leave ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("channel", "body", "subject", "problem"),
    [
        (Channel.SMS, "Bonjour Camille, un appel demain ?", None, None),
        (Channel.EMAIL, "Bonjour Camille,\n\nÀ bientôt", "Une proposition claire", None),
        (Channel.SMS, "Bonjour {{firstName}}, un appel demain ?", None, "placeholder_left"),
        (Channel.EMAIL, "Bonjour Camille", "Votre devis {{quoteReference}}", "placeholder_left"),
        (Channel.TELEGRAM, "Bonjour }} Camille", None, "placeholder_left"),
        (Channel.EMAIL, "Bonjour Camille", None, "subject"),
        (Channel.EMAIL, "Bonjour Camille", "x" * 201, "subject"),
        (Channel.SMS, "a" * 153 * 11, None, "too_many_segments"),
        (Channel.WHATSAPP, "a" * 4097, None, "too_long"),
        (Channel.EMAIL, "a" * 4001, "Objet", "too_long"),
    ],
)
def test_a_written_message_goes_only_when_complete_and_within_its_channel(
    channel: Channel, body: str, subject: str | None, problem: str | None
) -> None:
    assert unsendable(channel, body, subject, locale="fr") == problem


def test_an_sms_of_the_most_segments_allowed_may_go() -> None:
    assert unsendable(Channel.SMS, "a" * 153 * 10, None, locale="fr") is None
