"""Constraints on single parameter values.

Each constraint checks one value, returns it in canonical form (an enum in H2O's Java spelling, a list
as a tuple, an int as ``int``), and describes itself in one line for ``docs/parameters.md``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tabdl.errors import ParameterError, ParameterTypeError


def _normalise_enum_spelling(value: str) -> str:
    return value.lower().replace("_", "").replace("-", "").replace(" ", "")


class Constraint:
    """A rule for one parameter's value."""

    def check(self, name: str, value: Any) -> Any:
        """Return ``value`` in canonical form, or raise an error naming ``name``."""
        raise NotImplementedError

    def describe(self) -> str:
        """Describe the accepted values in one line."""
        raise NotImplementedError


@dataclass(frozen=True)
class OneOf(Constraint):
    """One of a fixed set of names, matched case-insensitively and ignoring ``_``.

    ``"RectifierWithDropout"``, ``"rectifier_with_dropout"`` and ``"RECTIFIERWITHDROPOUT"`` are the same
    value. The canonical form is the first spelling in ``values`` (H2O's Java enum name).
    """

    values: tuple[str, ...]

    def check(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ParameterTypeError(
                f"{name} must be a string, one of {self._listing()}; got {value!r}"
            )
        key = _normalise_enum_spelling(value)
        for canonical in self.values:
            if _normalise_enum_spelling(canonical) == key:
                return canonical
        raise ParameterError(f"{name}={value!r} is not one of {self._listing()}")

    def _listing(self) -> str:
        return ", ".join(repr(v) for v in self.values)

    def describe(self) -> str:
        return "one of " + ", ".join(f"`{v}`" for v in self.values) + " (any case, `_` ignored)"


@dataclass(frozen=True)
class DeviceName(Constraint):
    """A torch device for the batch engine: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``."""

    def check(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ParameterTypeError(f"{name} must be a string such as 'cpu'; got {value!r}")
        device = value.strip().lower()
        head, _, index = device.partition(":")
        if device in ("auto", "cpu", "cuda") or (head == "cuda" and index.isdigit()):
            return device
        raise ParameterError(
            f"{name}={value!r} is not a device: use 'auto' (a GPU when present), 'cpu', 'cuda' or "
            "'cuda:N'"
        )

    def describe(self) -> str:
        return "`auto`, `cpu`, `cuda` or `cuda:N`"


@dataclass(frozen=True)
class Flag(Constraint):
    """A boolean."""

    def check(self, name: str, value: Any) -> bool:
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return bool(value)
        raise ParameterTypeError(f"{name} must be True or False; got {value!r}")

    def describe(self) -> str:
        return "`True` or `False`"


def _as_number(name: str, value: Any, integer: bool) -> float | int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "an integer" if integer else "a number"
        raise ParameterTypeError(f"{name} must be {kind}; got {value!r}")
    if integer:
        if isinstance(value, numbers.Integral):
            return int(value)
        if float(value).is_integer():
            return int(value)
        raise ParameterTypeError(f"{name} must be an integer; got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ParameterError(f"{name} must be a finite number; got {value!r}")
    return number


@dataclass(frozen=True)
class Interval(Constraint):
    """A real (or integer) number in an interval; ``None`` bounds are open-ended."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def check(self, name: str, value: Any) -> float | int:
        number = _as_number(name, value, self.integer)
        if not self.contains(number):
            raise ParameterError(f"{name} must be {self.describe()}; got {value!r}")
        return number

    def contains(self, number: float) -> bool:
        """Tell whether ``number`` lies in the interval."""
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            return False
        return not (
            self.high is not None
            and (number > self.high or (self.high_open and number == self.high))
        )

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        return kind + (" " + " and ".join(parts) if parts else "")


@dataclass(frozen=True)
class NumberList(Constraint):
    """A list of numbers, each satisfying ``item``; returned as a tuple."""

    item: Interval
    min_length: int = 0

    def check(self, name: str, value: Any) -> tuple:
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            raise ParameterTypeError(f"{name} must be a list of numbers; got {value!r}")
        items = tuple(self.item.check(f"{name}[{i}]", v) for i, v in enumerate(value))
        if len(items) < self.min_length:
            raise ParameterError(f"{name} needs at least {self.min_length} value(s); got {value!r}")
        return items

    def describe(self) -> str:
        return f"a list of {self.item.describe().replace('a number', 'numbers')}".replace(
            "an integer", "integers"
        )


@dataclass(frozen=True)
class OrNone(Constraint):
    """``None`` or a value satisfying ``inner``."""

    inner: Constraint

    def check(self, name: str, value: Any) -> Any:
        return None if value is None else self.inner.check(name, value)

    def describe(self) -> str:
        return f"`None` or {self.inner.describe()}"


@dataclass(frozen=True)
class ColumnRef(Constraint):
    """A column given by name (``str``) or by 0-based position (``int``)."""

    def check(self, name: str, value: Any) -> str | int:
        if isinstance(value, str) or (isinstance(value, numbers.Integral) and value >= 0):
            return value if isinstance(value, str) else int(value)
        raise ParameterTypeError(
            f"{name} must be a column name or a 0-based column index; got {value!r}"
        )

    def describe(self) -> str:
        return "a column name or 0-based index"


@dataclass(frozen=True)
class ColumnList(Constraint):
    """A list of columns given by name or position; returned as a tuple."""

    def check(self, name: str, value: Any) -> tuple:
        if isinstance(value, (str, numbers.Integral)):
            value = [value]
        if not isinstance(value, Sequence):
            raise ParameterTypeError(
                f"{name} must be a list of column names or indices; got {value!r}"
            )
        return tuple(ColumnRef().check(f"{name}[{i}]", v) for i, v in enumerate(value))

    def describe(self) -> str:
        return "a list of column names or 0-based indices"


@dataclass(frozen=True)
class Text(Constraint):
    """A non-empty string."""

    def check(self, name: str, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise ParameterTypeError(f"{name} must be a non-empty string; got {value!r}")
        return value

    def describe(self) -> str:
        return "a non-empty string"


@dataclass(frozen=True)
class PathLike(Constraint):
    """A file-system path."""

    def check(self, name: str, value: Any) -> str:
        import os

        if not isinstance(value, (str, os.PathLike)) or not str(value):
            raise ParameterTypeError(f"{name} must be a path; got {value!r}")
        return str(value)

    def describe(self) -> str:
        return "a directory path"


@dataclass(frozen=True)
class Function(Constraint):
    """A Python callable, or an object (or class) with H2O's ``map``/``reduce``/``metric`` methods."""

    signature: str = "f(actual, predicted, weights) -> float"

    def check(self, name: str, value: Any) -> Any:
        h2o_form = all(callable(getattr(value, m, None)) for m in ("map", "reduce", "metric"))
        if not callable(value) and not h2o_form:
            raise ParameterTypeError(
                f"{name} must be a callable {self.signature}, or an object with H2O's "
                f"map/reduce/metric methods; got {value!r}"
            )
        return value

    def describe(self) -> str:
        return f"a callable `{self.signature}`, or an object or class with H2O's map/reduce/metric"


@dataclass(frozen=True)
class ModelRef(Constraint):
    """A model given as a model object, a saved-model path, or a model id."""

    def check(self, name: str, value: Any) -> Any:
        import os

        if isinstance(value, (str, os.PathLike)) or hasattr(value, "predict"):
            return value
        raise ParameterTypeError(
            f"{name} must be a model, a path to a saved model, or a model id; got {value!r}"
        )

    def describe(self) -> str:
        return "a model, a saved-model path, or a model id"


@dataclass(frozen=True)
class FrameList(Constraint):
    """One array or frame per layer (``None`` keeps that layer random); returned as a tuple."""

    def check(self, name: str, value: Any) -> tuple:
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise ParameterTypeError(
                f"{name} must be a list with one array or frame per layer (None for random); "
                f"got {type(value).__name__}"
            )
        for i, item in enumerate(value):
            if item is not None and not hasattr(item, "__array__") and not hasattr(item, "shape"):
                raise ParameterTypeError(
                    f"{name}[{i}] must be an array or frame (or None); got {type(item).__name__}"
                )
        return tuple(value)

    def describe(self) -> str:
        return "a list with one array or frame per layer (`None` keeps it random)"


@dataclass(frozen=True)
class Seed(Constraint):
    """A 64-bit integer seed; ``-1`` draws one at random."""

    def check(self, name: str, value: Any) -> int:
        number = _as_number(name, value, integer=True)
        if not -(2**63) <= number < 2**63:
            raise ParameterError(f"{name} must fit in a signed 64-bit integer; got {value!r}")
        return number

    def describe(self) -> str:
        return "a 64-bit integer (`-1`: draw one and report it)"


@dataclass(frozen=True)
class Anything(Constraint):
    """Any value (used for frames, which ``tabdl.frame`` checks)."""

    what: str = "a frame"

    def check(self, name: str, value: Any) -> Any:
        return value

    def describe(self) -> str:
        return self.what
