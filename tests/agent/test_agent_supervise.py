"""The supervisor used on Windows restarts a crashed agent and stops on the agent's own exits."""

import subprocess
import sys
from pathlib import Path

from agent.supervise import supervise

ROOT = Path(__file__).resolve().parents[2]


def _exits(*codes, tmp_path):
    """A command that exits with the next of ``codes`` each time it runs."""
    counter = tmp_path / "runs"
    counter.write_text("0")
    script = (f"import pathlib, sys; p = pathlib.Path({str(counter)!r}); n = int(p.read_text()); "
              f"p.write_text(str(n + 1)); sys.exit({list(codes)!r}[n])")
    return [sys.executable, "-c", script], counter


def test_a_crash_is_restarted_with_growing_pauses_until_a_final_exit(tmp_path):
    command, counter = _exits(1, -11, 1, 3, tmp_path=tmp_path)
    pauses = []
    assert supervise(command, sleep=pauses.append) == 3
    assert counter.read_text() == "4"
    assert pauses == [5.0, 10.0, 20.0]


def test_stopped_and_bad_options_are_not_restarted(tmp_path):
    for code in (0, 2):
        command, counter = _exits(code, 1, tmp_path=tmp_path)
        assert supervise(command, sleep=lambda _: None) == code
        assert counter.read_text() == "1"


def test_the_real_agent_with_bad_options_ends_the_supervisor(tmp_path):
    result = subprocess.run([sys.executable, "-m", "agent.supervise", "--server", "http://x"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
