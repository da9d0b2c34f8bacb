"""Health figures from /proc, and the agent's own strings in both languages."""

import pytest

from agent import health
from agent.i18n import STRINGS, Translator, detect_language


def test_health_reads_real_figures_without_psutil(monkeypatch):
    monkeypatch.setattr(health, "psutil", None)
    probe = health.Health()
    assert probe.cpu_percent() is None  # needs two samples
    sum(i * i for i in range(300_000))
    figures = probe.collect(os_user="public")
    for key in ("memory_percent", "disk_percent"):
        assert 0 < figures[key] <= 100
    assert figures["cpu_percent"] is None or 0 <= figures["cpu_percent"] <= 100
    assert figures["uptime_seconds"] > 0 and figures["os_user"] == "public"


def test_every_string_exists_in_polish_english_and_ukrainian():
    for key, (polish, english, ukrainian) in STRINGS.items():
        assert polish and english and ukrainian, key
        # The same placeholders in every language, so no line fails to format.
        assert {f for f in ("{minutes}", "{time}", "{seat}", "{site}", "{message}")
                if f in polish} == {f for f in ("{minutes}", "{time}", "{seat}", "{site}",
                                                "{message}") if f in ukrainian}, key
    uk = Translator("uk")
    assert uk("warning", minutes=5) == "Залишилося 5 хв. Збережіть свою роботу."
    assert uk.accept_language().startswith("uk, ")
    pl, en = Translator("pl"), Translator("en")
    assert pl("walk_in_offline") == "Serwer jest niedostępny, poproś opiekuna sali o pomoc."
    assert en("walk_in_offline") == "The server is unreachable, please ask the attendant."
    assert pl("warning", minutes=5) == "Zostało 5 min. Zapisz swoją pracę."
    assert pl.accept_language() == "pl, en;q=0.5" and en.accept_language() == "en, pl;q=0.5"


@pytest.mark.parametrize(
    "env, requested, expected",
    [
        ({"LANG": "en_GB.UTF-8"}, None, "en"),
        ({"LANG": "pl_PL.UTF-8"}, None, "pl"),
        ({"LANG": "en_GB.UTF-8"}, "pl", "pl"),
        ({"LANG": "de_DE.UTF-8"}, None, "pl"),
        ({"LANG": "uk_UA.UTF-8"}, None, "uk"),
        ({"LANG": "en_GB.UTF-8"}, "uk", "uk"),
    ],
)
def test_language_from_option_then_locale_polish_by_default(monkeypatch, env, requested, expected):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("locale.getlocale", lambda *a: (None, None))
    assert detect_language(requested) == expected
