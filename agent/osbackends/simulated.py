"""A backend that only records what it was asked to do (tests, demo, headless)."""


class SimulatedBackend:
    """Records each action in `actions` and reports it, so it shows as an event."""

    name = "simulated"

    def __init__(self, report):
        self._report = report
        self.actions = []

    def _do(self, action, **details):
        self.actions.append(action)
        self._report(action, **details)

    def lock_screen(self):
        """Record a screen lock."""
        self._do("lock_screen")

    def unlock_screen(self):
        """Record a screen unlock."""
        self._do("unlock_screen")

    def logoff(self):
        """Record the OS user being logged off."""
        self._do("logoff")

    def reboot(self):
        """Record a reboot (nothing restarts)."""
        self._do("reboot")

    def shutdown(self):
        """Record a shutdown (nothing stops)."""
        self._do("shutdown")

    def notify(self, text):
        """Nothing to show besides the UI's own message."""

    def idle_seconds(self):
        """Unknown: the agent uses the time since the last UI input."""
        return None

    def os_user(self):
        """No OS session is simulated."""
        return None
