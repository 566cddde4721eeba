"""Every parameter of H2O-3's Deep Learning, with H2O's Python name, default and one constraint.

The table is the single source of truth: the estimator's signature, its validation and
``docs/parameters.md`` (``python tools/gen_parameters_doc.py``) are all derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tabdl.params.constraints import (
    Anything,
    ColumnList,
    ColumnRef,
    Constraint,
    DeviceName,
    Flag,
    FrameList,
    Function,
    Interval,
    ModelRef,
    NumberList,
    OneOf,
    OrNone,
    PathLike,
    Seed,
    Text,
)


@dataclass(frozen=True)
class Feature:
    """A capability that parameters depend on; ``available`` once it has landed."""

    name: str
    available: bool
    issue: int | None = None

    def status(self) -> str:
        """Describe the feature's state for the documentation."""
        if self.available:
            return "available"
        return f"validated; needs {self.name} (issue {self.issue})"


ENCODING = Feature("data encoding and scoring", True)
TRAINING = Feature("training (the online engine)", True, 3)
REPORTING = Feature("metrics, scoring history and early stopping", True, 4)
PERSISTENCE = Feature("checkpoints and model export", True, 5)
BATCH = Feature("the batch engine (mini_batch_size > 1)", True, 6)
AUTOENCODER = Feature("autoencoder training", True, 7)
SPARSITY = Feature("the autoencoder sparsity penalty", True, 7)
SELECTION = Feature("cross-validation", True, 8)
SPARSE_DATA = Feature("sparse data (scipy.sparse input, DESCALE)", True, 9)
BALANCING = Feature("class balancing", True, 9)
ENCODINGS = Feature("categorical encodings and feature hashing", True, 9)
SCALE_OUT = Feature("multi-process training (torchrun)", True, 10)


@dataclass(frozen=True)
class Param:
    """One parameter: H2O's Python name, default, constraint, group and documentation.

    ``off`` lists values that switch the parameter's feature off: they are accepted even before the
    feature lands, since they ask for what tabdl does without it (e.g. ``stopping_rounds=0``).
    """

    name: str
    default: Any
    constraint: Constraint
    group: str
    feature: Feature
    doc: str
    off: tuple = ()


ALGORITHM = "algorithm-specific"
AUTOENCODER_GROUP = "autoencoder"
COMMON = "common"

ACTIVATIONS = OneOf(
    (
        "Rectifier",
        "Tanh",
        "TanhWithDropout",
        "RectifierWithDropout",
        "Maxout",
        "MaxoutWithDropout",
    )
)
LOSSES = OneOf(("Automatic", "CrossEntropy", "Quadratic", "Huber", "Absolute", "Quantile"))
DISTRIBUTIONS = OneOf(
    (
        "AUTO",
        "bernoulli",
        "multinomial",
        "gaussian",
        "poisson",
        "gamma",
        "tweedie",
        "laplace",
        "quantile",
        "huber",
        # Accepted by H2O's Python client for other algorithms; rejected for Deep Learning by a rule.
        "quasibinomial",
        "ordinal",
        "modified_huber",
        "custom",
    )
)
CATEGORICAL_ENCODINGS = OneOf(
    (
        "AUTO",
        "OneHotInternal",
        "Binary",
        "Eigen",
        "LabelEncoder",
        "SortByResponse",
        "EnumLimited",
        # Rejected for Deep Learning by a rule, as H2O does.
        "Enum",
        "OneHotExplicit",
    )
)
STOPPING_METRICS = OneOf(
    (
        "AUTO",
        "deviance",
        "logloss",
        "MSE",
        "RMSE",
        "MAE",
        "RMSLE",
        "AUC",
        "AUCPR",
        "lift_top_group",
        "misclassification",
        "mean_per_class_error",
        "custom",
        "custom_increasing",
    )
)

NON_NEGATIVE = Interval(low=0)
NON_NEGATIVE_INT = Interval(low=0, integer=True)
POSITIVE = Interval(low=0, low_open=True)
UNIT_OPEN = Interval(low=0, high=1, high_open=True)
UNIT = Interval(low=0, high=1)
STOP_THRESHOLD = Interval(low=-1)

_P = Param

PARAMETERS: tuple[Param, ...] = (
    # -- algorithm-specific ------------------------------------------------------------------------
    _P(
        "activation",
        "Rectifier",
        ACTIVATIONS,
        ALGORITHM,
        ENCODING,
        "Hidden-layer activation; `*WithDropout` adds hidden dropout.",
    ),
    _P("adaptive_rate", True, Flag(), ALGORITHM, TRAINING, "ADADELTA adaptive learning rate."),
    _P(
        "classification_stop",
        0.0,
        STOP_THRESHOLD,
        ALGORITHM,
        REPORTING,
        "Stop when the training classification error is at or below this; -1 disables.",
    ),
    _P(
        "col_major",
        False,
        Flag(),
        ALGORITHM,
        SPARSE_DATA,
        "Column-major input weights in H2O (a speed hint); accepted, no effect on tabdl's results.",
    ),
    _P(
        "custom_metric_func",
        None,
        OrNone(Function()),
        ALGORITHM,
        REPORTING,
        "A custom metric, scored at every scoring event (history column `*_custom`): a callable "
        "`f(actual, predicted, weights)`, or H2O's map/reduce/metric class.",
    ),
    _P(
        "diagnostics",
        True,
        Flag(),
        ALGORITHM,
        REPORTING,
        "Per-layer statistics; H2O 3.46 computes them at every scoring whatever the value.",
    ),
    _P(
        "elastic_averaging",
        False,
        Flag(),
        ALGORITHM,
        SCALE_OUT,
        "Elastic averaging between processes (torchrun): each keeps its local model, pulled towards "
        "a moving average of the processes' models (docs/distributed.md).",
    ),
    _P(
        "elastic_averaging_moving_rate",
        0.9,
        UNIT,
        ALGORITHM,
        SCALE_OUT,
        "Moving rate alpha of elastic averaging: consensus = alpha * mean + (1 - alpha) * previous.",
    ),
    _P(
        "elastic_averaging_regularization",
        0.001,
        NON_NEGATIVE,
        ALGORITHM,
        SCALE_OUT,
        "Strength of the pull of each local weight towards the consensus (elastic averaging).",
    ),
    _P(
        "epochs",
        10.0,
        NON_NEGATIVE,
        ALGORITHM,
        TRAINING,
        "How many times to iterate over the data (may be fractional).",
    ),
    _P("epsilon", 1e-8, POSITIVE, ALGORITHM, TRAINING, "ADADELTA smoothing term."),
    _P(
        "export_weights_and_biases",
        False,
        Flag(),
        ALGORITHM,
        ENCODING,
        "Accepted for H2O scripts: `model.weights(i)`/`biases(i)` are always available.",
    ),
    _P(
        "fast_mode",
        True,
        Flag(),
        ALGORITHM,
        TRAINING,
        "Skip updates whose input or unit gradient is exactly zero (H2O's approximation).",
    ),
    _P(
        "force_load_balance",
        True,
        Flag(),
        ALGORITHM,
        TRAINING,
        "Split each process's rows into 4 chunks per core so that every core works.",
    ),
    _P(
        "hidden",
        (200, 200),
        NumberList(Interval(low=1, integer=True)),
        ALGORITHM,
        ENCODING,
        "Hidden layer sizes.",
    ),
    _P(
        "hidden_dropout_ratios",
        None,
        OrNone(NumberList(UNIT_OPEN)),
        ALGORITHM,
        ENCODING,
        "Hidden dropout ratio per hidden layer (default 0.5 with a dropout activation).",
    ),
    _P(
        "huber_alpha",
        0.9,
        UNIT,
        ALGORITHM,
        REPORTING,
        "Quantile of the absolute error that sets the Huber delta for metrics.",
    ),
    _P(
        "initial_biases",
        None,
        OrNone(FrameList()),
        ALGORITHM,
        TRAINING,
        "Initial bias vectors, one per layer.",
    ),
    _P(
        "initial_weight_distribution",
        "UniformAdaptive",
        OneOf(("UniformAdaptive", "Uniform", "Normal")),
        ALGORITHM,
        TRAINING,
        "Distribution of the initial weights.",
    ),
    _P(
        "initial_weight_scale",
        1.0,
        POSITIVE,
        ALGORITHM,
        TRAINING,
        "Scale of the Uniform or Normal initial weights.",
    ),
    _P(
        "initial_weights",
        None,
        OrNone(FrameList()),
        ALGORITHM,
        TRAINING,
        "Initial weight matrices, one per layer.",
    ),
    _P("input_dropout_ratio", 0.0, UNIT_OPEN, ALGORITHM, TRAINING, "Input layer dropout ratio."),
    _P("l1", 0.0, NON_NEGATIVE, ALGORITHM, TRAINING, "L1 regularisation."),
    _P("l2", 0.0, NON_NEGATIVE, ALGORITHM, TRAINING, "L2 regularisation."),
    _P(
        "loss",
        "Automatic",
        LOSSES,
        ALGORITHM,
        ENCODING,
        "Loss function; `Automatic` follows the distribution.",
    ),
    _P(
        "max_categorical_features",
        2147483647,
        Interval(low=1, integer=True),
        ALGORITHM,
        ENCODINGS,
        "Maximum number of one-hot inputs, enforced by feature hashing (MurmurHash2 of the input "
        "index, seeded by the model seed).",
    ),
    _P(
        "max_confusion_matrix_size",
        20,
        NON_NEGATIVE_INT,
        ALGORITHM,
        REPORTING,
        "Largest confusion matrix printed (H2O's printing rule); computing is unaffected.",
    ),
    _P(
        "max_w2",
        3.4028235e38,
        POSITIVE,
        ALGORITHM,
        TRAINING,
        "Limit on the squared sum of a unit's incoming weights.",
    ),
    _P(
        "mini_batch_size",
        1,
        Interval(low=1, integer=True),
        ALGORITHM,
        BATCH,
        "Rows per update; above 1 selects the batch engine.",
    ),
    _P(
        "optimizer",
        "auto",
        OneOf(("auto", "adam")),
        ALGORITHM,
        BATCH,
        "tabdl's addition: the batch engine's update rule. `auto`: H2O's (ADADELTA when "
        "`adaptive_rate`, else SGD with momentum); `adam`: Adam (beta1 0.9, beta2 0.999) with "
        "`rate` as its step size (annealed and decayed as SGD's) and `epsilon`.",
    ),
    _P(
        "device",
        "auto",
        DeviceName(),
        ALGORITHM,
        BATCH,
        "tabdl's addition: where the batch engine trains (`auto`: a CUDA GPU when present).",
    ),
    _P(
        "momentum_ramp",
        1e6,
        POSITIVE,
        ALGORITHM,
        TRAINING,
        "Training samples over which momentum ramps up.",
    ),
    _P("momentum_stable", 0.0, UNIT_OPEN, ALGORITHM, TRAINING, "Momentum after the ramp."),
    _P("momentum_start", 0.0, UNIT_OPEN, ALGORITHM, TRAINING, "Momentum at the start."),
    _P(
        "nesterov_accelerated_gradient",
        True,
        Flag(),
        ALGORITHM,
        TRAINING,
        "Nesterov momentum (else classical).",
    ),
    _P(
        "overwrite_with_best_model",
        True,
        Flag(),
        ALGORITHM,
        REPORTING,
        "Keep the best model seen while scoring.",
    ),
    _P("quantile_alpha", 0.5, UNIT, ALGORITHM, ENCODING, "Quantile of quantile regression."),
    _P("rate", 0.005, NON_NEGATIVE, ALGORITHM, TRAINING, "Learning rate (SGD)."),
    _P(
        "rate_annealing",
        1e-6,
        NON_NEGATIVE,
        ALGORITHM,
        TRAINING,
        "Learning rate annealing: rate/(1 + rate_annealing*samples).",
    ),
    _P(
        "rate_decay",
        1.0,
        POSITIVE,
        ALGORITHM,
        TRAINING,
        "Learning rate decay factor between layers.",
    ),
    _P(
        "regression_stop",
        1e-6,
        STOP_THRESHOLD,
        ALGORITHM,
        REPORTING,
        "Stop when the training MSE is at or below this; -1 disables.",
    ),
    _P(
        "replicate_training_data",
        True,
        Flag(),
        ALGORITHM,
        SCALE_OUT,
        "Every process (torchrun) samples its share from all rows; False: each trains on its own "
        "shard (a row range, or its own files of a Parquet folder).",
    ),
    _P(
        "reproducible",
        False,
        Flag(),
        ALGORITHM,
        TRAINING,
        "One thread, fully deterministic training.",
    ),
    _P(
        "arithmetic",
        "auto",
        OneOf(("auto", "h2o", "float32")),
        ALGORITHM,
        TRAINING,
        "tabdl's addition: the online engine's arithmetic. `h2o`: H2O's mix of float32 and float64, "
        "bit for bit; `float32`: vectorised float32 kernels, several times faster; `auto`: `h2o` "
        "when `reproducible`, else `float32`.",
    ),
    _P("rho", 0.99, UNIT_OPEN, ALGORITHM, TRAINING, "ADADELTA decay factor."),
    _P("score_duty_cycle", 0.1, UNIT, ALGORITHM, REPORTING, "Largest share of time spent scoring."),
    _P(
        "score_interval",
        5.0,
        NON_NEGATIVE,
        ALGORITHM,
        REPORTING,
        "Shortest time in seconds between scoring events.",
    ),
    _P(
        "score_training_samples",
        10000,
        NON_NEGATIVE_INT,
        ALGORITHM,
        REPORTING,
        "Training rows sampled for scoring; 0 uses all.",
    ),
    _P(
        "score_validation_samples",
        0,
        NON_NEGATIVE_INT,
        ALGORITHM,
        REPORTING,
        "Validation rows sampled for scoring; 0 uses all.",
    ),
    _P(
        "score_validation_sampling",
        "Uniform",
        OneOf(("Uniform", "Stratified")),
        ALGORITHM,
        REPORTING,
        "How the validation rows are sampled.",
    ),
    _P(
        "shuffle_training_data",
        False,
        Flag(),
        ALGORITHM,
        TRAINING,
        "Shuffle each chunk's rows every iteration (forced on when replicated processes each train "
        "all their rows).",
    ),
    _P(
        "single_node_mode",
        False,
        Flag(),
        ALGORITHM,
        SCALE_OUT,
        "Under torchrun, only rank 0 trains; the others receive its model.",
    ),
    _P(
        "sparse",
        False,
        Flag(),
        ALGORITHM,
        SPARSE_DATA,
        "Sparse data handling: with `standardize`, numerics are divided by their standard "
        "deviation but not centred (H2O's DESCALE), so zeros stay zeros and scipy.sparse input "
        "stays sparse.",
    ),
    _P(
        "target_ratio_comm_to_comp",
        0.05,
        NON_NEGATIVE,
        ALGORITHM,
        SCALE_OUT,
        "Target ratio of communication to computation for train_samples_per_iteration=-2 on "
        "several processes (measured each iteration).",
    ),
    _P(
        "train_samples_per_iteration",
        -2,
        Interval(low=-2, integer=True),
        ALGORITHM,
        TRAINING,
        "Samples per iteration: 0 one epoch, -1 all data, -2 automatic.",
    ),
    _P(
        "variable_importances",
        True,
        Flag(),
        ALGORITHM,
        REPORTING,
        "Compute Gedeon variable importances.",
    ),
    # -- autoencoder -------------------------------------------------------------------------------
    _P(
        "autoencoder",
        False,
        Flag(),
        AUTOENCODER_GROUP,
        AUTOENCODER,
        "Train an autoencoder (no response).",
    ),
    _P(
        "average_activation",
        0.0,
        Interval(),
        AUTOENCODER_GROUP,
        SPARSITY,
        "Target average activation of the sparse autoencoder.",
    ),
    _P(
        "pretrained_autoencoder",
        None,
        OrNone(ModelRef()),
        AUTOENCODER_GROUP,
        AUTOENCODER,
        "Initialise from this autoencoder.",
    ),
    _P(
        "sparsity_beta",
        0.0,
        NON_NEGATIVE,
        AUTOENCODER_GROUP,
        SPARSITY,
        "Sparsity regularisation of the autoencoder.",
    ),
    # -- common ------------------------------------------------------------------------------------
    _P(
        "auc_type",
        "AUTO",
        OneOf(("AUTO", "NONE", "MACRO_OVR", "WEIGHTED_OVR", "MACRO_OVO", "WEIGHTED_OVO")),
        COMMON,
        REPORTING,
        "Multinomial AUC type.",
    ),
    _P(
        "balance_classes",
        False,
        Flag(),
        COMMON,
        BALANCING,
        "Over/under-sample the classes to balance them; probabilities are corrected back to the "
        "original class distribution.",
    ),
    _P(
        "categorical_encoding",
        "AUTO",
        CATEGORICAL_ENCODINGS,
        COMMON,
        ENCODINGS,
        "Encoding of categorical columns: AUTO (OneHotInternal), Binary, Eigen, LabelEncoder, "
        "SortByResponse or EnumLimited; Enum and OneHotExplicit are refused, as in H2O.",
    ),
    _P(
        "checkpoint", None, OrNone(ModelRef()), COMMON, PERSISTENCE, "Continue training this model."
    ),
    _P(
        "class_sampling_factors",
        None,
        OrNone(NumberList(NON_NEGATIVE)),
        COMMON,
        BALANCING,
        "Per-class sampling ratios for balance_classes, in the order of the response levels; all "
        "zeros ask for the balancing ratios, as H2O. H2O also takes negative ratios (dropping the "
        "class); tabdl refuses them.",
    ),
    _P(
        "distribution",
        "AUTO",
        DISTRIBUTIONS,
        COMMON,
        ENCODING,
        "Response distribution; AUTO picks it from the response and loss.",
    ),
    _P(
        "export_checkpoints_dir",
        None,
        OrNone(PathLike()),
        COMMON,
        PERSISTENCE,
        "Directory that receives every model built.",
    ),
    _P(
        "fold_assignment",
        "AUTO",
        OneOf(("AUTO", "Random", "Modulo", "Stratified")),
        COMMON,
        SELECTION,
        "How rows are assigned to cross-validation folds.",
    ),
    _P(
        "fold_column",
        None,
        OrNone(ColumnRef()),
        COMMON,
        SELECTION,
        "Column holding each row's fold.",
    ),
    _P(
        "gainslift_bins",
        -1,
        Interval(low=-1, integer=True),
        COMMON,
        REPORTING,
        "Bins of the gains/lift table; -1 chooses automatically.",
    ),
    _P("ignore_const_cols", True, Flag(), COMMON, ENCODING, "Drop constant columns."),
    _P(
        "ignored_columns",
        None,
        OrNone(ColumnList()),
        COMMON,
        ENCODING,
        "Columns to leave out of the model.",
    ),
    _P(
        "keep_cross_validation_fold_assignment",
        False,
        Flag(),
        COMMON,
        SELECTION,
        "Keep the fold assignment.",
    ),
    _P(
        "keep_cross_validation_models",
        True,
        Flag(),
        COMMON,
        SELECTION,
        "Keep the cross-validation models.",
    ),
    _P(
        "keep_cross_validation_predictions",
        False,
        Flag(),
        COMMON,
        SELECTION,
        "Keep the cross-validation predictions.",
    ),
    _P(
        "max_after_balance_size",
        5.0,
        POSITIVE,
        COMMON,
        BALANCING,
        "Largest relative size of the training data after balancing.",
    ),
    _P(
        "max_runtime_secs",
        0.0,
        NON_NEGATIVE,
        COMMON,
        TRAINING,
        "Time budget for training in seconds; 0 disables.",
    ),
    _P(
        "missing_values_handling",
        "MeanImputation",
        OneOf(("MeanImputation", "Skip")),
        COMMON,
        ENCODING,
        "Impute missing numerics with the mean, or skip rows with missing values.",
    ),
    _P("model_id", None, OrNone(Text()), COMMON, ENCODING, "Name of the model."),
    _P(
        "nfolds",
        0,
        NON_NEGATIVE_INT,
        COMMON,
        SELECTION,
        "Number of cross-validation folds (0 or at least 2).",
    ),
    _P(
        "offset_column",
        None,
        OrNone(ColumnRef()),
        COMMON,
        ENCODING,
        "Column of per-row offsets (regression only).",
    ),
    _P("quiet_mode", False, Flag(), COMMON, REPORTING, "Print less."),
    _P(
        "response_column",
        None,
        OrNone(ColumnRef()),
        COMMON,
        ENCODING,
        "The response; usually given as `y` to `train`.",
    ),
    _P("score_each_iteration", False, Flag(), COMMON, REPORTING, "Score after every iteration."),
    _P("seed", -1, Seed(), COMMON, TRAINING, "Random seed; -1 draws one."),
    _P(
        "standardize",
        True,
        Flag(),
        COMMON,
        ENCODING,
        "Standardise numeric inputs (and an identity-link response).",
    ),
    _P(
        "stopping_metric", "AUTO", STOPPING_METRICS, COMMON, REPORTING, "Metric for early stopping."
    ),
    _P(
        "stopping_rounds",
        5,
        NON_NEGATIVE_INT,
        COMMON,
        REPORTING,
        "Early stopping rounds; 0 disables.",
    ),
    _P(
        "stopping_tolerance",
        0.0,
        NON_NEGATIVE,
        COMMON,
        REPORTING,
        "Relative improvement needed to go on.",
    ),
    _P(
        "training_frame",
        None,
        Anything("a frame"),
        COMMON,
        ENCODING,
        "Training data; usually given to `train`.",
    ),
    _P(
        "tweedie_power",
        1.5,
        Interval(low=1, high=2, low_open=True, high_open=True),
        COMMON,
        ENCODING,
        "Tweedie power.",
    ),
    _P(
        "use_all_factor_levels",
        True,
        Flag(),
        COMMON,
        ENCODING,
        "Use every level of a categorical (else drop the first).",
    ),
    _P(
        "validation_frame",
        None,
        Anything("a frame"),
        COMMON,
        ENCODING,
        "Validation data; usually given to `train`.",
    ),
    _P("verbose", False, Flag(), COMMON, REPORTING, "Print the scoring history while training."),
    _P(
        "weights_column",
        None,
        OrNone(ColumnRef()),
        COMMON,
        ENCODING,
        "Column of per-row observation weights.",
    ),
)

_OFF_VALUES = {
    "stopping_rounds": (0,),
    "overwrite_with_best_model": (False,),
    "classification_stop": (-1.0,),
    "regression_stop": (-1.0,),
    "variable_importances": (False,),
    "diagnostics": (False,),
    "score_each_iteration": (False,),
    "quiet_mode": (True,),
}
PARAMETERS = tuple(Param(**{**p.__dict__, "off": _OFF_VALUES.get(p.name, ())}) for p in PARAMETERS)
PARAMETERS_BY_NAME: dict[str, Param] = {p.name: p for p in PARAMETERS}
DEFAULTS: dict[str, Any] = {p.name: p.default for p in PARAMETERS}

#: Arguments of ``train`` that the H2O document lists with the parameters.
TRAIN_ARGUMENTS: dict[str, str] = {
    "x": "Predictor columns (names or 0-based indices); default: every column but `y` and the "
    "special ones.",
    "y": "The response column (name or index); omitted for an autoencoder.",
    "training_frame": "Training data: pandas, polars, pyarrow, numpy, or a CSV/Parquet path.",
    "validation_frame": "Validation data, in any of the same forms.",
}
