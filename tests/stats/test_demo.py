"""The demo history: true to the opening hours, the new site, idempotent."""
from datetime import timedelta

from sqlalchemy import func, select

from telecentre.common.time import local_today, to_local
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from telecentre.sites.services import intervals_on
from telecentre.stats.demo import NEW_SITE_AGE, seed
from telecentre.stats.models import MonthlySiteUsage


def test_demo_history(app, create_seat, site):
    create_seat(site="cycow", name="PC-01")
    create_seat(site="cycow", name="Infomat-1", kind="kiosk")
    create_seat(site="spiczyn", name="PC-01")
    added = seed()
    db.session.commit()
    assert added > 1000
    cycow = site("cycow")
    rows = db.session.execute(select(UsageSession.site_id, UsageSession.started_at,
                                     UsageSession.kind)).all()
    for site_id, started, _kind in rows:
        if site_id == cycow.id:
            local = to_local(started)
            minute = local.hour * 60 + local.minute
            assert any(o <= minute < c for o, c in intervals_on(cycow, local.date())), local
    opened = local_today() - timedelta(days=NEW_SITE_AGE)
    spiczyn = [to_local(s).date() for site_id, s, _k in rows if site_id == site("spiczyn").id]
    assert spiczyn and min(spiczyn) >= opened
    kinds = {k for _s, _t, k in rows}
    assert kinds == {"booked", "walk_in", "guest", "kiosk"}
    months = db.session.scalar(select(func.count(MonthlySiteUsage.id)).where(
        MonthlySiteUsage.sessions > 0))
    assert months >= 12
    assert seed() == 0  # a second run adds nothing
    assert db.session.scalar(select(func.count(UsageSession.id))) == len(rows)
