"""The process's one SNMP engine, on its own event-loop thread.

Created on first use with the app's ``SNMP_TIMEOUT``, ``SNMP_RETRIES`` and
``SNMP_FAST_V2C``, and kept for the life of the process (scheduler, CLI),
because an engine costs hundreds of milliseconds to build and only works in
the loop that made it.
"""
import atexit
import threading

from telecentre.monitoring.snmp import SnmpRunner

DEFAULT_TIMEOUT = 1.0
DEFAULT_RETRIES = 1
_lock = threading.Lock()
_runner: SnmpRunner | None = None


def runner(config) -> SnmpRunner:
    """Return the process's SnmpRunner, creating it from ``config`` the first time."""
    global _runner
    with _lock:
        if _runner is None:
            _runner = SnmpRunner(timeout=float(config.get("SNMP_TIMEOUT", DEFAULT_TIMEOUT)),
                                 retries=int(config.get("SNMP_RETRIES", DEFAULT_RETRIES)),
                                 fast_v2c=bool(config.get("SNMP_FAST_V2C", True)))
            atexit.register(shutdown)
        return _runner


def shutdown() -> None:
    """Close the runner (at exit, or in tests)."""
    global _runner
    with _lock:
        if _runner is not None:
            _runner.close()
            _runner = None
