"""Alerts raised by monitoring, remote actions and agents."""


def init_app(app):
    """Alerts have no pages of their own yet; monitoring shows them."""
