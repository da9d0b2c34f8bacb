"""A clean slate on Linux: the public account back to its template after every session.

Run by the service (root) when a session ends, before the lock screen comes
back: the account's sessions are terminated and every process it still has
is killed (so nothing can write into the home while it is reset, and no
symlink can be swapped under our feet), its print jobs are cancelled, its
home is emptied and filled again from the template (browser profiles,
caches, downloads, documents go with it), and what it left in /tmp, /var/tmp
and /dev/shm is removed. Removal never follows a symlink: shutil.rmtree
works on directory descriptors on Linux.
"""

import os
import pwd
import shutil
import signal
import subprocess
import time

TEMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108 - we clean them, we do not use them
KILL_ROUNDS = 100


def user_processes(uid, proc="/proc"):
    """Pids of the processes whose real or effective uid is `uid`."""
    found = []
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        try:
            with open(f"{proc}/{name}/status", encoding="ascii", errors="replace") as handle:
                for line in handle:
                    if line.startswith("Uid:"):
                        real, effective = (int(v) for v in line.split()[1:3])
                        if uid in (real, effective):
                            found.append(int(name))
                        break
        except (OSError, ValueError):
            continue
    return found


def kill_user_processes(uid, proc="/proc", sleep=time.sleep):
    """SIGKILL every process of `uid` until none is left (forks included); how many were killed."""
    killed = set()
    for _ in range(KILL_ROUNDS):
        pids = [pid for pid in user_processes(uid, proc) if pid != os.getpid()]
        if not pids:
            return len(killed)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except OSError:
                pass
        sleep(0.05)
    return len(killed)


def _remove(path):
    """Remove a file, link or directory tree without following symlinks."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _chown_tree(top, uid, gid):
    os.lchown(top, uid, gid)
    for directory, dirs, files in os.walk(top):
        for name in dirs + files:
            os.lchown(os.path.join(directory, name), uid, gid)


def restore_home(home, template, uid, gid):
    """Empty `home` and copy `template` into it, owned by the account, mode 0700."""
    if not os.path.isabs(home) or os.path.realpath(home) in ("/", os.path.realpath(template)):
        raise ValueError(f"refusing to reset {home!r}")
    if os.path.islink(home):
        raise ValueError(f"refusing to reset {home!r}: it is a symlink")
    os.makedirs(home, exist_ok=True)
    for entry in os.scandir(home):
        _remove(entry.path)
    for entry in os.scandir(template):
        target = os.path.join(home, entry.name)
        if entry.is_dir(follow_symlinks=False):
            shutil.copytree(entry.path, target, symlinks=True)
        else:
            shutil.copy2(entry.path, target, follow_symlinks=False)
    _chown_tree(home, uid, gid)
    os.chmod(home, 0o700)


def clean_temp(uid, dirs=TEMP_DIRS):
    """Remove what the account left at the top of the shared temporary directories."""
    removed = 0
    for top in dirs:
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    _remove(entry.path)
                    removed += 1
            except OSError:
                continue
    return removed


def print_job_commands(user):
    """The commands that cancel the account's print jobs (CUPS), as argv lists."""
    return [["cancel", "-u", user]]


def _run(argv):
    if shutil.which(argv[0]) is None:
        return False
    try:
        return subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # noqa: S603
                              timeout=15, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class CleanSlate:
    """Resets one public account; `reset()` returns what it did, for the `os_action` event."""

    def __init__(self, user, template, temp_dirs=TEMP_DIRS):
        entry = pwd.getpwnam(user)
        if entry.pw_uid == 0:
            raise ValueError("the public account cannot be root")
        self.user, self.uid, self.gid, self.home = user, entry.pw_uid, entry.pw_gid, entry.pw_dir
        self.template = template
        self.temp_dirs = temp_dirs

    def reset(self):
        """Log the account out, kill its processes, cancel its print jobs, restore its home."""
        _run(["loginctl", "terminate-user", self.user])
        killed = kill_user_processes(self.uid)
        printing = all(_run(argv) for argv in print_job_commands(self.user))
        restore_home(self.home, self.template, self.uid, self.gid)
        temp = clean_temp(self.uid, self.temp_dirs)
        # Something may have started between the kill and the copy (cron, at): once more.
        killed += kill_user_processes(self.uid)
        return {"killed": killed, "print_jobs_cancelled": printing, "temp_removed": temp}
