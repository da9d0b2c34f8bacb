"""The agent's own strings in Polish and English (the server translates its own)."""

import locale
import os

STRINGS = {
    "started": (
        "Komputer zablokowany. Wpisz kod rezerwacji albo numer karty i PIN.",
        "Computer locked. Enter a booking code, or a card number and PIN.",
    ),
    "kiosk_prompt": ("Dotknij ekranu, aby rozpocząć.", "Touch the screen to start."),
    "resumed": ("Sesja trwa dalej.", "Your session continues."),
    "session_started": ("Sesja rozpoczęta: {minutes} min.", "Session started: {minutes} min."),
    "warning": (
        "Zostało {minutes} min. Zapisz swoją pracę.",
        "{minutes} min left. Save your work.",
    ),
    "session_extended": (
        "Sesja przedłużona o {minutes} min.",
        "Session extended by {minutes} min.",
    ),
    "session_ended": ("Sesja zakończona.", "Session ended."),
    "locked": ("Komputer zablokowany.", "Computer locked."),
    "offline": (
        "Brak połączenia z serwerem. Trwająca sesja jest kontynuowana.",
        "The server is unreachable. A running session continues.",
    ),
    "ui_lost": (
        "Ekran blokady został zamknięty; komputer zablokowany do jego powrotu.",
        "The lock screen was closed; the computer is locked until it is back.",
    ),
    "online": ("Połączono z serwerem.", "Connected to the server."),
    "revoked": (
        "Ten komputer został wyłączony z systemu. Poproś opiekuna sali o pomoc.",
        "This computer has been removed from the system. Please ask the attendant.",
    ),
    "walk_in_offline": (
        "Serwer jest niedostępny, poproś opiekuna sali o pomoc.",
        "The server is unreachable, please ask the attendant.",
    ),
    "wrong_code": ("Nieznany kod rezerwacji.", "Unknown booking code."),
    "too_early": ("Twoja rezerwacja zaczyna się o {time}.", "Your booking starts at {time}."),
    "already_used": (
        "Ta rezerwacja została już wykorzystana.",
        "This booking has already been used.",
    ),
    "bad_input": (
        "Wpisz kod rezerwacji albo numer karty i PIN oddzielone spacją.",
        "Type a booking code, or a card number and PIN separated by a space.",
    ),
    "busy": ("Proszę czekać, trwa sprawdzanie…", "Please wait, checking…"),
    "not_enrolled": (
        "Ten komputer nie jest jeszcze zarejestrowany. Poproś opiekuna sali o pomoc.",
        "This computer is not registered yet. Please ask the attendant.",
    ),
    "rate_limited": (
        "Zbyt wiele prób. Spróbuj ponownie za minutę.",
        "Too many attempts. Try again in a minute.",
    ),
    "server_error": (
        "Coś poszło nie tak. Poproś opiekuna sali o pomoc.",
        "Something went wrong. Please ask the attendant.",
    ),
    "enrolled": (
        "Komputer zarejestrowany jako {seat} ({site}).",
        "Computer registered as {seat} ({site}).",
    ),
    "enroll_refused": ("Rejestracja odrzucona: {message}", "Registration refused: {message}"),
    "no_token": (
        "Brak tokenu rejestracji (--enrollment-token).",
        "No enrolment token (--enrollment-token).",
    ),
    "reason_time_up": ("Czas minął.", "Time is up."),
    "reason_ended_by_staff": ("Sesję zakończył opiekun sali.", "The attendant ended the session."),
    "reason_logoff": ("Wylogowano.", "Logged off."),
    "reason_kiosk_idle": (
        "Sesja zakończona z powodu bezczynności.",
        "Session ended after inactivity.",
    ),
    "reason_shutdown": ("Komputer jest wyłączany.", "The computer is shutting down."),
    "reason_user_ended": ("Sesja zakończona na Twoje życzenie.", "You ended the session."),
    "reason_revoked": ("Komputer wyłączony z systemu.", "Computer removed from the system."),
    # Tk labels
    "title": ("Telecentrum — Powiat Łęczyński", "Telecentre — Łęczna County"),
    "code_label": ("Kod rezerwacji lub kod gościa", "Booking or guest code"),
    "card_label": ("Numer karty", "Card number"),
    "pin_label": ("PIN", "PIN"),
    "or": ("albo", "or"),
    "unlock": ("Odblokuj", "Unlock"),
    "start": ("Rozpocznij", "Start"),
    "time_left": ("Pozostały czas", "Time left"),
    "end_session": ("Zakończ sesję", "End session"),
    "ok": ("OK", "OK"),
}

LANGUAGES = ("pl", "en")


def detect_language(requested=None):
    """`requested` when given ("pl"/"en"), else the OS locale; Polish by default."""
    if requested in LANGUAGES:
        return requested
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        if value[:2].lower() in LANGUAGES:
            return value[:2].lower()
    if os.name == "nt":
        try:
            import ctypes

            # LANGID 0x15 is Polish; the low 10 bits are the primary language.
            primary = ctypes.windll.kernel32.GetUserDefaultUILanguage() & 0x3FF
            return "pl" if primary == 0x15 else "en"
        except (AttributeError, OSError):
            pass
    current = (locale.getlocale()[0] or "")[:2].lower()
    return current if current in LANGUAGES else "pl"


class Translator:
    """Looks strings up in one language; `t(key, **fields)` formats them."""

    def __init__(self, lang):
        self.lang = lang
        self._index = LANGUAGES.index(lang)

    def __call__(self, key, **fields):
        pair = STRINGS.get(key)
        if pair is None:
            return key
        return pair[self._index].format(**fields)

    def accept_language(self):
        """The Accept-Language header the agent sends."""
        return "pl, en;q=0.5" if self.lang == "pl" else "en, pl;q=0.5"
