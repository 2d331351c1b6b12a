"""A smooth rate limiter shared by sender threads: at most ``rate`` calls per second.

Calls are spaced at least ``1/rate`` seconds apart (measured from the moment the
previous caller was let through, not from when it was scheduled), so any window
of one second lets at most ``rate`` calls through however late threads wake up.
``headroom`` widens the spacing a little (default 5 %: 50 ms of slack in any
one-second window, whatever the rate) so jitter between our release and the
moment Twilio sees the request does not push a window over the account's limit.
"""
from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, rate_per_s: float, *, headroom: float = 0.05, clock=time.monotonic, sleep=time.sleep):
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        self.rate = float(rate_per_s)
        self.interval = (1.0 / self.rate) * (1.0 + headroom)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last: float | None = None
        self.released: list[float] = []   # release times, for tests and the benchmark

    def acquire(self) -> float:
        """Block until this caller may go; returns the release time."""
        with self._lock:
            now = self._clock()
            if self._last is not None:
                wait = self._last + self.interval - now
                while wait > 0:
                    self._sleep(wait)
                    now = self._clock()
                    wait = self._last + self.interval - now
            self._last = now
            self.released.append(now)
            return now

    __enter__ = acquire

    def __exit__(self, *exc):
        return False
