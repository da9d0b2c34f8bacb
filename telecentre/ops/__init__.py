"""Operations: health and readiness probes."""


def init_app(app):
    """Register the probes."""
    from telecentre.ops import metrics
    from telecentre.ops.views import bp
    app.register_blueprint(bp)
    app.before_request(metrics.start_timer)
    app.after_request(metrics.observe)
