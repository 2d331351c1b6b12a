"""The flows' one seam: a pipeline function as a Prefect task, wrapped once.

``step(fn, name)`` keeps ``fn``'s signature (every argument passed through, ``clock``
and the rest), retries only what ``khata.transient`` calls transient, gives the function
the task's own logger, and turns any other failure into one plain line in the log and a
``StepFailed`` whose message becomes the run's state message.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from khata.transient import is_transient, plain

DB_RETRIES = 4
DB_RETRY_DELAYS = [2, 5, 10, 20]


def worth_retrying(task, task_run, state) -> bool:
    """Retry a step only for a failure that can go away by itself (``khata.transient``: the
    book busy, the network, Twilio 429/5xx); anything else fails the run at once."""
    err = state.data if isinstance(state.data, BaseException) else None
    if err is None:
        try:
            state.result()
            return False
        except BaseException as raised:  # noqa: BLE001 - we only classify it
            err = raised
    return is_transient(err)


class StepFailed(Exception):
    """A step's failure in one plain line (the run's state message says the same)."""


def step(fn: Callable, name: str, *, retries: int = DB_RETRIES, delays=DB_RETRY_DELAYS) -> Callable:
    """The flow's one seam: a pipeline function as a Prefect task with the same signature
    (every argument passed through, ``clock`` included), its retries for transient
    failures only, and the task's own logger in place of ``logger``. A failure that is not
    transient is logged in one line and raised as ``StepFailed`` without a chained traceback."""
    accepts_logger = "logger" in inspect.signature(fn).parameters

    @functools.wraps(fn)
    def body(*args, **kwargs):
        if accepts_logger:
            kwargs["logger"] = get_run_logger()
        try:
            return fn(*args, **kwargs)
        except Exception as err:
            if is_transient(err):
                raise
            get_run_logger().error("%s failed: %s", name, plain(err))
            raise StepFailed(plain(err)) from None

    return task(body, name=name, retries=retries, retry_delay_seconds=delays, cache_policy=NO_CACHE,
                retry_condition_fn=worth_retrying)
