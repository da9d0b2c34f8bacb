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

    @app.context_processor
    def _languages():
        from flask_babel import get_locale
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
