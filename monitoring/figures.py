"""Charts as plain shapes, drawn once and rendered as SVG (web, HTML report) or into the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

# Colour-blind-safe categorical colours (Okabe & Ito, without the yellow), then greys.
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7F5F9F", "#8C8C8C")
HIDDEN_FILL = "#D9D9D9"
# Heat-map cells whose count is not published: a light grey that no colour of the scale comes near.
HIDDEN_CELL = "#E6E6E6"
INK = "#1B1F23"
MUTED = "#5A6270"
GRID = "#E3E6EA"
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str | None = None
    stroke_width: float = 1.0
    dashed: bool = False
    label: str = ""  # tooltip in the browser


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID
    width: float = 1.0
    dashed: bool = False


@dataclass(frozen=True)
class Path:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float = 2.0


@dataclass(frozen=True)
class Area:
    """A filled polygon (a band of a stacked area chart)."""

    points: tuple[tuple[float, float], ...]
    fill: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    radius: float
    fill: str
    label: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 11.0
    anchor: str = "start"  # start, middle or end
    fill: str = INK
    bold: bool = False
    rotate: float = 0.0


Shape = Rect | Line | Path | Area | Dot | Text


@dataclass(frozen=True)
class Figure:
    """A chart: its size, a title and a text alternative, and the shapes that draw it."""

    width: float
    height: float
    title: str
    description: str
    shapes: tuple[Shape, ...] = field(default_factory=tuple)


def text_width(text: str, size: float) -> float:
    """Estimate the width of a line of text (DejaVu Sans averages about 0.6 em per character)."""
    return len(text) * size * 0.6


def to_svg(figure: Figure, ident: str) -> str:
    """Render a figure as an accessible inline SVG element (title and description for screen readers)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {figure.width:.0f} {figure.height:.0f}" '
        f'width="100%" role="img" aria-label="{escape(figure.title)}" aria-describedby="{ident}-desc" class="chart" '
        f'font-family="{FONT}">',
        f'<title id="{ident}-title">{escape(figure.title)}</title>',
        f'<desc id="{ident}-desc">{escape(figure.description)}</desc>',
    ]
    parts += [_svg_shape(shape) for shape in figure.shapes]
    parts.append("</svg>")
    return "\n".join(parts)


def _svg_shape(shape: Shape) -> str:
    if isinstance(shape, Rect):
        stroke = f' stroke="{shape.stroke}" stroke-width="{shape.stroke_width:g}"' if shape.stroke else ""
        dash = ' stroke-dasharray="3 2"' if shape.dashed else ""
        tip = f"<title>{escape(shape.label)}</title>" if shape.label else ""
        return (
            f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{max(shape.width, 0):.1f}" '
            f'height="{max(shape.height, 0):.1f}" fill="{shape.fill}"{stroke}{dash}>{tip}</rect>'
        )
    if isinstance(shape, Line):
        dash = ' stroke-dasharray="4 3"' if shape.dashed else ""
        return (
            f'<line x1="{shape.x1:.1f}" y1="{shape.y1:.1f}" x2="{shape.x2:.1f}" y2="{shape.y2:.1f}" '
            f'stroke="{shape.stroke}" stroke-width="{shape.width:g}"{dash}/>'
        )
    if isinstance(shape, Path):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
        return f'<polyline points="{points}" fill="none" stroke="{shape.stroke}" stroke-width="{shape.width:g}" stroke-linejoin="round"/>'
    if isinstance(shape, Area):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
        return f'<polygon points="{points}" fill="{shape.fill}"/>'
    if isinstance(shape, Dot):
        tip = f"<title>{escape(shape.label)}</title>" if shape.label else ""
        return f'<circle cx="{shape.x:.1f}" cy="{shape.y:.1f}" r="{shape.radius:g}" fill="{shape.fill}">{tip}</circle>'
    rotate = f' transform="rotate({shape.rotate:g} {shape.x:.1f} {shape.y:.1f})"' if shape.rotate else ""
    weight = ' font-weight="bold"' if shape.bold else ""
    return (
        f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" font-size="{shape.size:g}" text-anchor="{shape.anchor}" '
        f'fill="{shape.fill}"{weight}{rotate}>{escape(shape.text)}</text>'
    )
