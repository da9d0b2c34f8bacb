"""Operations: health and readiness probes."""


def init_app(app):
    """Register the probes."""
    from telecentre.ops import cli, metrics
    from telecentre.ops.views import bp
    app.register_blueprint(bp)
    app.after_request(metrics.observe)
    app.cli.add_command(cli.backup_command)
    app.cli.add_command(cli.restore_command)
    app.cli.add_command(cli.backup_key_command)
