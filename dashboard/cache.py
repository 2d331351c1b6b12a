"""Per-shop cache generations: a write clears that shop's cached reads only.

Every ``st.cache_data`` read in ``dashboard.reads`` takes the shop's generation
as an argument; a write bumps it, so that shop's next reads miss while every
other shop's entries keep hitting. Old entries age out by TTL and max_entries.
The numbers live in this process (Streamlit serves every session from it).
Writes from other processes (the CLI, the reminder flow) show after the TTL.
"""
from __future__ import annotations

import threading

_generations: dict[int, int] = {}
_lock = threading.Lock()


def generation(shop_id: int) -> int:
    with _lock:
        return _generations.get(int(shop_id), 0)


def forget_shop(shop_id: int) -> None:
    """Call after a write in this shop: its cached reads are now stale."""
    with _lock:
        _generations[int(shop_id)] = _generations.get(int(shop_id), 0) + 1
