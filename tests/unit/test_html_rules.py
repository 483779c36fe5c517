"""Safety check of e-mail HTML."""

from __future__ import annotations

import pytest

from maxcore.rules.html import HtmlProblem, check_html, describe

NEWSLETTER = """\
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
  "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml"
  xmlns:o="urn:schemas-microsoft-com:office:office">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <meta http-equiv="X-UA-Compatible" content="IE=edge">
  <title>Nos nouveautés de juin &amp; l'offre d'été</title>
  <!--[if mso]>
  <noscript><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch>
  </o:OfficeDocumentSettings></xml></noscript>
  <![endif]-->
  <style type="text/css">
    <!--
    body { margin: 0; padding: 0; background-color: #f4f4f4; font-family: Arial, sans-serif; }
    a[x-apple-data-detectors] { color: inherit !important; text-decoration: none !important; }
    .button a { padding: 12px 24px; background: url('https://cdn.example.com/bg.png') no-repeat; }
    @media only screen and (max-width: 600px) { .container { width: 100% !important; } }
    -->
  </style>
</head>
<body style="margin:0; padding:0;">
  <!--[if !mso]><!-->
  <div style="display:none; max-height:0; overflow:hidden;">Aperçu : -20 % jusqu'à dimanche</div>
  <!--<![endif]-->
  <center>
  <table role="presentation" class="container" width="600" cellpadding="0" cellspacing="0"
    border="0" align="center" bgcolor="#ffffff" background="https://cdn.example.com/bg.jpg">
    <tr>
      <td align="center" style="padding: 20px 0;">
        <a href="https://www.example.com/?utm_source=newsletter&amp;utm_medium=email" target="_blank">
          <img src="https://cdn.example.com/logo.png" alt="Example &mdash; logo" width="180"
            srcset="https://cdn.example.com/logo.png 1x, https://cdn.example.com/logo@2x.png 2x"
            height="40" style="display:block; border:0;" />
        </a>
      </td>
    </tr>
    <tr>
      <td style="padding: 0 30px; color: #333333; font-size: 16px; line-height: 24px;">
        <h1 style="font-size:24px;">Bonjour {{first_name}},</h1>
        <p>Découvrez nos offres : prix &lt; 50&nbsp;€ &amp; livraison offerte, 5 < 6.<br>
        Une question ? Écrivez-nous à
        <a href="mailto:contact@example.com?subject=Question">contact@example.com</a>
        ou appelez le <a href="tel:+33612345678">06 12 34 56 78</a>.</p>
        <!--[if mso]><v:roundrect href="https://www.example.com/offre" arcsize="10%"
          style="height:40px;v-text-anchor:middle;width:200px;" fillcolor="#e63946">
          <w:anchorlock/><center>J'en profite</center></v:roundrect><![endif]-->
        <table role="presentation" cellpadding="0" cellspacing="0"><tr><td class="button">
          <a href="https://www.example.com/offre" style="color:#ffffff;">J'en profite&nbsp;&rarr;</a>
        </td></tr></table>
        <img src="data:image/png;base64,iVBORw0KGgo=" width="1" height="1" alt="">
        <p>Lisez notre article « JavaScript: the good parts » et &lt;script&gt; expliqué.</p>
      </td>
    </tr>
    <tr>
      <td style="font-size:12px; color:#999999;">
        &copy; 2026 Example SAS &middot; <a href="{{unsubscribe_url}}">Se désinscrire</a>
        &middot; <a href="#top" title="javascript: non merci">Haut de page</a>
      </td>
    </tr>
  </table>
  </center>
</body>
</html>
"""


def test_a_realistic_newsletter_passes() -> None:
    assert check_html(NEWSLETTER) == []


@pytest.mark.parametrize(
    "html",
    [
        "",
        "Bonjour, à bientôt !",
        "<p>Hello <b>world</b></p>",
        '<a href="https://example.com">x</a> <a href="mailto:a@b.fr">y</a> <a href="tel:+33612345678">z</a>',
        '<a href="/relative/path?q=1#frag">x</a>',
        '<img src="https://cdn.example.com/a.png" alt="">',
        "<p style=\"color: red; font-family: 'Comic Sans MS'\">x</p>",
        "<style>@media (max-width: 600px) { td { display: block } }</style>",
        '<meta http-equiv="Content-Type" content="text/html">',
        '<div><span title="onclick">x</span></div>',
        "<details open><summary>x</summary></details>",
        "<p>a < b, c > d</p>",
    ],
)
def test_safe_html_passes(html: str) -> None:
    assert check_html(html) == []


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "<script>"),
        ("<svg><script>alert(1)</script></svg>", "<script>"),
        ("<svg:script>alert(1)</svg:script>", "<svg:script>"),
        ('<iframe src="https://example.com"></iframe>', "<iframe>"),
        ('<frameset><frame src="a.html"></frameset>', "<frameset>"),
        ('<object data="x.swf"></object>', "<object>"),
        ('<embed src="x.swf">', "<embed>"),
        ('<applet code="X.class"></applet>', "<applet>"),
        ('<base href="https://evil.example/">', "<base>"),
        ('<form action="https://evil.example/"></form>', "<form>"),
        ('<input type="password" name="p">', "<input>"),
        ("<button>OK</button>", "<button>"),
        ("<textarea>x</textarea>", "<textarea>"),
        ("<select><option>1</option></select>", "<select>"),
        ('<link rel="stylesheet" href="https://evil.example/a.css">', "<link>"),
        ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "<meta http-equiv=refresh>"),
        ('<meta HTTP-EQUIV=" Refresh " content="5">', "<meta http-equiv=refresh>"),
    ],
)
def test_forbidden_elements_are_named(html: str, detail: str) -> None:
    problems = check_html(html)
    assert problems[0] == HtmlProblem("forbidden_element", detail, 1)


def test_every_problem_is_reported_with_its_line_in_document_order() -> None:
    html = (
        "<table>\n"
        "  <tr><td>Hello</td></tr>\n"
        "  <script>track()</script>\n"
        "</table>\n"
        '<a href="https://example.com" onclick="steal()">x</a>\n'
        '<img\n  src="x.png"\n  onerror="steal()">\n'
    )
    assert check_html(html) == [
        HtmlProblem("forbidden_element", "<script>", 3),
        HtmlProblem("event_handler_attribute", "onclick on <a>", 5),
        HtmlProblem("event_handler_attribute", "onerror on <img>", 6),
    ]


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ('<a href="#" onclick="x()">', "onclick on <a>"),
        ("<img src=x onerror=alert(1)>", "onerror on <img>"),
        ("<body onload=init()>", "onload on <body>"),
        ("<div ONMOUSEOVER='x()'>", "onmouseover on <div>"),
        ("<svg/onload=alert(1)>", "onload on <svg>"),
        ("<img/onerror=alert(1) src=x>", "onerror on <img>"),
        ("<a href='x'onfocus=alert(1) autofocus>", "onfocus on <a>"),
    ],
)
def test_event_handlers_are_named(html: str, detail: str) -> None:
    assert check_html(html) == [HtmlProblem("event_handler_attribute", detail, 1)]


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ('<a href="javascript:alert(1)">x</a>', "javascript: in href of <a>"),
        ("<a href=javascript:alert(1)>x</a>", "javascript: in href of <a>"),
        ('<a href=" JAVASCRIPT:alert(1)">x</a>', "javascript: in href of <a>"),
        ('<a href="jav\tascript:alert(1)">x</a>', "javascript: in href of <a>"),
        ('<a href="java\nscript:alert(1)">x</a>', "javascript: in href of <a>"),
        ('<a href="\x01javascript:alert(1)">x</a>', "javascript: in href of <a>"),
        ('<a href="&#106;avascript:alert(1)">x</a>', "javascript: in href of <a>"),
        ('<a href="&#x6A;avascript:alert(1)">x</a>', "javascript: in href of <a>"),
        ('<a href="&#0000106&#0000097vascript:alert(1)">x</a>', "javascript: in href of <a>"),
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', "javascript: in href of <a>"),
        ('<a href="javascript&colon;alert(1)">x</a>', "javascript: in href of <a>"),
        ('<a href=" &#14; javascript:alert(1)">x</a>', "javascript: in href of <a>"),
        ('<img src="javascript:alert(1)">', "javascript: in src of <img>"),
        ('<a href="vbscript:msgbox(1)">x</a>', "vbscript: in href of <a>"),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data:text/html in href of <a>"),
        ('<a href="DATA:Text/HTML;base64,PHNjcmlwdD4=">x</a>', "data:text/html in href of <a>"),
        ('<td background="javascript:alert(1)">', "javascript: in background of <td>"),
        ('<video poster="javascript:alert(1)">', "javascript: in poster of <video>"),
        ('<svg><a xlink:href="javascript:alert(1)">x</a></svg>', "javascript: in xlink:href of <a>"),
        ('<img srcset="a.png 1x, javascript:alert(1) 2x">', "javascript: in srcset of <img>"),
    ],
)
def test_script_urls_are_detected_however_written(html: str, detail: str) -> None:
    assert check_html(html) == [HtmlProblem("dangerous_url", detail, 1)]


def test_a_url_attribute_of_a_forbidden_element_is_reported_too() -> None:
    problems = check_html('<form action="javascript:alert(1)"></form>')
    assert [p.detail for p in problems] == ["<form>", "javascript: in action of <form>"]


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ('<div style="width: expression(alert(1))">', "expression( in style of <div>"),
        ('<div style="width: EXPRESSION (alert(1))">', "expression( in style of <div>"),
        ('<div style="width: ex/**/pression(alert(1))">', "expression( in style of <div>"),
        ('<div style="width: \\65 xpression(alert(1))">', "expression( in style of <div>"),
        ('<div style="background: url(javascript:alert(1))">', "javascript: in style of <div>"),
        ('<div style="background: url(&#106;avascript:alert(1))">', "javascript: in style of <div>"),
        ("<style>p { width: expression(alert(1)) }</style>", "expression( in <style>"),
        ("<style>p { background: url('javascript:alert(1)') }</style>", "javascript: in <style>"),
    ],
)
def test_script_in_css_is_detected(html: str, detail: str) -> None:
    assert check_html(html) == [HtmlProblem("dangerous_url", detail, 1)]


def test_a_style_block_problem_is_located_on_its_line() -> None:
    html = "<html>\n<style>\nbody { margin: 0 }\np { width: expression(alert(1)) }\n</style>\n</html>"
    assert check_html(html) == [HtmlProblem("dangerous_url", "expression( in <style>", 4)]


@pytest.mark.parametrize(
    "html",
    [
        # Markup a browser and HTMLParser might read differently is checked both ways.
        '<!--<img src="--><img src=x onerror=alert(1)//">',
        "<!--><img src=x onerror=alert(1)>-->",
        "<![CDATA[><img src=x onerror=alert(1)>]]>",
        '<title><a title="</title><img src=x onerror=alert(1)>"></title>',
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
        "<svg><style><img src=x onerror=alert(1)></style></svg>",
    ],
)
def test_handlers_hidden_from_a_naive_parse_are_found(html: str) -> None:
    assert HtmlProblem("event_handler_attribute", "onerror on <img>", 1) in check_html(html)


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("<p>x</p><img src=x onerror=alert(1)", "unterminated markup at end of input"),
        ("<style>p { color: red }", "unclosed <style>"),
        ("<p>x</p><![foo[ x ]]>", "unreadable markup"),
    ],
)
def test_markup_the_parser_cannot_finish_is_malformed(html: str, detail: str) -> None:
    problems = check_html(html)
    assert any(p.kind == "malformed" and p.detail.startswith(detail) for p in problems), problems


def test_describe_lists_the_problems_on_one_line() -> None:
    problems = check_html('<p>\n\n<script>x()</script>\n\n<a href="#" onclick="y()">z</a>')
    assert describe(problems) == "html contains <script> (line 3); onclick on <a> (line 5)"


def test_describe_says_when_there_is_nothing_to_report() -> None:
    assert describe([]) == "html contains no unsafe content"


# --- the allowlist (nh3) ------------------------------------------------------------------------

_CSS_REFUSED = (
    "style on <{}> (no url(), expression(), @import, behavior or -moz-binding in a style attribute)"
)


@pytest.mark.parametrize(
    ("html", "details"),
    [
        # What the denylist let through.
        ('<svg><set attributeName="onmouseover" to="alert(1)"/></svg>', ["<svg>", "<set>"]),
        ('<svg><use href="data:image/svg+xml;base64,PHN2Zz4="/></svg>', ["<svg>", "<use>"]),
        ("<style>@import url(https://evil.example/a.css);</style><p>x</p>", ["@import in <style>"]),
        ("<math><mi>x</mi></math>", ["<math>", "<mi>"]),
        (
            '<img src="http://cdn.example.com/a.png" alt="">',
            ['src "http://cdn.example.com/a.png" on <img> (images must use https)'],
        ),
        ('<img src="logo.png">', ['src "logo.png" on <img> (images must use https)']),
        (
            '<a href="http://example.com">x</a>',
            ['href "http://example.com" on <a> (links must use https, mailto or tel)'],
        ),
        (
            '<a href="ftp://example.com/f">x</a>',
            ['href "ftp://example.com/f" on <a> (links must use https, mailto or tel)'],
        ),
        (
            '<p style="background: url(https://t.example/p.gif)">x</p>',
            [_CSS_REFUSED.format("p")],
        ),
        (
            '<div style="behavior: url(x.htc)">x</div>',
            [_CSS_REFUSED.format("div")],
        ),
        (
            '<div style="-moz-binding: url(x.xml#y)">x</div>',
            [_CSS_REFUSED.format("div")],
        ),
        (
            "<style>.a { background: url(http://t.example/p.gif) }</style>",
            ["url(http://t.example/p.gif) in <style> (images must use https)"],
        ),
        ('<table><tr><td foo="bar">x</td></tr></table>', ["foo on <td> (not allowed in e-mail)"]),
        (
            '<img src="https://a.example/a.png" srcset="http://a.example/b.png 2x">',
            ["srcset on <img> (images must use https)"],
        ),
        (
            '<html><body style="background: url(https://t.example/p.gif)"><p>x</p></body></html>',
            [_CSS_REFUSED.format("body")],
        ),
        (
            '<meta http-equiv="set-cookie" content="a=b">',
            ["http-equiv on <meta> (only Content-Type and X-UA-Compatible are allowed)"],
        ),
    ],
)
def test_what_the_allowlist_would_remove_is_named(html: str, details: list[str]) -> None:
    problems = check_html(html)
    assert [p.detail for p in problems] == details
    assert {p.kind for p in problems} == {"not_allowed"}


@pytest.mark.parametrize(
    "html",
    [
        # Harmless serialisation differences between the input and nh3's output are no change.
        "<p>a<br/>b<img src='https://a.example/b.png' alt=x /></p>",
        '<p title="&quot;quoted&quot; &amp; &#233;t&eacute;">x &nbsp; y</p>',
        "<P ALIGN=center>x</P>",
        # html.parser reads "&copy=2" as "©=2", html5ever (like browsers) does not: still no change.
        '<a href="https://x.example/?a=1&copy=2&not=3">x</a>',
        # A tag the tree builder moves out of a table is moved, not removed.
        "<table><b>x</b><tr><td>y</td></tr></table>",
        # Placeholders, inline raster images, generic data-/aria- attributes.
        '<a href="{{unsubscribe_url}}">x</a> <img src="{{logo_url}}" alt="">',
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1" alt="">',
        '<p data-block="intro" aria-label="intro">x</p>',
        '<table border="0" cellpadding="4" cellspacing="0" width="100%" bgcolor="#fff"><thead><tr>'
        '<th align="left" valign="top" colspan="2" height="20">a</th></tr></thead><tbody><tr>'
        '<td rowspan="2" background="https://cdn.example.com/bg.png">b</td></tr></tbody></table>',
        "<style>html { scroll-behavior: smooth }</style>",
    ],
)
def test_what_the_allowlist_keeps_passes(html: str) -> None:
    assert check_html(html) == []


def test_every_built_in_email_template_passes() -> None:
    from maxcore.library.templates import for_locale

    htmls = [template.html for locale in ("fr", "en") for template in for_locale(locale) if template.html]
    assert htmls
    for html in htmls:
        assert check_html(html) == [], html


def test_describe_says_what_the_sanitiser_would_remove() -> None:
    problems = check_html('<p>x</p>\n<svg></svg>\n<a href="http://a.example">y</a>')
    assert describe(problems) == (
        "html has what e-mail does not allow; the sanitiser would remove: <svg> (line 2); "
        'href "http://a.example" on <a> (links must use https, mailto or tel) (line 3)'
    )


def test_the_old_checks_still_come_first_with_their_precise_names() -> None:
    assert check_html('<svg onload="x()"></svg>') == [
        HtmlProblem("event_handler_attribute", "onload on <svg>", 1)
    ]
