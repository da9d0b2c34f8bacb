"""Languages: Polish first, English second; per-feature catalogues."""
import os
from pathlib import Path

from flask import current_app, has_request_context, request, session
from flask_login import current_user

PACKAGE = Path(__file__).resolve().parent.parent


def translation_directories() -> list[str]:
    """Return every ``translations`` folder of the package (one per feature)."""
    return sorted(str(p) for p in PACKAGE.glob("**/translations") if p.is_dir())


def compile_catalogues() -> None:
    """Compile every ``messages.po`` into its ``.mo`` when the ``.mo`` is missing or older.

    Keeps a fresh checkout (and every feature's own catalogue) working without
    a separate build step; ``make`` runs the same through ``pybabel compile``.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    for po in PACKAGE.glob("**/translations/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh)
        tmp = mo.with_name(f".messages.{os.getpid()}.mo")
        try:
            with tmp.open("wb") as fh:
                write_mo(fh, catalog)
            os.replace(tmp, mo)
        except OSError:  # read-only install: use what is there
            tmp.unlink(missing_ok=True)


def select_locale() -> str:
    """Pick the language: the visitor's choice, their account's, the browser's, else Polish."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line and jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    choice = session.get("lang")
    if choice in languages:
        return choice
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"]


def init_app(app, babel) -> None:
    """Bind Flask-Babel with the feature catalogues and the locale selector."""
    compile_catalogues()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories())
    babel.init_app(app, locale_selector=select_locale)
    _remember_template_translations(app)

    @app.context_processor
    def _languages():
        from flask_babel import get_locale
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}


def _remember_template_translations(app) -> None:
    """Templates look each message up once per request and locale, not at every use.

    Flask-Babel finds the catalogue anew for every ``_()`` in a template; a
    page that repeats the same words on hundreds of rows (the console room)
    spent a third of its time there. The cache lives in ``flask.g`` and is
    keyed by the locale in force (``force_locale`` changes it), so a request
    never sees another's words.
    """
    from flask import g
    from flask_babel import get_translations
    from jinja2 import pass_context
    from markupsafe import Markup

    def translated(key, lookup):
        """``lookup()`` once per request for ``key`` (locale first), then from ``flask.g``."""
        locale = getattr(getattr(g, "_flask_babel", None), "babel_locale", None)
        if locale is None:
            return lookup()
        cache = g.setdefault("_template_messages", {})
        key = (locale,) + key
        text = cache.get(key)
        if text is None:
            text = cache[key] = lookup()
        return text

    def gettext(message):
        return translated((message,), lambda: get_translations().ugettext(message))

    def ngettext(singular, plural, num):
        return translated((singular, plural, num),
                          lambda: get_translations().ungettext(singular, plural, num))

    # Jinja's newstyle wrappers format every message, even one without variables
    # (``Markup(text) % {}``: escaping helpers per call); the same on every row of a
    # long table. Here a message without variables is formatted once per request.
    @pass_context
    def template_gettext(__context, __string, **variables):
        if variables:
            text = gettext(__string)
            return (Markup(text) if __context.eval_ctx.autoescape else text) % variables
        autoescape = __context.eval_ctx.autoescape
        return translated(("%", autoescape, __string), lambda: (
            Markup(gettext(__string)) if autoescape else gettext(__string)) % {})

    @pass_context
    def template_ngettext(__context, __singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        text = ngettext(__singular, __plural, __num)
        return (Markup(text) if __context.eval_ctx.autoescape else text) % variables

    app.jinja_env.install_gettext_callables(
        gettext=gettext,
        ngettext=ngettext,
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(gettext=template_gettext, ngettext=template_ngettext)
