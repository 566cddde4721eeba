"""The model report (one offline HTML page) and the plots: values against scikit-learn and the model's
own accessors, and the page drawn by a real headless Chromium (skipped where it is absent)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import tabdl
from tabdl import datasets
from tabdl.cli import main
from tabdl.report import plots

#: The CLI test loads a saved model in the process that trained it; tabdl says so, rightly.
pytestmark = pytest.mark.filterwarnings("ignore:model id .* now names the loaded model")

TRAIN, TEST = datasets.path("synthetic_train.csv"), datasets.path("synthetic_test.csv")
COMMON = dict(seed=1, reproducible=True, quiet_mode=True)
PROSTATE_FACTORS = ["CAPSULE", "RACE", "DPROS", "DCAPS", "GLEASON"]


# -- models and their reports ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prostate() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = pd.read_csv(datasets.path("prostate.csv")).drop(columns=["ID"])
    return frame.iloc[:280].reset_index(drop=True), frame.iloc[280:].reset_index(drop=True)


@pytest.fixture(scope="module")
def binomial(prostate) -> tabdl.DeepLearningEstimator:
    train, valid = prostate
    model = tabdl.DeepLearningEstimator(hidden=[10, 10], epochs=10, nfolds=3, **COMMON)
    model.train(y="CAPSULE", training_frame=train, validation_frame=valid,
                categorical_columns=PROSTATE_FACTORS)  # fmt: skip
    return model


@pytest.fixture(scope="module")
def regression() -> tabdl.DeepLearningEstimator:
    model = tabdl.DeepLearningEstimator(hidden=[8], epochs=5, **COMMON)
    return model.train(x=["x1", "x2", "x3", "c1", "c2", "c3"], y="y", training_frame=TRAIN)


@pytest.fixture(scope="module")
def multinomial() -> tabdl.DeepLearningEstimator:
    model = tabdl.DeepLearningEstimator(hidden=[8], epochs=5, **COMMON)
    return model.train(y="species", training_frame=datasets.path("iris.csv"))


@pytest.fixture(scope="module")
def autoencoder() -> tabdl.DeepLearningEstimator:
    model = tabdl.DeepLearningEstimator(hidden=[3], epochs=5, autoencoder=True, **COMMON)
    return model.train(x=["x1", "x2", "x3", "c1"], training_frame=TRAIN)


@pytest.fixture(scope="module")
def reports(tmp_path_factory, prostate, binomial, regression, multinomial, autoencoder) -> dict:
    """Each kind of model's report, with data given (and a regression's without)."""
    folder = tmp_path_factory.mktemp("reports")
    made = {
        "binomial": binomial.report(folder / "binomial.html", data=prostate[1]),
        "regression": regression.report(folder / "regression.html", data=TEST),
        "regression_without_data": regression.report(folder / "regression_bare.html"),
        "multinomial": multinomial.report(folder / "multinomial.html", data=datasets.path("iris.csv")),
        "autoencoder": autoencoder.report(folder / "autoencoder.html", data=TEST),
        "mojo": tabdl.import_mojo(datasets.path("autoencoder_mojo.zip")).report(
            folder / "mojo.html", data=TEST
        ),
    }  # fmt: skip
    return {name: Path(path) for name, path in made.items()}


class _Page(HTMLParser):
    """The parts of a report the tests read: tables by id, section ids, attributes with URLs."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.sections: list[str] = []
        self.urls: list[str] = []
        self.charts = 0
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [v for k, v in attrs.items() if k in ("src", "href") and v is not None]
        if tag == "section":
            self.sections.append(attrs["id"])
        elif tag == "img" and "chart" in attrs.get("class", ""):
            self.charts += 1
        elif tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = []
        elif tag == "tr":
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None

    def column(self, table: str, name: str) -> dict[str, str]:
        """A table's column ``name`` by the row's first cell."""
        header, *rows = self.tables[table]
        return {row[0]: row[header.index(name)] for row in rows}


def _page(path: Path) -> _Page:
    return _Page(path.read_text(encoding="utf-8"))


# -- plots ----------------------------------------------------------------------------------------------


def _binomial_truth(model, frame) -> tuple[np.ndarray, np.ndarray]:
    return frame["CAPSULE"].to_numpy(), model.predict(frame)["p1"].to_numpy()


def test_roc_plot_is_scikit_learns_roc_curve_and_its_area_is_the_auc(binomial, prostate):
    perf = binomial.model_performance(prostate[1])
    y, p1 = _binomial_truth(binomial, prostate[1])
    fpr, tpr, _ = skm.roc_curve(y, p1, drop_intermediate=False)
    ours_fpr, ours_tpr = perf.plot(type="roc", plot=False)
    np.testing.assert_allclose(ours_fpr, fpr[1:], atol=1e-12)  # sklearn starts at (0, 0)
    np.testing.assert_allclose(ours_tpr, tpr[1:], atol=1e-12)
    line = perf.plot(type="roc").axes[0].lines[0]
    area = np.trapezoid(line.get_ydata(), line.get_xdata())
    assert area == pytest.approx(perf.auc(), abs=1e-12)
    assert area == pytest.approx(skm.roc_auc_score(y, p1), abs=1e-12)


def test_precision_recall_plot_is_scikit_learns_curve(binomial, prostate):
    perf = binomial.model_performance(prostate[1])
    y, p1 = _binomial_truth(binomial, prostate[1])
    precision, recall, _ = skm.precision_recall_curve(y, p1)
    recalls, precisions = perf.plot(type="pr", plot=False)
    # scikit-learn's thresholds rise and end with the point (recall 0, precision 1)
    np.testing.assert_allclose(recalls, recall[:-1][::-1], atol=1e-12)
    np.testing.assert_allclose(precisions, precision[:-1][::-1], atol=1e-12)
    line = perf.plot(type="pr").axes[0].lines[0]
    np.testing.assert_array_equal(line.get_xdata(), recalls)


def test_metrics_plot_saves_the_figure_and_refuses_an_unknown_type(binomial, tmp_path):
    perf = binomial.model_performance(valid=True)
    figure = perf.plot(type="gains_lift", save_plot_path=str(tmp_path / "gl.png"))
    assert (tmp_path / "gl.png").stat().st_size > 1000
    gains = figure.axes[0].lines[0]
    table = perf.gains_lift()
    np.testing.assert_allclose(gains.get_ydata()[1:], table["cumulative_capture_rate"])
    with pytest.raises(tabdl.DataError, match="type must be one of"):
        perf.plot(type="lift")


def test_varimp_plot_draws_the_top_importances_largest_on_top(binomial, tmp_path):
    table = binomial.varimp(use_pandas=True)
    bars = binomial.varimp_plot(save_plot_path=str(tmp_path / "vi.png")).axes[0]
    widths = [patch.get_width() for patch in bars.patches]
    np.testing.assert_allclose(widths[::-1], table["scaled_importance"].head(10))
    labels = [t.get_text() for t in bars.get_yticklabels()]
    assert labels[::-1] == list(table["variable"].head(10))
    assert len(binomial.varimp_plot(num_of_features=3).axes[0].patches) == 3
    assert (tmp_path / "vi.png").stat().st_size > 1000


def test_varimp_plot_without_importances_says_how_to_get_them():
    model = tabdl.DeepLearningEstimator(hidden=[3], epochs=1, variable_importances=False, **COMMON)
    model.train(x=["x1", "x2"], y="y", training_frame=TRAIN)
    with pytest.raises(tabdl.DataError, match="variable_importances=True"):
        model.varimp_plot()


def test_residual_and_reconstruction_plots_draw_the_given_values():
    actual, predicted = np.array([1.0, 2.0, np.nan, 4.0]), np.array([1.5, 1.0, 3.0, 4.0])
    scatter = plots.plot_residuals(actual, predicted).axes[0].collections[0]
    np.testing.assert_array_equal(scatter.get_offsets(), [[1.5, -0.5], [1.0, 1.0], [4.0, 0.0]])
    errors = np.arange(100.0)
    axes = plots.plot_reconstruction_error(errors).axes[0]
    assert sum(p.get_height() for p in axes.patches) == 100
    assert axes.lines[0].get_xdata()[0] == pytest.approx(np.quantile(errors, 0.95))


# -- the page's content -----------------------------------------------------------------------------------


def test_binomial_report_has_every_section_and_the_models_values(reports, binomial, prostate):
    page = _page(reports["binomial"])
    assert page.sections == ["overview", "parameters", "layers", "history", "varimp", "metrics",
                             "curves", "gainslift", "tables", "cv"]  # fmt: skip
    assert page.charts == 6  # 2 history, importances, ROC, PR, gains/lift
    expected = {
        "training": binomial.auc(train=True),
        "validation": binomial.auc(valid=True),
        "cross-validation": binomial.auc(xval=True),
        "data": binomial.model_performance(prostate[1]).auc(),
    }
    header, *rows = page.tables["metrics-table"]
    row = next(r for r in rows if r[0] == "AUC")
    for frame, value in expected.items():
        assert float(row[header.index(frame)]) == pytest.approx(value, rel=1e-5)
    cm = binomial.model_performance(prostate[1]).confusion_matrix().to_list()
    shown = page.tables["data-confusion-matrix"]
    assert [[int(v) for v in r[1:3]] for r in shown[1:3]] == cm
    varimp = page.column("varimp-table", "scaled_importance")
    table = binomial.varimp(use_pandas=True)
    np.testing.assert_allclose([float(varimp[v]) for v in table["variable"]],
                               table["scaled_importance"], rtol=1e-5)  # fmt: skip
    summary = binomial.cross_validation_metrics_summary().as_data_frame()
    shown_cv = page.column("cross-validation-summary", "mean")
    assert float(shown_cv["auc"]) == pytest.approx(
        float(summary.set_index("")["mean"]["auc"]), rel=1e-5
    )


def test_report_shows_the_parameters_that_differ_from_the_defaults(reports):
    changed = _page(reports["binomial"]).column("parameters-table", "value")
    assert changed["hidden"] == "(10, 10)" and changed["nfolds"] == "3"
    assert "activation" not in changed  # the default, folded away
    folded = _page(reports["binomial"]).column("default-parameters-table", "value")
    assert folded["activation"] == "Rectifier"


def test_regression_report_shows_residuals_only_with_data(reports, regression):
    page = _page(reports["regression"])
    assert "residuals" in page.sections and "curves" not in page.sections
    assert page.charts == 2 + 1 + 1  # history (deviance, rmse), importances, residuals
    text = reports["regression"].read_text(encoding="utf-8")
    assert "On synthetic_test.csv: 120 rows." in text
    bare = _page(reports["regression_without_data"])
    assert bare.charts == 3 and "residuals" in bare.sections
    assert "tabdl report MODEL --data DATA" in reports["regression_without_data"].read_text()
    mse = page.column("metrics-table", "synthetic_test.csv")["MSE"]
    assert float(mse) == pytest.approx(regression.model_performance(TEST).mse(), rel=1e-5)


def test_multinomial_report_shows_the_hit_ratios_and_confusion_matrix(reports, multinomial):
    page = _page(reports["multinomial"])
    perf = multinomial.model_performance(datasets.path("iris.csv"))
    hits = page.column("iris-csv-top-3-hit-ratios", "hit_ratio")
    np.testing.assert_allclose(
        [float(hits[k]) for k in ("1", "2", "3")], perf.hit_ratios(), rtol=1e-5
    )
    assert "iris-csv-confusion-matrix" in page.tables
    assert "curves" not in page.sections


def test_autoencoder_report_lists_the_largest_reconstruction_errors(reports, autoencoder):
    page = _page(reports["autoencoder"])
    assert "reconstruction" in page.sections
    errors = autoencoder.anomaly(TEST)["Reconstruction.MSE"]
    top = errors.sort_values(ascending=False, kind="stable").head(10)
    shown = page.tables["largest-errors-table"][1:]
    assert [int(r[0]) for r in shown] == list(top.index)
    np.testing.assert_allclose([float(r[1]) for r in shown], top.to_numpy(), rtol=1e-5)


def test_a_mojo_report_shows_what_h2o_stored_and_the_given_data(reports):
    page = _page(reports["mojo"])
    assert page.sections == ["overview", "parameters", "layers", "history", "varimp", "metrics",
                             "reconstruction"]  # fmt: skip


def test_reports_reference_nothing_outside_themselves(reports):
    for path in reports.values():
        page = _page(path)
        assert page.urls and all(u.startswith(("data:image/png;base64,", "#")) for u in page.urls)
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and "@import" not in text and "url(" not in text


def test_report_into_a_missing_folder_is_refused(regression, tmp_path):
    with pytest.raises(tabdl.DataError, match="does not exist"):
        regression.report(tmp_path / "nope" / "report.html")


def test_command_line_report(regression, tmp_path, capsys):
    model = regression.save(tmp_path / "model.tabdl")
    target = tmp_path / "report.html"
    assert main(["report", model, "--data", TEST, "--out", str(target), "--title", "My model"]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    page = _page(target)
    assert "residuals" in page.sections and page.charts == 4
    assert "<title>My model</title>" in target.read_text(encoding="utf-8")
    assert main(["report", model, "--out", str(tmp_path / "nope" / "r.html")]) == 2
    assert "does not exist" in capsys.readouterr().err


# -- in a real browser -------------------------------------------------------------------------------------

#: Appended to a copy of a page: on load, the title says how many chart images decoded to a picture
#: that is not blank (the pixels' standard deviation), and which resources the page fetched.
CHECKER = """<script>
window.addEventListener('load', function () {
  var images = Array.from(document.querySelectorAll('img.chart')), drawn = 0;
  images.forEach(function (img) {
    var box = img.getBoundingClientRect();
    if (!img.complete || img.naturalWidth === 0 || box.width === 0 || box.height === 0) return;
    var canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    var context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    var d = context.getImageData(0, 0, canvas.width, canvas.height).data, n = 0, s = 0, s2 = 0;
    for (var i = 0; i < d.length; i += 4) { var v = (d[i] + d[i + 1] + d[i + 2]) / 3; n++; s += v; s2 += v * v; }
    if (Math.sqrt(s2 / n - (s / n) * (s / n)) > 5) drawn++;
  });
  var fetched = performance.getEntriesByType('resource').map(function (e) { return e.name; });
  document.title = JSON.stringify({images: images.length, drawn: drawn, fetched: fetched});
});
</script>"""

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """Run headless Chromium on a file with extra arguments; return its stdout and stderr."""
    binary = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if binary is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")

    def run(page: Path, *arguments: str) -> tuple[str, str]:
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                   f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                   *arguments, page.resolve().as_uri()]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout, done.stderr

    return run


def _console(stderr: str) -> list[str]:
    """The page's console messages (errors and uncaught exceptions) in Chromium's log."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def _checked(chromium, page: Path, folder: Path) -> dict:
    copy = folder / f"checked_{page.name}"
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", CHECKER + "</body>"))
    dom, _ = chromium(copy, "--dump-dom")
    return json.loads(html.unescape(re.search(r"<title>(.*?)</title>", dom).group(1)))


@pytest.mark.parametrize("kind", ["binomial", "regression", "multinomial", "autoencoder", "mojo"])
def test_every_chart_is_drawn_in_chromium_without_console_errors(chromium, reports, kind, tmp_path):
    page = reports[kind]
    dom, log = chromium(page, "--dump-dom")
    assert _console(log) == []
    assert "<h2>Overview</h2>" in dom
    checked = _checked(chromium, page, tmp_path)
    assert checked == {"images": _page(page).charts, "drawn": _page(page).charts, "fetched": []}


def test_the_screenshot_of_a_report_is_not_blank(chromium, reports, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    chromium(reports["binomial"], f"--screenshot={shot}", "--window-size=1280,4200")
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
    assert pixels.shape == (4200, 1280, 3)
    assert pixels.std() > 20
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200  # text, lines, fills: many colours


def test_the_checks_fail_on_a_broken_page(chromium, tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<html><head><title>x</title></head><body><img class="chart" src="data:image/png;base64,'
        'AAAA"><script>notDefined()</script></body></html>'
    )
    _, log = chromium(broken, "--dump-dom")
    assert any("notDefined" in line for line in _console(log))
    assert _checked(chromium, broken, tmp_path) == {"images": 1, "drawn": 0, "fetched": []}
