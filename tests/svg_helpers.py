"""Shared by the viz tests: the lecture's expression, and reading rendered SVG back
(parsed as XML, never compared byte for byte)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from autonode import Value

SVG = "{http://www.w3.org/2000/svg}"


def lecture_expression() -> dict[str, Value]:
    """L = (a·b + c)·f with a=2, b=−3, c=10, f=−2 (micrograd's lecture example): 3 ops, 6 chain-rule steps.

    Every node by its label; no backward pass run yet.
    """
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d, "L": L}
XLINK = "{http://www.w3.org/1999/xlink}"


@dataclass
class SvgNode:
    name: str
    texts: list[str]
    fills: list[str] = field(default_factory=list)
    strokes: list[str] = field(default_factory=list)
    tooltip: str = ""


@dataclass
class SvgEdge:
    tail: str
    head: str
    texts: list[str]
    stroke: str
    width: float


def _texts(group: ET.Element) -> list[str]:
    return [(t.text or "") for t in group.iter(f"{SVG}text")]


def parse_svg(path_or_bytes: Path | bytes) -> tuple[dict[str, SvgNode], list[SvgEdge], ET.Element]:
    """Nodes by DOT name, edges in document order, and the root element."""
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    nodes: dict[str, SvgNode] = {}
    edges: list[SvgEdge] = []
    for group in root.iter(f"{SVG}g"):
        kind = group.get("class")
        title = group.find(f"{SVG}title")
        if kind == "node" and title is not None:
            shapes = [e for e in group.iter() if e.tag in (f"{SVG}polygon", f"{SVG}ellipse", f"{SVG}path")]
            links = [a.get(f"{XLINK}title", "") for a in group.iter(f"{SVG}a")]
            nodes[title.text or ""] = SvgNode(
                title.text or "", _texts(group), [s.get("fill", "") for s in shapes],
                [s.get("stroke", "") for s in shapes], links[0] if links else "",
            )
        elif kind == "edge" and title is not None:
            tail, _, head = (title.text or "").partition("->")
            path = next(group.iter(f"{SVG}path"), None)
            assert path is not None
            edges.append(SvgEdge(tail, head, _texts(group), path.get("stroke", ""),
                                 float(path.get("stroke-width", "1"))))
    return nodes, edges, root


def record_values(node: SvgNode) -> tuple[str, float, float]:
    """(label, data, grad) from a value record's three fields."""
    label, data, grad = node.texts
    assert data.startswith("data ") and grad.startswith("grad ")
    return label, float(data[5:]), float(grad[5:])


def ellipse_centres(root: ET.Element) -> dict[str, tuple[float, float]]:
    """(cx, cy) of every elliptic node, by DOT name (SVG y grows downwards)."""
    centres = {}
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        ellipse = next(group.iter(f"{SVG}ellipse"), None)
        if group.get("class") == "node" and title is not None and ellipse is not None:
            centres[title.text or ""] = (float(ellipse.get("cx", "0")), float(ellipse.get("cy", "0")))
    return centres
