"""DataFrame -> plotly Figure. Frames from khata.reports are for display only.

Every chart has a title, readable axis labels, ₹ on money axes, and a layout
that shrinks to a phone's width (autosize, small margins, legend on top).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from khata.i18n import N_, _

from .text import chart_text

COLOURS = {"issued": "#d9822b", "collected": "#2b8a3e", "pending": "#1c7ed6", "paid": "#2b8a3e",
           "overdue": "#e03131", "reversed": "#868e96"}
AGING_ORDER = ["current", "1-30", "31-60", "61-90", "90+"]
AGING_WORDS = {"current": N_("Not yet due"), "1-30": N_("1-30 days late"), "31-60": N_("31-60 days late"),
               "61-90": N_("61-90 days late"), "90+": N_("Over 90 days late")}
STATUS_WORDS = {"pending": N_("pending"), "paid": N_("paid"), "overdue": N_("overdue"), "reversed": N_("reversed")}


def _colours(words: dict[str, str]) -> dict[str, str]:
    """The colour map keyed by the shown (translated) names, since plotly colours by shown value."""
    return {_(word): COLOURS[key] for key, word in words.items() if key in COLOURS}


def _layout(fig: go.Figure, title: str, *, money_axis: str | None = "y") -> go.Figure:
    fig.update_layout(title=title, autosize=True, height=340, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1, title=None))
    if money_axis == "y":
        fig.update_yaxes(tickprefix="₹", separatethousands=True)
    elif money_axis == "x":
        fig.update_xaxes(tickprefix="₹", separatethousands=True)
    return fig


def issued_vs_collected(frame: pd.DataFrame, period: str = "week") -> go.Figure:
    words = {"issued": _("Given on credit"), "collected": _("Collected")}
    named = frame.rename(columns=words)
    long = named.melt(id_vars="period", value_vars=list(words.values()), var_name="what", value_name="amount")
    fig = px.bar(long, x="period", y="amount", color="what", barmode="group",
                 color_discrete_map={words[key]: COLOURS[key] for key in words},
                 labels={"period": _("Week starting") if period == "week" else _("Month"), "amount": _("Amount"),
                         "what": ""})
    title = _("Credit given vs collected, by week") if period == "week" else _("Credit given vs collected, by month")
    return _layout(fig, title)


def aging(frame: pd.DataFrame) -> go.Figure:
    frame = frame.assign(bucket=pd.Categorical(frame["bucket"], AGING_ORDER, ordered=True)).sort_values("bucket")
    frame = frame.assign(label=frame["bucket"].map({key: _(word) for key, word in AGING_WORDS.items()}))
    fig = px.bar(frame, x="label", y="outstanding", color="bucket",
                 labels={"label": "", "outstanding": _("Outstanding")},
                 color_discrete_sequence=["#1c7ed6", "#fab005", "#fd7e14", "#e8590c", "#c92a2a"])
    fig.update_layout(showlegend=False)
    return _layout(fig, _("Outstanding by how late it is"))


def status_mix(frame: pd.DataFrame) -> go.Figure:
    frame = frame[frame["loans"] > 0]
    frame = frame.assign(status=frame["status"].map(lambda value: _(STATUS_WORDS.get(value, value))))
    fig = px.pie(frame, names="status", values="loans", hole=0.5, color="status",
                 color_discrete_map=_colours(STATUS_WORDS))
    fig.update_traces(textinfo="label+value")
    return _layout(fig, _("Credit sales by status"), money_axis=None)


def top_customers(frame: pd.DataFrame) -> go.Figure:
    frame = frame.sort_values("outstanding").assign(name=lambda f: f["name"].map(chart_text))
    fig = px.bar(frame, x="outstanding", y="name", orientation="h",
                 labels={"outstanding": _("Outstanding"), "name": "", "overdue": _("Overdue")},
                 hover_data={"overdue": ":,.2f"}, color_discrete_sequence=["#d9822b"])
    return _layout(fig, _("Top 10 customers by outstanding"), money_axis="x")


def expected_collections(frame: pd.DataFrame) -> go.Figure:
    frame = frame.assign(week=pd.to_datetime(frame["week_start"]).dt.strftime("%d %b"))
    fig = px.bar(frame, x="week", y="amount", hover_data={"loans": True},
                 labels={"week": _("Week starting"), "amount": _("Falls due"), "loans": _("Sales")},
                 color_discrete_sequence=["#1c7ed6"])
    return _layout(fig, _("Expected collections, next 8 weeks"))


def days_to_repay(frame: pd.DataFrame, bins: int = 30) -> go.Figure:
    """Histogram of days to full repayment, binned here so the browser gets 30 bars,
    not one point per repaid sale (100,000 points made the page slow)."""
    days = frame["days_to_repay"].dropna().astype(int).to_numpy()
    top = int(days.max()) if len(days) else 0
    width = max(1, -(-(top + 1) // bins))
    edges = np.arange(0, top + width + 1, width)
    counts, edges = np.histogram(days, bins=edges)
    binned = pd.DataFrame({"from": edges[:-1], "to": edges[1:] - 1, "sales": counts})
    binned["days"] = [f"{a}" if a == b else f"{a}-{b}" for a, b in zip(binned["from"], binned["to"])]
    fig = px.bar(binned, x="days", y="sales",
                 labels={"days": _("Days from sale to full repayment"), "sales": _("Sales")},
                 color_discrete_sequence=["#2b8a3e"])
    fig.update_layout(bargap=0.05)
    return _layout(fig, _("How long customers take to repay"), money_axis=None)
