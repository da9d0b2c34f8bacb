"""Usage sessions: what really happened on a seat."""
