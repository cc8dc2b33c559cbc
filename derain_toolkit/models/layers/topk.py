"""How many entries of an attention row a top-k sparse attention keeps (DDSA Eq. (5), DRSformer's TKSA)."""
from fractions import Fraction


def topk_size(ratio: float, length: int) -> int:
    """``k = max(1, floor(ratio * length))``, with ``ratio`` read as the nearest fraction of
    denominator at most 1000, so that the official ``int(C * 2 / 3)`` (32 for ``C = 48``) is
    met exactly where the float ``2 / 3 * 48`` need not be.

    Args:
        ratio: The kept fraction, in (0, 1].
        length: The row length (channels per head).
    """
    return max(1, int(Fraction(ratio).limit_denominator(1000) * length))
