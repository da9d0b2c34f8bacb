"""Every HTML page of the app, in Polish, English and Ukrainian, in real chromium against a
real server, checked with axe-core for WCAG 2.1 A and AA and for codes shown untranslated.

The pages are not a hand-made list: every GET route of the url_map is a page unless a
rule says it is machine-readable (the ``/api/`` tree, a path with a file extension such
as ``.ics``, ``.csv`` or ``.json``). Each route is called as the role its ``@access``
level names, with URL values from seeded rows: pages are opened in chromium and checked;
machine-readable routes are fetched with the same session and must answer with something
other than HTML (so the rule cannot hide a page), as must any other route that is not a
page (health checks, metrics: they say so by their Content-Type). A new page is visited
without touching this test, and one that cannot be visited (no sample value for its URL,
a refusal, an error) fails it. HTML fragments (the parts a page reloads by itself) are
checked too, without the document-level rules that belong to the page around them.
Only the agent's routes (a machine's secret, never a person's session) and static files
are left out.
"""
import re
from datetime import timedelta

import pytest
from flask import current_app

from telecentre.common.time import local_minute_to_utc, local_today
from tests.browser import axe_violations, duplicate_ids, needs_chromium, sign_in
from tests.conftest import PASSWORD
from tests.foundation.test_access_matrix import URL_SAMPLES
from tests.ui.conftest import OWN
from tests.ui.untranslated import page_problems

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]

LOCALES = {"pl": "pl-PL", "en": "en-GB", "uk": "uk-UA"}
# The role that sees a page of each access level (every role sees the home page: its menu).
ROLES = {"records": ("admin",),  # the admin of the seeded county is named for the log
         "public": ("anonymous",), "login": ("resident",), "resident": ("resident",),
         "staff": ("attendant",), "it": ("it",), "admin": ("admin",)}
MACHINE = re.compile(r"^/api/|\.[a-z]+$")  # the API tree; files: .ics .csv .xlsx .json
FRAGMENT_RULES = ("document-title", "html-has-lang", "html-lang-valid", "bypass")


def get_rules(app):
    """Return the url_map's GET rules a person's session can call (no static files)."""
    rules = []
    for rule in app.url_map.iter_rules():
        level = getattr(app.view_functions[rule.endpoint], "access_level", None)
        if "GET" in rule.methods and rule.endpoint != "static" and level != "agent":
            rules.append(rule)
    return sorted(rules, key=lambda r: r.rule)


def queries():
    """Query strings that make a page show its content rather than an empty form."""
    start = local_minute_to_utc(local_today() + timedelta(days=1), 10 * 60)
    today = local_today().isoformat()
    records = {"resident": "ui-resident", "first": today, "last": today}
    return {"booking.new": {"start": start.isoformat()},
            "console.residents": {"q": "Kowalska"}, "console_api.residents": {"q": "Kowalska"},
            "records.sessions": records, "records.report": records}


def sample_values(rules, county, factories):
    """Return a value for every URL argument of ``rules`` (the resident's own booking)."""
    own = {"booking_id": county["booking"].id, "seat_id": county["seats"]["PC-12"].id,
           "session_id": county["usage"].id, "device_id": county["device"].id,
           "alert_id": county["alert"].id, "resident_id": county["users"]["resident"].id}
    values = {}
    for arg in sorted({arg for rule in rules for arg in rule.arguments}):
        if arg in own:
            values[arg] = own[arg]
        else:
            assert arg in URL_SAMPLES, f"no sample value for the URL argument {arg!r}"
            values[arg] = URL_SAMPLES[arg](OWN, factories)
    return values


def own_values(world, factories):
    """URL values a page needs of its own: a live password-reset link, a resident
    registered at the site (their printable card)."""
    from telecentre.auth.models import PasswordResetToken
    from telecentre.auth.recovery import _digest
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    resident = world["users"]["resident"]
    db.session.add(PasswordResetToken(user_id=resident.id, token_hash=_digest("walk-token"),
                                      expires_at=utcnow() + timedelta(hours=2)))
    db.session.commit()
    registered = factories["user"]("resident", site=OWN, login="walk-registered")
    return {"recovery.reset": {"token": "walk-token"},
            "desk.card": {"resident_id": registered.id}}


def visits(app, rules, values, own=None):
    """Return {role: [(endpoint, url)]}: each page under the roles that see it."""
    extra = queries()
    plan = {}
    for rule in rules:
        level = app.view_functions[rule.endpoint].access_level
        assert level in ROLES, f"{rule.endpoint}: no role sees access level {level!r}"
        args = {arg: values[arg] for arg in rule.arguments}
        args.update((own or {}).get(rule.endpoint, {}))
        url = rule.build({**args, **extra.get(rule.endpoint, {})}, append_unknown=True)[1]
        for role in ROLES[level]:
            plan.setdefault(role, []).append((rule.endpoint, url))
    for role in ("resident", "attendant", "it", "admin"):  # their own menus on the home page
        plan[role].append(("home.index", "/"))
    return plan


def check_machine_route(page, base, url):
    """Fetch a machine-readable ``url`` with the page's session; return (kind, problems)."""
    reply = page.request.get(base + url, max_redirects=0)
    kind = reply.headers.get("content-type", "").split(";")[0]
    if reply.status != 200 or kind == "text/html":
        return "error", [f"a machine-readable route answered {reply.status} {kind}"]
    return kind, []


def check_page(page, base, url, lang):
    """Open ``url``; return (kind, problems): kind is "page", "fragment" or a content type."""
    if MACHINE.search(url.split("?")[0]):
        return check_machine_route(page, base, url)
    reply = page.goto(base + url)
    if reply.status != 200 or ("/login" in page.url and not url.startswith("/login")):
        return "error", [f"answered {reply.status} at {page.url}"]
    kind = reply.headers.get("content-type", "").split(";")[0]
    if kind != "text/html":
        return kind, []
    body = reply.text().lstrip().lower()
    fragment = not body.startswith("<!doctype html")
    problems = []
    if not fragment and page.get_attribute("html", "lang") != lang:
        problems.append(f"html lang is {page.get_attribute('html', 'lang')!r}, not {lang!r}")
    violations, report = axe_violations(page, FRAGMENT_RULES if fragment else ())
    if violations:
        problems.append(report)
    if duplicate_ids(page):
        problems.append(f"ids used more than once: {duplicate_ids(page)}")
    problems += page_problems(page, lang)  # codes, JSON or escapes instead of words
    return ("fragment" if fragment else "page"), problems


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_every_page_is_accessible(lang, live, chromium, county, factories):
    app = current_app._get_current_object()
    world = county(lang)
    rules = get_rules(app)
    values = sample_values(rules, world, factories)
    plan = visits(app, rules, values, own_values(world, factories))
    failures, kinds = [], {}
    for role, pages in plan.items():
        context = chromium.new_context(locale=LOCALES[lang], viewport={"width": 1280,
                                                                         "height": 900})
        try:
            page = context.new_page()
            if role != "anonymous":
                sign_in(page, live.url, world["users"][role].login, PASSWORD)
            for endpoint, url in pages:
                kind, problems = check_page(page, live.url, url, lang)
                kinds.setdefault(endpoint, set()).add(kind)
                failures += [f"{url} ({endpoint}) as {role}, {lang}: {p}" for p in problems]
            # The error page too: what anybody sees at an address that does not exist.
            reply = page.goto(f"{live.url}/no-such-page")
            assert reply.status == 404
            violations, report = axe_violations(page)
            failures += [f"404 page as {role}, {lang}: {report}"] if violations else []
        finally:
            context.close()
    assert not failures, "\n\n".join(failures)
    # Every GET route of the url_map was called: the pages were checked, the rest said
    # by their Content-Type that they are not pages.
    assert {rule.endpoint for rule in rules} == set(kinds)
    html = {e for e, k in kinds.items() if k & {"page", "fragment"}}
    assert all(not k & {"text/html"} for e, k in kinds.items() if e not in html)
    assert len(html) >= 45, sorted(html)  # the walk really reached the pages
