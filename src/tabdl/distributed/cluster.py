"""The processes of one training run, as ``torchrun`` (or Spark's TorchDistributor, Ray Train) starts them.

A :class:`Cluster` wraps a ``torch.distributed`` process group made from the launcher's environment
(``RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``) and offers the few
collective operations training needs, on numpy arrays or torch tensors: :meth:`Cluster.average_`
(one all-reduce of all the arrays packed into one buffer), :meth:`Cluster.broadcast_`,
:meth:`Cluster.sum` and :meth:`Cluster.broadcast_bytes`.

Collectives have a short timeout (``TABDL_DIST_TIMEOUT`` seconds, default 300; gloo's own default is
30 minutes), and any failure of one (a process that died, or did not answer in time) is raised as a
:class:`~tabdl.errors.DistributedError` naming this process and the operation, so the other
processes stop within a bounded time instead of hanging.
"""

from __future__ import annotations

import atexit
import contextlib
import os
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from tabdl.errors import DistributedError

#: Seconds a collective may wait for the other processes (also set by ``TABDL_DIST_TIMEOUT``).
DEFAULT_TIMEOUT = 300.0
_current: Cluster | None = None


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "")
    try:
        return int(text) if text else default
    except ValueError:
        raise DistributedError(f"{name}={text!r} is not an integer; the launcher sets it") from None


def env_timeout() -> float:
    """Return the collective timeout in seconds: ``TABDL_DIST_TIMEOUT``, or 300."""
    text = os.environ.get("TABDL_DIST_TIMEOUT", "")
    try:
        value = float(text) if text else DEFAULT_TIMEOUT
    except ValueError:
        value = -1.0
    if not value > 0:
        raise DistributedError(f"TABDL_DIST_TIMEOUT={text!r}: give a positive number of seconds")
    return value


class Cluster:
    """The processes training one model together, and the collectives between them.

    Parameters
    ----------
    rank, world_size : int
        This process's index and the number of processes.
    local_world_size : int, default=1
        Processes on this machine (they share its cores).
    timeout : float, default=300
        Seconds a collective waits for the other processes before failing.
    group : object, optional
        The ``torch.distributed`` process group; ``None`` for the default group.

    """

    def __init__(
        self,
        rank: int,
        world_size: int,
        local_world_size: int = 1,
        timeout: float = DEFAULT_TIMEOUT,
        group: Any = None,
    ) -> None:
        self.rank = rank
        self.world_size = world_size
        self.local_world_size = max(1, local_world_size)
        self.timeout = timeout
        self.group = group

    @property
    def is_root(self) -> bool:
        """Whether this is rank 0, which scores, logs, writes checkpoints and prints."""
        return self.rank == 0

    @classmethod
    def from_environment(cls, timeout: float | None = None) -> Cluster | None:
        """Join the process group the launcher's environment describes; ``None`` on one process.

        Reuses a process group the program already initialised (any backend); otherwise creates a
        gloo group (``TABDL_DIST_BACKEND=nccl`` for GPUs) from ``MASTER_ADDR``/``MASTER_PORT``.
        """
        world = _env_int("WORLD_SIZE", 1)
        if world <= 1:
            return None
        dist = _torch_distributed()
        timeout = env_timeout() if timeout is None else timeout
        if not dist.is_initialized():
            for name in ("MASTER_ADDR", "MASTER_PORT", "RANK"):
                if name not in os.environ:
                    raise DistributedError(
                        f"WORLD_SIZE={world} but {name} is not set: start the processes with "
                        "torchrun (see docs/distributed.md), which sets RANK, WORLD_SIZE, "
                        "MASTER_ADDR and MASTER_PORT"
                    )
            backend = os.environ.get("TABDL_DIST_BACKEND", "gloo")
            try:
                dist.init_process_group(
                    backend, timeout=timedelta(seconds=timeout), **_store(timeout)
                )
                atexit.register(_leave_process_group)
            except (RuntimeError, ValueError) as error:
                raise DistributedError(
                    f"process {os.environ['RANK']} of {world} could not join the others at "
                    f"{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']} within {timeout:g} s "
                    f"({_first_line(error)}); check that every process was started with the same "
                    "MASTER_ADDR, MASTER_PORT and WORLD_SIZE"
                ) from error
        local = _env_int("LOCAL_WORLD_SIZE", 1)
        return cls(dist.get_rank(), dist.get_world_size(), local, timeout)

    # -- collectives ---------------------------------------------------------------------------------
    def _run(self, what: str, operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except (
            RuntimeError
        ) as error:  # torch's DistBackendError and gloo's errors are RuntimeErrors
            raise DistributedError(
                f"process {self.rank} of {self.world_size}: {what} failed, because another process "
                f"stopped or did not answer within {self.timeout:g} s ({_first_line(error)}). "
                "Training cannot go on; resume it from the last model in export_checkpoints_dir "
                "(checkpoint=...), or let torchrun --max-restarts resume it"
            ) from error

    def _device(self) -> Any:
        torch = _torch()
        if _torch_distributed().get_backend(self.group) == "nccl":
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("cpu")

    def sum(self, values: Sequence[float], what: str = "summing counters") -> np.ndarray:
        """Return the element-wise sum of ``values`` over all processes (float64)."""
        torch = _torch()
        buffer = torch.tensor(np.asarray(values, dtype=np.float64), device=self._device())
        dist = _torch_distributed()
        self._run(what, lambda: dist.all_reduce(buffer, op=dist.ReduceOp.SUM, group=self.group))
        return buffer.cpu().numpy()

    def average_(self, arrays: Sequence[Any], weight: float = 1.0) -> float:
        """Replace each array by its mean over the processes, weighted by ``weight``; in place.

        Arrays are numpy arrays or torch tensors (CUDA tensors stay on the GPU with nccl); all are
        packed into one float64 buffer for a single all-reduce. A process with ``weight`` 0 did not
        train and does not count (H2O averages over the nodes that contributed). Returns the total
        weight; with a total of 0 the arrays are left as they are.
        """
        torch = _torch()
        device = self._device()
        flat = [_as_tensor(a).reshape(-1).to(device=device, dtype=torch.float64) for a in arrays]
        one = torch.ones(1, dtype=torch.float64, device=device)
        buffer = torch.cat([*flat, one]) * weight
        dist = _torch_distributed()
        self._run(
            "averaging the model",
            lambda: dist.all_reduce(buffer, op=dist.ReduceOp.SUM, group=self.group),
        )
        total = float(buffer[-1])
        if total > 0:
            _unpack(buffer[:-1] / total, arrays)
        return total

    def broadcast_(
        self, arrays: Sequence[Any], src: int = 0, what: str = "sharing the model"
    ) -> None:
        """Overwrite ``arrays`` on every process with those of process ``src``; in place."""
        torch = _torch()
        device = self._device()
        flat = [_as_tensor(a).reshape(-1).to(device=device, dtype=torch.float64) for a in arrays]
        buffer = torch.cat(flat) if flat else torch.zeros(0, dtype=torch.float64, device=device)
        dist = _torch_distributed()
        self._run(what, lambda: dist.broadcast(buffer, src=src, group=self.group))
        if self.rank != src:
            _unpack(buffer, arrays)

    def broadcast_bytes(
        self, data: bytes | None, src: int = 0, what: str = "sharing data"
    ) -> bytes:
        """Return process ``src``'s ``data`` on every process (others pass ``None``)."""
        torch = _torch()
        length = np.array([len(data) if self.rank == src else 0], dtype=np.float64)
        self.broadcast_([length], src, what)
        payload = np.frombuffer(data, dtype=np.uint8) if self.rank == src else None
        buffer = torch.zeros(int(length[0]), dtype=torch.uint8, device=self._device())
        if payload is not None:
            buffer[:] = torch.from_numpy(payload.copy())
        dist = _torch_distributed()
        self._run(what, lambda: dist.broadcast(buffer, src=src, group=self.group))
        return data if self.rank == src else bytes(buffer.cpu().numpy())

    def agree(self, flag: bool, src: int = 0) -> bool:
        """Return process ``src``'s ``flag`` on every process (rank 0's stopping decision)."""
        value = np.array([1.0 if flag else 0.0])
        self.broadcast_([value], src, "agreeing to stop")
        return bool(value[0])

    def barrier(self, what: str = "waiting for the other processes") -> None:
        """Wait until every process gets here (a sum of zeros, so it keeps the timeout)."""
        self.sum([0.0], what)


def current_cluster() -> Cluster | None:
    """Return this process's cluster, joining it on first use; ``None`` on one process."""
    global _current
    if _current is None or _current.world_size != _env_int("WORLD_SIZE", 1):
        _current = Cluster.from_environment()
    return _current


def is_root() -> bool:
    """Whether this process prints and writes files: rank 0, or the only process."""
    return _env_int("RANK", 0) == 0 or _env_int("WORLD_SIZE", 1) <= 1


# -- helpers ---------------------------------------------------------------------------------------
def _store(timeout: float) -> dict[str, Any]:
    """Return a fresh key space in torchrun's store after an elastic restart (else the default).

    After ``torchrun --max-restarts`` restarts the processes, the agent's store still holds the
    addresses the failed attempt published, and gloo would try to connect to them.
    """
    restart = _env_int("TORCHELASTIC_RESTART_COUNT", 0)
    if restart == 0 or os.environ.get("TORCHELASTIC_USE_AGENT_STORE") != "True":
        return {}
    dist = _torch_distributed()
    store = dist.TCPStore(
        os.environ["MASTER_ADDR"],
        int(os.environ["MASTER_PORT"]),
        _env_int("WORLD_SIZE", 1),
        is_master=False,
        timeout=timedelta(seconds=timeout),
    )
    return {
        "store": dist.PrefixStore(f"/tabdl/attempt_{restart}", store),
        "rank": _env_int("RANK", 0),
        "world_size": _env_int("WORLD_SIZE", 1),
    }


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _torch() -> Any:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        raise DistributedError(
            "training on several processes needs PyTorch: pip install torch"
        ) from None
    return torch


def _torch_distributed() -> Any:
    torch = _torch()
    if not torch.distributed.is_available():
        raise DistributedError(
            "this PyTorch build has no torch.distributed; install a build with it (the PyPI wheels "
            "have it) to train on several processes"
        )
    return torch.distributed


def _as_tensor(array: Any) -> Any:
    torch = _torch()
    return array if isinstance(array, torch.Tensor) else torch.from_numpy(np.asarray(array))


def _unpack(buffer: Any, arrays: Sequence[Any]) -> None:
    """Copy consecutive slices of the float64 ``buffer`` into ``arrays``, in their own dtypes."""
    torch = _torch()
    start = 0
    for array in arrays:
        size = int(np.prod(array.shape))
        part = buffer[start : start + size]
        start += size
        if isinstance(array, torch.Tensor):
            array.copy_(part.reshape(array.shape).to(device=array.device, dtype=array.dtype))
        else:
            array[...] = part.cpu().numpy().reshape(array.shape).astype(array.dtype)


def _leave_process_group() -> None:
    """Destroy the process group tabdl created, before the interpreter exits.

    Left alive, gloo's threads can outlive the interpreter's teardown and abort the process
    ("terminate called without an active exception") after training has succeeded.
    """
    dist = _torch_distributed()
    if dist.is_initialized():
        with contextlib.suppress(Exception):  # a peer already gone must not fail a finished run
            dist.destroy_process_group()
