"""What training prints: the growing scoring history (``verbose``), a progress bar, or nothing.

``quiet_mode=True`` prints nothing. ``verbose=True`` prints each scoring-history row as it is
recorded. Otherwise a tqdm progress bar over the epochs appears once training has run for a few
seconds, so short runs stay silent.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

from tabdl.training.history import history_frame
from tabdl.training.scoring import ScoringEvent

#: Seconds of training before the progress bar appears.
PROGRESS_DELAY = 3.0


class TrainingConsole:
    """Prints training progress according to ``verbose`` and ``quiet_mode``.

    Parameters
    ----------
    params : mapping
        The resolved parameters (``verbose``, ``quiet_mode``, ``epochs``).
    category : str
        The problem type, for the history's columns.
    validation : bool
        Whether the history has validation columns.
    show_progress : bool, default=True
        Show the progress bar (cross-validation turns it off for its fold models).
    stream : file, optional
        Where to print (default: standard error for the bar, standard output for the history).

    """

    def __init__(
        self,
        params: Mapping[str, Any],
        category: str,
        validation: bool,
        show_progress: bool = True,
        stream: TextIO | None = None,
    ) -> None:
        self.quiet = bool(params["quiet_mode"])
        self.verbose = bool(params["verbose"]) and not self.quiet
        self.category = category
        self.validation = validation
        self.custom = params.get("custom_metric_func") is not None
        self.stream = stream
        self.events: list[ScoringEvent] = []
        self._bar: Any = None
        if show_progress and not self.quiet and not self.verbose and params["epochs"] > 0:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=float(params["epochs"]),
                desc="training",
                unit="epoch",
                delay=PROGRESS_DELAY,
                leave=False,
                file=stream or sys.stderr,
                bar_format="{l_bar}{bar}| {n:.2f}/{total:.2f} epochs [{elapsed}<{remaining}]",
            )

    def on_event(self, event: ScoringEvent) -> None:
        """Record a scoring event; in verbose mode print its history row."""
        self.events.append(event)
        if not self.verbose:
            return
        frame = history_frame(self.events, self.category, self.validation, self.custom)
        text = frame.to_string(index=False).splitlines()
        out = self.stream or sys.stdout
        if len(self.events) == 1:
            print(text[0], file=out)
        print(text[-1], file=out, flush=True)

    def on_iteration(self, epochs: float) -> None:
        """Advance the progress bar to ``epochs``."""
        if self._bar is not None:
            self._bar.update(min(epochs, self._bar.total) - self._bar.n)

    def close(self) -> None:
        """Remove the progress bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
