"""The ``tabdl`` command line (also ``python -m tabdl``).

Commands: ``demo`` (train on bundled data; score the bundled H2O MOJOs), ``train``, ``predict``,
``evaluate``, ``export``, ``summary``, ``report`` (an HTML page per model) and ``grid``. ``train``
and ``grid`` take every parameter of :class:`tabdl.DeepLearningEstimator` as ``--name value`` (or
``--name=value``; ``-`` or ``_``), parsed by the parameter's declared type: lists comma-separated
(``--hidden 200,200``), booleans ``true``/``false`` (a bare ``--reproducible`` means true),
``none`` for None.

Results go to standard output, progress and notes to standard error. A bad input (a missing file,
an unknown parameter or column, a bad value) ends with one line ``tabdl: error: ...`` and exit
status 2. See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from tabdl import datasets
from tabdl.distributed import is_root
from tabdl.errors import DataError, TabdlError
from tabdl.estimator import DeepLearningEstimator
from tabdl.frame import NUMERIC, as_frame
from tabdl.io import import_mojo, load_model
from tabdl.params import PARAMETERS_BY_NAME
from tabdl.params.constraints import (
    Anything,
    ColumnList,
    Constraint,
    Flag,
    FrameList,
    Function,
    Interval,
    NumberList,
    OrNone,
    Seed,
)

DEMOS = (
    ("regression", "regression_mojo.zip", "regression_h2o_pred.csv"),
    ("multinomial", "multinomial_mojo.zip", "multinomial_h2o_pred.csv"),
)

#: Parameters that the commands' own arguments set.
_SET_BY_ARGUMENTS = {
    "training_frame": "DATA",
    "validation_frame": "--validation",
    "response_column": "--y",
}
#: Parameters that hold code or arrays, which a command line cannot give.
_NOT_TEXT = (Function, FrameList, Anything)
_TRUE, _FALSE = ("true", "t", "yes", "y", "1"), ("false", "f", "no", "n", "0")


class UsageError(TabdlError, ValueError):
    """The command line is wrong: an unknown option or parameter, a bad value, a missing argument."""


# -- tabdl demo ----------------------------------------------------------------------------------------


def _train_demo() -> None:
    train, test = datasets.path("synthetic_train.csv"), datasets.path("synthetic_test.csv")
    model = DeepLearningEstimator(
        hidden=[16, 8], epochs=20, seed=1, reproducible=True, model_id="demo"
    )
    x = ["x1", "x2", "x3", "c1", "c2", "c3"]
    model.train(x=x, y="y", training_frame=train, validation_frame=test)
    print(model)
    print(
        f"  trained {model.epoch_counter:g} epochs, {model.iterations} iterations, "
        f"{model.samples} samples"
    )
    print(f"  test RMSE {model.model_performance(test).rmse():.4f}\n")


def _demo(_: argparse.Namespace) -> int:
    _train_demo()
    test = datasets.path("synthetic_test.csv")
    for name, mojo, oracle in DEMOS:
        model = import_mojo(datasets.path(mojo), model_id=f"h2o_{name}")
        predictions = model.predict(test)
        h2o = pd.read_csv(datasets.path(oracle))
        numeric = [c for c in h2o.columns if not pd.api.types.is_string_dtype(h2o[c])]
        diff = float(
            np.max(np.abs(predictions[numeric].to_numpy(float) - h2o[numeric].to_numpy(float)))
        )
        print(model)
        print(f"\nPredictions on {len(predictions)} test rows (first 5):")
        print(predictions.head().to_string())
        labels = ""
        if name != "regression":
            same = (
                predictions["predict"].astype(str).to_numpy()
                == h2o["predict"].astype(str).to_numpy()
            ).mean()
            labels = f", labels agree on {same:.0%} of rows"
        print(f"max |tabdl - H2O-3| = {diff:.3g}{labels}\n")
    return 0


# -- parameters as options -----------------------------------------------------------------------------


def _parameter_name(option: str) -> str:
    """Return the parameter ``--option`` names, or raise naming the closest parameters."""
    name = option.lstrip("-").replace("-", "_")
    if name in _SET_BY_ARGUMENTS:
        raise UsageError(f"{option} is set by {_SET_BY_ARGUMENTS[name]} in this command")
    if name in PARAMETERS_BY_NAME:
        return name
    close = difflib.get_close_matches(name, list(PARAMETERS_BY_NAME), n=3, cutoff=0.6)
    spell = (lambda n: n.replace("_", "-")) if "-" in option.lstrip("-") else (lambda n: n)
    hint = f"; did you mean {', '.join('--' + spell(c) for c in close)}?" if close else ""
    raise UsageError(f"unknown parameter {option}{hint} (see docs/parameters.md)")


def _number(option: str, text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise UsageError(f"{option} takes a number; got {text!r}") from None


def _flag(option: str, text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise UsageError(f"{option} takes true or false; got {text!r}")


def parse_value(name: str, text: str, constraint: Constraint | None = None) -> Any:
    """Parse ``text`` as a value of parameter ``name``, by its declared constraint.

    Lists are comma-separated, booleans ``true``/``false``, ``none`` is None; the estimator checks
    the value itself (range, allowed names) when training starts.
    """
    constraint = constraint or PARAMETERS_BY_NAME[name].constraint
    option = f"--{name}"
    if isinstance(constraint, OrNone):
        if text.lower() in ("none", "null"):
            return None
        return parse_value(name, text, constraint.inner)
    if isinstance(constraint, _NOT_TEXT):
        raise UsageError(f"{option} cannot be given on the command line; use the Python API")
    if isinstance(constraint, Flag):
        return _flag(option, text)
    if isinstance(constraint, (Interval, Seed)):
        return _number(option, text)
    if isinstance(constraint, NumberList):
        return [_number(option, item) for item in text.split(",") if item.strip()]
    if isinstance(constraint, ColumnList):
        return [item.strip() for item in text.split(",") if item.strip()]
    return text  # names of values, columns, paths, models: the constraint reads the text


def split_parameters(
    tokens: Sequence[str], parser: argparse.ArgumentParser
) -> tuple[list[str], dict[str, Any]]:
    """Separate ``parser``'s own arguments from ``--parameter value`` options.

    Returns the tokens for ``parser`` and the parsed parameters. A boolean parameter without a
    value (``--reproducible``) is true.
    """
    own = parser._option_string_actions  # argparse's table of its options
    rest: list[str] = []
    params: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        option, has_value, value = token.partition("=")
        if token == "--":  # the rest is positional
            rest += tokens[i:]
            break
        if option in own or not token.startswith("--"):
            takes_value = option in own and own[option].nargs != 0 and not has_value
            rest += tokens[i : i + (2 if takes_value else 1)]
            i += 2 if takes_value else 1
            continue
        name = _parameter_name(option)
        flag = isinstance(PARAMETERS_BY_NAME[name].constraint, Flag)
        if not has_value:
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if flag and (following is None or following.lower() not in _TRUE + _FALSE):
                value = "true"
            elif following is None:
                raise UsageError(f"{option} needs a value")
            else:
                value, i = following, i + 1
        params[name] = parse_value(name, value)
        i += 1
    return rest, params


# -- data and models -----------------------------------------------------------------------------------


def _columns(text: str | None) -> list[str] | None:
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


def _data(path: str | None, categorical: list[str] | None) -> Any:
    """Read ``path``, its numeric ``categorical`` columns made categorical (H2O's asfactor)."""
    if path is not None and not Path(path).exists():
        raise DataError(f"no such file: {path!r}")
    if path is None or not categorical:
        return path
    frame = as_frame(path)
    missing = [name for name in categorical if name not in frame.kinds]
    if missing:
        raise DataError(
            f"--categorical names {', '.join(missing)}, not a column of {path} "
            f"(its columns: {', '.join(frame.names)})"
        )
    table = frame.table
    for name in categorical:
        if frame.kinds[name] == NUMERIC:
            index = table.schema.get_field_index(name)
            table = table.set_column(index, name, pc.dictionary_encode(table.column(name)))
    return table


def _load(path: str) -> DeepLearningEstimator:
    """Load a tabdl model file (``model.tabdl``) or an H2O MOJO (``model.zip``)."""
    if not Path(path).is_file():
        raise DataError(f"no such model file: {path!r}")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise DataError(
            f"{path} is neither a tabdl model file (.tabdl) nor an H2O MOJO (.zip)"
        ) from None
    return load_model(path) if "model.json" in names else import_mojo(path)


def _note(message: str) -> None:
    if is_root():  # under torchrun, rank 0 speaks for every process
        print(message, file=sys.stderr)


# -- commands ------------------------------------------------------------------------------------------


def _train(args: argparse.Namespace) -> int:
    folder = Path(args.out).parent
    if not folder.is_dir():  # say so before training, not after
        raise DataError(f"cannot write the model to {args.out}: the folder {folder} does not exist")
    categorical = _columns(args.categorical)
    train, validation = _data(args.data, categorical), _data(args.validation, categorical)
    model = DeepLearningEstimator(**{"model_id": Path(args.out).stem, **args.params})
    _note(f"training on {args.data} ...")
    model.train(x=_columns(args.x), y=args.y, training_frame=train, validation_frame=validation)
    if is_root():  # under torchrun every process holds the same model; rank 0 prints and saves it
        print(model)
        _note(f"saved the model to {model.save(args.out)}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    predictions = _load(args.model).predict(args.data, precision=args.precision)
    if args.out:
        predictions.to_csv(args.out, index=False)
        _note(f"wrote {len(predictions)} predictions to {args.out}")
    else:
        print(predictions.to_csv(index=False), end="")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    print(_load(args.model).model_performance(args.data))
    return 0


def _export(args: argparse.Namespace) -> int:
    model = _load(args.model)
    print(model.download_mojo(args.mojo) if args.mojo else model.save_onnx(args.onnx))
    return 0


def _summary(args: argparse.Namespace) -> int:
    print(_load(args.model))
    return 0


def _report(args: argparse.Namespace) -> int:
    folder = Path(args.out).parent
    if not folder.is_dir():  # say so before scoring, not after
        raise DataError(
            f"cannot write the report to {args.out}: the folder {folder} does not exist"
        )
    model = _load(args.model)
    print(model.report(args.out, data=_data(args.data, None), title=args.title))
    return 0


def _hyper(text: str) -> tuple[str, list[Any]]:
    """Parse ``NAME=V1;V2;...`` into the parameter's name and its values."""
    name, equals, values = text.partition("=")
    if not equals or not values:
        raise UsageError(f"--hyper takes NAME=V1;V2;...; got {text!r}")
    name = _parameter_name("--" + name.strip())
    return name, [parse_value(name, v.strip()) for v in values.split(";") if v.strip()]


def _grid(args: argparse.Namespace) -> int:
    from tabdl.grid import GridSearch

    hyper = dict(_hyper(h) for h in args.hyper)
    criteria: dict[str, Any] = {"strategy": args.strategy}
    if args.max_models is not None:
        criteria["max_models"] = args.max_models
    if args.search_seed is not None:
        criteria["seed"] = args.search_seed
    categorical = _columns(args.categorical)
    train, validation = _data(args.data, categorical), _data(args.validation, categorical)
    grid = GridSearch(
        DeepLearningEstimator(**args.params), hyper_params=hyper, search_criteria=criteria
    )
    _note(f"grid search on {args.data} over {', '.join(hyper)} ...")
    grid.train(x=_columns(args.x), y=args.y, training_frame=train, validation_frame=validation)
    if not is_root():  # under torchrun every process holds the same models; rank 0 reports them
        return 0
    board = grid.get_grid()
    print(board)
    if args.out is None:
        _note("the models were not saved: pass --out DIR to keep them")
        return 0
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    for model in board.models:
        model.save(folder / f"{model.model_id}.tabdl")
    _note(f"saved {len(board.models)} models to {folder}")
    return 0


# -- the parser ----------------------------------------------------------------------------------------


def _takes_text(name: str) -> bool:
    """Tell whether parameter ``name`` can be given as text (not code or arrays)."""
    constraint = PARAMETERS_BY_NAME[name].constraint
    inner = constraint.inner if isinstance(constraint, OrNone) else constraint
    return not isinstance(inner, _NOT_TEXT)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``tabdl: error: ...``), not usage and exit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see {self.prog} --help)")


_PARAMETERS_HELP = (
    "Any parameter of tabdl.DeepLearningEstimator can follow as --name value (or --name=value; "
    "- or _ alike): lists comma-separated (--hidden 200,200), booleans true/false, none for None. "
    "The parameters (see docs/parameters.md): "
    + ", ".join(n for n in PARAMETERS_BY_NAME if n not in _SET_BY_ARGUMENTS and _takes_text(n))
    + "."
)


def _add_data_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("data", metavar="DATA", help="training data: a CSV or Parquet file")
    command.add_argument("--y", required=True, metavar="COL", help="the response column")
    command.add_argument("--x", metavar="COLS", help="predictor columns, comma-separated")
    command.add_argument("--validation", metavar="DATA", help="validation data (CSV or Parquet)")
    command.add_argument(
        "--categorical", metavar="COLS", help="numeric columns to treat as categorical"
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``tabdl`` command (``train``/``grid`` parameters aside)."""
    parser = _Parser(prog="tabdl", description=__doc__.splitlines()[0], allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Any, text: str, **kw: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text, allow_abbrev=False, **kw)
        sub.set_defaults(run=run)
        return sub

    command("demo", _demo, "train on bundled data; score the bundled H2O MOJOs")
    train = command("train", _train, "train a model and save it", epilog=_PARAMETERS_HELP)
    _add_data_options(train)
    train.add_argument("-o", "--out", default="model.tabdl", help="model file (model.tabdl)")
    for name, run, text in (
        ("predict", _predict, "score a CSV or Parquet file"),
        ("evaluate", _evaluate, "print the model's metrics on labelled data, as H2O prints them"),
        ("export", _export, "write the model as an H2O MOJO or an ONNX graph"),
        ("summary", _summary, "print the model, as H2O prints it"),
        ("report", _report, "write the model's report: one HTML page that opens offline"),
    ):
        sub = command(name, run, text)
        sub.add_argument("model", metavar="MODEL", help="a tabdl model file or an H2O MOJO (zip)")
        if name in ("predict", "evaluate"):
            sub.add_argument("data", metavar="DATA", help="a CSV or Parquet file")
        if name == "predict":
            sub.add_argument("-o", "--out", "--output", help="write the predictions to this CSV")
            sub.add_argument(
                "--precision",
                choices=("float64", "float32"),
                default="float64",
                help="scoring arithmetic: float64 as H2O (default), or float32 (faster)",
            )
        if name == "report":
            sub.add_argument(
                "--data", metavar="DATA", help="data to score as well (CSV or Parquet)"
            )
            sub.add_argument("-o", "--out", default="report.html", help="HTML file (report.html)")
            sub.add_argument("--title", help="the page's title (default: the model id)")
        if name == "export":
            target = sub.add_mutually_exclusive_group(required=True)
            target.add_argument("--mojo", metavar="PATH", help="an H2O MOJO (zip) file or folder")
            target.add_argument("--onnx", metavar="PATH", help="an ONNX file")
    grid = command("grid", _grid, "train a grid of models; print the leaderboard",
                   epilog=_PARAMETERS_HELP)  # fmt: skip
    _add_data_options(grid)
    grid.add_argument("--hyper", action="append", required=True, metavar="NAME=V1;V2",
                      help="a parameter and its values, ';'-separated (repeat for more)")  # fmt: skip
    grid.add_argument("--strategy", choices=("Cartesian", "RandomDiscrete"), default="Cartesian")
    grid.add_argument("--max-models", type=int, metavar="N", help="stop after N models")
    grid.add_argument("--search-seed", type=int, metavar="N", help="seed of RandomDiscrete")
    grid.add_argument("-o", "--out", metavar="DIR", help="save every model in DIR")
    return parser


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse ``argv``; ``train`` and ``grid`` take estimator parameters besides their options."""
    params: dict[str, Any] = {}
    if argv[:1] in (["train"], ["grid"]):
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        rest, params = split_parameters(argv[1:], commands.choices[argv[0]])
        argv = [argv[0], *rest]
    args = parser.parse_args(argv)
    args.params = params
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parse(build_parser(), argv)
        return args.run(args)
    except BrokenPipeError:  # the reader stopped early (| head): end quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (TabdlError, OSError, ValueError) as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"tabdl: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
