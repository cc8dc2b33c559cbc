"""Peak memory of the tensors a piece of code creates, on any device (the CPU included).

CUDA has allocator statistics (``torch.cuda.max_memory_allocated``); the CPU allocator
keeps none. This tracker is a ``TorchDispatchMode``: every storage an operator returns
is counted from the moment it appears until its last reference dies (a weak reference
callback), and the peak of the live total is kept. What it counts: activations, saved
tensors, gradients and temporaries created inside the block; not the tensors that
existed before it (weights), nor allocator caching or fragmentation, so it is the
memory the computation needs, a lower bound of what an allocator holds. Tensors on the
``meta`` device count their would-be size, so a full-size step can be sized without
computing it.
"""
import weakref
from typing import Any, Optional

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


class TensorMemoryTracker(TorchDispatchMode):
    """``with TensorMemoryTracker() as tracker: ...``, then ``tracker.peak_bytes``.

    Attributes:
        peak_bytes: Largest live total (bytes) of storages created inside the block.
        live_bytes: Live total now.
    """

    def __init__(self) -> None:
        super().__init__()
        self.peak_bytes = 0
        self.live_bytes = 0
        self._seen: dict[int, weakref.ref] = {}
        self._known_before: set[int] = set()

    def _released(self, key: int, size: int) -> None:
        self._seen.pop(key, None)
        self.live_bytes -= size

    def _track(self, storage: torch.UntypedStorage) -> None:
        key = storage._cdata
        if key in self._seen:
            return
        size = storage.nbytes()
        self._seen[key] = weakref.ref(storage, lambda _ref, key=key, size=size: self._released(key, size))
        self.live_bytes += size
        self.peak_bytes = max(self.peak_bytes, self.live_bytes)

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: Optional[dict] = None) -> Any:
        outputs = func(*args, **(kwargs or {}))
        for leaf in tree_flatten(outputs)[0]:
            if isinstance(leaf, torch.Tensor):
                self._track(leaf.untyped_storage())
        return outputs
