"""The batch engine: the same network and parameters as the online engine, trained on mini-batches.

``mini_batch_size > 1`` selects it (H2O itself forces ``mini_batch_size`` to 1). Each step takes a
mini-batch of rows, runs the forward pass as tensor operations (torch, on the CPU or a CUDA GPU),
computes H2O's output error for every row (the same formulas as the online engine: every
distribution and loss, offsets, the autoencoder's error), propagates it back with the pre-update
weights, averages the gradient over the batch (observation weights scale each row's gradient), and
updates every weight and bias once: ADADELTA (``rho``, ``epsilon``) per weight, or SGD with
``rate``, ``rate_annealing``, ``rate_decay``, the momentum ramp and Nesterov; ``l1``, ``l2`` and
``max_w2`` as in H2O. Dropout masks are drawn per row and unit; scoring uses H2O's test-time
scaling, so the trained model scores, exports and imports like any other.

The categorical inputs stay indices: the first layer sums the weight rows of the active levels (an
embedding-bag sum) and updates only the rows the batch touched, so a step costs the same whatever
the number of levels. ``docs/engines.md`` lists what differs from per-row training and why.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention

from tabdl.distributions import EXP_CLAMP
from tabdl.encoding.datainfo import TrainingRows
from tabdl.engines import online
from tabdl.errors import DataError
from tabdl.training.loop import uses_adadelta
from tabdl.training.network_state import NetworkState

__all__ = ["resolve_device", "train"]

#: Seed offset of the batch engine's generator (row order and dropout masks).
BATCH_SEED = 0x6261746368
#: Largest sparse numeric block the batch engine turns dense (bytes of float32).
MAX_DENSE_SPARSE_BYTES = 2 * 2**30
#: Batches of at least this many rows use every core; smaller ones one thread (:func:`cpu_threads`).
THREADED_BATCH = 128


def resolve_device(name: str) -> torch.device:
    """Turn the ``device`` parameter into a torch device, checking that it exists.

    ``"auto"`` is the first CUDA GPU when torch sees one, else the CPU.

    Raises
    ------
    tabdl.errors.DataError
        For a CUDA device torch cannot see.

    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DataError(
                f"device={name!r}: torch sees no CUDA GPU on this machine (torch "
                f"{torch.__version__}); use device='cpu', or 'auto' to take a GPU only when present"
            )
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise DataError(
                f"device={name!r}: this machine has {torch.cuda.device_count()} CUDA device(s), "
                f"numbered from 0"
            )
    return torch.device(name)


# -- layouts: H2O's flat arrays <-> one matrix per layer, channels stacked ------------------------------
def _to_channels(flat: np.ndarray, units: int, cols: int, channels: int) -> np.ndarray:
    """H2O's layout (Maxout channels interleaved) to ``(channels * units, cols)``, channel-major."""
    if channels == 1:
        return flat.reshape(units, cols)
    return flat.reshape(units, cols, channels).transpose(2, 0, 1).reshape(channels * units, cols)


def _from_channels(matrix: np.ndarray, units: int, cols: int, channels: int) -> np.ndarray:
    if channels == 1:
        return matrix.ravel()
    return matrix.reshape(channels, units, cols).transpose(1, 2, 0).ravel()


def _bias_to_channels(flat: np.ndarray, units: int, channels: int) -> np.ndarray:
    return flat if channels == 1 else flat.reshape(units, channels).T.ravel()


def _bias_from_channels(vector: np.ndarray, units: int, channels: int) -> np.ndarray:
    return vector if channels == 1 else vector.reshape(channels, units).T.ravel()


def _layer_arrays(state: NetworkState, i: int, layer: _Layer) -> tuple[list, list]:
    """Layer ``i``'s weights and biases, ADADELTA accumulators and momenta, channel-major.

    Each list holds the values, E[dx^2], E[g^2] and the momenta (None where the optimiser keeps
    none).
    """
    n_w = state.flat_weights.size
    w0, w1 = state.weight_offsets[i], state.weight_offsets[i + 1]
    b0, b1 = state.bias_offsets[i], state.bias_offsets[i + 1]
    ada, mom = state.ada_weights.size > 0, state.momentum_weights.size > 0
    weights = [state.flat_weights[w0:w1],
               state.ada_weights[w0:w1] if ada else None,
               state.ada_weights[n_w + w0 : n_w + w1] if ada else None,
               state.momentum_weights[w0:w1] if mom else None]  # fmt: skip
    biases = [state.flat_biases[b0:b1],
              state.ada_biases[2 * b0 : 2 * b1 : 2] if ada else None,
              state.ada_biases[2 * b0 + 1 : 2 * b1 : 2] if ada else None,
              state.momentum_biases[b0:b1] if mom else None]  # fmt: skip
    shape = (layer.units, layer.cols, layer.channels)
    return (
        [None if a is None else _to_channels(a, *shape) for a in weights],
        [None if a is None else _bias_to_channels(a, layer.units, layer.channels) for a in biases],
    )


@dataclass
class _Param:
    """One trained tensor with its optimiser state.

    ``table`` marks the first layer's categorical block (one row per input slot): it is updated
    only in the rows a batch touched.
    """

    value: torch.Tensor
    edx: torch.Tensor | None = None  # ADADELTA E[dx^2]
    eg: torch.Tensor | None = None  # ADADELTA E[g^2]
    momentum: torch.Tensor | None = None
    table: bool = False


@dataclass
class _Layer:
    units: int
    cols: int
    channels: int
    activation: int
    dropout: float  # training dropout ratio of the layer's output units, -1 for none
    weight: _Param | None = None  # (channels*units, cols), or the numeric block of the first layer
    weight_t: torch.Tensor | None = None  # weight.value transposed (a view)
    table: _Param | None = None  # first layer: (categorical slots, channels*units)
    bias: _Param = field(default=None)  # type: ignore[assignment]


class _FlatParams:
    """The dense tensors of every layer as views of one flat buffer.

    Their optimiser state and gradients are flat buffers too, so that an update is a handful of
    operations on one vector instead of a handful per tensor.
    """

    def __init__(self, params: list[_Param], device: torch.device) -> None:
        self.params = params
        sizes = [p.value.numel() for p in params]
        self.bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.value = self._pack([p.value for p in params])
        self.edx = self._pack([p.edx for p in params])
        self.eg = self._pack([p.eg for p in params])
        self.momentum = self._pack([p.momentum for p in params])
        self.grad = torch.zeros_like(self.value)
        self.rate = torch.zeros_like(self.value)
        for i, param in enumerate(params):
            for name in ("value", "edx", "eg", "momentum"):
                flat = getattr(self, name)
                if flat is not None:
                    setattr(param, name, self.view(flat, i))
        self._gradients = {id(p): self.view(self.grad, i) for i, p in enumerate(params)}
        self._numpy: tuple[np.ndarray, ...] | None = None

    def _pack(self, tensors: list[torch.Tensor | None]) -> torch.Tensor | None:
        if tensors[0] is None:
            return None
        return torch.cat([t.reshape(-1) for t in tensors]).contiguous()

    def view(self, flat: torch.Tensor, i: int) -> torch.Tensor:
        """Return parameter ``i``'s part of a flat buffer, in the parameter's shape."""
        return flat[self.bounds[i] : self.bounds[i + 1]].view(self.params[i].value.shape)

    def gradient(self, param: _Param) -> torch.Tensor:
        """Return the gradient buffer of ``param`` (fill it, then call the optimiser once)."""
        return self._gradients[id(param)]

    def numpy_views(self) -> tuple[np.ndarray, ...]:
        """Return the CPU buffers of values, E[dx^2], E[g^2] and gradients as numpy arrays (shared)."""
        if self._numpy is None:
            self._numpy = tuple(t.numpy() for t in (self.value, self.edx, self.eg, self.grad))
        return self._numpy

    def set_rates(self, rates: list[float]) -> None:
        """Set the SGD rate of every tensor (one per layer; weights and bias alike)."""
        for i, rate in enumerate(rates):
            self.rate[self.bounds[2 * i] : self.bounds[2 * i + 2]] = rate


#: Adam's decay rates of the gradient's first and second moments (Kingma and Ba's defaults).
ADAM_BETA1, ADAM_BETA2 = 0.9, 0.999


class _Optimiser:
    """H2O's update rules on tensors: ADADELTA, or SGD with momentum; or Adam; L1, L2 and max_w2.

    Adam keeps its first and second moments where ADADELTA keeps E[dx^2] and E[g^2], so that the
    model's state, checkpoints and model averaging carry them unchanged.
    """

    def __init__(self, p: Mapping[str, Any], config: Any) -> None:
        cfg_i, cfg_f = config.cfg_i, config.cfg_f
        self.adam = p["optimizer"] == "adam"
        self.steps = 0  # Adam's step count (its bias correction)
        self.adaptive = uses_adadelta(p)
        self.nesterov = bool(cfg_i[online.I_NESTEROV])
        self.momenta = bool(cfg_i[online.I_MOMENTA])
        self.rho, self.eps = float(cfg_f[online.F_RHO]), float(cfg_f[online.F_EPS])
        self.l1, self.l2 = float(cfg_f[online.F_L1]), float(cfg_f[online.F_L2])
        self.max_w2 = float(cfg_f[online.F_MAX_W2]) if cfg_i[online.I_RESCALE] else None

    def apply(
        self, param: _Param, grad: torch.Tensor, rate: float, momentum: float, rows: Any = None
    ) -> None:
        """Update ``param`` (only ``rows`` of a table) along the descent direction ``grad``."""
        if rows is None:
            self._update(param.value, param.edx, param.eg, param.momentum, grad, rate, momentum)
            return
        value = param.value[rows]
        edx = None if param.edx is None else param.edx[rows]
        eg = None if param.eg is None else param.eg[rows]
        mom = None if param.momentum is None else param.momentum[rows]
        self._update(value, edx, eg, mom, grad, rate, momentum)
        param.value.index_copy_(0, rows, value)
        for full, part in ((param.edx, edx), (param.eg, eg), (param.momentum, mom)):
            if full is not None:
                full.index_copy_(0, rows, part)

    def apply_flat(self, flat: _FlatParams, momentum: float) -> None:
        """Update every dense tensor at once, from the gradients in ``flat.grad``.

        ADADELTA on the CPU is one compiled pass over the flat buffers (``online.adadelta_flat_f32``),
        the same rule as the tensor operations of ``_update``, which serve every other case.
        """
        if self.adaptive and not self.adam and flat.value.device.type == "cpu":
            online.adadelta_flat_f32(*flat.numpy_views(), self.l1, self.l2, self.rho, self.eps)
            return
        self._update(flat.value, flat.edx, flat.eg, flat.momentum, flat.grad, flat.rate, momentum)

    def _update(self, value, edx, eg, mom, grad, rate, momentum) -> None:
        """Move ``value`` along the descent direction ``grad`` (a scratch buffer, changed here).

        ``rate`` is one SGD rate, or a tensor of one rate per value (the flat buffer's layers).
        """
        if self.l1 != 0.0:  # H2O's regularisation: grad - l1 sign(w) - l2 w
            grad.add_(torch.sign(value), alpha=-self.l1)
        if self.l2 != 0.0:
            grad.add_(value, alpha=-self.l2)
        if self.adam:  # the moments live in edx (first) and eg (second)
            edx.mul_(ADAM_BETA1).add_(grad, alpha=1.0 - ADAM_BETA1)
            eg.mul_(ADAM_BETA2).addcmul_(grad, grad, value=1.0 - ADAM_BETA2)
            root2 = math.sqrt(1.0 - ADAM_BETA2**self.steps)  # the second moment's bias correction
            denominator = eg.sqrt().add_(self.eps * root2)
            value.add_(edx.div(denominator).mul_(rate).mul_(root2 / (1.0 - ADAM_BETA1**self.steps)))
        elif self.adaptive:
            eg.mul_(self.rho).addcmul_(grad, grad, value=1.0 - self.rho)
            delta = torch.add(edx, self.eps).div_(torch.add(eg, self.eps)).sqrt_().mul_(grad)
            edx.mul_(self.rho).addcmul_(delta, delta, value=1.0 - self.rho)
            value.add_(delta)
        elif not self.nesterov:
            delta = grad.mul_(rate)
            value.add_(delta)
            if self.momenta:
                value.add_(mom, alpha=momentum)
                mom.copy_(delta)
        elif self.momenta:
            mom.mul_(momentum).add_(grad)
            value.add_(mom * rate)
        else:
            value.add_(grad * rate)


class _Network:
    """The network's tensors on the training device, and one training step."""

    def __init__(
        self, state: NetworkState, config: Any, p: Mapping[str, Any], device: torch.device
    ) -> None:
        spec = state.spec
        self.spec, self.device = spec, device
        self.optimiser = _Optimiser(p, config)
        cfg_i, cfg_f = config.cfg_i, config.cfg_f
        self.out_kind = int(cfg_i[online.I_OUT])
        self.loss = int(cfg_i[online.I_LOSS])
        self.dist = int(cfg_i[online.I_DIST])
        self.has_offset = bool(cfg_i[online.I_HAS_OFFSET])
        self.resp_sub, self.resp_mul = (
            float(cfg_f[online.F_RESP_SUB]),
            float(cfg_f[online.F_RESP_MUL]),
        )
        self.quantile, self.tweedie = (
            float(cfg_f[online.F_QUANTILE]),
            float(cfg_f[online.F_TWEEDIE]),
        )
        self.input_dropout = float(cfg_f[online.F_INPUT_DROP])
        self.sparsity = bool(cfg_i[online.I_SPARSITY])
        self.sparsity_beta = float(cfg_f[online.F_SPARSITY_BETA])
        self.average_activation = float(cfg_f[online.F_AVERAGE_ACTIVATION])
        self.num_start = 0  # the first numeric input slot, set by load()
        self.layers: list[_Layer] = []
        for layer in range(len(spec.units) - 1):
            units, cols = spec.units[layer + 1], spec.units[layer]
            self.layers.append(
                _Layer(
                    units,
                    cols,
                    spec.rows(layer) // units,
                    int(config.activations[layer]),
                    float(config.dropout[layer]),
                )  # fmt: skip
            )
        self.avg_act: torch.Tensor | None = None

    # -- state in and out --------------------------------------------------------------------------
    def load(self, state: NetworkState, num_start: int) -> None:
        """Copy the state's weights, biases and optimiser state onto the device."""
        self.num_start = num_start
        for i, layer in enumerate(self.layers):
            w_parts, b_parts = _layer_arrays(state, i, layer)
            layer.bias = _Param(*(self._tensor(a) for a in b_parts))
            if i == 0:  # the categorical block as a table (a row per slot), then the numerics
                layer.table = _Param(
                    *(self._tensor(None if a is None else a[:, :num_start].T) for a in w_parts),
                    table=True,
                )
                layer.weight = _Param(
                    *(self._tensor(None if a is None else a[:, num_start:]) for a in w_parts)
                )
            else:
                layer.weight = _Param(*(self._tensor(a) for a in w_parts))
        dense = [part for layer in self.layers for part in (layer.weight, layer.bias)]
        self.flat = _FlatParams(dense, self.device)
        for layer in self.layers:  # the views of the flat buffer, made once
            layer.weight_t = layer.weight.value.T
        if self.sparsity:
            self.avg_act = self._tensor(state.avg_activations)

    def _tensor(self, array: np.ndarray | None) -> torch.Tensor | None:
        if array is None:
            return None
        return torch.tensor(np.ascontiguousarray(array), dtype=torch.float32, device=self.device)

    def store(self, state: NetworkState) -> None:
        """Write the weights, biases and optimiser state back into the state's flat arrays."""
        n_w = state.flat_weights.size
        for i, layer in enumerate(self.layers):
            w0, w1 = state.weight_offsets[i], state.weight_offsets[i + 1]
            b0, b1 = state.bias_offsets[i], state.bias_offsets[i + 1]
            parts = (layer.weight, layer.table) if i == 0 else (layer.weight,)
            for attr, target, start in (("value", state.flat_weights, 0),
                                        ("edx", state.ada_weights, 0), ("eg", state.ada_weights, n_w),
                                        ("momentum", state.momentum_weights, 0)):  # fmt: skip
                tensors = [getattr(part, attr) for part in parts]
                if tensors[0] is None:
                    continue
                matrix = torch.cat([tensors[1].T, tensors[0]], dim=1) if i == 0 else tensors[0]
                flat = _from_channels(matrix.cpu().numpy(), layer.units, layer.cols, layer.channels)
                target[start + w0 : start + w1] = flat
            bias = layer.bias
            state.flat_biases[b0:b1] = self._bias_out(bias.value, layer)
            if bias.edx is not None:
                state.ada_biases[2 * b0 : 2 * b1 : 2] = self._bias_out(bias.edx, layer)
                state.ada_biases[2 * b0 + 1 : 2 * b1 : 2] = self._bias_out(bias.eg, layer)
            if bias.momentum is not None:
                state.momentum_biases[b0:b1] = self._bias_out(bias.momentum, layer)
        if self.avg_act is not None:
            state.avg_activations[:] = self.avg_act.cpu().numpy()

    @staticmethod
    def _bias_out(tensor: torch.Tensor, layer: _Layer) -> np.ndarray:
        values = tensor.cpu().numpy().astype(np.float64)
        return _bias_from_channels(values, layer.units, layer.channels)

    # -- one step ----------------------------------------------------------------------------------
    def step(self, data: _DeviceRows, batch: torch.Tensor, rates: list[float], momentum: float,
             generator: torch.Generator) -> None:  # fmt: skip
        """Train one mini-batch: forward, H2O's output error, backward, one update per weight."""
        self.optimiser.steps += 1
        size = batch.numel()
        slots = data.cat_slots.index_select(0, batch) if data.cat_slots is not None else None
        numeric = data.numeric.index_select(0, batch)
        cat_weight = None if slots is None else (slots >= 0).to(torch.float32)
        slots = None if slots is None else slots.clamp(min=0)
        target_input = (
            self._dense_input(slots, cat_weight, numeric)
            if self.out_kind == online.OUT_AUTOENCODER
            else None
        )
        if self.input_dropout > 0.0:
            numeric = numeric * self._keep(numeric.shape, self.input_dropout, generator)
            if slots is not None:
                cat_weight = cat_weight * self._keep(
                    cat_weight.shape, self.input_dropout, generator
                )
        inputs, masks, winners = [numeric], [], []
        a = None
        for i, layer in enumerate(self.layers):
            z = self._pre_activation(i, layer, inputs[-1], slots, cat_weight)
            if layer.channels > 1:
                z, won = z.view(size, layer.channels, layer.units).max(dim=1)
                winners.append(won)
            else:
                winners.append(None)
            a = self._activate(layer.activation, z)
            if i == len(self.layers) - 1 and self.has_offset:
                a = a.clone()
                a[:, 0] += (data.offset.index_select(0, batch) - self.resp_sub) * self.resp_mul
            mask = None
            if layer.dropout >= 0.0:
                mask = self._keep(a.shape, layer.dropout, generator)
                a = a * mask
            masks.append(mask)
            inputs.append(a)
        if self.sparsity:
            self._track_activations(inputs[1:-1], size)
        error = self._output_error(a, data, batch, target_input)
        if data.unit_weights:  # the batch mean
            error.mul_(1.0 / size)
        else:  # the weighted mean
            error.mul_(data.weights.index_select(0, batch).div_(size).unsqueeze(1))
        flat = self.flat
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            grad = (
                error if i == len(self.layers) - 1 else self._backward(layer, error, inputs[i + 1])
            )
            if masks[i] is not None:
                grad = grad * masks[i]
            if layer.channels > 1:  # the gradient reaches each unit's winning channel only
                spread = torch.zeros(size, layer.channels, layer.units, device=grad.device)
                spread.scatter_(1, winners[i].unsqueeze(1), grad.unsqueeze(1))
                grad = spread.view(size, layer.channels * layer.units)
            if i > 0:
                error = grad @ layer.weight.value  # with the pre-update weights, as H2O
            if inputs[i].shape[1] > 0:
                torch.mm(grad.T, inputs[i], out=flat.gradient(layer.weight))
            self._bias_gradient(i, layer, grad, flat.gradient(layer.bias))
            if i == 0 and slots is not None and slots.shape[1] > 0:
                self._update_table(layer, grad, slots, cat_weight, rates[0], momentum)
        if not self.optimiser.adaptive:
            flat.set_rates(rates)
        self.optimiser.apply_flat(flat, momentum)
        if self.optimiser.max_w2 is not None:
            for i, layer in enumerate(self.layers):
                self._rescale(i, layer, self.optimiser.max_w2)

    @staticmethod
    def _backward(layer: _Layer, error: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """Return the error times the activation's derivative (computed from its output)."""
        if layer.activation == online.TANH:
            return torch.ops.aten.tanh_backward(error, out)
        if layer.activation == online.RECTIFIER:
            return torch.ops.aten.threshold_backward(error, out, 0.0)
        if layer.activation == online.EXP_RECTIFIER:
            return error * torch.where(out >= 0, torch.ones_like(out), torch.exp(out))
        return error

    def _dense_input(self, slots, cat_weight, numeric) -> torch.Tensor:
        """Return the expanded input (one-hot levels, then numerics): the autoencoder's target."""
        dense = torch.zeros(numeric.shape[0], self.spec.units[0], device=numeric.device)
        if slots is not None:
            dense.scatter_add_(1, slots, cat_weight)
        dense[:, self.num_start :] = numeric
        return dense

    @staticmethod
    def _keep(shape: torch.Size, ratio: float, generator: torch.Generator) -> torch.Tensor:
        draw = torch.rand(shape, generator=generator, device=generator.device)
        return (draw >= ratio).to(torch.float32)

    def _pre_activation(self, i, layer, previous, slots, cat_weight) -> torch.Tensor:
        bias = layer.bias.value
        if previous.shape[1] > 0:
            z = torch.addmm(bias, previous, layer.weight_t)
        else:
            z = bias.expand(previous.shape[0], -1).clone()
        if i == 0 and slots is not None and slots.shape[1] > 0:
            z += F.embedding_bag(
                slots, layer.table.value, mode="sum", per_sample_weights=cat_weight
            )
        return z

    @staticmethod
    def _activate(code: int, z: torch.Tensor) -> torch.Tensor:
        """Return the activation of ``z`` (a fresh pre-activation, overwritten where it can be)."""
        if code == online.TANH:
            return torch.tanh_(z)
        if code == online.RECTIFIER:
            return torch.relu_(z)
        if code == online.EXP_RECTIFIER:
            return torch.where(z >= 0, z, torch.expm1(torch.clamp(z, max=0.0)))
        if code == online.SOFTMAX:
            return torch.softmax(z, dim=1)
        return z  # Maxout (after the channel max) and Linear

    def _output_error(self, out, data, batch, target_input) -> torch.Tensor:
        """H2O's output error (the descent direction), per row and output unit."""
        if self.out_kind == online.OUT_SOFTMAX:
            classes = data.classes.index_select(0, batch).unsqueeze(1)
            t = torch.zeros_like(out).scatter_(1, classes, 1.0)
            return _softmax_error(self.loss, t, out)
        target = (
            data.response.index_select(0, batch).unsqueeze(1)
            if self.out_kind == online.OUT_LINEAR
            else target_input
        )
        return 2.0 * _neg_half_gradient(self.dist, target, out, self.quantile, self.tweedie)

    def _track_activations(self, hidden: list[torch.Tensor], size: int) -> None:
        """Update the sparsity penalty's running averages (``0.999 avg + 0.001 a`` per row)."""
        decay = 0.999**size
        means = torch.cat([h.mean(dim=0) for h in hidden])
        self.avg_act.mul_(decay).add_(means, alpha=1.0 - decay)

    def _bias_gradient(self, i: int, layer: _Layer, grad: torch.Tensor, out: torch.Tensor) -> None:
        torch.sum(grad, dim=0, out=out)
        if self.sparsity and i < len(self.layers) - 1:  # the autoencoder's sparsity penalty
            start = sum(self.layers[k].units for k in range(i))
            average = self.avg_act[start : start + layer.units]
            out.sub_(self.sparsity_beta * (average - self.average_activation))

    def _update_table(self, layer, grad, slots, cat_weight, rate, momentum) -> None:
        """Update the categorical rows the batch touched, and only those."""
        flat = slots.reshape(-1)
        weight = cat_weight.reshape(-1)
        active = weight != 0
        touched, position = torch.unique(flat[active], return_inverse=True)
        rows = grad.repeat_interleave(slots.shape[1], dim=0)[active] * weight[active, None]
        table_grad = torch.zeros(touched.numel(), grad.shape[1], device=grad.device)
        table_grad.index_add_(0, position, rows)
        self.optimiser.apply(layer.table, table_grad, rate, momentum, rows=touched)

    def _rescale(self, i, layer, max_w2) -> None:
        """max_w2: scale each unit's incoming weights down when their squared sum exceeds it."""
        squares = layer.weight.value.pow(2).sum(dim=1)
        if i == 0 and layer.table is not None:
            squares = squares + layer.table.value.pow(2).sum(dim=0)
        scale = torch.where(
            squares > max_w2, torch.sqrt(max_w2 / squares), torch.ones_like(squares)
        )
        layer.weight.value.mul_(scale.unsqueeze(1))
        if i == 0 and layer.table is not None:
            layer.table.value.mul_(scale.unsqueeze(0))


def _softmax_error(loss: int, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if loss == online.LOSS_CROSS_ENTROPY:
        return t - y
    spread = (1.0 - y) * y
    if loss == online.LOSS_QUADRATIC:
        return (t - y) * spread
    if loss == online.LOSS_ABSOLUTE:
        return (2.0 * t - 1.0) * spread
    negative = torch.where(y < 0.5, -4.0 * y, torch.full_like(y, -2.0)) * spread
    positive = torch.where(y > 0.5, 4.0 * (1.0 - y), torch.full_like(y, 2.0)) * spread
    return torch.where(t == 0.0, negative, positive)


def _neg_half_gradient(dist: int, t: torch.Tensor, f: torch.Tensor, alpha: float, power: float):
    """H2O's ``negHalfGradient(t, f)`` of a distribution, f in link space (Huber delta 1)."""
    if dist == online.GAUSSIAN:
        return t - f
    if dist == online.LAPLACE:
        return torch.where(f > t, -0.5, 0.5).to(f.dtype)
    if dist == online.QUANTILE:
        return torch.where(t > f, 0.5 * alpha, 0.5 * (alpha - 1.0)).to(f.dtype)
    if dist == online.HUBER:
        return torch.where((t - f).abs() <= 1.0, t - f, torch.where(f >= t, -1.0, 1.0).to(f.dtype))
    if dist == online.POISSON:
        return t - torch.clamp(torch.exp(f), max=EXP_CLAMP)
    if dist == online.GAMMA:
        return t * torch.clamp(torch.exp(-f), max=EXP_CLAMP) - 1.0
    return t * torch.clamp(torch.exp(f * (1.0 - power)), max=EXP_CLAMP) - torch.clamp(
        torch.exp(f * (2.0 - power)), max=EXP_CLAMP
    )


@dataclass
class _DeviceRows:
    """The training rows on the device, moved there once per training."""

    cat_slots: torch.Tensor | None
    numeric: torch.Tensor
    response: torch.Tensor
    offset: torch.Tensor
    weights: torch.Tensor
    classes: torch.Tensor | None  # the response as int64 class indices (classifiers only)
    unit_weights: bool  # every observation weight is 1

    @classmethod
    def of(cls, rows: TrainingRows, device: torch.device, classifier: bool) -> _DeviceRows:
        """Move ``rows`` to ``device``; ``classifier`` adds the response as class indices."""
        inputs = rows.inputs
        n = inputs.nrows
        slots = inputs.cat_slots
        numeric = inputs.numeric
        if not isinstance(numeric, np.ndarray):  # scipy CSR (sparse=True): a dense block here
            size = numeric.shape[0] * numeric.shape[1] * 4
            if size > MAX_DENSE_SPARSE_BYTES:
                raise DataError(
                    f"the batch engine holds the numeric inputs densely: this sparse matrix needs "
                    f"{size / 2**30:.1f} GiB as float32. Use mini_batch_size=1 (the online engine "
                    "keeps it sparse), or fewer columns"
                )
            numeric = numeric.toarray()
        response = np.nan_to_num(rows.response) if rows.response is not None else np.zeros(n)
        offset = rows.offset if rows.offset is not None else np.zeros(n)

        def put(array: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
            return torch.as_tensor(np.ascontiguousarray(array), dtype=dtype).to(device)

        numeric_tensor = put(numeric, torch.float32)  # float32 inputs: shared, not copied
        if torch.isnan(numeric_tensor).any():  # only sparse input can hold a missing value here
            numeric_tensor = torch.nan_to_num(numeric_tensor, nan=0.0)
        return cls(
            put(slots, torch.int64) if slots.shape[1] > 0 else None,
            numeric_tensor,
            put(response, torch.float32),
            put(offset, torch.float32),
            put(rows.weights, torch.float32),
            put(response, torch.int64) if classifier else None,
            bool(np.all(rows.weights == 1.0)),
        )


def train(
    state: NetworkState,
    rows: TrainingRows,
    p: Mapping[str, Any],
    config: Any,
    on_iteration: Callable[[NetworkState], bool] | None = None,
    parts: tuple[int, ...] = (),
) -> NetworkState:
    """Train ``state`` on ``rows`` in mini-batches for ``p["epochs"]``, iteration by iteration.

    The signature and the iteration rules are the online engine's
    (:func:`tabdl.training.loop.train`): ``train_samples_per_iteration`` samples per iteration
    (rounded up to whole batches), the epoch counter over the rows that can train, and
    ``on_iteration`` after each iteration (scoring, early stopping, the time budget). Rows are
    visited in a random order, drawn anew every pass, from a generator seeded by ``seed``.

    Under ``torchrun`` each process trains its share of every iteration on its own rows (``parts``:
    the row counts of the files read, which shards follow) and the model and optimiser state are
    averaged after every iteration, as the online engine does (:mod:`tabdl.distributed`).
    """
    device = resolve_device(p["device"])
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(cpu_threads(int(p["mini_batch_size"])))
    try:
        return _train(state, rows, p, config, on_iteration, device, parts)
    finally:
        torch.set_num_threads(previous_threads)


def cpu_threads(batch_size: int) -> int:
    """Return torch's CPU threads for a batch size: one below ``THREADED_BATCH`` rows, else all.

    A step is some forty tensor operations; below about a hundred rows each is too short to share
    between cores. Two threads suffer when another process also wants the cores (each operation
    then waits for the descheduled thread: batches of 256 trained ten times slower than on one
    thread while the test suite ran beside them); ``TABDL_TORCH_THREADS=1`` avoids that.
    """
    chosen = os.environ.get("TABDL_TORCH_THREADS")
    if chosen:
        return max(1, int(chosen))
    return 1 if batch_size < THREADED_BATCH else max(1, os.cpu_count() or 1)


def _train(state, rows, p, config, on_iteration, device, parts) -> NetworkState:
    from tabdl.distributed import scale_out
    from tabdl.training.loop import (
        averaged_arrays,
        check_finite,
        epoch_rows,
        resolve_samples_per_iteration,
        sgd_schedule,
        should_stop,
        trained_size,
    )

    state.training_rows = epoch_rows(rows)
    tspi = resolve_samples_per_iteration(p, state.spec, state.training_rows)
    out = scale_out(p, state.spec, rows, state.training_rows, trained_size(state), parts)
    if out is not None:  # several processes: this process's rows and share of each iteration
        rows = out.rows
    batch_size = int(p["mini_batch_size"])
    usable = np.flatnonzero(rows.usable)
    if usable.size == 0 and out is None:
        raise DataError("no training row can train (missing responses, Skip or zero weights)")
    network = _Network(state, config, p, device)
    data = _DeviceRows.of(rows, device, network.out_kind == online.OUT_SOFTMAX)
    index = torch.as_tensor(usable, dtype=torch.int64, device=device)
    generator = torch.Generator(device=device)
    offset = 0 if out is None else out.row_offset
    generator.manual_seed((int(p["seed"]) + BATCH_SEED + state.processed + offset) % (1 << 63))
    num_start = int(state.spec.units[0] - rows.inputs.numeric.shape[1])
    network.load(state, num_start)
    network.optimiser.steps = state.processed // batch_size  # a restart goes on
    n_layers = len(network.layers)
    order, cursor = index, index.numel()
    started = time.monotonic()
    if p["epochs"] == 0:  # as the online engine: one iteration that trains nothing, and is scored
        state.iterations += 1
        if on_iteration is not None:
            on_iteration(state)
    while state.processed / state.training_rows < p["epochs"]:
        state.iterations += 1
        if network.avg_act is not None:  # scoring passes move the running averages too (H2O)
            network.avg_act.copy_(torch.as_tensor(state.avg_activations, dtype=torch.float32))
        target = tspi
        if out is not None:
            remaining = p["epochs"] * state.training_rows - state.processed
            target = int(np.ceil(out.plan_iteration(remaining) * max(1, usable.size)))
            out.sync.start_iteration(averaged_arrays(state))
        done = 0
        while done < target and index.numel() > 0:
            if cursor >= order.numel():
                order = index[torch.randperm(index.numel(), generator=generator, device=device)]
                cursor = 0
            batch = order[cursor : cursor + batch_size]
            cursor += batch.numel()
            rates, momentum = sgd_schedule(p, float(state.processed + done), n_layers)
            network.step(data, batch, rates.tolist(), float(momentum), generator)
            done += batch.numel()
        network.store(state)
        if out is not None:  # average the model over the processes, and train on from it
            done = out.finish_iteration(averaged_arrays(state), done)
            network.load(state, num_start)
        state.processed += done
        check_finite(state)
        if should_stop(state, p, on_iteration, started, out):
            break
    return state
