"""The /chart picture: the reporting rate per unit over the last days, and the anomalies per day (PNG).

matplotlib's object API with the Agg canvas (no pyplot, no global state: safe in a worker thread). Chinese
labels need a CJK font: the install provides Noto Sans CJK (Debian ``fonts-noto-cjk``, see scripts/setup),
found through matplotlib's font manager. Without one the chart still renders, with English labels.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)

#: preferred CJK font families, best first
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Noto Serif CJK SC", "Droid Sans Fallback", "AR PL UMing CN",
)
#: at most this many unit lines besides the total
MAX_LINES = 12


@dataclass
class ChartData:
    title: str
    days: list[date]
    #: (label, daily reporting rate 0..1); the first one is the total
    series: list[tuple[str, list[float]]]
    fever: list[int]
    other_anomalies: list[int]
    #: what the chart is about (a unit's title), for the caption
    subject: str = ""


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """The file of a CJK font that matplotlib can use, or None."""
    from matplotlib import font_manager

    by_name: dict[str, str] = {}
    for f in font_manager.fontManager.ttflist:
        by_name.setdefault(f.name, f.fname)
    for family in CJK_FAMILIES:
        if family in by_name:
            return by_name[family]
    for name, path in sorted(by_name.items()):
        if "CJK" in name or "Hei" in name or "Song" in name:
            return path
    log.warning("no CJK font found (install fonts-noto-cjk); charts use English labels")
    return None


_LABELS = {
    "zh": {"rate": "上报率", "anomalies": "异常户数", "fever": "发热", "other": "其他异常", "total": "合计"},
    "en": {"rate": "Reporting rate", "anomalies": "Anomalies", "fever": "fever", "other": "other", "total": "total"},
}


def render_chart(data: ChartData, font_path: Any = None) -> bytes:
    """The PNG bytes. ``font_path``: a CJK font file; by default the one :func:`cjk_font_path` finds."""
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    path = cjk_font_path() if font_path is None else (font_path or None)
    font = FontProperties(fname=path) if path else None
    words = _LABELS["zh" if font else "en"]
    kw: dict[str, Any] = {"fontproperties": font} if font else {}

    fig = Figure(figsize=(8, 6.4), dpi=110, layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 2], sharex=True)
    x = list(range(len(data.days)))
    ticks = [f"{d.month}/{d.day}" for d in data.days]
    for i, (label, rates) in enumerate(data.series[: MAX_LINES + 1]):
        pct = [r * 100 for r in rates]
        if i == 0:
            top.plot(x, pct, color="black", linewidth=2.6, marker="o", label=words["total"] if not label else label)
        else:
            top.plot(x, pct, linewidth=1.3, marker=".", label=label)
    top.set_ylim(0, 105)
    top.yaxis.set_major_formatter(PercentFormatter(100))
    top.set_ylabel(words["rate"], **kw)
    top.grid(alpha=0.3)
    top.set_title(data.title if font else words["rate"], fontsize=13, **kw)
    legend = top.legend(loc="lower left", fontsize=8, ncol=min(4, max(1, len(data.series) // 4 + 1)), prop=font)
    if font is None:
        legend.set_visible(len(data.series) == 1)
    bottom.bar(x, data.fever, color="#d62728", label=words["fever"])
    bottom.bar(x, data.other_anomalies, bottom=data.fever, color="#ff7f0e", label=words["other"])
    bottom.set_ylabel(words["anomalies"], **kw)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.grid(axis="y", alpha=0.3)
    bottom.legend(loc="upper left", fontsize=8, prop=font)
    bottom.set_xticks(x, ticks, rotation=45 if len(x) > 14 else 0)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        if font is None:  # labels that the fallback font lacks render as boxes; say so once, above
            warnings.simplefilter("ignore", UserWarning)
        fig.savefig(buf, format="png")
    return buf.getvalue()
