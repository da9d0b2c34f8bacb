"""Every text shown to people has a Polish translation."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_is_translated_to_polish(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext", "-o", str(pot),
                    "--no-location", str(ROOT)], check=True, cwd=ROOT, capture_output=True)
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    translated = {}
    for po in (ROOT / "telecentre").glob("**/translations/pl/LC_MESSAGES/messages.po"):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id and all(forms) and not message.fuzzy:  # every plural form filled
                translated[message.id] = message.string
    missing = sorted(wanted - set(translated), key=str)
    assert missing == [], f"{len(missing)} texts lack a Polish translation: {missing[:10]}"


def test_no_catalogue_is_marked_fuzzy_as_a_whole():
    # `pybabel compile` (make compile-translations) skips a catalogue whose header is fuzzy.
    fuzzy = []
    for po in (ROOT / "telecentre").glob("**/translations/*/LC_MESSAGES/messages.po"):
        with po.open("rb") as fh:
            if read_po(fh).fuzzy:
                fuzzy.append(str(po.relative_to(ROOT)))
    assert fuzzy == []
