"""A site's topology as a server-rendered SVG: devices on a circle, a line per neighbour pair.

No script and no library: a handful of devices per site fits a circle, and the
page shows the same links as a table beside the picture (the table is what
screen readers use; the picture is marked as an image with a title).
"""
from __future__ import annotations

import math

from markupsafe import Markup, escape

WIDTH, HEIGHT, RADIUS, NODE = 640, 480, 180, 14


def _node_key(device_id: int | None, name: str, address: str | None) -> str:
    return f"d{device_id}" if device_id else f"n:{name or address or '?'}"


def graph(devices, links) -> tuple[dict[str, dict], list[tuple[str, str, str]]]:
    """Nodes (``key -> {label, known, device_id}``) and edges (``(a, b, ports)``), one per pair."""
    nodes = {_node_key(d.id, d.name, d.address): {"label": d.name, "known": True,
                                                   "device_id": d.id} for d in devices}
    edges: dict[tuple[str, str], str] = {}
    for link in links:
        a = _node_key(link.device_id, "", None)
        b = _node_key(link.neighbour_device_id, link.neighbour_name, link.neighbour_address)
        if b not in nodes:
            nodes[b] = {"label": link.neighbour_name or link.neighbour_address or "?",
                        "known": link.neighbour_device_id is not None,
                        "device_id": link.neighbour_device_id}
        pair = tuple(sorted((a, b)))
        edges.setdefault(pair, f"{link.local_port} – {link.neighbour_port}")
    return nodes, [(a, b, ports) for (a, b), ports in edges.items()]


def svg(devices, links, title: str, legend_known: str, legend_other: str) -> Markup:
    """The picture of ``links`` between ``devices`` (and neighbours not known as devices)."""
    nodes, edges = graph(devices, links)
    keys = list(nodes)
    where = {}
    for i, key in enumerate(keys):
        angle = 2 * math.pi * i / max(1, len(keys)) - math.pi / 2
        where[key] = (WIDTH / 2 + RADIUS * math.cos(angle),
                      HEIGHT / 2 - 20 + RADIUS * math.sin(angle))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="topology" role="img" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" aria-labelledby="topology-title">'
             f'<title id="topology-title">{escape(title)}</title>']
    for a, b, _ports in edges:
        (x1, y1), (x2, y2) = where[a], where[b]
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                     'stroke="#4a4a4a" stroke-width="2"/>')
    for key in keys:
        x, y = where[key]
        node = nodes[key]
        style = ('fill="#1f5f99" stroke="#1f5f99"' if node["known"]
                 else 'fill="#ffffff" stroke="#4a4a4a" stroke-dasharray="4 3"')
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{NODE}" {style} stroke-width="2"/>'
                     f'<text x="{x:.1f}" y="{y + NODE + 16:.1f}" text-anchor="middle" '
                     f'font-size="14" fill="#1a1a1a">{escape(node["label"])}</text>')
    y = HEIGHT - 24
    parts.append(f'<circle cx="20" cy="{y}" r="7" fill="#1f5f99"/>'
                 f'<text x="34" y="{y + 5}" font-size="13" fill="#1a1a1a">'
                 f'{escape(legend_known)}</text>'
                 f'<circle cx="300" cy="{y}" r="7" fill="#ffffff" stroke="#4a4a4a" '
                 f'stroke-dasharray="3 2"/><text x="314" y="{y + 5}" font-size="13" '
                 f'fill="#1a1a1a">{escape(legend_other)}</text></svg>')
    return Markup("".join(parts))
