"""A real CUPS server on loopback for the printing tests, and the printer behind it.

``CupsServer`` runs Debian's ``cupsd`` with its own configuration in a
directory of its own, listening on 127.0.0.1 and a free port, and adds held
queues (``job-hold-until-default=indefinite``) with ``lpadmin``. The printer
is ``SocketPrinter``: an AppSocket (port 9100 protocol) printer on a free
loopback port that writes every job it receives to its spool directory;
CUPS's own ``socket`` backend talks to it.

Why not ``ippeveprinter``: Debian builds it with DNS-SD through Avahi, and it
refuses to start ("Unable to initialize DNS-SD") without avahi-daemon on a
D-Bus system bus, which these containers do not run. AppSocket is what most
office printers speak as well.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

BINARIES = ("cupsd", "lpadmin", "lp")

CUPSD_CONF = """\
Listen 127.0.0.1:{port}
Browsing No
WebInterface No
LogLevel info
DefaultAuthType None
MaxJobTime 60
PreserveJobFiles No
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  # The telecentre server reads who printed and from where: private values visible.
  JobPrivateAccess all
  JobPrivateValues none
  <Limit All>
    Order deny,allow
    Deny from all
    Allow from 127.0.0.1
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """\
ServerRoot {root}/conf
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/tmp
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
Printcap {root}/printcap
"""


def missing_binaries() -> list[str]:
    """Return the CUPS programs that are not installed (scripts/system-deps.sh installs them)."""
    found = [shutil.which(b) or shutil.which(b, path="/usr/sbin:/usr/bin") for b in BINARIES]
    return [b for b, path in zip(BINARIES, found, strict=True) if not path]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float = 20.0, every: float = 0.05, what: str = "condition"):
    """Poll ``check()`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


class SocketPrinter:
    """An AppSocket printer on 127.0.0.1: each connection's bytes become one file."""

    def __init__(self, spool: Path):
        self.spool = spool
        self.spool.mkdir(parents=True, exist_ok=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return  # closed
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            if data:
                self.count += 1
                (self.spool / f"job-{self.count:03d}.prn").write_bytes(data)

    def received(self) -> list[bytes]:
        """Return the documents printed so far, oldest first."""
        return [p.read_bytes() for p in sorted(self.spool.glob("job-*.prn"))]

    def close(self):
        self.sock.close()


class CupsServer:
    """cupsd on 127.0.0.1:<free port> with its own configuration and spool."""

    def __init__(self):
        # Under /tmp and world-searchable: CUPS runs its backends as the user lp.
        self.root = Path(tempfile.mkdtemp(prefix="tc-cups-"))
        os.chmod(self.root, 0o755)
        for sub in ("conf", "spool", "cache", "state", "log"):
            (self.root / sub).mkdir()
            os.chmod(self.root / sub, 0o755)
        (self.root / "tmp").mkdir()
        os.chmod(self.root / "tmp", 0o1777)
        self.port = free_port()
        (self.root / "conf" / "cupsd.conf").write_text(CUPSD_CONF.format(port=self.port))
        (self.root / "conf" / "cups-files.conf").write_text(
            CUPS_FILES_CONF.format(root=self.root))
        self.printers: dict[str, SocketPrinter] = {}
        self.process = subprocess.Popen(
            [shutil.which("cupsd") or "/usr/sbin/cupsd", "-f",
             "-c", str(self.root / "conf" / "cupsd.conf"),
             "-s", str(self.root / "conf" / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._listening, what="cupsd to listen")

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            log = (self.root / "log" / "error_log")
            raise RuntimeError("cupsd exited: " + (log.read_text() if log.exists() else ""))
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def add_held_queue(self, name: str) -> SocketPrinter:
        """Add a queue that holds every job until released; return its own printer."""
        printer = self.printers[name] = SocketPrinter(self.root / "printed" / name)
        subprocess.run(
            ["lpadmin", "-h", self.server, "-p", name, "-E",
             "-v", f"socket://127.0.0.1:{printer.port}/?snmp=false", "-m", "raw",
             "-o", "job-hold-until-default=indefinite"],
            check=True, capture_output=True)
        return printer

    def submit(self, queue: str, path: Path, *, user: str | None = None,
               options: dict | None = None) -> int:
        """Print *path* to *queue* as a PC would (``lp``); return the CUPS job id."""
        cmd = ["lp", "-h", self.server, "-d", queue, "-t", "Private document name"]
        if user:
            cmd += ["-U", user]
        for key, value in (options or {}).items():
            cmd += ["-o", f"{key}={value}"]
        out = subprocess.run(cmd + [str(path)], check=True, capture_output=True, text=True)
        # "request id is QUEUE-12 (1 file(s))"
        return int(out.stdout.split(" is ", 1)[1].split()[0].rsplit("-", 1)[1])

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for printer in self.printers.values():
            printer.close()
        shutil.rmtree(self.root, ignore_errors=True)
