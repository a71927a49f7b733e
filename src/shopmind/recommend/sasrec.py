"""SASRec next-item model trained with full-softmax cross-entropy (optional: needs torch).

SASRec (Kang & McAuley 2018) reads a user's latest ``max_len`` items through causal
self-attention and predicts the next item at every position. The original trains with one
sampled negative per position (binary cross-entropy); Klenitskiy & Vasilev (RecSys 2023)
showed that a cross-entropy over *all* items makes the same network far stronger, and on
Beauty-sized catalogues (12k items) the full softmax is affordable on a CPU — so that is the
default loss here.

``negatives`` > 0 replaces the full softmax by a sampled one: each batch draws that many
distinct items uniformly (shared by every position of the batch) and the cross-entropy is
taken over the true next item plus those. The output layer (positions x items x hidden)
is ~15x the cost of the two attention blocks at hidden 64, so on a loaded 2-core box this is
what decides whether an epoch takes seconds or minutes; Klenitskiy & Vasilev report CE with
a few thousand sampled negatives close to the full softmax (gSASRec, Petrov & Macdonald
2023, reaches the same conclusion for many negatives). A sampled negative equal to a
position's target is masked out of that position's softmax.

CPU cost is kept down in three ways: the loss is computed only at real (non-padding)
positions; users are batched with others of similar length so a batch is only as wide as
its longest sequence; histories longer than ``max_len`` are cut into ``max_len`` chunks
(from the end), so a long Online Retail history trains on all of its events, not its tail.

Torch is imported lazily: the rest of ``shopmind.recommend`` (including the torch-free
``Markov`` sequential generator) works without it, and constructing ``SASRec`` without torch
raises ``TorchMissingError`` naming the extra to install.

Early stopping: ``fit`` accepts a ``monitor`` callback (epoch -> validation value, higher is
better). The evaluation passes one that scores the protocol's validation targets, keeps the
best epoch's weights, and then refits the test phase with ``epochs`` = that best epoch —
the number of epochs is a hyperparameter chosen on validation like any other.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np

from shopmind.recommend.base import Interactions, Recommends

EXTRA_HINT = 'SASRec needs torch: pip install -e ".[torch]" (CPU wheel torch==2.13.0)'
#: One intra-op thread: on the shared 2-core box, 2 threads measured ~7x slower per batch
#: (4.5 s vs 0.67 s on Beauty, load average ~15) — the same spin-wait effect LightGBM showed.
THREADS = 1


#: What a release fits when ``[recs.generators] sasrec`` gives no settings: the recipe ``shopmind
#: evaluate recs`` ran on Amazon Beauty (2026-12-04: CE over 1,024 sampled items, 22 epochs = the
#: validation-best count; test NDCG@10 0.0543 alone, 0.0658 in the fusion). A release has no
#: validation split to stop on, so the epoch count is fixed, and ``max_seconds`` bounds the
#: build on a busy machine (Beauty: ~7-10 s per epoch on a quiet 2-core box).
RELEASE_DEFAULTS: dict[str, Any] = {
    "max_len": 50, "hidden": 64, "blocks": 2, "dropout": 0.3, "learning_rate": 2e-3, "batch_size": 256,
    "negatives": 1024, "epochs": 22, "max_seconds": 600.0,
}  # fmt: skip


class TorchMissingError(ImportError):
    """torch is not installed; the message says which extra provides it."""


def torch_available() -> bool:
    """True when ``import torch`` works (the evaluation skips SASRec otherwise)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - exercised only without torch
        raise TorchMissingError(EXTRA_HINT) from exc
    return torch


def _build_network(n_items: int, max_len: int, hidden: int, blocks: int, heads: int, dropout: float) -> Any:
    """The SASRec network; item 0 is padding, item ``i + 1`` is item column ``i``."""
    torch = _torch()
    nn = torch.nn

    class Block(nn.Module):
        """Pre-norm causal self-attention + point-wise feed-forward, both residual."""

        def __init__(self) -> None:
            super().__init__()
            self.norm1 = nn.LayerNorm(hidden)
            self.attn = nn.MultiheadAttention(hidden, heads, dropout=dropout, batch_first=True)
            self.norm2 = nn.LayerNorm(hidden)
            self.ff = nn.Sequential(
                nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, hidden)
            )
            self.drop = nn.Dropout(dropout)

        def forward(self, x: Any, mask: Any, keep: Any) -> Any:
            h = self.norm1(x)
            a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
            x = x + self.drop(a)
            x = x + self.drop(self.ff(self.norm2(x)))
            return x * keep

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.items = nn.Embedding(n_items + 1, hidden, padding_idx=0)
            self.positions = nn.Embedding(max_len, hidden)
            self.drop = nn.Dropout(dropout)
            self.blocks = nn.ModuleList([Block() for _ in range(blocks)])
            self.norm = nn.LayerNorm(hidden)
            nn.init.normal_(self.items.weight, std=hidden**-0.5)
            with torch.no_grad():
                self.items.weight[0].zero_()

        def forward(self, seq: Any) -> Any:
            """Hidden state per position (batch x length x hidden); sequences are left-padded."""
            length = seq.shape[1]
            pos = torch.arange(max_len - length, max_len, device=seq.device)  # right-aligned positions
            x = self.items(seq) * hidden**0.5 + self.positions(pos)[None]
            x = self.drop(x)
            pad = seq == 0
            # a query may not see later keys nor padding keys -- except itself, so a padding
            # query has one key left (an all-masked row would give NaN through softmax)
            causal = torch.triu(torch.ones(length, length, dtype=torch.bool, device=seq.device), 1)
            mask = causal[None] | pad[:, None, :]
            mask = mask & ~torch.eye(length, dtype=torch.bool, device=seq.device)[None]
            mask = mask.repeat_interleave(heads, dim=0)
            keep = (~pad)[..., None].to(x.dtype)
            x = x * keep
            for block in self.blocks:
                x = block(x, mask, keep)
            return self.norm(x)

        def logits(self, h: Any, columns: Any = None) -> Any:
            """Scores of every item (or of item ``columns`` only); shared input/output
            embeddings, padding excluded."""
            if columns is None:
                return h @ self.items.weight[1:].T
            return h @ self.items.weight[columns + 1].T

    return Net()


def _chunks(indptr: np.ndarray, items: np.ndarray, max_len: int) -> list[np.ndarray]:
    """Training sequences: each user's history cut into pieces of <= max_len + 1 items from
    the end (consecutive pieces overlap by one item so every transition is trained once)."""
    out = []
    for u in range(len(indptr) - 1):
        seq = items[indptr[u] : indptr[u + 1]]
        end = len(seq)
        while end >= 2:
            start = max(0, end - max_len - 1)
            out.append(seq[start:end])
            end = start + 1
    return out


def epoch_cap(epochs: int, positions: int, max_positions: int | None) -> int:
    """Epochs a fit may run: ``epochs``, or fewer when ``max_positions`` (trained next-item
    predictions) runs out first — a function of the data, so the same on any machine."""
    if max_positions is None or positions <= 0:
        return epochs
    return max(1, min(epochs, max_positions // positions))


class SASRec(Recommends):
    """Self-attentive sequential recommendation with full-softmax CE (Generator interface).

    Args:
        max_len: latest items the model reads per user.
        hidden, blocks, heads, dropout: network size.
        epochs: maximum training epochs (the evaluation sets it to the validation-best epoch).
        batch_size, learning_rate, weight_decay: Adam settings.
        patience: epochs without a better ``monitor`` value before training stops.
        eval_every: run ``monitor`` every this many epochs.
        max_seconds: stop training after this wall time (a bound for a shared machine: the
            epoch it stops after depends on the load, so the evaluation uses ``max_positions``).
        max_positions: a budget in trained next-item predictions: at most ``max_positions //
            positions per epoch`` epochs (at least 1). It depends on the data only, so a busy
            and a quiet machine train the same model; cost grows with the category up to it.
        seed: torch and shuffling seed (training is deterministic for a given seed).
        collapse_repeats: drop consecutive repeats of the same item from sequences.
        negatives: 0 = full-softmax CE over all items; N > 0 = CE over the target plus N
            uniformly sampled items shared by the batch (faster, see the module docstring).
    """

    name = "sasrec"

    def __init__(
        self,
        max_len: int = 50,
        hidden: int = 64,
        blocks: int = 2,
        heads: int = 1,
        dropout: float = 0.2,
        epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 2,
        eval_every: int = 2,
        max_seconds: float | None = None,
        seed: int = 0,
        collapse_repeats: bool = True,
        negatives: int = 0,
        max_positions: int | None = None,
    ) -> None:
        self.torch = _torch()  # fails here, with the extra's name, when torch is missing
        self.max_len = max_len
        self.hidden = hidden
        self.blocks = blocks
        self.heads = heads
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.eval_every = eval_every
        self.max_seconds = max_seconds
        self.seed = seed
        self.collapse_repeats = collapse_repeats
        if negatives < 0:
            raise ValueError(f"negatives must be >= 0, got {negatives}")
        self.negatives = negatives
        if max_positions is not None and max_positions < 1:
            raise ValueError(f"max_positions must be >= 1 or None, got {max_positions}")
        self.max_positions = max_positions
        #: why training stopped: "patience", "epochs" (the ``epochs`` cap), "budget"
        #: (``max_positions``) or "max_seconds" (the wall-time bound: load-dependent)
        self.stop_reason = ""
        self.epoch_cap = epochs
        self.data: Interactions | None = None
        self.net: Any = None
        self.best_epoch = 0
        self.history: list[dict[str, float]] = []
        self._indptr: np.ndarray = np.zeros(1, dtype=np.int64)
        self._items: np.ndarray = np.empty(0, dtype=np.int64)

    def _sequences(self, data: Interactions) -> tuple[np.ndarray, np.ndarray]:
        if not self.collapse_repeats:
            return data.seq_indptr, data.seq_items
        from shopmind.recommend.markov import collapse_repeats

        return collapse_repeats(data)

    def _batches(self, chunks: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
        """Chunk indices grouped by similar length (less padding), in a shuffled batch order."""
        lengths = np.array([len(c) for c in chunks])
        order = np.lexsort((rng.random(len(chunks)), lengths))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def fit(self, data: Interactions, monitor: Callable[[Self], float] | None = None) -> Self:
        """Train on every user's sequence in ``data``; ``monitor`` (if given) drives early stopping."""
        torch = self.torch
        torch.manual_seed(self.seed)
        torch.set_num_threads(THREADS)
        torch.use_deterministic_algorithms(True)
        rng = np.random.default_rng(self.seed)
        self.data = data
        self._indptr, items = self._sequences(data)
        self._items = items.astype(np.int64) + 1  # 0 = padding
        self.net = _build_network(
            data.n_items, self.max_len, self.hidden, self.blocks, self.heads, self.dropout
        )
        opt = torch.optim.Adam(self.net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
        chunks = _chunks(self._indptr, self._items, self.max_len)
        self.epoch_cap = epoch_cap(self.epochs, sum(len(c) - 1 for c in chunks), self.max_positions)
        self.history = []
        best_value, best_state, bad = -np.inf, None, 0
        self.best_epoch = 0
        self.stop_reason = "budget" if self.epoch_cap < self.epochs else "epochs"
        t_start = time.perf_counter()
        for epoch in range(1, self.epoch_cap + 1):
            t = time.perf_counter()
            self.net.train()
            total, count = 0.0, 0
            for batch in self._batches(chunks, rng):
                width = max(len(chunks[b]) for b in batch)
                arr = np.zeros((len(batch), width), dtype=np.int64)
                for r, b in enumerate(batch):
                    arr[r, width - len(chunks[b]) :] = chunks[b]
                seq = torch.from_numpy(arr)
                inp, target = seq[:, :-1], seq[:, 1:]
                h = self.net(inp)
                real = target > 0
                loss = self._loss(h[real], target[real] - 1, data.n_items, rng)
                opt.zero_grad()
                loss.backward()
                opt.step()
                n_real = int(real.sum())
                total += float(loss.detach()) * n_real
                count += n_real
            record = {"epoch": epoch, "loss": total / max(count, 1), "seconds": time.perf_counter() - t}
            stop = self.max_seconds is not None and time.perf_counter() - t_start > self.max_seconds
            if stop and epoch < self.epoch_cap:
                self.stop_reason = "max_seconds"
            if monitor is not None and (epoch % self.eval_every == 0 or epoch == self.epoch_cap or stop):
                value = monitor(self)
                record["valid"] = value
                if value > best_value:
                    best_value, self.best_epoch, bad = value, epoch, 0
                    best_state = copy.deepcopy(self.net.state_dict())
                else:
                    bad += 1
                    if bad >= self.patience and not stop:
                        stop, self.stop_reason = True, "patience"
            self.history.append(record)
            if stop:
                break
        if monitor is None:
            self.best_epoch = len(self.history)
        elif best_state is not None:
            self.net.load_state_dict(best_state)
        self.net.eval()
        return self

    def _loss(self, h: Any, target: Any, n_items: int, rng: np.random.Generator) -> Any:
        """Cross-entropy of the next item: over all items, or over target + sampled negatives."""
        torch = self.torch
        if not self.negatives or self.negatives >= n_items:
            return torch.nn.functional.cross_entropy(self.net.logits(h), target)
        neg = torch.from_numpy(rng.choice(n_items, size=self.negatives, replace=False).astype(np.int64))
        pos = (h * self.net.items.weight[target + 1]).sum(-1, keepdim=True)
        other = self.net.logits(h, neg).masked_fill(neg[None, :] == target[:, None], float("-inf"))
        logits = torch.cat([pos, other], dim=1)
        return torch.nn.functional.cross_entropy(logits, torch.zeros_like(target))

    def score(self, user_rows: np.ndarray) -> np.ndarray:
        """Next-item logits over all items from each user's latest ``max_len`` items; cold = 0."""
        assert self.data is not None, "fit first"
        rows = np.asarray(user_rows)
        seqs = [
            self._items[self._indptr[u] : self._indptr[u + 1]] - 1 if u >= 0 else np.empty(0, np.int64)
            for u in rows.tolist()
        ]
        return self.score_sequences(seqs, collapsed=True)

    def score_sequences(self, seqs: Sequence[np.ndarray], collapsed: bool = False) -> np.ndarray:
        """Next-item logits over all items for arbitrary item-column sequences (oldest first).

        The service calls this with a user's batch history plus the events recorded since the
        release, so a view made a second ago changes the next answer. ``collapsed`` = the
        sequences already had consecutive repeats dropped (as training did when
        ``collapse_repeats``). An empty sequence scores 0 everywhere (cold).
        """
        assert self.data is not None, "fit first"
        if self.net is None:
            raise TorchMissingError(EXTRA_HINT)
        torch = self.torch
        torch.set_num_threads(THREADS)  # as in ``fit``: a model unpickled in a fresh process scores alike
        out = np.zeros((len(seqs), self.data.n_items), dtype=np.float32)
        arr = np.zeros((len(seqs), self.max_len), dtype=np.int64)
        for r, raw in enumerate(seqs):
            seq = np.asarray(raw, dtype=np.int64)
            if self.collapse_repeats and not collapsed and len(seq) > 1:
                seq = seq[np.r_[True, seq[1:] != seq[:-1]]]
            seq = seq[-self.max_len :] + 1
            arr[r, self.max_len - len(seq) :] = seq
        warm = np.flatnonzero(arr[:, -1] > 0)
        if not len(warm):
            return out
        self.net.eval()
        with torch.no_grad():
            for start in range(0, len(warm), 512):
                part = warm[start : start + 512]
                h = self.net(torch.from_numpy(arr[part]))[:, -1]
                out[part] = self.net.logits(h).numpy()
        return out

    # ------------------------------------------------------------------ persistence
    def __getstate__(self) -> dict[str, Any]:
        """Picklable state: the torch module and the network (a class local to
        ``_build_network``) are replaced by the weights as numpy arrays, so a release saves
        the model with its other generators and loads it back with ``__setstate__``."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("torch", "net")}
        if self.net is not None:
            state["net_weights"] = {k: v.detach().numpy().copy() for k, v in self.net.state_dict().items()}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild the network from its saved weights; without torch the model loads as
        unavailable (``available`` False, scoring raises ``TorchMissingError``) instead of
        failing the whole release."""
        weights = state.pop("net_weights", None)
        self.__dict__.update(state)
        self.net = None
        self.torch = None
        if weights is None or not torch_available():
            return
        torch = self.torch = _torch()
        self.net = _build_network(
            self.data.n_items, self.max_len, self.hidden, self.blocks, self.heads, self.dropout
        )
        self.net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
        self.net.eval()

    @property
    def available(self) -> bool:
        """True when the model can score (fitted, and torch importable where it was loaded)."""
        return self.net is not None


def release_sasrec(**params: Any) -> SASRec:
    """``SASRec`` with ``RELEASE_DEFAULTS`` under the shop's own ``params`` (the release's maker)."""
    return SASRec(**{**RELEASE_DEFAULTS, **params})
