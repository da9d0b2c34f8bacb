"""`python -m agent.supervise [agent options]`: run the agent and start it again when it crashes.

For Windows, where the agent runs as a logon task of the public account (a
service cannot reach the user's desktop, see docs/agent.md) and Task Scheduler
does not restart a program that exits with an error. Exit statuses the agent
means (0 stopped, 2 bad options or enrolment refused, 3 revoked) end the
supervisor with the same status; anything else — a crash — starts the agent
again after a pause that doubles up to a minute and starts short again after
a run of ten minutes.
"""

import subprocess
import sys
import time

FINAL = (0, 2, 3)
FIRST_PAUSE, LONGEST_PAUSE, GOOD_RUN = 5.0, 60.0, 600.0


def supervise(command, sleep=time.sleep, clock=time.monotonic, max_starts=None):
    """Run ``command`` until it exits with a final status; return that status."""
    pause, starts = FIRST_PAUSE, 0
    while True:
        started = clock()
        status = subprocess.call(command)  # noqa: S603 (our own interpreter and module)
        starts += 1
        if status in FINAL or (max_starts is not None and starts >= max_starts):
            return status
        pause = FIRST_PAUSE if clock() - started >= GOOD_RUN else pause
        if sys.stderr is not None:  # None under pythonw.exe
            sys.stderr.write("agent exited with %s; starting it again in %.0f s\n"
                             % (status, pause))
        sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


def main(argv=None):
    """Supervise ``python -m agent`` with this interpreter (pythonw stays windowless)."""
    args = sys.argv[1:] if argv is None else argv
    return supervise([sys.executable, "-m", "agent", *args])


if __name__ == "__main__":
    sys.exit(main())
