"""Notices to residents: shown on every page until dismissed, only to their owner."""
from telecentre.console import notices
from telecentre.console.models import ResidentNotice
from telecentre.extensions import db
from tests.conftest import Auth


def test_notice_is_shown_until_dismissed(client, login, create_user):
    anna = create_user("resident", login="anna")
    notice = notices.tell(anna, "Your booking at 10:00 moved to PC-03.")
    db.session.commit()
    login(client, anna)
    assert "moved to PC-03" in client.get("/").get_data(as_text=True)
    token = Auth(client).csrf_token("/")
    reply = client.post(f"/notices/{notice.id}/seen", data={"csrf_token": token, "next": "/"})
    assert reply.status_code == 302 and reply.location.endswith("/")
    assert "moved to PC-03" not in client.get("/").get_data(as_text=True)
    assert db.session.get(ResidentNotice, notice.id).seen_at is not None


def test_someone_elses_notice_cannot_be_dismissed(client, login, create_user):
    anna, piotr = create_user("resident", login="anna"), create_user("resident", login="piotr")
    notice = notices.tell(anna, "Your booking was cancelled.")
    db.session.commit()
    login(client, piotr)
    assert "was cancelled" not in client.get("/").get_data(as_text=True)
    token = Auth(client).csrf_token("/")
    assert client.post(f"/notices/{notice.id}/seen", data={"csrf_token": token}).status_code == 404
    assert db.session.get(ResidentNotice, notice.id).seen_at is None


def test_off_site_redirect_is_refused(client, login, create_user):
    anna = create_user("resident", login="anna")
    notice = notices.tell(anna, "Moved.")
    db.session.commit()
    login(client, anna)
    token = Auth(client).csrf_token("/")
    reply = client.post(f"/notices/{notice.id}/seen",
                        data={"csrf_token": token, "next": "https://evil.example/"})
    assert reply.location.endswith("/") and "evil" not in reply.location
