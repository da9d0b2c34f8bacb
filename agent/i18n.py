"""The agent's own strings in Polish, English and Ukrainian (the server translates its own)."""

import locale
import os

STRINGS = {
    "started": (
        "Komputer zablokowany. Wpisz kod rezerwacji albo numer karty i PIN.",
        "Computer locked. Enter a booking code, or a card number and PIN.",
        "Комп'ютер заблоковано. Введіть код бронювання або номер картки та PIN.",
    ),
    "kiosk_prompt": (
        "Dotknij ekranu, aby rozpocząć.",
        "Touch the screen to start.",
        "Торкніться екрана, щоб почати.",
    ),
    "resumed": (
        "Sesja trwa dalej.",
        "Your session continues.",
        "Сеанс триває далі.",
    ),
    "session_started": (
        "Sesja rozpoczęta: {minutes} min.",
        "Session started: {minutes} min.",
        "Сеанс розпочато: {minutes} хв.",
    ),
    "warning": (
        "Zostało {minutes} min. Zapisz swoją pracę.",
        "{minutes} min left. Save your work.",
        "Залишилося {minutes} хв. Збережіть свою роботу.",
    ),
    "session_extended": (
        "Sesja przedłużona o {minutes} min.",
        "Session extended by {minutes} min.",
        "Сеанс продовжено на {minutes} хв.",
    ),
    "session_ended": (
        "Sesja zakończona.",
        "Session ended.",
        "Сеанс завершено.",
    ),
    "locked": (
        "Komputer zablokowany.",
        "Computer locked.",
        "Комп'ютер заблоковано.",
    ),
    "offline": (
        "Brak połączenia z serwerem. Trwająca sesja jest kontynuowana.",
        "The server is unreachable. A running session continues.",
        "Немає з'єднання із сервером. Поточний сеанс триває.",
    ),
    "online": (
        "Połączono z serwerem.",
        "Connected to the server.",
        "З'єднано із сервером.",
    ),
    "ui_lost": (
        "Ekran blokady został zamknięty; komputer zablokowany do jego powrotu.",
        "The lock screen was closed; the computer is locked until it is back.",
        "Екран блокування закрито; комп'ютер заблоковано, доки він не повернеться.",
    ),
    "revoked": (
        "Ten komputer został wyłączony z systemu. Poproś opiekuna sali o pomoc.",
        "This computer has been removed from the system. Please ask the attendant.",
        "Цей комп'ютер вилучено із системи. Зверніться по допомогу до чергового зали.",
    ),
    "walk_in_offline": (
        "Serwer jest niedostępny, poproś opiekuna sali o pomoc.",
        "The server is unreachable, please ask the attendant.",
        "Сервер недоступний, зверніться по допомогу до чергового зали.",
    ),
    "wrong_code": (
        "Nieznany kod rezerwacji.",
        "Unknown booking code.",
        "Невідомий код бронювання.",
    ),
    "too_early": (
        "Twoja rezerwacja zaczyna się o {time}.",
        "Your booking starts at {time}.",
        "Ваше бронювання починається о {time}.",
    ),
    "already_used": (
        "Ta rezerwacja została już wykorzystana.",
        "This booking has already been used.",
        "Це бронювання вже використано.",
    ),
    "bad_input": (
        "Wpisz kod rezerwacji albo numer karty i PIN oddzielone spacją.",
        "Type a booking code, or a card number and PIN separated by a space.",
        "Введіть код бронювання або номер картки та PIN через пробіл.",
    ),
    "busy": (
        "Proszę czekać, trwa sprawdzanie…",
        "Please wait, checking…",
        "Зачекайте, триває перевірка…",
    ),
    "not_enrolled": (
        "Ten komputer nie jest jeszcze zarejestrowany. Poproś opiekuna sali o pomoc.",
        "This computer is not registered yet. Please ask the attendant.",
        "Цей комп'ютер ще не зареєстровано. Зверніться по допомогу до чергового зали.",
    ),
    "rate_limited": (
        "Zbyt wiele prób. Spróbuj ponownie za minutę.",
        "Too many attempts. Try again in a minute.",
        "Забагато спроб. Спробуйте ще раз за хвилину.",
    ),
    "server_error": (
        "Coś poszło nie tak. Poproś opiekuna sali o pomoc.",
        "Something went wrong. Please ask the attendant.",
        "Щось пішло не так. Зверніться по допомогу до чергового зали.",
    ),
    "enrolled": (
        "Komputer zarejestrowany jako {seat} ({site}).",
        "Computer registered as {seat} ({site}).",
        "Комп'ютер зареєстровано як {seat} ({site}).",
    ),
    "enroll_refused": (
        "Rejestracja odrzucona: {message}",
        "Registration refused: {message}",
        "Реєстрацію відхилено: {message}",
    ),
    "no_token": (
        "Brak tokenu rejestracji (--enrollment-token).",
        "No enrolment token (--enrollment-token).",
        "Немає токена реєстрації (--enrollment-token).",
    ),
    "reason_time_up": (
        "Czas minął.",
        "Time is up.",
        "Час вичерпано.",
    ),
    "reason_ended_by_staff": (
        "Sesję zakończył opiekun sali.",
        "The attendant ended the session.",
        "Сеанс завершив черговий зали.",
    ),
    "reason_logoff": (
        "Wylogowano.",
        "Logged off.",
        "Ви вийшли із системи.",
    ),
    "reason_kiosk_idle": (
        "Sesja zakończona z powodu bezczynności.",
        "Session ended after inactivity.",
        "Сеанс завершено через бездіяльність.",
    ),
    "reason_shutdown": (
        "Komputer jest wyłączany.",
        "The computer is shutting down.",
        "Комп'ютер вимикається.",
    ),
    "reason_user_ended": (
        "Sesja zakończona na Twoje życzenie.",
        "You ended the session.",
        "Ви завершили сеанс.",
    ),
    "reason_revoked": (
        "Komputer wyłączony z systemu.",
        "Computer removed from the system.",
        "Комп'ютер вилучено із системи.",
    ),
    # Tk labels
    "title": (
        "Telecentrum — Powiat Łęczyński",
        "Telecentre — Łęczna County",
        "Телецентр — Ленчинський повіт",
    ),
    "code_label": (
        "Kod rezerwacji lub kod gościa",
        "Booking or guest code",
        "Код бронювання або гостьовий код",
    ),
    "card_label": (
        "Numer karty",
        "Card number",
        "Номер картки",
    ),
    "pin_label": (
        "PIN",
        "PIN",
        "PIN",
    ),
    "or": (
        "albo",
        "or",
        "або",
    ),
    "unlock": (
        "Odblokuj",
        "Unlock",
        "Розблокувати",
    ),
    "start": (
        "Rozpocznij",
        "Start",
        "Почати",
    ),
    "time_left": (
        "Pozostały czas",
        "Time left",
        "Залишок часу",
    ),
    "end_session": (
        "Zakończ sesję",
        "End session",
        "Завершити сеанс",
    ),
    "ok": (
        "OK",
        "OK",
        "OK",
    ),
    "privacy": (
        "Prywatność",
        "Privacy",
        "Конфіденційність",
    ),
    "close": (
        "Zamknij",
        "Close",
        "Закрити",
    ),
    "privacy_unavailable": (
        "Nie można teraz pobrać informacji o ochronie danych. Poproś o nią opiekuna sali.",
        "The privacy notice cannot be fetched now. Please ask the attendant for it.",
        "Зараз неможливо отримати інформацію про захист даних. "
        "Попросіть її в адміністратора зали.",
    ),
    "privacy_online": (
        "Ta sama informacja jest na stronie {url}",
        "The same notice is on {url}",
        "Це саме повідомлення є на сторінці {url}",
    ),
}

LANGUAGES = ("pl", "en", "uk")


def detect_language(requested=None):
    """`requested` when given ("pl"/"en"/"uk"), else the OS locale; Polish by default."""
    if requested in LANGUAGES:
        return requested
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(name, "")
        if value[:2].lower() in LANGUAGES:
            return value[:2].lower()
    if os.name == "nt":
        try:
            import ctypes

            # LANGID 0x15 is Polish, 0x22 Ukrainian; the low 10 bits are the primary language.
            primary = ctypes.windll.kernel32.GetUserDefaultUILanguage() & 0x3FF
            return {0x15: "pl", 0x22: "uk"}.get(primary, "en")
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
        """The Accept-Language header the agent sends: its language first, then a fallback."""
        return {"pl": "pl, en;q=0.5", "en": "en, pl;q=0.5", "uk": "uk, pl;q=0.5, en;q=0.3"}[
            self.lang]
