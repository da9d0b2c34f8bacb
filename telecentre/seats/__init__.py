"""Seats: the public PCs and kiosks."""


def init_app(app):
    """Register the seat API and the ``seats`` commands."""
    from telecentre.seats import api, cli
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.seats)
