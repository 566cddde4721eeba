"""Small HTML building blocks of the model report: the page, sections, tables and chart images.

Every piece of text goes through :func:`html.escape`; charts are PNG data URIs, so a page made of
these parts needs nothing but itself.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import tabdl

#: Resolution of the chart images, in dots per inch of the figure's size.
DPI = 100

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 0; color: #1b1f24; background: #fff; line-height: 1.45; }
header { background: #1f3a5f; color: #fff; padding: 1rem 2rem; }
header h1 { margin: 0; font-size: 1.5rem; }
header p { margin: 0.25rem 0 0; opacity: 0.85; font-size: 0.9rem; }
nav { padding: 0.5rem 2rem; border-bottom: 1px solid #d0d7de; background: #f6f8fa; }
nav a { margin-right: 1rem; color: #0a58ca; text-decoration: none; font-size: 0.9rem; }
main { padding: 0 2rem 2rem; max-width: 1200px; }
section { margin-top: 1.5rem; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 0.25rem; font-size: 1.25rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.25rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.85rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border: 1px solid #d0d7de; padding: 0.2rem 0.5rem; text-align: right; }
th { background: #f6f8fa; }
td.text, td:first-child, th:first-child { text-align: left; }
tr.marked td { font-weight: 600; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dt { color: #57606a; }
dd { margin: 0; }
div.charts { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
img.chart { display: block; max-width: 100%; height: auto; margin: 0.5rem 0; }
div.charts img.chart { flex: 0 1 auto; min-width: 0; max-width: min(100%, 580px); }
div.charts img.wide { max-width: 100%; }
p.note { color: #57606a; font-size: 0.9rem; }
details { margin: 0.5rem 0; }
summary { cursor: pointer; color: #0a58ca; }
"""


@dataclass(frozen=True)
class Section:
    """One part of the page: its anchor (``id``), its heading and its HTML body."""

    anchor: str
    title: str
    body: str


def page(title: str, sections: Sequence[Section]) -> str:
    """Return the whole document: header, a table of contents, then the sections."""
    links = "".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>{s.body}</section>'
        for s in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>"
        f"<header><h1>{html.escape(title)}</h1>"
        f"<p>tabdl {html.escape(tabdl.__version__)}: H2O-3's Deep Learning in Python</p></header>"
        f"<nav>{links}</nav><main>{body}</main></body></html>\n"
    )


def slug(text: str) -> str:
    """Make ``text`` safe as an ``id``: lower case, runs of other characters as ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def charts(*images: str) -> str:
    """Place chart images side by side, wrapping on narrow screens."""
    return f'<div class="charts">{"".join(images)}</div>'


def image(figure: Any, alt: str) -> str:
    """Embed a matplotlib figure as an ``<img>`` with a PNG data URI and its pixel size."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    width, height = (int(round(v * DPI)) for v in figure.get_size_inches())
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    wide = " wide" if width > 800 else ""
    return (
        f'<img class="chart{wide}" alt="{html.escape(alt)}" width="{width}" height="{height}" '
        f'src="data:image/png;base64,{data}">'
    )


def cell(value: Any) -> str:
    """Format one table cell: numbers to 6 significant digits, missing values blank."""
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return format(float(value), ".6g")
    return str(value)


def _td(value: Any) -> str:
    number = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    attribute = "" if number else ' class="text"'
    return f"<td{attribute}>{html.escape(cell(value))}</td>"


def table(
    columns: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    table_id: str | None = None,
    caption: str | None = None,
    marked: Sequence[bool] | None = None,
) -> str:
    """Return an HTML table; rows whose ``marked`` flag is true get the class ``marked``."""
    head = "".join(f"<th>{html.escape(cell(c))}</th>" for c in columns)
    lines = []
    for i, row in enumerate(rows):
        cls = ' class="marked"' if marked is not None and marked[i] else ""
        cells = "".join(_td(v) for v in row)
        lines.append(f"<tr{cls}>{cells}</tr>")
    ident = f' id="{slug(table_id)}"' if table_id else ""
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f"<table{ident}>{title}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(lines)}</tbody></table>"
    )


def frame_table(frame: pd.DataFrame, table_id: str, caption: str | None = None) -> str:
    """Return a pandas DataFrame as an HTML table (without its index)."""
    rows = frame.astype(object).itertuples(index=False, name=None)
    return table(list(frame.columns), list(rows), table_id, caption)


def h2o_table(h2o_table: Any, table_id: str) -> str:
    """Return an H2O ``TwoDimTable`` as HTML, its header and description as the caption."""
    caption = h2o_table.header
    if getattr(h2o_table, "description", None):
        caption += f": {h2o_table.description}"
    return table(h2o_table.columns, h2o_table.rows, table_id, caption)


def definitions(items: Sequence[tuple[str, Any]]) -> str:
    """Return a definition list of ``(name, value)`` pairs."""
    pairs = "".join(
        f"<dt>{html.escape(name)}</dt><dd>{html.escape(cell(value))}</dd>" for name, value in items
    )
    return f"<dl>{pairs}</dl>"


def paragraph(text: str) -> str:
    """Return a paragraph of plain text."""
    return f"<p>{html.escape(text)}</p>"


def note(text: str) -> str:
    """Return a paragraph of secondary text."""
    return f'<p class="note">{html.escape(text)}</p>'


def details(summary: str, body: str) -> str:
    """Fold ``body`` in a ``<details>`` block that opens on a click."""
    return f"<details><summary>{html.escape(summary)}</summary>{body}</details>"


def subsection(title: str, body: str) -> str:
    """Return a third-level heading and its body."""
    return f"<h3>{html.escape(title)}</h3>{body}"
