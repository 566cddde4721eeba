"""The exceptions tabdl raises.

Each error names the problem and, where there is one, the fix. They subclass the built-in exception a
Python user would catch for the same kind of problem (``ValueError`` for a bad value, ``TypeError`` for
a value of the wrong type, ``NotImplementedError`` for a feature that has not landed yet), so code
written against scikit-learn conventions keeps working.
"""

from __future__ import annotations


class TabdlError(Exception):
    """Base class of every error tabdl raises on purpose."""


class ParameterError(TabdlError, ValueError):
    """A parameter has a bad value, or two parameters contradict each other."""


class ParameterTypeError(TabdlError, TypeError):
    """A parameter has a value of the wrong type."""


class DataError(TabdlError, ValueError):
    """The data given for training or scoring cannot be used as it is."""


class NothingToScoreError(DataError):
    """No row of a frame can be scored: every actual value is missing, or every weight is 0."""


class MojoError(TabdlError, ValueError):
    """A file is not a readable H2O Deep Learning MOJO."""


class NotYetAvailableError(TabdlError, NotImplementedError):
    """A documented feature whose implementation has not landed in tabdl yet.

    tabdl validates every parameter of the H2O document, but some features arrive in later releases.
    Using one of them raises this error instead of silently ignoring it.
    """


class DistributedError(TabdlError, RuntimeError):
    """Training on several processes failed: a process stopped, or did not answer in time.

    The message names the process and the collective operation that failed; the run can be resumed
    from the last model written to ``export_checkpoints_dir`` (see ``docs/distributed.md``).
    """
