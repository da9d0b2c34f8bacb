"""Every text shown to people has a Polish and a Ukrainian translation, with every plural form."""
import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# The plural rules the catalogues must declare (gettext's own for each language).
PLURAL_FORMS = {
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "uk": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
          "(n%100<10 || n%100>=20) ? 1 : 2);",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A fresh extraction of every message in the code and templates."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext", "-o", str(pot),
                    "--no-location", str(ROOT)], check=True, cwd=ROOT, capture_output=True)
    with pot.open("rb") as fh:
        return {(m.context, m.id): m for m in read_po(fh) if m.id}


def _catalogues(lang):
    for po in sorted((ROOT / "telecentre").glob(f"**/translations/{lang}/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            yield po, read_po(fh)


@pytest.mark.parametrize("lang", ["pl", "uk"])
def test_every_message_is_translated(extracted, lang):
    """Missing, empty or fuzzy entries fail, listed by msgid so they are quick to fill."""
    translated = {}
    for _po, catalog in _catalogues(lang):
        for message in catalog:
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id and all(forms) and not message.fuzzy:  # every plural form filled
                translated[(message.context, message.id)] = message.string
    missing = sorted(set(extracted) - set(translated), key=str)
    listing = "\n".join(f"  {f'msgctxt {c!r} ' if c else ''}msgid "
                         f"{m if isinstance(m, str) else m[0]!r}" for c, m in missing)
    assert missing == [], f"{len(missing)} texts lack a '{lang}' translation:\n{listing}"


def _same_rule(declared: str, wanted: str) -> bool:
    """Whether two Plural-Forms give every count the same form (Babel writes CLDR's rule,
    gettext its own; they differ in text, not in what they choose)."""
    def parse(header):
        fields = dict(p.strip().split("=", 1) for p in header.split(";") if "=" in p)
        return int(fields["nplurals"]), gettext.c2py(fields["plural"])
    try:
        (count_a, rule_a), (count_b, rule_b) = parse(declared), parse(wanted)
    except (KeyError, ValueError):
        return False
    return count_a == count_b and all(rule_a(n) == rule_b(n) for n in range(1000))


@pytest.mark.parametrize("lang", ["pl", "uk"])
def test_plural_forms_and_placeholders_agree(lang):
    """Each catalogue declares the language's plural rule, has that many forms, keeps fields."""
    problems = []
    catalogues = list(_catalogues(lang))
    assert catalogues, f"no '{lang}' catalogue"
    for po, catalog in catalogues:
        where = po.relative_to(ROOT)
        header = catalog.mime_headers
        declared = dict(header).get("Plural-Forms", "")
        if not _same_rule(declared, PLURAL_FORMS[lang]):
            problems.append(f"{where}: Plural-Forms is {declared!r}")
        for message in catalog:
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            if isinstance(message.id, tuple) and len(forms) != catalog.num_plurals:
                problems.append(f"{where}: {ids[0]!r} has {len(forms)} plural forms")
            # Babel's own checks, as `pybabel compile` runs them (a lone "% o" in a msgid
            # reads as a placeholder the translation must repeat).
            problems += [f"{where}: {ids[0]!r}: {error}" for error in message.check(catalog)]
            wanted = set(PLACEHOLDER.findall(ids[-1])) - {"num"}
            for form in forms:
                if form and set(PLACEHOLDER.findall(form)) - {"num"} != wanted:
                    problems.append(f"{where}: {ids[0]!r} changes the fields in {form!r}")
    assert problems == [], "\n".join(problems)


def test_each_language_has_the_same_catalogues():
    """A feature with a Polish catalogue has a Ukrainian one beside it."""
    pl = {po.parent.parent.parent for po, _c in _catalogues("pl")}
    uk = {po.parent.parent.parent for po, _c in _catalogues("uk")}
    assert sorted(map(str, pl - uk)) == []


def test_no_catalogue_is_marked_fuzzy_as_a_whole():
    # `pybabel compile` (make compile-translations) skips a catalogue whose header is fuzzy.
    fuzzy = []
    for po in (ROOT / "telecentre").glob("**/translations/*/LC_MESSAGES/messages.po"):
        with po.open("rb") as fh:
            if read_po(fh).fuzzy:
                fuzzy.append(str(po.relative_to(ROOT)))
    assert fuzzy == []
