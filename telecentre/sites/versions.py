"""A site's ``config_version``: raised with every change to what a booking is checked against.

That is the site itself, its seats, weekly hours, dated exceptions and policy.
The booking API keeps a copy of those per process (``telecentre/booking/context.py``)
and trusts it only while the site's version is the one the copy was read with.

The version is raised in the transaction that makes the change: after each ORM
flush for the rows it wrote, and for every site after a bulk ``UPDATE`` or
``DELETE`` through the session on one of those tables. A change written past
the application (psql) should raise it too (``UPDATE sites SET config_version =
config_version + 1``); the copies are also read again after a minute at most.
"""
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from telecentre.sites.models import Site

TRACKED = frozenset({"sites", "seats", "opening_hours", "opening_exceptions", "site_policies"})
_sites = Site.__table__


def _raise(session, site_ids=None) -> None:
    statement = update(_sites).values(config_version=_sites.c.config_version + 1)
    if site_ids is not None:
        statement = statement.where(_sites.c.id.in_(sorted(site_ids)))
    # Core on the session's connection: no ORM events, so no flush of its own.
    session.connection().execute(statement)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context) -> None:
    """Raise the version of every site whose rows this flush wrote (pre-flush lists here)."""
    sites = set()
    for group, changed_only in ((session.new, False), (session.dirty, True),
                                (session.deleted, False)):
        for obj in group:
            table = getattr(getattr(obj, "__table__", None), "name", None)
            if table not in TRACKED:
                continue
            if changed_only and not session.is_modified(obj, include_collections=True):
                continue
            if table == "sites":
                if obj in session.new or obj in session.deleted:
                    continue  # a new site starts at 0; a deleted one needs none
                sites.add(obj.id)
            elif obj.site_id is not None:
                sites.add(obj.site_id)
    if sites:
        _raise(session, sites)


@event.listens_for(Session, "do_orm_execute")
def _after_bulk(state):
    """A bulk UPDATE or DELETE of a tracked table may touch any site: raise them all."""
    if not (state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in TRACKED:
        return None
    result = state.invoke_statement()
    _raise(state.session)
    return result
