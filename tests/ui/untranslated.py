"""Find codes that reached a page's text untranslated: snake_case tokens, dotted action codes,
the registries' own codes, raw JSON and ``\\u`` escapes.

What a page shows on purpose as technical text (``<code>``, ``<pre>``, ``<kbd>``,
``<samp>``) is left out, and so are people's and machines' own names (logins,
seat names), which are not codes.
"""
import re

from telecentre.common import labels

# Codes the database keeps besides the label registries: booking and run statuses,
# seat states, command kinds.
OTHER_CODES = {"booked", "checked_in", "completed", "cancelled", "released", "queued",
               "running", "finished", "done", "failed", "timeout", "unreachable",
               "host_key_mismatch", "auth_failed", "no_address", "no_host_key", "free",
               "booked_soon", "in_use", "offline", "out_of_service", "end_session", "logoff",
               "walk_in", "guest"}
# Words that are codes and also ordinary Polish or Ukrainian-page text (a login, a seat);
# "webhook" is the word Polish IT staff use (Ukrainian pages say "вебхук").
NOT_CODES = {"admin", "it", "pc", "kiosk", "agent", "system", "webhook"}
SNAKE = re.compile(r"(?<![\w@./-])[a-z]+(?:_[a-z0-9]+)+(?![\w@/-])")
DOTTED = re.compile(r"(?<![\w@./-])[a-z_]+(?:\.[a-z_]+)+(?![\w@/-])")
JSON_TEXT = re.compile(r"[{\[]\s*\"[^\"]+\"\s*[:,]")
ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")

VISIBLE_TEXT = """() => {
  // Each text node on its own line (table cells must not run together), what screen
  // readers read from attributes too; technical text in code, pre, kbd, samp left out.
  const skip = 'code, pre, kbd, samp, script, style, template, [hidden]';
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (parent && !parent.closest(skip) && node.textContent.trim()) {
      out.push(node.textContent.trim());
    }
  }
  document.querySelectorAll('[aria-label], [title], [alt], [placeholder]').forEach(e => {
    if (e.closest(skip)) { return; }
    for (const name of ['aria-label', 'title', 'alt', 'placeholder']) {
      if (e.getAttribute(name)) { out.push(e.getAttribute(name)); }
    }
  });
  return out.join('\\n');
}"""


def all_codes() -> set[str]:
    """Every code some registry translates, and the other codes pages show."""
    codes = set(OTHER_CODES)
    for registry in labels.REGISTRIES.values():
        codes |= {c for c in registry if c.islower() or "_" in c or "." in c}
    return codes


def untranslated(text: str, lang: str, codes: set[str] | None = None) -> list[str]:
    """Return the untranslated codes, JSON and escapes found in a page's visible ``text``."""
    codes = all_codes() if codes is None else codes
    found = set(SNAKE.findall(text)) | {d for d in DOTTED.findall(text) if d in codes}
    if lang != "en":  # an English code word on a Polish or Ukrainian page was not translated
        words = set(re.findall(r"(?<![\w@./-])[a-z]+(?![\w@/-])", text))
        found |= {w for w in words & codes if w not in NOT_CODES}
    problems = [f"untranslated code {c!r}" for c in sorted(found)]
    if JSON_TEXT.search(text):
        problems.append(f"raw JSON: {JSON_TEXT.search(text).group(0)!r}…")
    if ESCAPE.search(text):
        problems.append(f"a \\u escape: {ESCAPE.search(text).group(0)!r}")
    return problems


def page_problems(page, lang: str) -> list[str]:
    """Return what is untranslated in the page's visible text."""
    return untranslated(page.evaluate(VISIBLE_TEXT), lang)
