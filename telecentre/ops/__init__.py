"""Operations: health and readiness probes."""


def init_app(app):
    """Register the probes."""
    from telecentre.ops.views import bp
    app.register_blueprint(bp)
