"""The label registry: codes read as words in every language, and every audit action has one."""
import re
from pathlib import Path

from flask_babel import force_locale

from telecentre.common import labels
from tests.ui.untranslated import untranslated

ROOT = Path(__file__).resolve().parents[2]


def test_every_audited_action_has_a_label():
    """A new ``record(actor, "x.y", …)`` without a label in the registry fails here."""
    actions = set()
    for path in (ROOT / "telecentre").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        actions |= set(re.findall(r"record\(\s*[\w.]+,\s*\"([a-z_]+(?:\.[a-z_]+)+)\"", text))
    assert len(actions) > 40  # the scan really finds them
    assert sorted(actions - set(labels.AUDIT_ACTIONS)) == []


def test_labels_follow_the_readers_language(app):
    with app.test_request_context():
        with force_locale("pl"):
            assert labels.label("seat.add", "audit") == "dodano stanowisko"
            assert labels.label("access_point", "device_kind") == "Punkt dostępowy"
            assert labels.label("time_up", "end_reason") == "czas minął"
            assert labels.label("system", "actor") == "system"
            assert labels.label("reboot", "audit") == "reboot"  # unknown: humanised, no code
            assert labels.label("remote.run.reboot", "audit").startswith("zdalne działanie: ")
        with force_locale("uk"):
            assert labels.label("seat.add", "audit") == "місце додано"
            assert labels.label("attendant", "role") == "Черговий зали"
            assert labels.label("system", "actor") == "система"
            assert labels.label("ana.kowalska", "actor") == "ana.kowalska"  # a login stays


def test_the_untranslated_code_finder_finds_codes_json_and_escapes():
    assert untranslated("Dziennik: seat.add · przeniesiona", "pl") == [
        "untranslated code 'seat.add'"]
    assert untranslated("Rodzaj: access_point", "en") == ["untranslated code 'access_point'"]
    assert untranslated("Stan: booked", "pl") == ["untranslated code 'booked'"]
    assert untranslated("Status: booked", "en") == []  # an English word on an English page
    assert untranslated('Parametry {"delay": 5}', "pl")[0].startswith("raw JSON")
    assert untranslated("Za\\u017c\\u00f3\\u0142\\u0107", "pl")[0].startswith("a \\u escape")
    clean = "Zalogowano jako ana.kowalska · PC-01 · 2026-12-04 · admin · x@y.pl · 10.0.0.1"
    assert untranslated(clean, "pl") == []
