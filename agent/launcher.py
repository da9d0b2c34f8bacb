"""Starting the UI process, as the public user, and knowing it again when it connects.

The service (root) starts the UI with `runuser -u USER --`; without root (a
developer, the tests, `make demo`) it starts it as itself. A process that
connects to the channel is accepted only if it descends from the process we
started and runs as the expected uid: the public user can run programs of its
own, but none of them is a child of our `runuser`.
"""

import os
import pwd
import shutil
import signal
import subprocess
import time

KILL_GRACE = 2.0


def parent_pid(pid, proc="/proc"):
    """The parent of `pid`, or None when it is gone."""
    try:
        with open(f"{proc}/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces or ")"; fields follow the last ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[1]) if len(fields) > 1 else None


def descends_from(pid, ancestor, proc="/proc"):
    """True when `ancestor` is `pid` or one of its parents."""
    seen = 0
    while pid and pid > 1 and seen < 64:
        if pid == ancestor:
            return True
        pid = parent_pid(pid, proc)
        seen += 1
    return False


def descendants(root, proc="/proc"):
    """Every live process below `root` (not `root` itself)."""
    children = {}
    for name in os.listdir(proc):
        if name.isdigit():
            parent = parent_pid(int(name), proc)
            if parent:
                children.setdefault(parent, []).append(int(name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class UiLauncher:
    """Starts, watches and stops the UI process."""

    def __init__(self, command, public_user=None, env=None, cwd=None):
        self.command = list(command)
        self.cwd = cwd  # `python -m` looks here first: never a directory the user may write
        self.env = dict(env or {})
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0 and bool(public_user)
        if self.as_root:
            entry = pwd.getpwnam(public_user)
            self.user, self.uid, self.gid, self.home = (
                public_user, entry.pw_uid, entry.pw_gid, entry.pw_dir)
        else:
            self.user, self.uid, self.gid, self.home = None, os.getuid(), os.getgid(), None
        self.proc = None

    def argv(self):
        """The command that starts the UI (through runuser when we are root)."""
        if not self.as_root:
            return self.command
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        env = dict(self.env, HOME=self.home, USER=self.user, LOGNAME=self.user)
        pairs = [f"{key}={value}" for key, value in sorted(env.items())]
        return [runuser, "-u", self.user, "--", "/usr/bin/env", *pairs, *self.command]

    def start(self):
        """Start the UI; stdin and stdout are shared with the service (console UI)."""
        env = None if self.as_root else dict(os.environ, **self.env)
        self.proc = subprocess.Popen(self.argv(), env=env, cwd=self.cwd,  # noqa: S603
                                     close_fds=True)
        return self.proc

    def running(self):
        """True while the process we started is alive."""
        return self.proc is not None and self.proc.poll() is None

    def owns(self, pid, uid):
        """True when the connecting process (kernel-reported pid and uid) is our UI."""
        if self.proc is None or uid != self.uid:
            return False
        return descends_from(pid, self.proc.pid)

    def stop(self, grace=KILL_GRACE):
        """End the UI and whatever it started; waits for it."""
        if self.proc is None:
            return
        tree = descendants(self.proc.pid) if os.path.isdir("/proc") else []
        if self.proc.poll() is None:
            self.proc.terminate()
        for pid in tree:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in tree:
            _signal(pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except OSError:
        pass


class SystemdUiLauncher:
    """The lock screen as its own systemd unit (`User=` the public account).

    The service starts and stops the unit; a connecting process is ours when
    the kernel puts it in that unit's cgroup (only root can move a process
    there) and it runs as the public account.
    """

    def __init__(self, unit, public_user, run=subprocess.run, proc="/proc",
                 cgroup_root="/sys/fs/cgroup/system.slice"):
        self.unit = unit
        self.uid = pwd.getpwnam(public_user).pw_uid
        self.gid = pwd.getpwnam(public_user).pw_gid
        self._run = run
        self._proc = proc
        self._procs_file = os.path.join(cgroup_root, unit, "cgroup.procs")
        self.proc = None  # not None once we asked systemd to start it

    def _systemctl(self, *args):
        try:
            return self._run(["systemctl", *args, self.unit], capture_output=True,  # noqa: S603,S607
                             timeout=30, check=False).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    def start(self):
        """(Re)start the unit."""
        self._systemctl("restart")
        self.proc = self.unit
        return self.proc

    def running(self):
        """True while the unit has a process (read from its cgroup: no fork per check)."""
        try:
            with open(self._procs_file, encoding="ascii") as handle:
                return bool(handle.read().strip())
        except OSError:
            return False

    def owns(self, pid, uid):
        """True when `pid` (from the kernel) is in the unit's cgroup and runs as the account."""
        if uid != self.uid:
            return False
        try:
            with open(f"{self._proc}/{pid}/cgroup", encoding="ascii") as handle:
                paths = [line.strip().split(":", 2)[-1] for line in handle]
        except OSError:
            return False
        return any(path.rstrip("/").endswith("/" + self.unit) for path in paths)

    def stop(self, grace=KILL_GRACE):
        """Stop the unit (systemd kills its whole cgroup)."""
        if self.proc is not None:
            self._systemctl("stop")
