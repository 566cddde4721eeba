"""Render the parameter table as ``docs/parameters.md`` (``python tools/gen_parameters_doc.py``)."""

from __future__ import annotations

from typing import Any

from tabdl.params.table import ALGORITHM, AUTOENCODER_GROUP, COMMON, PARAMETERS, TRAIN_ARGUMENTS

HEADER = """\
# Parameters

Every parameter of H2O-3's Deep Learning, with H2O's Python name and default. tabdl accepts the same
names; enum values are accepted in H2O's spellings, case-insensitively and with or without `_`
(`"RectifierWithDropout"`, `"rectifier_with_dropout"`). Values are checked when `train` starts; an
unknown name fails at once and suggests the closest valid one.

**Status.** `available` means the parameter works in this release. `validated; needs ... (issue N)`
means the value is checked now, and setting it to anything but its default raises
`tabdl.NotYetAvailableError` naming it, until that feature lands; it is never silently ignored.

This file is generated from `src/tabdl/params/table.py` by `python tools/gen_parameters_doc.py`;
a test fails when it is out of date.
"""

GROUP_TITLES = (
    (ALGORITHM, "Algorithm-specific parameters"),
    (AUTOENCODER_GROUP, "Autoencoder parameters"),
    (COMMON, "Common parameters"),
)


def _format_default(value: Any) -> str:
    if isinstance(value, tuple):
        return "`[" + ", ".join(str(v) for v in value) + "]`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value!r}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown() -> str:
    """Return the Markdown text of ``docs/parameters.md``."""
    lines = [HEADER]
    for group, title in GROUP_TITLES:
        lines += [
            f"## {title}",
            "",
            "| parameter | default | constraint | status | meaning |",
            "|---|---|---|---|---|",
        ]
        for p in (p for p in PARAMETERS if p.group == group):
            status = p.feature.status()
            if p.off and not p.feature.available:
                status += (
                    "; " + ", ".join(f"`{v!r}`" for v in p.off) + " accepted (switches it off)"
                )
            lines.append(
                f"| `{p.name}` | {_cell(_format_default(p.default))} | {_cell(p.constraint.describe())} "
                f"| {status} | {_cell(p.doc)} |"
            )
        lines.append("")
    lines += ["## Arguments of `train`", "", "| argument | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {_cell(doc)} |" for name, doc in TRAIN_ARGUMENTS.items()]
    lines += [
        "| `categorical_columns` | tabdl only: numeric columns to treat as categorical "
        "(H2O's `asfactor`). |",
        "",
    ]
    return "\n".join(lines)
