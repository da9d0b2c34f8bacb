"""Remote actions end to end against the real sshd: services, storage, alerts, audit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from telecentre.alerts.models import Alert
from telecentre.audit.models import AuditEntry
from telecentre.common.errors import Forbidden, InvalidInput
from telecentre.extensions import db
from telecentre.remote.execution import execute_run
from telecentre.remote.hostkeys import HostKeyPin
from telecentre.remote.models import RemoteRun, SshCredential
from telecentre.remote.services import approve_host_key, create_run, host_key_alert_key


def audit_actions():
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_private_key_is_stored_encrypted(reachable_seat, sshd):
    reachable_seat()
    credential = db.session.scalar(select(SshCredential))
    assert "PRIVATE KEY" not in credential.private_key_encrypted
    assert sshd.client_key_text.split("\n")[1] not in credential.private_key_encrypted
    assert credential.public_key.startswith("ssh-ed25519 ")


def test_action_run_from_the_service_stores_its_output(reachable_seat, it_user):
    seat = reachable_seat()
    run = create_run(it_user, "disk_diagnostics", {}, [seat], scope="test")
    db.session.commit()
    execute_run(run.id)
    db.session.expire_all()
    run = db.session.get(RemoteRun, run.id)
    [host] = run.hosts
    assert run.status == "finished" and run.finished_at is not None
    assert (host.status, host.exit_code) == ("done", 0)
    assert "Filesystem" in host.output_tail
    assert host.address == "127.0.0.1" and host.started_at <= host.finished_at
    assert "remote.run.disk_diagnostics" in audit_actions()


def test_changed_host_key_refuses_and_alerts(reachable_seat, sshd, sshd_factory, it_user):
    moved = sshd_factory(host_key_types=("ed25519",))
    # The seat's pin is the first server's key; the machine now answers with another.
    seat = reachable_seat(server=moved, pin=sshd.host_keys["ssh-ed25519"])
    run = create_run(it_user, "collect_logs", {}, [seat])
    db.session.commit()
    execute_run(run.id)
    [host] = db.session.get(RemoteRun, run.id).hosts
    assert host.status == "host_key_mismatch" and host.exit_code is None
    assert "publickey for" not in moved.log()  # refused before logging in
    alert = db.session.scalar(select(Alert).where(Alert.key == host_key_alert_key(seat)))
    assert alert.status == "open" and alert.severity == "critical" and alert.source == "remote"
    assert alert.details["presented"] == HostKeyPin.parse(
        moved.host_keys["ssh-ed25519"]).fingerprint
    assert alert.details["expected"] == HostKeyPin.parse(sshd.host_keys["ssh-ed25519"]).fingerprint
    assert "remote.host_key.mismatch" in audit_actions()
    # IT checks the machine and approves its new key once: the alert is resolved.
    approve_host_key(it_user, seat, moved.host_keys["ssh-ed25519"])
    db.session.commit()
    assert db.session.get(Alert, alert.id).status == "resolved"


def test_dead_hosts_time_out_without_holding_up_the_others(reachable_seat, sshd, it_user,
                                                          silent_port, closed_port):
    seats = [reachable_seat(name="SILENT", port=silent_port),
             reachable_seat(name="CLOSED", port=closed_port),
             reachable_seat(name="PC-A"), reachable_seat(name="PC-B")]
    run = create_run(it_user, "disk_diagnostics", {}, seats)
    db.session.commit()
    names = {str(h.id): h.seat_name for h in run.hosts}
    events = []
    execute_run(run.id, max_parallel=2, connect_timeout=4,
                on_progress=lambda e: events.append((names[e.key], e.status)))
    status = {h.seat_name: h.status for h in db.session.get(RemoteRun, run.id).hosts}
    assert status == {"SILENT": "timeout", "CLOSED": "unreachable", "PC-A": "done",
                      "PC-B": "done"}
    finished = [name for name, st in events if st not in ("queued", "running")]
    assert finished.index("PC-A") < finished.index("SILENT")
    assert finished.index("PC-B") < finished.index("SILENT")


def test_seat_without_pinned_key_or_address_is_refused(app, create_seat, reachable_seat,
                                                       it_user):
    reachable_seat()
    bare = create_seat(name="NEW-PC")
    run = create_run(it_user, "disk_diagnostics", {}, [bare])
    db.session.commit()
    execute_run(run.id)
    [host] = db.session.get(RemoteRun, run.id).hosts
    assert host.status == "no_address"


@pytest.mark.parametrize("role", ["it", "attendant", "resident"])
def test_non_admin_cannot_run_adhoc(reachable_seat, create_user, role):
    seat = reachable_seat()
    user = create_user(role=role)
    with pytest.raises(Forbidden):
        create_run(user, "adhoc", {"command": "id"}, [seat], confirmed=True)
    assert db.session.scalar(select(RemoteRun)) is None


def test_admin_runs_adhoc_only_after_confirming(reachable_seat, admin):
    seat = reachable_seat()
    with pytest.raises(InvalidInput) as caught:
        create_run(admin, "adhoc", {"command": "echo adhoc-ok; exit 3"}, [seat])
    assert caught.value.code == "confirmation_required"
    run = create_run(admin, "adhoc", {"command": "echo adhoc-ok; exit 3"}, [seat],
                     confirmed=True)
    db.session.commit()
    execute_run(run.id)
    [host] = db.session.get(RemoteRun, run.id).hosts
    assert (host.status, host.exit_code, host.output_tail) == ("failed", 3, "adhoc-ok\n")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "remote.run.adhoc"))
    assert entry.actor_id == admin.id
    assert entry.details["params"] == {"command": "echo adhoc-ok; exit 3"}


def test_bad_parameters_are_refused_with_translated_messages(reachable_seat, it_user):
    seat = reachable_seat()
    with pytest.raises(InvalidInput) as caught:
        create_run(it_user, "update_agent", {"version": "1.0 && reboot"}, [seat])
    assert caught.value.details["fields"]["version"].startswith("Pole „Wersja” musi mieć postać")
    assert db.session.scalar(select(RemoteRun)) is None


def test_hosts_lost_with_their_worker_are_reported_or_run_again(app, reachable_seat, it_user):
    from datetime import timedelta

    from telecentre.common.time import utcnow
    from telecentre.remote.execution import recover_runs
    from telecentre.remote.tasks import host_lock
    from telecentre.tasks.locks import HeldLocks
    seat = reachable_seat()
    # The worker died while it ran a shutdown (not safe to repeat) and a disk check (safe).
    shutdown = create_run(it_user, "shutdown", {}, [seat])
    check = create_run(it_user, "disk_diagnostics", {}, [seat])
    busy = create_run(it_user, "restart_agent", {}, [seat])
    lost_message = create_run(it_user, "disk_diagnostics", {}, [seat])
    fresh = create_run(it_user, "disk_diagnostics", {}, [seat])
    for run in (shutdown, check, busy):
        run.status, run.hosts[0].status, run.hosts[0].attempts = "running", "running", 1
    lost_message.created_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    alive = HeldLocks(app, "a live worker")
    assert alive.try_acquire(host_lock(busy.hosts[0].id))  # this one's worker is alive
    try:
        assert recover_runs() == 3
    finally:
        alive.release()
    db.session.expire_all()
    host = shutdown.hosts[0]
    assert (shutdown.status, host.status) == ("finished", "lost")
    assert "powtórzenie nie jest bezpieczne" in host.error and host.exit_code is None
    # Run again (here and now: tasks are eager in tests), once more in all.
    assert (check.status, check.hosts[0].status, check.hosts[0].attempts) == (
        "finished", "done", 2)
    assert (lost_message.status, lost_message.hosts[0].status) == ("finished", "done")
    assert (busy.status, busy.hosts[0].status) == ("running", "running")
    assert (fresh.status, fresh.hosts[0].status) == ("queued", "queued")
    # A recovered run is not carried out any more.
    assert execute_run(shutdown.id) is None


def test_ssh_key_survives_a_secrets_key_rotation(runner, reachable_seat, it_user):
    from telecentre.remote.services import client_key, credential_for
    seat = reachable_seat()
    before = credential_for(None).private_key_encrypted
    result = runner.invoke(args=["secrets", "rotate"])
    assert result.exit_code == 0 and "1 secret(s) re-encrypted" in result.output
    db.session.expire_all()
    credential = credential_for(None)
    assert credential.private_key_encrypted != before
    assert client_key(credential).get_name() == "ssh-ed25519"
    run = create_run(it_user, "disk_diagnostics", {}, [seat])
    db.session.commit()
    execute_run(run.id)
    assert db.session.get(RemoteRun, run.id).hosts[0].status == "done"


def test_only_read_only_actions_are_tried_again_when_the_pc_does_not_answer(
        app, reachable_seat, it_user, closed_port):
    from telecentre.remote.tasks import dispatch_run
    app.config.update(REMOTE_RETRIES=2, REMOTE_CONNECT_TIMEOUT=2)
    seat = reachable_seat(name="CLOSED", port=closed_port)
    check = create_run(it_user, "disk_diagnostics", {}, [seat])
    power_off = create_run(it_user, "shutdown", {}, [seat])
    db.session.commit()
    for run in (check, power_off):
        dispatch_run(run.id)  # tasks run here and now in tests
    db.session.expire_all()
    assert [(h.status, h.attempts) for h in check.hosts] == [("unreachable", 3)]
    assert [(h.status, h.attempts) for h in power_off.hosts] == [("unreachable", 1)]
    assert check.status == power_off.status == "finished"
