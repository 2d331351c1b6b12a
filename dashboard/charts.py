"""DataFrame -> plotly Figure. Frames from khata.reports are for display only.

Built with ``plotly.graph_objects``, one trace per series: plotly express took
~25 ms per figure here (most of a cached Overview run), a plain figure ~2 ms.

Every chart has a title, readable axis labels, ₹ on money axes, and a layout
that shrinks to a phone's width (autosize, small margins, legend between the title and the plot).
On a 390 px phone Plotly's tool bar (zoom, pan, download) sat over the title and
a legend beside it could run into it: pages draw charts with ``draw``,
which turns the tool bar off (a shopkeeper reads a chart, nobody zooms on a
counter), and a long title breaks onto a second line instead of running off the
phone's edge.
"""
from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from khata.dates import format_day_month
from khata.i18n import N_, _

from .text import chart_text

COLOURS = {"issued": "#d9822b", "collected": "#2b8a3e", "pending": "#1c7ed6", "paid": "#2b8a3e",
           "overdue": "#e03131", "reversed": "#868e96"}
AGING_ORDER = ["current", "1-30", "31-60", "61-90", "90+"]
AGING_WORDS = {"current": N_("Not yet due"), "1-30": N_("1-30 days late"), "31-60": N_("31-60 days late"),
               "61-90": N_("61-90 days late"), "90+": N_("Over 90 days late")}
AGING_COLOURS = ["#1c7ed6", "#fab005", "#fd7e14", "#e8590c", "#c92a2a"]
STATUS_WORDS = {"pending": N_("pending"), "paid": N_("paid"), "overdue": N_("overdue"), "reversed": N_("reversed")}
_NO_TRACE_NAME = "<extra></extra>"  # plotly markup: no trace name beside the hover text
# what Plotly is told in the browser: no tool bar over the title; the chart follows the page's width
CONFIG = {"displayModeBar": False, "responsive": True}
TITLE_LINE = 34  # characters on one title line: fits a 390 px phone at Plotly's title size


def draw(figure: go.Figure, key: str, where=st) -> None:
    """A chart on the page, as wide as its column, without Plotly's tool bar."""
    where.plotly_chart(figure, key=key, width="stretch", config=CONFIG)


def _title(text: str) -> dict:
    """The title over the plot's left edge, broken into lines that fit a phone (``<br>``: the
    words are ours, translated, never a customer's)."""
    lines = textwrap.wrap(text, TITLE_LINE, break_long_words=False) or [text]
    return dict(text="<br>".join(lines), x=0, xanchor="left", xref="container", y=1, yanchor="top",
                yref="container", pad=dict(t=20, l=4), font=dict(size=16))


def _figure(traces: list, title: str, *, money_axis: str | None = "y", **layout) -> go.Figure:
    """The traces with the shared layout, built in one go (each update_layout call costs)."""
    axis = dict(tickprefix="₹", separatethousands=True)
    top = 30 + 22 * _title(title)["text"].count("<br>")  # room for every title line, above the plot
    layout = dict(title=_title(title), autosize=True, height=348 + top - 30, margin=dict(l=10, r=10, t=top + 42, b=10),
                  legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0, title=None),
                  **layout)
    if money_axis:
        name = f"{money_axis}axis"
        layout[name] = {**layout.get(name, {}), **axis}
    return go.Figure(traces, layout=layout)


def _bar(x, y, colour, **extra) -> go.Bar:
    return go.Bar(x=list(x), y=list(y), marker_color=colour, **extra)


def issued_vs_collected(frame: pd.DataFrame, period: str = "week") -> go.Figure:
    periods = pd.to_datetime(frame["period"])
    words = {"issued": _("Given on credit"), "collected": _("Collected")}
    traces = [_bar(periods, frame[key].astype(float), COLOURS[key], name=word) for key, word in words.items()]
    title = _("Credit given vs collected, by week") if period == "week" else _("Credit given vs collected, by month")
    return _figure(traces, title, barmode="group",
                   xaxis=dict(title=_("Week starting") if period == "week" else _("Month")),
                   yaxis=dict(title=_("Amount")))


def aging(frame: pd.DataFrame) -> go.Figure:
    """One trace with a colour per bucket (not a trace per bucket: less to send and draw)."""
    amounts = dict(zip(frame["bucket"], frame["outstanding"]))
    traces = [_bar([_(AGING_WORDS[b]) for b in AGING_ORDER], [float(amounts.get(b, 0)) for b in AGING_ORDER],
                   AGING_COLOURS, name=_("Outstanding"))]
    return _figure(traces, _("Outstanding by how late it is"), showlegend=False, yaxis=dict(title=_("Outstanding")))


def status_mix(frame: pd.DataFrame) -> go.Figure:
    frame = frame[frame["loans"] > 0]
    traces = [go.Pie(labels=[_(STATUS_WORDS.get(s, s)) for s in frame["status"]],
                     values=[int(n) for n in frame["loans"]], hole=0.5, sort=False,
                     marker_colors=[COLOURS.get(s, "#868e96") for s in frame["status"]], textinfo="label+value")]
    return _figure(traces, _("Credit sales by status"), money_axis=None)


def top_customers(frame: pd.DataFrame) -> go.Figure:
    frame = frame.sort_values("outstanding")
    traces = [_bar(frame["outstanding"].astype(float), frame["name"].map(chart_text), "#d9822b", orientation="h",
                   customdata=list(frame["overdue"].astype(float)),
                   hovertemplate=_("{name}<br>Outstanding {amount}<br>Overdue {overdue}").format(
                       name="%{y}", amount="₹%{x:,.2f}", overdue="₹%{customdata:,.2f}") + _NO_TRACE_NAME)]
    return _figure(traces, _("Top 10 customers by outstanding"), money_axis="x", xaxis=dict(title=_("Outstanding")))


def expected_collections(frame: pd.DataFrame) -> go.Figure:
    weeks = [format_day_month(d) for d in pd.to_datetime(frame["week_start"]).dt.date]  # months in the language
    traces = [_bar(weeks, frame["amount"].astype(float), "#1c7ed6", customdata=[int(n) for n in frame["loans"]],
                   hovertemplate=_("Week starting {week}<br>Falls due {amount}<br>Sales {count}").format(
                       week="%{x}", amount="₹%{y:,.2f}", count="%{customdata}") + _NO_TRACE_NAME)]
    return _figure(traces, _("Expected collections, next 8 weeks"), xaxis=dict(title=_("Week starting")),
                   yaxis=dict(title=_("Falls due")))


def days_to_repay(frame: pd.DataFrame) -> go.Figure:
    """Histogram of days to full repayment, already binned in SQL (``reports.days_to_repay_bins``):
    the browser gets about 30 bars, not one point per repaid sale."""
    traces = [_bar(frame["days"], [int(n) for n in frame["sales"]], "#2b8a3e", name=_("Sales"))]
    return _figure(traces, _("How long customers take to repay"), money_axis=None, bargap=0.05,
                   xaxis=dict(title=_("Days from sale to full repayment")), yaxis=dict(title=_("Sales")))


def reminder_effect(rows: list[dict]) -> go.Figure:
    """Share of customers who paid within 1, 3 and 7 days, per group (khata.reminders.reminder_effect);
    the control group 'not reminded' is the bar to compare against."""
    groups = [chart_text(r["label"]) for r in rows]
    windows = [(1, _("within 1 day"), "#a5d8ff"), (3, _("within 3 days"), "#4dabf7"),
               (7, _("within 7 days"), "#1864ab")]
    hover = _("{group}: {share} paid something ({paid} of {customers})").format(
        group="%{x}", share="%{y:.1f}%", paid="%{customdata[0]}", customers="%{customdata[1]}")
    traces = [_bar(groups, [float(r[f"share_{n}d"]) for r in rows], colour, name=words,
                   customdata=[[r[f"paid_{n}d"], r["customers"]] for r in rows], hovertemplate=hover + _NO_TRACE_NAME)
              for n, words, colour in windows]
    return _figure(traces, _("Who paid after a reminder, against those not reminded"), money_axis=None,
                   barmode="group", yaxis=dict(title=_("Paid something (%)"), ticksuffix="%", range=[0, 100]))
