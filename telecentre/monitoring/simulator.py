"""Run snmpsim on loopback: the simulated devices for tests and the demo.

snmpsim serves one data file per community (``router.snmprec`` answers the
community ``router``) on every endpoint it listens on.  As root it must drop
to an unprivileged user; the Python it runs from may live where that user
cannot read (here under /root), so the launcher imports up front every
standard-library module snmpsim would otherwise load after dropping.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

_LAUNCHER = """
import sys, dbm, dbm.dumb, math, random, encodings.latin_1, encodings.ascii, hmac
for optional in ("dbm.gnu", "dbm.ndbm"):
    try:
        __import__(optional)
    except ImportError:
        pass
from snmpsim.commands.responder import main
sys.argv[0] = "snmpsim-command-responder"
sys.exit(main())
"""



def _terminate(process: subprocess.Popen | None) -> None:
    """End a simulator started in its own session: SIGTERM to the group, SIGKILL after 5 s."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)

class SnmpSimulator:
    """One snmpsim process serving the ``.snmprec`` files in ``data_dir``.

    Use as a context manager or call :meth:`start` / :meth:`stop`.
    """

    def __init__(self, data_dir: str, endpoints: list[tuple[str, int]],
                 v3_user: tuple[str, str, str] | None = None, log_path: str | None = None):
        self.data_dir = data_dir
        self.endpoints = endpoints
        self.v3_user = v3_user
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self._cache_dir: str | None = None

    def command(self) -> list[str]:
        """The snmpsim command line."""
        self._cache_dir = tempfile.mkdtemp(prefix="snmpsim-cache-")
        args = [sys.executable, "-c", _LAUNCHER, f"--data-dir={self.data_dir}",
                f"--cache-dir={self._cache_dir}"]
        args += [f"--agent-udpv4-endpoint={ip}:{port}" for ip, port in self.endpoints]
        if self.v3_user:
            user, auth_key, priv_key = self.v3_user
            args += [f"--v3-user={user}", f"--v3-auth-key={auth_key}", "--v3-auth-proto=SHA",
                     f"--v3-priv-key={priv_key}", "--v3-priv-proto=AES"]
        if os.geteuid() == 0:
            # snmpsim drops to nobody: give it its own cache folder, not a world-writable one.
            import pwd
            nobody = pwd.getpwnam("nobody")
            os.chown(self._cache_dir, nobody.pw_uid, nobody.pw_gid)
            os.chmod(self._cache_dir, 0o700)
            args += ["--process-user=nobody", "--process-group=nogroup"]
        if self.log_path:
            args.append(f"--logging-method=file:{self.log_path}")
        else:
            args.append("--logging-method=null")
        return args

    def start(self, ready_oid_community: str | None = None, wait: float = 15.0) -> SnmpSimulator:
        """Start snmpsim; with ``ready_oid_community`` wait until it answers."""
        os.chmod(self.data_dir, 0o755)
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        if ready_oid_community:
            self.wait_ready(ready_oid_community, wait)
        return self

    def wait_ready(self, community: str, wait: float) -> None:
        """Poll the first endpoint with ``snmpget``-free pysnmp until it answers."""
        from .snmp import Credentials, SnmpRunner, SnmpTimeout, Target
        ip, port = self.endpoints[0]
        runner = SnmpRunner(timeout=0.3, retries=0)
        try:
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"snmpsim exited with {self.process.returncode}")
                try:
                    runner.get(Target(ip, port, Credentials(community=community)),
                               ["1.3.6.1.2.1.1.3.0"])
                    return
                except SnmpTimeout:
                    time.sleep(0.2)
            raise RuntimeError("snmpsim did not answer in time")
        finally:
            runner.close()

    def stop(self) -> None:
        """Stop the process (its whole session) and remove the index cache."""
        _terminate(self.process)
        if self._cache_dir:
            shutil.rmtree(self._cache_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class NetSnmpd:
    """net-snmp's ``snmpd`` on loopback addresses, for load and SNMPv3.

    One process can listen on hundreds of address:port pairs, each one a
    "device" to the poller; it serves this machine's real IF-MIB,
    HOST-RESOURCES-MIB and UCD-SNMP-MIB.
    """

    def __init__(self, endpoints: list[tuple[str, int]], community: str = "public",
                 v3_user: tuple[str, str, str] | None = None):
        self.endpoints = endpoints
        self.community = community
        self.v3_user = v3_user
        self.process: subprocess.Popen | None = None
        self.workdir = tempfile.mkdtemp(prefix="snmpd-")

    def config(self) -> str:
        """The snmpd.conf text."""
        # The listening addresses go on the command line: snmpd.conf lines are
        # cut at about 2.5 KB, which silently drops most of a long list.
        lines = [f"rocommunity {self.community} 127.0.0.0/8",
                 "dontLogTCPWrappersConnects yes"]
        if self.v3_user:
            user, auth_key, priv_key = self.v3_user
            lines += [f'createUser {user} SHA "{auth_key}" AES "{priv_key}"',
                      f"rouser {user} priv"]
        return "\n".join(lines) + "\n"

    def start(self, wait: float = 10.0) -> NetSnmpd:
        """Start snmpd in the foreground and wait until it answers."""
        conf = os.path.join(self.workdir, "snmpd.conf")
        with open(conf, "w", encoding="utf-8") as fh:
            fh.write(self.config())
        # A private persistent dir keeps the v3 user's engine state out of
        # /var/lib/snmp; MIBS= stops snmpd parsing MIB files it does not need.
        env = dict(os.environ, SNMP_PERSISTENT_DIR=os.path.join(self.workdir, "persist"),
                   MIBS="", MIBDIRS=self.workdir)
        self.process = subprocess.Popen(
            ["snmpd", "-f", "-C", "-c", conf, "-Lf", os.path.join(self.workdir, "log"),
             "-p", os.path.join(self.workdir, "pid"),
             ",".join(f"udp:{ip}:{port}" for ip, port in self.endpoints)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        from .snmp import Credentials, SnmpRunner, SnmpTimeout, Target
        ip, port = self.endpoints[0]
        runner = SnmpRunner(timeout=0.3, retries=0)
        try:
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"snmpd exited with {self.process.returncode}")
                try:
                    runner.get(Target(ip, port, Credentials(community=self.community)),
                               ["1.3.6.1.2.1.1.3.0"])
                    return self
                except SnmpTimeout:
                    time.sleep(0.2)
            raise RuntimeError("snmpd did not answer in time")
        finally:
            runner.close()

    def stop(self) -> None:
        """Stop snmpd and remove its working directory."""
        _terminate(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
