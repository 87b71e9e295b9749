"""The dashboard's and the reports' charts, drawn from published tables (hidden counts stay hidden:
they are drawn grey, without a value)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from monitoring.analysis import Grid, Published, share
from monitoring.figures import (
    GRID,
    HIDDEN_CELL,
    HIDDEN_FILL,
    INK,
    MUTED,
    PALETTE,
    Area,
    Dot,
    Figure,
    Line,
    Path,
    Rect,
    Shape,
    Text,
    text_width,
)
from monitoring.labels import WEEKDAY_SHORT, number, percent

# Laid out this wide and scaled: on A4 (174 mm) text of size 10 prints at about 7 pt.
WIDTH = 720.0
_LEFT, _RIGHT, _BOTTOM = 64.0, 16.0, 46.0
_SMALL = 10.0
# Shown series at most; the rest is drawn as "weitere".
_SERIES = 7
# Up to this many weeks a stacked chart has bars; beyond, stacked areas (fewer shapes, still readable).
_MOST_BARS = 16


def topics_by_week(grid: Grid, width: float = WIDTH) -> Figure:
    """Stacked bars (areas for long periods): inquiries per week, the most asked topics in colour."""
    title = "Anfragen je Woche nach Thema"
    top = _top_columns(grid, _SERIES)
    names = [grid.columns[c] for c in top]
    stacks: list[list[float]] = []
    for row in grid.cells:
        visible = [cell.value or 0 for cell in row]
        stacks.append([float(visible[c]) for c in top] + [float(sum(visible) - sum(visible[c] for c in top))])
    series = [*names, "weitere Themen"]
    colours = [*PALETTE[: len(names)], PALETTE[-1]]
    figure = _stacked(title, grid, stacks, series, colours, "Anfragen", width)
    leaders = ", ".join(f"{grid.columns[c]} ({grid.column_totals[c].text()})" for c in top[:3]) if grid.column_totals else ""
    description = (
        f"Gestapelte {'Säulen' if len(grid.rows) <= _MOST_BARS else 'Flächen'}, Anfragen je Woche von {_weeks(grid)}. "
        f"Anfragen insgesamt: {_text(grid.total)}. Am häufigsten: {leaders or 'keine'}. "
        "Werte unter 5 werden nicht genannt und nicht gezeichnet."
        if grid.rows
        else "Keine Wochen im Zeitraum."
    )
    return Figure(figure.width, figure.height, title, description, figure.shapes)


def languages_by_week(grid: Grid, width: float = WIDTH) -> Figure:
    """Lines: inquiries per week in each language; a gap where a count is hidden."""
    title = "Sprachen im Zeitverlauf (Anfragen je Woche)"
    top = _top_columns(grid, _SERIES + 1)
    series = [(grid.columns[c], PALETTE[i % len(PALETTE)], [row[c].value for row in grid.cells]) for i, c in enumerate(top)]
    height = 320.0
    top_margin = _legend_height([name for name, _, _ in series], width)
    plot = (_LEFT, top_margin, width - _LEFT - _RIGHT, height - top_margin - _BOTTOM)
    highest = max((v for _, _, values in series for v in values if v is not None), default=0)
    shapes: list[Shape] = [*_legend([(name, colour) for name, colour, _ in series], width)]
    scale = _y_axis(shapes, plot, highest, "Anfragen")
    step = plot[2] / max(len(grid.rows), 1)
    _x_labels(shapes, plot, grid.rows, step)
    for _, colour, values in series:
        _line(shapes, values, colour, plot, step, scale)
    totals = ", ".join(f"{grid.columns[c]} {grid.column_totals[c].text()}" for c in top) if grid.column_totals else ""
    description = (
        f"Linien, eine je Sprache, Anfragen je Woche von {_weeks(grid)}. "
        f"Summen im Zeitraum: {totals}. Lücken: weniger als 5, nicht genannt."
        if grid.rows
        else "Keine Wochen im Zeitraum."
    )
    return Figure(width, height, title, description, tuple(shapes))


def unmet_by_topic_and_language(missed: Grid, asked: Grid, width: float = WIDTH) -> Figure:
    """Heat table: share of inquiries not (surely) understood, per topic and language, with totals."""
    title = "Anteil nicht (sicher) verstandener Anfragen je Thema und Sprache"
    rows = [r for r, total in enumerate(asked.row_totals or ()) if total.shown]
    columns = [*asked.columns, "alle Sprachen"]
    size = 10.0
    # Row labels get the room their longest name needs; column labels are turned by 45 degrees,
    # and the cells leave room for the last ones to reach out to the right.
    label_width = min(max((text_width(asked.rows[r], size) for r in rows), default=60.0) + 16, width * 0.42)
    reach = [text_width(name, _SMALL) * 0.71 for name in columns]
    cell_w = min(
        (width - _RIGHT - label_width - reach[c]) / (c + 0.5) for c in range(len(columns))
    ) if columns else 40.0
    cell_h = 20.0
    top = 10 + max(text_width(name, _SMALL) for name in columns) * 0.71 + 8
    height = top + cell_h * (len(rows) + 1) + 44
    shapes: list[Shape] = []
    for c, name in enumerate(columns):
        x = label_width + cell_w * (c + 0.5)
        shapes.append(Text(x, top - 6, name, _SMALL, "start", MUTED, c == len(columns) - 1, rotate=-45))
    worst: list[tuple[float, str]] = []
    for i, r in enumerate(rows):
        y = top + cell_h * i
        name = asked.rows[r]
        shapes.append(Text(label_width - 8, y + cell_h * 0.68, name, size, "end"))
        pairs = [*zip(missed.cells[r], asked.cells[r], strict=True), ((missed.row_totals or ())[r], (asked.row_totals or ())[r])]
        for c, (part, whole) in enumerate(pairs):
            _share_cell(shapes, label_width + cell_w * c, y, cell_w, cell_h, part, whole, f"{name}, {columns[c]}", worst)
    y = top + cell_h * len(rows) + 4
    shapes.append(Text(label_width - 8, y + cell_h * 0.68, "alle Themen", size, "end", INK, True))
    totals = [*zip(missed.column_totals or (), asked.column_totals or (), strict=True)]
    if missed.total is not None and asked.total is not None:
        totals.append((missed.total, asked.total))
    for c, (part, whole) in enumerate(totals):
        _share_cell(shapes, label_width + cell_w * c, y, cell_w, cell_h, part, whole, f"alle Themen, {columns[c]}", [])
    _scale_legend(shapes, 8, height - 14, "0 %", "50 % und mehr; grau: weniger als 5 Anfragen, nicht genannt")
    worst.sort(reverse=True)
    overall = share(missed.total, asked.total) if missed.total and asked.total else None
    description = (
        "Tabelle als Farbfläche: Zeilen Themen, Spalten Sprachen; je dunkler, desto größer der Anteil der Anfragen, "
        "die der Assistent nicht oder nur mit Rückfrage verstand"
        + (f" (insgesamt {percent(overall)})" if overall is not None else "")
        + ". Höchste Anteile: "
        + ("; ".join(text for _, text in worst[:3]) or "keine ausweisbar")
        + ". Graue Felder: zu wenige Anfragen, nicht genannt."
    )
    return Figure(width, height, title, description, tuple(shapes))


def _share_cell(
    shapes: list[Shape], x: float, y: float, w: float, h: float, part: Published, whole: Published, name: str, worst: list[tuple[float, str]]
) -> None:
    ratio = share(part, whole)
    if ratio is None:
        shapes.append(Rect(x + 1, y + 1, w - 2, h - 2, HIDDEN_CELL, label=f"{name}: {part.text()} von {whole.text()}"))
        return
    label = f"{name}: {percent(ratio)} von {number(whole.value or 0)}"
    shapes.append(Rect(x + 1, y + 1, w - 2, h - 2, _sequential(ratio / 0.5), label=label))
    text = f"{min(ratio, 1.0) * 100:.0f}"
    if text_width(text + " %", _SMALL) + 4 <= w:
        text += " %"
    shapes.append(Text(x + w / 2, y + h * 0.68, text, _SMALL if text_width(text, _SMALL) + 2 <= w else 7.0, "middle", _ink_on(ratio / 0.5)))
    if (whole.value or 0) >= 20:
        worst.append((ratio, f"{name} ({percent(ratio)})"))


def demand_by_hour(grid: Grid, open_cells: set[tuple[int, int]], width: float = WIDTH) -> Figure:
    """Heat map: inquiries per weekday and hour; the office hours are outlined."""
    title = "Wann gefragt wird: Anfragen nach Wochentag und Uhrzeit"
    label_w, top = 30.0, 22.0
    cell_w = (width - label_w - _RIGHT) / 24
    cell_h = 22.0
    height = top + cell_h * 7 + 46
    highest = max((cell.value or 0 for row in grid.cells for cell in row), default=0)
    shapes: list[Shape] = []
    for hour in range(0, 24, 2 if cell_w < text_width("00", _SMALL) + 6 else 1):
        shapes.append(Text(label_w + cell_w * (hour + 0.5), top - 7, f"{hour:02d}", _SMALL, "middle", MUTED))
    for day, row in enumerate(grid.cells):
        y = top + cell_h * day
        shapes.append(Text(label_w - 6, y + cell_h * 0.65, WEEKDAY_SHORT[day], _SMALL, "end"))
        for hour, cell in enumerate(row):
            x = label_w + cell_w * hour
            name = f"{grid.rows[day]}, {hour:02d}–{hour + 1:02d} Uhr"
            if cell.value is None:
                shapes.append(Rect(x + 1, y + 1, cell_w - 2, cell_h - 2, HIDDEN_CELL, label=f"{name}: {cell.text()}"))
            else:
                level = cell.value / highest if highest else 0.0
                shapes.append(Rect(x + 1, y + 1, cell_w - 2, cell_h - 2, _sequential(level), label=f"{name}: {number(cell.value)}"))
    for day, hour in sorted(open_cells):
        shapes.append(Rect(label_w + cell_w * hour, top + cell_h * day, cell_w, cell_h, "none", "#D55E00", 2.5))
    legend_y = top + cell_h * 7 + 22
    _scale_legend(shapes, label_w, legend_y, "wenige", "viele Anfragen; grau: weniger als 5")
    shapes.append(Rect(label_w, legend_y + 8, 16, 10, "none", "#D55E00", 2.5))
    shapes.append(Text(label_w + 22, legend_y + 17, "Sprechzeiten des Büros", _SMALL, "start", MUTED))
    outside = [(cell.value or 0, f"{grid.rows[d]} {h:02d}–{h + 1:02d} Uhr") for d, row in enumerate(grid.cells) for h, cell in enumerate(row) if (d, h) not in open_cells]
    outside.sort(key=lambda item: -item[0])
    busiest = [name for value, name in outside[:3] if value]
    description = (
        "Farbfläche mit 7 Zeilen (Montag bis Sonntag) und 24 Spalten (Stunden); je dunkler, desto mehr Anfragen. "
        "Die Sprechzeiten sind umrandet."
        + (f" Meiste Anfragen außerhalb der Sprechzeiten: {', '.join(busiest)}." if busiest else "")
    )
    return Figure(width, height, title, description, tuple(shapes))


def handovers_by_week(grid: Grid, width: float = WIDTH) -> Figure:
    """Grouped bars: per week, how many asked for a person and how many messages went to staff."""
    title = "Übergaben an Mitarbeitende je Woche"
    height = 300.0
    names = list(grid.columns)
    top_margin = _legend_height(names, width)
    plot = (_LEFT, top_margin, width - _LEFT - _RIGHT, height - top_margin - _BOTTOM)
    highest = max((cell.value or 0 for row in grid.cells for cell in row), default=0)
    shapes: list[Shape] = [*_legend([*zip(names, PALETTE, strict=False)], width)]
    scale = _y_axis(shapes, plot, highest, "Anzahl")
    step = plot[2] / max(len(grid.rows), 1)
    _x_labels(shapes, plot, grid.rows, step)
    bar = step * 0.8 / max(len(names), 1)
    if len(grid.rows) > _MOST_BARS:
        for s in range(len(names)):
            _line(shapes, [row[s].value for row in grid.cells], PALETTE[s], plot, step, scale)
    for i, row in enumerate(grid.cells if len(grid.rows) <= _MOST_BARS else ()):
        for s, cell in enumerate(row):
            x = plot[0] + step * i + step * 0.1 + bar * s
            if cell.value is None:
                _hidden_bar(shapes, x, bar, plot[1] + plot[3], cell, f"{grid.rows[i]}, {names[s]}")
                continue
            y = scale(cell.value)
            shapes.append(Rect(x, y, bar, plot[1] + plot[3] - y, PALETTE[s], label=f"{grid.rows[i]}, {names[s]}: {number(cell.value)}"))
    totals = ", ".join(f"{name}: {total.text()}" for name, total in zip(names, grid.column_totals or (), strict=False))
    description = (
        f"{'Säulen' if len(grid.rows) <= _MOST_BARS else 'Linien'} je Woche für {', '.join(names)}. Summen im Zeitraum: {totals}. "
        "Grau: weniger als 5, nicht genannt."
    )
    return Figure(width, height, title, description, tuple(shapes))


def year_against_year(before: Grid, current: Grid, before_label: str, current_label: str, width: float = WIDTH) -> Figure:
    """Two lines: inquiries per calendar week in the year and in the year before."""
    title = f"Anfragen je Kalenderwoche: {current_label} gegen {before_label}"
    height = 300.0
    weeks = sorted({_week_number(label) for label in (*before.rows, *current.rows)})
    series = [(before_label, PALETTE[-1], before), (current_label, PALETTE[0], current)]
    top_margin = _legend_height([name for name, _, _ in series], width)
    plot = (_LEFT, top_margin, width - _LEFT - _RIGHT, height - top_margin - _BOTTOM)
    values = {name: {_week_number(label): total.value for label, total in zip(grid.rows, grid.row_totals or (), strict=True)} for name, _, grid in series}
    highest = max((v for by_week in values.values() for v in by_week.values() if v is not None), default=0)
    shapes: list[Shape] = [*_legend([(name, colour) for name, colour, _ in series], width)]
    scale = _y_axis(shapes, plot, highest, "Anfragen")
    step = plot[2] / max(len(weeks), 1)
    _x_labels(shapes, plot, [f"KW {w}" for w in weeks], step)
    for name, colour, _ in series:
        _line(shapes, [values[name].get(week) for week in weeks], colour, plot, step, scale)
    description = (
        f"Zwei Linien, Anfragen je Kalenderwoche {current_label} (blau) und {before_label} (grau). "
        f"Anfragen insgesamt: {current_label} {_text(current.total)}, {before_label} {_text(before.total)}. "
        "Lücken: Wochen mit weniger als 5 Anfragen oder ohne Daten."
    )
    return Figure(width, height, title, description, tuple(shapes))


def _weeks(grid: Grid) -> str:
    """Name the first and the last week of a weekly table, with their years ("KW 1/2025 bis KW 52/2025")."""
    def name(monday: object) -> str:
        iso = monday.isocalendar()  # type: ignore[attr-defined]
        return f"KW {iso.week}/{iso.year}"

    return f"{name(grid.row_keys[0])} bis {name(grid.row_keys[-1])}"


def _week_number(label: str) -> int:
    return int(label.split()[1])


# Building blocks.


def _stacked(
    title: str, grid: Grid, stacks: list[list[float]], series: list[str], colours: list[str], unit: str, width: float
) -> Figure:
    """Stack the published values of each row (counts below k are not drawn: nothing is said of them)."""
    height = 340.0
    top_margin = _legend_height(series, width)
    plot = (_LEFT, top_margin, width - _LEFT - _RIGHT, height - top_margin - _BOTTOM)
    highest = max((sum(stack) for stack in stacks), default=0)
    shapes: list[Shape] = [*_legend([*zip(series, colours, strict=True)], width)]
    scale = _y_axis(shapes, plot, highest, unit)
    step = plot[2] / max(len(grid.rows), 1)
    _x_labels(shapes, plot, grid.rows, step)
    if len(stacks) > _MOST_BARS:
        _areas(shapes, stacks, colours, plot, step, scale)
        return Figure(width, height, title, "", tuple(shapes))
    for i, stack in enumerate(stacks):
        x = plot[0] + step * i + step * 0.12
        bar = step * 0.76
        cumulative = 0.0
        for value, colour, name in zip(stack, colours, series, strict=True):
            if value <= 0:
                continue
            bottom, top = scale(cumulative), scale(cumulative + value)
            shapes.append(Rect(x, top, bar, bottom - top, colour, label=f"{grid.rows[i]}, {name}: {number(int(value))}"))
            cumulative += value
    return Figure(width, height, title, "", tuple(shapes))


def _line(shapes: list[Shape], values: list[int | None], colour: str, plot: tuple[float, float, float, float], step: float, scale: _Scale) -> None:
    """Draw a series as a line with gaps where a value is not published (a lone point as a dot)."""
    run: list[tuple[float, float]] = []
    for i, value in enumerate([*values, None]):
        if value is None:
            if len(run) > 1:
                shapes.append(Path(tuple(run), colour))
            elif run:
                shapes.append(Dot(*run[0], 2.5, colour))
            run = []
            continue
        run.append((plot[0] + step * (i + 0.5), scale(value)))


def _areas(
    shapes: list[Shape], stacks: list[list[float]], colours: list[str], plot: tuple[float, float, float, float], step: float, scale: _Scale
) -> None:
    """Draw each series as a band between the running sums below and above it."""
    xs = [plot[0] + step * (i + 0.5) for i in range(len(stacks))]
    below = [0.0] * len(stacks)
    for s, colour in enumerate(colours):
        above = [below[i] + stacks[i][s] for i in range(len(stacks))]
        if any(stacks[i][s] > 0 for i in range(len(stacks))):
            upper = [(x, scale(v)) for x, v in zip(xs, above, strict=True)]
            lower = [(x, scale(v)) for x, v in zip(reversed(xs), reversed(below), strict=True)]
            shapes.append(Area((*upper, *lower), colour))
        below = above


def _hidden_bar(shapes: list[Shape], x: float, width: float, base: float, cell: Published, name: str) -> None:
    """Mark a count below k with a low grey stub: it is there, but how many is not said."""
    shapes.append(Rect(x, base - 3, width, 3, HIDDEN_FILL, "#9AA3AD", 0.8, True, f"{name}: {cell.text()}"))


class _Scale:
    """Map counts to y coordinates of a plot area."""

    def __init__(self, top: float, height: float, highest: float) -> None:
        self.top, self.height, self.highest = top, height, max(highest, 1.0)

    def __call__(self, value: float) -> float:
        return self.top + self.height * (1 - value / self.highest)


def _y_axis(shapes: list[Shape], plot: tuple[float, float, float, float], highest: float, unit: str) -> _Scale:
    x, y, width, height = plot
    tick = _nice_step(highest)
    top_value = max(tick * math.ceil(highest / tick), tick)
    scale = _Scale(y, height, top_value)
    value = 0.0
    while value <= top_value + 1e-9:
        ty = scale(value)
        shapes.append(Line(x, ty, x + width, ty, GRID))
        shapes.append(Text(x - 6, ty + 4, number(int(value)), _SMALL, "end", MUTED))
        value += tick
    shapes.append(Text(12, y + height / 2, unit, _SMALL, "middle", MUTED, rotate=-90))
    shapes.append(Line(x, y + height, x + width, y + height, INK))
    return scale


def _x_labels(shapes: list[Shape], plot: tuple[float, float, float, float], labels: Sequence[str], step: float) -> None:
    x, y, _, height = plot
    widest = max((text_width(label, _SMALL) for label in labels), default=0.0)
    every = max(1, math.ceil((widest + 6) / max(step, 1e-9)))
    for i, label in enumerate(labels):
        if i % every == 0:
            shapes.append(Text(x + step * (i + 0.5), y + height + 16, label, _SMALL, "middle", MUTED))


def _legend_rows(names: Sequence[str], width: float) -> list[list[tuple[int, float]]]:
    rows: list[list[tuple[int, float]]] = [[]]
    x = _LEFT
    for i, name in enumerate(names):
        item = 18 + text_width(name, _SMALL) + 16
        if x + item > width - _RIGHT and rows[-1]:
            rows.append([])
            x = _LEFT
        rows[-1].append((i, x))
        x += item
    return rows


def _legend_height(names: Sequence[str], width: float) -> float:
    return 16.0 + 18.0 * len(_legend_rows(names, width)) + 8.0


def _legend(entries: Sequence[tuple[str, str]], width: float) -> list[Shape]:
    shapes: list[Shape] = []
    for r, row in enumerate(_legend_rows([name for name, _ in entries], width)):
        y = 14.0 + 18.0 * r
        for i, x in row:
            name, colour = entries[i]
            shapes.append(Rect(x, y - 9, 12, 12, colour))
            shapes.append(Text(x + 18, y + 1, name, _SMALL, "start", INK))
    return shapes


def _scale_legend(shapes: list[Shape], x: float, y: float, low: str, high: str) -> None:
    shapes.append(Text(x, y, low, _SMALL, "start", MUTED))
    start = x + text_width(low, _SMALL) + 8
    for i in range(10):
        shapes.append(Rect(start + i * 16, y - 10, 16, 12, _sequential(i / 9)))
    shapes.append(Text(start + 168, y, high, _SMALL, "start", MUTED))


def _top_columns(grid: Grid, count: int) -> list[int]:
    """Return the columns with the largest published totals (hidden ones last), at most `count`."""
    totals = grid.column_totals or tuple(Published(0, 5) for _ in grid.columns)
    ranked = sorted(range(len(grid.columns)), key=lambda c: -_shown(totals[c]))
    return [c for c in ranked[:count] if (totals[c].value or 0) > 0]


def _shown(published: Published) -> int:
    return published.rank_value


def _nice_step(highest: float) -> float:
    if highest <= 0:
        return 1.0
    rough = highest / 5
    magnitude = float(10 ** math.floor(math.log10(rough)))
    for factor in (1, 2, 2.5, 5, 10):
        if rough <= factor * magnitude:
            return max(1.0, factor * magnitude)
    return 10 * magnitude


_RAMP = ((247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107))


def _sequential(level: float) -> str:
    """Return a colour from light to dark blue for a level from 0 to 1."""
    level = min(max(level, 0.0), 1.0) * (len(_RAMP) - 1)
    low = int(level)
    high = min(low + 1, len(_RAMP) - 1)
    t = level - low
    r, g, b = (round(a + (b - a) * t) for a, b in zip(_RAMP[low], _RAMP[high], strict=True))
    return f"#{r:02X}{g:02X}{b:02X}"


def _ink_on(level: float) -> str:
    return "#FFFFFF" if level > 0.55 else INK


def _short(text: str, width: float, size: float = _SMALL) -> str:
    if text_width(text, size) <= width:
        return text
    keep = max(3, int(width / (size * 0.6)) - 1)
    return text[:keep].rstrip() + "…"


def _text(published: Published | None) -> str:
    return published.text() if published else "–"
