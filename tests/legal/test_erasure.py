"""Erasure that holds everywhere: after a resident deletes their account and retention runs,
no table of the database — the audit log included — holds their login, name, e-mail, phone
or network address, and the audit chain still verifies."""
import json

from sqlalchemy import inspect, select, text

from telecentre.audit.models import AuditEntry
from telecentre.audit.services import seal_all, verify_chain
from telecentre.auth.models import User
from telecentre.booking import services as booking
from telecentre.console.models import ResidentNotice
from telecentre.extensions import db
from tests.booking.conftest import MONDAY, at, clock  # noqa: F401  (the clock fixture)
from tests.conftest import Auth

PASSWORD = "marta's own passphrase"
IP = "198.51.100.23"
PERSON = {"login": "marta.wisniewska", "name": "Marta Wiśniewska",
          "email": "marta.w@example.org", "phone": "+48 601 234 567"}


def everything_in_the_database() -> list[tuple[str, str, str]]:
    """Return (table, column, value as text) for every non-empty value of every table."""
    found = []
    engine = db.session.get_bind()
    for table in inspect(engine).get_table_names():
        rows = db.session.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
        for row in rows:
            for column, value in row.items():
                if value is None:
                    continue
                shown = value if isinstance(value, str) else json.dumps(value, default=str,
                                                                        ensure_ascii=False)
                found.append((table, column, shown))
    return found


def traces(needles) -> list[str]:
    lowered = [n.lower() for n in needles]
    return [f"{table}.{column}: {value[:120]}" for table, column, value in
            everything_in_the_database() if any(n in value.lower() for n in lowered)]


def test_erased_resident_leaves_no_trace(app, clock, create_seat, create_user):  # noqa: F811
    seat = create_seat("cycow", "PC-01")
    admin = create_user("admin")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = IP
    auth = Auth(client)
    made = client.post("/register", data={
        "login": PERSON["login"], "display_name": PERSON["name"], "email": PERSON["email"],
        "phone": PERSON["phone"], "password": PASSWORD, "password2": PASSWORD, "consent": "y",
        "csrf_token": auth.csrf_token("/register")})
    assert made.status_code == 302
    assert auth.logout().status_code == 302
    assert auth.login(PERSON["login"], PASSWORD).status_code == 302
    resident = db.session.scalar(select(User).where(User.login == PERSON["login"]))
    resident_id = resident.id
    booking.create_booking(resident, resident, seat=seat, start=at(MONDAY, "10:00"),
                           end=at(MONDAY, "10:30"))
    db.session.commit()
    booking.create_booking(admin, resident, seat=seat, start=at(MONDAY, "12:00"),
                           end=at(MONDAY, "12:30"), source="desk")
    db.session.add(ResidentNotice(user_id=resident.id, text=f"Pani {PERSON['name']}, "
                                  "prosimy o kontakt."))
    db.session.commit()
    seal_all()
    db.session.commit()
    # Before: the person is all over the database (so the search below can find them).
    before = traces([PERSON["login"], PERSON["name"], IP])
    assert any(t.startswith("audit_personal.") for t in before), before
    assert any(t.startswith("users.") for t in before), before

    token = auth.csrf_token("/account/data")
    deleted = client.post("/account/delete", data={"password": PASSWORD, "confirm": "y",
                                                   "csrf_token": token})
    assert deleted.status_code == 302, deleted.get_data(True)[:300]
    from telecentre.stats.privacy import apply_retention
    apply_retention()
    db.session.commit()

    needles = [PERSON["login"], PERSON["name"], PERSON["email"], PERSON["phone"],
               PERSON["phone"].replace(" ", ""), "601 234 567", IP]
    assert traces(needles) == []
    checked, problems = verify_chain()
    db.session.commit()
    assert problems == [] and checked >= 5
    # The entries are still there, naming an account number only.
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.actor_id == resident_id)).all()
    assert entries and all(e.who == f"#{resident_id}" and e.source_ip is None for e in entries)


def test_a_deleted_login_stays_reserved(app, client, create_user):
    from telecentre.auth.services import create_user as make_user
    from telecentre.common.errors import Conflict
    from telecentre.stats.privacy import delete_account
    resident = create_user("resident", login="jan.nowak")
    delete_account(create_user("admin"), resident)
    db.session.commit()
    try:
        make_user(None, "Jan.Nowak ", role="resident", password="another long password")
    except Conflict as exc:
        assert exc.status == 409
    else:
        raise AssertionError("the deleted login could be registered again")
    assert traces(["jan.nowak"]) == []  # reserved by a keyed hash, not by the login itself


def test_changed_personal_details_are_found_but_erased_ones_are_not(app, create_user):
    from telecentre.audit.personal import erase_person
    from telecentre.audit.services import record
    user = create_user("attendant")
    user_id = user.id
    record(user, "seat.message", details={"text": "Pan Kowalski", "seat": "PC-01"})
    db.session.commit()
    seal_all()
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "seat.message"))
    assert entry.details == {"seat": "PC-01"}
    assert entry.personal.details == {"text": "Pan Kowalski"}
    entry.personal.details = {"text": "Pan Nowak"}  # rewriting history beside the chain
    db.session.commit()
    assert any("personal details changed" in p for p in verify_chain()[1])
    db.session.rollback()
    erase_person(user_id)
    db.session.commit()
    assert verify_chain()[1] == []

