"""DataFrame -> plotly Figure. Frames from khata.reports are for display only.

Built with ``plotly.graph_objects``, one trace per series: plotly express took
~25 ms per figure here (most of a cached Overview run), a plain figure ~2 ms.

Every chart has a title, readable axis labels, ₹ on money axes, and a layout
that shrinks to a phone's width (autosize, small margins, legend on top).
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from khata.i18n import _

from .text import chart_text

_NO_TRACE_NAME = "<extra></extra>"  # plotly markup: no trace name beside the hover text

COLOURS = {"Given on credit": "#d9822b", "Collected": "#2b8a3e", "pending": "#1c7ed6", "paid": "#2b8a3e",
           "overdue": "#e03131", "reversed": "#868e96"}
AGING_ORDER = ["current", "1-30", "31-60", "61-90", "90+"]


def _figure(traces: list, title: str, *, money_axis: str | None = "y", **layout) -> go.Figure:
    """The traces with the shared layout, built in one go (each update_layout call costs)."""
    axis = dict(tickprefix="₹", separatethousands=True)
    layout = dict(title=title, autosize=True, height=340, margin=dict(l=10, r=10, t=50, b=10),
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1, title=None),
                  **layout)
    if money_axis:
        name = f"{money_axis}axis"
        layout[name] = {**layout.get(name, {}), **axis}
    return go.Figure(traces, layout=layout)


def _bar(x, y, colour, **extra) -> go.Bar:
    return go.Bar(x=list(x), y=list(y), marker_color=colour, **extra)


def issued_vs_collected(frame: pd.DataFrame, period: str = "week") -> go.Figure:
    periods = pd.to_datetime(frame["period"])
    traces = [_bar(periods, frame[column].astype(float), COLOURS[name], name=name)
              for column, name in (("issued", "Given on credit"), ("collected", "Collected"))]
    return _figure(traces, f"Credit given vs collected, by {period}", barmode="group",
                   xaxis=dict(title="Week starting" if period == "week" else "Month"), yaxis=dict(title="Amount"))


AGING_LABELS = {"current": "Not yet due", "1-30": "1-30 days late", "31-60": "31-60 days late",
                "61-90": "61-90 days late", "90+": "Over 90 days late"}
AGING_COLOURS = ["#1c7ed6", "#fab005", "#fd7e14", "#e8590c", "#c92a2a"]


def aging(frame: pd.DataFrame) -> go.Figure:
    """One trace with a colour per bucket (not a trace per bucket: less to send and draw)."""
    amounts = dict(zip(frame["bucket"], frame["outstanding"]))
    traces = [_bar([AGING_LABELS[b] for b in AGING_ORDER], [float(amounts.get(b, 0)) for b in AGING_ORDER],
                   AGING_COLOURS, name=_("Outstanding"))]
    return _figure(traces, "Outstanding by how late it is", showlegend=False, yaxis=dict(title="Outstanding"))


def status_mix(frame: pd.DataFrame) -> go.Figure:
    frame = frame[frame["loans"] > 0]
    traces = [go.Pie(labels=list(frame["status"]), values=[int(n) for n in frame["loans"]], hole=0.5, sort=False,
                     marker_colors=[COLOURS[s] for s in frame["status"]], textinfo="label+value")]
    return _figure(traces, "Credit sales by status", money_axis=None)


def top_customers(frame: pd.DataFrame) -> go.Figure:
    frame = frame.sort_values("outstanding")
    traces = [_bar(frame["outstanding"].astype(float), frame["name"].map(chart_text), "#d9822b", orientation="h",
                   customdata=list(frame["overdue"].astype(float)),
                   hovertemplate=_("{name}<br>Outstanding {amount}<br>Overdue {overdue}").format(
                       name="%{y}", amount="₹%{x:,.2f}", overdue="₹%{customdata:,.2f}") + _NO_TRACE_NAME)]
    return _figure(traces, "Top 10 customers by outstanding", money_axis="x", xaxis=dict(title="Outstanding"))


def expected_collections(frame: pd.DataFrame) -> go.Figure:
    weeks = pd.to_datetime(frame["week_start"]).dt.strftime("%d %b")
    traces = [_bar(weeks, frame["amount"].astype(float), "#1c7ed6", customdata=[int(n) for n in frame["loans"]],
                   hovertemplate=_("Week starting {week}<br>Falls due {amount}<br>Sales {count}").format(
                       week="%{x}", amount="₹%{y:,.2f}", count="%{customdata}") + _NO_TRACE_NAME)]
    return _figure(traces, "Expected collections, next 8 weeks", xaxis=dict(title="Week starting"),
                   yaxis=dict(title="Falls due"))


def days_to_repay(frame: pd.DataFrame) -> go.Figure:
    """Histogram of days to full repayment, already binned in SQL (``reports.days_to_repay_bins``):
    the browser gets about 30 bars, not one point per repaid sale."""
    traces = [_bar(frame["days"], [int(n) for n in frame["sales"]], "#2b8a3e", name=_("Sales"))]
    return _figure(traces, "How long customers take to repay", money_axis=None, bargap=0.05,
                   xaxis=dict(title="Days from sale to full repayment"), yaxis=dict(title="Sales"))
