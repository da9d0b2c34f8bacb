"""Fixtures for the agent's tests: a fake protocol server and real agent processes."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
for path in (HERE, ROOT):  # works whatever pytest's import mode is
    if path not in sys.path:
        sys.path.insert(0, path)

from agent_fakeserver import FakeServer  # noqa: E402
from agent_process import WAIT, AgentProcess  # noqa: E402,F401


def pytest_collection_modifyitems(config, items):
    """Every test here is marked `agent`: none needs the database, so CI runs them once
    (`-m agent` on its own, `-m "not agent"` for the runs on each database)."""
    for item in items:
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.agent)


@pytest.fixture
def fake_server():
    """A running fake server on a free port in 18000-18999."""
    server = FakeServer().start()
    yield server
    server.stop()


@pytest.fixture
def agents():
    """Start agent processes with `agents(...)`; all are stopped at the end."""
    started = []

    def start(*args, **kwargs):
        process = AgentProcess(*args, **kwargs)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.proc.poll() is None:
            process.proc.kill()
            process.proc.wait(WAIT)
        for pipe in (process.proc.stdin, process.proc.stdout, process.proc.stderr):
            pipe.close()
