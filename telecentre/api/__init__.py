"""The JSON API's shared parts: body parsing and the OpenAPI document."""


def init_app(app):
    """Register the OpenAPI document route."""
    from telecentre.api.views import bp
    app.register_blueprint(bp)
