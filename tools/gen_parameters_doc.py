"""Write docs/parameters.md from the parameter table."""

from pathlib import Path

from tabdl.params.docs import render_markdown

target = Path(__file__).resolve().parent.parent / "docs" / "parameters.md"
target.write_text(render_markdown())
print(f"wrote {target}")
