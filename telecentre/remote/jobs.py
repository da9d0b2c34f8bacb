"""Scheduler jobs of remote actions: power schedules and lost runs."""
import logging

from telecentre.extensions import db
from telecentre.jobs import job

log = logging.getLogger("telecentre.remote")


@job("remote.power", "interval", minutes=1)
def power_schedules():
    """Wake PCs before opening and shut them down after closing (see ``remote.power``).

    The due steps are committed first, then each shutdown run is carried out
    here, in the scheduler process (it commits per host).
    """
    from .execution import execute_run
    from .power import power_tick
    run_ids = power_tick()
    db.session.commit()
    for run_id in run_ids:
        execute_run(run_id)
    return {"runs": run_ids}


@job("remote.recover_runs", "interval", minutes=5)
def recover_runs():
    """Finish runs whose web worker died while carrying them out."""
    from .execution import recover_runs as recover
    return {"recovered": recover()}
