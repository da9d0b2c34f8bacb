"""Health figures for the heartbeat: CPU, memory, disk, uptime, logged-in OS user.

psutil when installed; otherwise /proc on Linux and Win32 calls on Windows.
A figure that cannot be read is sent as null rather than guessed.
"""

import os
import shutil
import time

try:  # optional dependency
    import psutil
except ImportError:  # pragma: no cover - depends on the machine
    psutil = None


def _proc_cpu_times():
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values), idle


def _proc_memory_percent():
    info = {}
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            key, _, rest = line.partition(":")
            info[key] = int(rest.split()[0])
    total, available = info["MemTotal"], info.get("MemAvailable", info.get("MemFree", 0))
    return round(100.0 * (total - available) / total, 1)


def _windows_memory_percent():
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong)] + [
            (name, ctypes.c_ulonglong)
            for name in (
                "total",
                "avail",
                "totalPage",
                "availPage",
                "totalVirtual",
                "availVirtual",
                "availExt",
            )
        ]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))
    return float(status.dwMemoryLoad)


def uptime_seconds():
    """Seconds since boot, or None."""
    if psutil is not None:
        return int(time.time() - psutil.boot_time())
    try:
        with open("/proc/uptime", encoding="ascii") as handle:
            return int(float(handle.read().split()[0]))
    except OSError:
        pass
    if os.name == "nt":
        import ctypes

        return int(ctypes.windll.kernel32.GetTickCount64() / 1000)
    return None


class Health:
    """Collects one health dict per heartbeat; CPU is the average since the last call."""

    def __init__(self, disk_path=None):
        self.disk_path = disk_path or (
            os.environ.get("SystemDrive", "C:") + "\\" if os.name == "nt" else "/"
        )
        self._last_cpu = None

    def cpu_percent(self):
        """CPU busy percentage since the previous call (None on the first without psutil)."""
        if psutil is not None:
            return psutil.cpu_percent(interval=None)
        try:
            total, idle = _proc_cpu_times()
        except (OSError, ValueError, IndexError):
            return None
        last, self._last_cpu = self._last_cpu, (total, idle)
        if last is None or total == last[0]:
            return None
        return round(100.0 * (1 - (idle - last[1]) / (total - last[0])), 1)

    def memory_percent(self):
        """Memory in use, percent."""
        if psutil is not None:
            return psutil.virtual_memory().percent
        try:
            return _windows_memory_percent() if os.name == "nt" else _proc_memory_percent()
        except (OSError, ValueError, KeyError, ZeroDivisionError, AttributeError):
            return None

    def disk_percent(self):
        """Disk in use on the system drive, percent."""
        try:
            usage = shutil.disk_usage(self.disk_path)
        except OSError:
            return None
        return round(100.0 * usage.used / usage.total, 1) if usage.total else None

    def collect(self, os_user=None):
        """The `health` object of a heartbeat."""
        return {
            "cpu_percent": self.cpu_percent(),
            "memory_percent": self.memory_percent(),
            "disk_percent": self.disk_percent(),
            "uptime_seconds": uptime_seconds(),
            "os_user": os_user,
        }
