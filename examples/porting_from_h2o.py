"""An H2O-3 Deep Learning script, call by call, in tabdl: each step runs and checks itself.

docs/porting.md maps each H2O call to its tabdl form; this script runs every one of those forms
(the test suite runs it), with the H2O line it replaces above it as a comment.

    python examples/porting_from_h2o.py [--epochs 5] [--out FOLDER]
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import tabdl
from tabdl import datasets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=5)
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="tabdl_port_")))
    args = parser.parse_args()
    out = args.out

    # import h2o; h2o.init()  -- `import tabdl` above: there is no server to start
    # from h2o.estimators import H2ODeepLearningEstimator
    from tabdl import H2ODeepLearningEstimator

    # prostate = h2o.import_file("prostate.csv")
    prostate = pd.read_csv(datasets.path("prostate.csv"))  # or pass the path itself to train()

    # prostate["CAPSULE"] = prostate["CAPSULE"].asfactor()
    prostate["CAPSULE"] = prostate["CAPSULE"].astype("category")  # or categorical_columns=[...]

    # train, test = prostate.split_frame(ratios=[0.8], seed=1)
    train = prostate.sample(frac=0.8, random_state=1)
    test = prostate.drop(train.index)

    # dl = H2ODeepLearningEstimator(hidden=[20, 20], epochs=5, seed=1, reproducible=True)
    dl = H2ODeepLearningEstimator(hidden=[20, 20], epochs=args.epochs, seed=1, reproducible=True,
                                  quiet_mode=True)  # fmt: skip
    # dl.train(x=x, y="CAPSULE", training_frame=train, validation_frame=test)
    x = ["AGE", "RACE", "DPROS", "DCAPS", "PSA", "VOL", "GLEASON"]
    dl.train(x=x, y="CAPSULE", training_frame=train, validation_frame=test)

    # perf = dl.model_performance(test_data=test); perf.auc(); perf.confusion_matrix(); print(perf)
    perf = dl.model_performance(test_data=test)
    assert perf.auc() == dl.auc(valid=True)
    assert perf.confusion_matrix().to_list() == dl.confusion_matrix(valid=True).to_list()
    assert str(perf).startswith("ModelMetricsBinomial: deeplearning")
    # dl.summary(); print(dl)
    assert len(dl.summary()) == 4 and "Status of Neuron Layers" in str(dl)

    # pred = dl.predict(test); pred.as_data_frame()
    pred = dl.predict(test)  # already a pandas DataFrame: predict, p0, p1
    assert list(pred.columns) == ["predict", "p0", "p1"] and len(pred) == len(test)

    # path = h2o.save_model(dl, path="models", force=True); dl2 = h2o.load_model(path)
    path = dl.save(out / "dl.tabdl")
    with warnings.catch_warnings():  # the loaded model takes the id over, as in h2o.load_model
        warnings.simplefilter("ignore")
        dl2 = tabdl.load_model(path)
    assert dl2.predict(test).equals(pred)

    # mojo = dl.download_mojo(path="models"); h2o.import_mojo(mojo)
    mojo = dl.download_mojo(out)
    imported = tabdl.import_mojo(mojo, model_id="dl_from_mojo")
    gap = np.abs(imported.predict(test)[["p0", "p1"]].to_numpy() - pred[["p0", "p1"]].to_numpy())
    assert gap.max() < 1e-12

    # (no H2O counterpart) an ONNX graph for onnxruntime
    dl.save_onnx(out / "dl.onnx")

    # h2o.get_model(dl.model_id); h2o.ls(); h2o.remove(...)
    assert tabdl.get_model("dl_from_mojo") is imported and "dl_from_mojo" in set(tabdl.ls()["key"])
    tabdl.remove("dl_from_mojo")

    # dl.varimp(use_pandas=True); dl.scoring_history(); dl.plot(); dl.varimp_plot()
    varimp, history = dl.varimp(use_pandas=True), dl.scoring_history()
    dl.plot(metric="logloss", save_plot_path=str(out / "history.png"))
    dl.varimp_plot(save_plot_path=str(out / "varimp.png"))
    # perf.plot(type="roc"); perf.plot(type="pr"); perf.plot(type="roc", plot=False)
    perf.plot(type="roc", save_plot_path=str(out / "roc.png"))
    perf.plot(type="pr", save_plot_path=str(out / "pr.png"))
    fprs, tprs = perf.plot(type="roc", plot=False)
    assert len(fprs) == len(tprs) == len(perf.fprs)

    # cv = H2ODeepLearningEstimator(nfolds=5, ...); cv.train(...); cv.cross_validation_metrics_summary()
    cv = H2ODeepLearningEstimator(hidden=[10], epochs=args.epochs, nfolds=3, seed=1,
                                  reproducible=True, quiet_mode=True,
                                  keep_cross_validation_predictions=True)  # fmt: skip
    cv.train(x=x, y="CAPSULE", training_frame=train)
    assert cv.model_performance(xval=True).auc() == cv.auc(xval=True)
    summary = cv.cross_validation_metrics_summary()
    assert len(cv.cross_validation_holdout_predictions()) == len(train)

    # from h2o.grid.grid_search import H2OGridSearch
    # grid = H2OGridSearch(H2ODeepLearningEstimator, hyper_params={...}); grid.train(...)
    # grid.get_grid(sort_by="auc", decreasing=True).models[0]
    grid = tabdl.H2OGridSearch(
        H2ODeepLearningEstimator(epochs=args.epochs, seed=1, reproducible=True, quiet_mode=True),
        hyper_params={"hidden": [[5], [10, 10]], "l1": [0.0, 1e-4]},
        search_criteria={"strategy": "Cartesian"},
    )
    grid.train(x=x, y="CAPSULE", training_frame=train, validation_frame=test)
    best = grid.get_grid(sort_by="auc", decreasing=True).models[0]
    assert best.auc(valid=True) == max(m.auc(valid=True) for m in grid.models)

    # h2o.cluster().shutdown()  -- nothing to stop
    print(f"AUC on the test rows {perf.auc():.4f}; {len(varimp)} importances; "
          f"{len(history)} scoring events; cross-validation summary of {len(summary.rows)} "
          f"metrics; grid of {len(grid.models)} models, best {best.model_id} "
          f"(AUC {best.auc(valid=True):.4f}); files in {out}")  # fmt: skip
    # Flow's model view: an offline HTML page
    dl.report(out / "report.html", data=test)


if __name__ == "__main__":
    main()
