"""The report as a PDF for the committee: A4, title block, key figures, priority list, charts, method."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path as FilePath
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics import shapes as rl
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from monitoring import charts
from monitoring.analysis import Estimate, Grid
from monitoring.figures import Dot, Figure, Line, Path, Rect, Text
from monitoring.report import PUBLISHER, Report, open_cells

_FONT_DIRS = (FilePath("/usr/share/fonts/truetype/dejavu"), FilePath("/usr/share/fonts/dejavu"))
_MARGIN = 18 * mm
_FRAME = A4[0] - 2 * _MARGIN
# Charts are laid out this wide and scaled to the frame, so their text prints at about 8 pt.
_CHART_WIDTH = 640.0
ACCENT = colors.HexColor("#0B5CAD")
MUTED = colors.HexColor("#5A6270")
LINE = colors.HexColor("#E3E6EA")


def render_report_pdf(report: Report) -> bytes:
    """Render the report as a PDF document and return its bytes."""
    regular, bold = _fonts()
    styles = _styles(regular, bold)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=report.title,
        author=PUBLISHER,
        subject=report.subtitle,
        lang="de-DE",
    )
    story: list[Any] = []
    story += _title_block(report, styles)
    story += _overview(report, styles, bold)
    story += _priority_list(report, styles, regular, bold)
    story += _sections(report, styles, regular, bold)
    story.append(CondPageBreak(60 * mm))
    story.append(Paragraph("Methodik und Datenschutz", styles["h2"]))
    story.append(_bullets([Paragraph(escape(note), styles["small"]) for note in report.method]))

    def decorate(canvas: Canvas, _: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(_MARGIN, A4[1] - 12 * mm, f"{PUBLISHER} · {report.title}")
        canvas.drawRightString(A4[0] - _MARGIN, A4[1] - 12 * mm, report.period_text)
        canvas.setStrokeColor(LINE)
        canvas.line(_MARGIN, A4[1] - 13.5 * mm, A4[0] - _MARGIN, A4[1] - 13.5 * mm)
        canvas.restoreState()

    document.build(story, onFirstPage=decorate, onLaterPages=decorate, canvasmaker=_numbered(regular))
    return buffer.getvalue()


def drawing(figure: Figure, width: float, regular: str, bold: str) -> rl.Drawing:
    """Turn a figure into a reportlab drawing `width` points wide (y axis turned the PDF's way up)."""
    scale = width / figure.width
    group = rl.Group(transform=(scale, 0, 0, scale, 0, 0))
    height = figure.height
    for shape in figure.shapes:
        if isinstance(shape, Rect):
            group.add(
                rl.Rect(
                    shape.x,
                    height - shape.y - shape.height,
                    max(shape.width, 0),
                    max(shape.height, 0),
                    fillColor=_colour(shape.fill),
                    strokeColor=_colour(shape.stroke) if shape.stroke else None,
                    strokeWidth=shape.stroke_width if shape.stroke else 0,
                    strokeDashArray=[3, 2] if shape.dashed else None,
                )
            )
        elif isinstance(shape, Line):
            group.add(
                rl.Line(
                    shape.x1, height - shape.y1, shape.x2, height - shape.y2,
                    strokeColor=_colour(shape.stroke), strokeWidth=shape.width, strokeDashArray=[4, 3] if shape.dashed else None,
                )  # fmt: skip
            )
        elif isinstance(shape, Path):
            points = [coordinate for x, y in shape.points for coordinate in (x, height - y)]
            group.add(rl.PolyLine(points, strokeColor=_colour(shape.stroke), strokeWidth=shape.width, strokeLineJoin=1))
        elif isinstance(shape, Dot):
            group.add(rl.Circle(shape.x, height - shape.y, shape.radius, fillColor=_colour(shape.fill), strokeColor=None))
        elif isinstance(shape, Text):
            anchor = {"start": "start", "middle": "middle", "end": "end"}[shape.anchor]
            text = rl.String(0, 0, shape.text, fontName=bold if shape.bold else regular, fontSize=shape.size, fillColor=_colour(shape.fill), textAnchor=anchor)
            placed = rl.Group(text, transform=_place(shape.x, height - shape.y, -shape.rotate))
            group.add(placed)
    result = rl.Drawing(width, height * scale)
    result.add(group)
    return result


def _place(x: float, y: float, degrees: float) -> tuple[float, float, float, float, float, float]:
    import math

    angle = math.radians(degrees)
    return (math.cos(angle), math.sin(angle), -math.sin(angle), math.cos(angle), x, y)


def _colour(value: str | None) -> Any:
    if value is None or value == "none":
        return None
    return colors.HexColor(value)


@cache
def _fonts() -> tuple[str, str]:
    """Register DejaVu Sans when the system has it (all of Unicode); fall back to Helvetica."""
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=regular, fontSize=9.5, leading=13.5, textColor=colors.HexColor("#1B1F23"))
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12),
        "muted": ParagraphStyle("muted", parent=base, fontSize=8, leading=11, textColor=MUTED),
        "publisher": ParagraphStyle("publisher", parent=base, fontSize=9, textColor=MUTED),
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=22, leading=27, textColor=ACCENT, spaceBefore=4, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11.5, leading=15, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontName=bold, fontSize=13.5, leading=17, textColor=ACCENT, spaceBefore=12, spaceAfter=5),
        "figure": ParagraphStyle("figure", parent=base, fontName=bold, fontSize=15, leading=18),
        "figure_label": ParagraphStyle("figure_label", parent=base, fontSize=7.8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=bold, fontSize=8, leading=10),
        "number": ParagraphStyle("number", parent=base, fontSize=8, leading=10, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontSize=7.5, leading=9.5, alignment=TA_RIGHT),
    }


def _title_block(report: Report, styles: dict[str, ParagraphStyle]) -> list[Any]:
    meta = [
        ("Zeitraum", report.period_text),
        ("Auswahl", report.filter_text),
        ("Erstellt", report.generated),
        ("Datenschutz", f"anonyme Zählungen; Zahlen unter {report.k} ausgeblendet (siehe Methodik)"),
    ]
    table = Table(
        [[Paragraph(f"<b>{escape(k)}</b>", styles["small"]), Paragraph(escape(v), styles["small"])] for k, v in meta],
        colWidths=[28 * mm, _FRAME - 28 * mm],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return [
        Paragraph(escape(PUBLISHER), styles["publisher"]),
        Paragraph(escape(report.title), styles["title"]),
        Paragraph(escape(report.subtitle), styles["subtitle"]),
        table,
        Spacer(1, 4 * mm),
    ]


def _overview(report: Report, styles: dict[str, ParagraphStyle], bold: str) -> list[Any]:
    boxes = [
        [Paragraph(escape(figure.count.text()), styles["figure"]), Paragraph(escape(figure.label + (f" · {figure.share}" if figure.share else "")), styles["figure_label"])]
        for figure in report.key_figures
    ]
    columns = 3
    rows = [boxes[i : i + columns] for i in range(0, len(boxes), columns)]
    cells = [[Table([[b[0]], [b[1]]], colWidths=[_FRAME / columns - 8]) for b in row] + [""] * (columns - len(row)) for row in rows]
    grid = Table(cells, colWidths=[_FRAME / columns] * columns)
    grid.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, LINE),
                ("INNERGRID", (0, 0), (-1, -1), 0.6, LINE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return [
        Paragraph("Das Wichtigste in Kürze", styles["h2"]),
        grid,
        Spacer(1, 3 * mm),
        _bullets([Paragraph(escape(line), styles["body"]) for line in report.summary]),
    ]


def _priority_list(report: Report, styles: dict[str, ParagraphStyle], regular: str, bold: str) -> list[Any]:
    header = ["Rang", "Thema", "Anfragen", "Rang<br/>Nachfrage", "ungedeckter<br/>Bedarf", "nicht (sicher)<br/>verstanden", "außerhalb der<br/>Sprechzeiten", "Person<br/>gewünscht/<br/>weitergeleitet"]
    rows: list[list[Any]] = [
        [Paragraph(f"<b>{h}</b>", styles["head"] if i != 1 else styles["cell"]) for i, h in enumerate(header)]
    ]
    for p in report.priorities:
        rows.append(
            [
                Paragraph(f"<b>{p.unmet_rank}</b>", styles["number"]),
                Paragraph(escape(p.name), styles["cell_bold"] if p.unmet_rank <= 3 else styles["cell"]),
                _number(p.demand, styles),
                Paragraph(str(p.demand_rank), styles["number"]),
                _number(p.unmet, styles),
                _number(p.not_understood, styles),
                _number(p.outside_hours, styles),
                _number(p.handovers, styles),
            ]
        )
    widths = [10 * mm, 47 * mm, 16 * mm, 17 * mm, 21 * mm, 21 * mm, 21 * mm, 21 * mm]
    table = Table(rows, colWidths=[w * _FRAME / sum(widths) for w in widths], repeatRows=1)
    table.setStyle(_table_style(len(rows)))
    intro = (
        "Die Themen, geordnet nach ungedecktem Bedarf: Anfragen, die der Assistent nicht (sicher) verstand, bei denen "
        "eine Person gewünscht wurde oder die außerhalb der Sprechzeiten kamen. Daneben der Rang nach Nachfrage. "
        "Grundlage für die Prioritätenliste des Integrationsmonitorings."
    )
    return [CondPageBreak(50 * mm), Paragraph("Prioritätenliste: Handlungsbedarf nach Thema", styles["h2"]), Paragraph(intro, styles["small"]), Spacer(1, 2 * mm), table]


def _sections(report: Report, styles: dict[str, ParagraphStyle], regular: str, bold: str) -> list[Any]:
    analysis, where = report.analysis, report.where
    missed, asked = analysis.understanding(where)
    narrow = {
        "themen": charts.topics_by_week(analysis.topics_by_week(where), _CHART_WIDTH),
        "sprachen": charts.languages_by_week(analysis.languages_by_week(where), _CHART_WIDTH),
        "bedarf": charts.unmet_by_topic_and_language(missed, asked, _CHART_WIDTH),
        "zeiten": charts.demand_by_hour(analysis.clock(where), open_cells(analysis), _CHART_WIDTH),
        "uebergaben": charts.handovers_by_week(analysis.handovers_by_week(where), _CHART_WIDTH),
        "wartezeiten": charts.waiting_times(analysis.waiting_times(where), _CHART_WIDTH),
    }
    story: list[Any] = []
    for section in report.sections:
        block: list[Any] = [Paragraph(escape(section.title), styles["h2"])]
        if section.text:
            block.append(Paragraph(escape(section.text), styles["small"]))
            block.append(Spacer(1, 2 * mm))
        figure = narrow.get(section.key, section.figure)
        if figure is not None:
            block.append(drawing(figure, _FRAME, regular, bold))
            block.append(Paragraph(escape(figure.description), styles["muted"]))
        story.append(KeepTogether(block))
        if section.table is not None and section.key != "wartezeiten":
            story.append(Spacer(1, 2 * mm))
            story.append(_grid_table(section.table, styles))
    return story


def _grid_table(grid: Grid, styles: dict[str, ParagraphStyle]) -> Table:
    rows: list[list[Any]] = [[Paragraph("", styles["cell"]), *[Paragraph(f"<b>{escape(c)}</b>", styles["number"]) for c in grid.columns]]]
    if grid.row_totals is not None and len(grid.columns) == 1:
        rows[0].append(Paragraph("<b>Anteil</b>", styles["number"]))
    for label, cells in zip(grid.rows, grid.cells, strict=True):
        row: list[Any] = [Paragraph(escape(label), styles["cell"]), *[_number(cell, styles) for cell in cells]]
        rows.append(row)
    if grid.total is not None:
        rows.append([Paragraph("<b>Summe</b>", styles["cell"]), *[_number(t, styles) for t in (grid.column_totals or ())]])
    first = _FRAME * 0.55
    table = Table(rows, colWidths=[first, *[(_FRAME * 0.45) / max(len(grid.columns), 1)] * len(grid.columns)], repeatRows=1)
    table.setStyle(_table_style(len(rows)))
    return table


def _number(value: Estimate, styles: dict[str, ParagraphStyle]) -> Paragraph:
    text = escape(value.text())
    return Paragraph(text if value.exact else f'<font color="#5A6270">{text}</font>', styles["number"])


def _table_style(rows: int) -> TableStyle:
    commands: list[Any] = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#1B1F23")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
    ]
    for row in range(2, rows, 2):
        commands.append(("BACKGROUND", (0, row), (-1, row), colors.HexColor("#F7F8FA")))
    return TableStyle(commands)


def _bullets(items: list[Paragraph]) -> ListFlowable:
    return ListFlowable([ListItem(item, leftIndent=10) for item in items], bulletType="bullet", start="•", leftIndent=10)


def _numbered(font: str) -> type[Canvas]:
    """Return a canvas class that writes "Seite n von m" on every page."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, 7.5)
                self.setFillColor(MUTED)
                self.drawRightString(A4[0] - _MARGIN, 10 * mm, f"Seite {self._pageNumber} von {total}")
                self.drawString(_MARGIN, 10 * mm, "Anonyme Statistik – keine personenbezogenen Daten")
                super().showPage()
            super().save()

    return NumberedCanvas
