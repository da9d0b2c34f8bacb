"""Server-side SVG charts."""
from datetime import UTC, datetime, timedelta

from telecentre.monitoring.charts import line_chart

T0 = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)


def test_chart_scales_points_and_escapes_labels(app):
    with app.test_request_context():
        svg = str(line_chart({"in <b>": [(T0, 0.0), (T0 + timedelta(hours=1), 2_000_000.0)]},
                             "Traffic & more"))
    assert svg.startswith("<svg") and svg.count("<polyline") == 1
    assert "in &lt;b&gt;" in svg and "Traffic &amp; more" in svg
    assert ">2.0M<" in svg  # the top of the scale
    assert 'points="64.0,152.0 628.0,12.0"' in svg  # first point bottom left, last top right


def test_no_points_no_chart(app):
    with app.test_request_context():
        assert str(line_chart({"x": []}, "empty")) == ""
