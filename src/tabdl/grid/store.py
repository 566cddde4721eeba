"""A grid's folder on disk, so that running the same grid again resumes it.

With ``export_checkpoints_dir``, each finished model is saved as ``<dir>/<model_id>.tabdl`` and
listed in ``<dir>/<grid_id>.grid.json`` with its hyper-parameters; the list is rewritten atomically
after every model. A model that was still training when a run stopped is not listed, so the next
run trains it again; listed models are loaded instead of trained.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tabdl.errors import DataError
from tabdl.io.atomic import write_atomically

__all__ = ["GridFolder", "combination_key"]


def combination_key(combination: dict[str, Any]) -> str:
    """Return a stable text key of one combination of hyper-parameter values."""
    return json.dumps(combination, sort_keys=True, default=str)


class GridFolder:
    """The saved models of one grid in one folder."""

    def __init__(self, folder: str | Path, grid_id: str) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataError(
                f"export_checkpoints_dir={str(folder)!r} cannot be created: {error}"
            ) from None
        self.manifest = self.folder / f"{grid_id}.grid.json"
        self.grid_id = grid_id
        self.entries: dict[str, dict[str, Any]] = {}
        if self.manifest.is_file():
            try:
                doc = json.loads(self.manifest.read_text())
                self.entries = {combination_key(e["hyper"]): e for e in doc["models"]}
            except (ValueError, KeyError, TypeError) as error:
                raise DataError(
                    f"{self.manifest} is not a grid list written by tabdl ({error}); move it away "
                    "to start the grid afresh"
                ) from None

    def saved(self, combination: dict[str, Any]) -> Path | None:
        """Return the file of this combination's finished model, if an earlier run saved one."""
        entry = self.entries.get(combination_key(combination))
        if entry is None:
            return None
        path = self.folder / entry["file"]
        return path if path.is_file() else None

    def add(self, model: Any, combination: dict[str, Any]) -> None:
        """Save a finished model and list it."""
        file = f"{model.model_id}.tabdl"
        model.save(self.folder / file)
        key = combination_key(combination)
        self.entries[key] = {"model_id": model.model_id, "hyper": combination, "file": file}
        text = json.dumps(
            {"grid_id": self.grid_id, "models": list(self.entries.values())}, indent=1, default=str
        )
        write_atomically(self.manifest, lambda h: h.write(text.encode()), "the grid list")
