"""Scheduler jobs of remote actions: power schedules and hosts whose worker was lost."""
import logging

from telecentre.extensions import db
from telecentre.jobs import job

log = logging.getLogger("telecentre.remote")


@job("remote.power", "interval", minutes=1)
def power_schedules():
    """Wake PCs before opening and shut them down after closing (see ``remote.power``).

    The due steps are committed first, then every PC of each shutdown run is
    sent to the workers as a task of its own: a site closing with 30 PCs
    takes as long as its slowest PC.
    """
    from .power import power_tick
    from .tasks import dispatch_run
    run_ids = power_tick()
    db.session.commit()
    hosts = sum(dispatch_run(run_id) for run_id in run_ids)
    return {"runs": run_ids, "hosts": hosts}


@job("remote.recover_runs", "interval", seconds=10)
def recover_runs():
    """Report (or queue again, when safe) the hosts whose worker died while carrying them out."""
    from .tasks import recover_hosts
    return recover_hosts()
