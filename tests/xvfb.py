"""An Xvfb display for a test, on a number the X server picks itself.

``Xvfb -displayfd`` takes the first free display number and writes it once it
accepts connections: no guessed numbers (which another display or a stale
socket file of a killed one could already hold) and no polling for its socket.
"""
import os
import select
import subprocess
import time

WAIT = 20.0


def start(size: str = "1024x768x24", *, any_client: bool = False):
    """Start Xvfb; return (process, ":N"). ``any_client``: other local users may draw (-ac)."""
    read_end, write_end = os.pipe()
    argv = ["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"]
    if any_client:
        argv.append("-ac")
    process = subprocess.Popen(argv, pass_fds=(write_end,), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    os.close(write_end)
    text, deadline = b"", time.monotonic() + WAIT
    try:
        while not text.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([read_end], [], [], max(left, 0))
            chunk = os.read(read_end, 16) if ready else b""
            if not chunk:
                process.kill()
                raise RuntimeError("Xvfb did not start")
            text += chunk
    finally:
        os.close(read_end)
    return process, ":" + text.decode().strip()


def stop(process) -> None:
    process.terminate()
    try:
        process.wait(WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(WAIT)
