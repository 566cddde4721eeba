"""Training one model on several processes with ``torch.distributed`` (launched with ``torchrun``).

Each process trains its local copy of the model on its part of the data for one iteration; then the
weights, biases and optimiser state are averaged over the processes (H2O's model averaging across
nodes, or elastic averaging). Rank 0 scores, logs and writes checkpoints; every process ends with
the same model. The same code runs on one process, where :func:`current_cluster` is ``None``. See
``docs/distributed.md``.
"""

from tabdl.distributed.averaging import IterationSync
from tabdl.distributed.cluster import Cluster, current_cluster, is_root
from tabdl.distributed.outcome import restart_checkpoint, share_outcome
from tabdl.distributed.placement import local_cores, shard_bounds
from tabdl.distributed.run import ScaleOut, scale_out

__all__ = [
    "Cluster",
    "IterationSync",
    "ScaleOut",
    "current_cluster",
    "is_root",
    "local_cores",
    "restart_checkpoint",
    "scale_out",
    "shard_bounds",
    "share_outcome",
]
