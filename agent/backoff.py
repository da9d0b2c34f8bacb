"""Exponential backoff with jitter for everything the agent retries."""

import random


class Backoff:
    """Delays that double from `base` up to `cap` seconds, each jittered.

    "Equal jitter": a delay is drawn from [ceiling/2, ceiling], so that a
    county of agents that lost the server at the same moment does not come
    back in lock-step, and no delay is ever near zero (no tight loops).
    """

    def __init__(self, base=1.0, cap=60.0, rng=random.random):
        self.base = base
        self.cap = cap
        self._rng = rng
        self.attempts = 0

    def next_delay(self):
        """Return the delay before the next try and count one more failure."""
        ceiling = min(self.cap, self.base * (2**self.attempts))
        self.attempts += 1
        return ceiling / 2 + self._rng() * ceiling / 2

    def reset(self):
        """Forget the failures after a success."""
        self.attempts = 0
