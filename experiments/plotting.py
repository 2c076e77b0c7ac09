"""Every crisisflow figure comes from this module (one place for colours, fonts and phase shading)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..model.codes import Phase  # noqa: E402

#: Okabe and Ito's colour-blind-safe palette (Color Universal Design, 2008)
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
PHASE_SHADES = {Phase.PRE_CRISIS: "#ffffff", Phase.EMERGENCY: "#f6d5c4", Phase.RECOVERY: "#d8ead2"}
#: statuses drawn in the main figure, bottom to top
MAIN_STATUSES = ["on_the_move", "waiting", "stranded", "in_site", "hosted", "self_settled", "trapped"]


def shade_phases(ax, dates: np.ndarray, phase: np.ndarray, label: bool = True) -> None:
    """Shade each run of days with the same phase, and label it once (for the legend) if `label`."""
    change = np.r_[0, np.nonzero(np.diff(phase))[0] + 1, len(phase)]
    labelled = set()
    for a, b in zip(change[:-1], change[1:]):
        p = Phase(int(phase[a]))
        if p == Phase.PRE_CRISIS:
            continue
        end = dates[b] if b < len(dates) else dates[-1] + np.timedelta64(1, "D")
        label = None if (p in labelled or not label) else p.name.replace("_", "-").lower()
        labelled.add(p)
        ax.axvspan(dates[a], end, color=PHASE_SHADES[p], alpha=0.8, lw=0, label=label, zorder=0)


def main_figure(series: dict[tuple[str, str], np.ndarray], dates: np.ndarray, title: str, path: Path) -> None:
    """Displaced persons by status over time (stacked), with exits and returns, phases shaded."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.3, 6.2), sharex=True, height_ratios=[3, 2])
    phase = series[("phase", "")]
    shade_phases(top, dates, phase)
    shade_phases(bottom, dates, phase, label=False)
    stack = [(s, series.get(("persons_by_status", s))) for s in MAIN_STATUSES]
    stack = [(s, v) for s, v in stack if v is not None and v.any()]
    if stack:
        top.stackplot(dates, *[v for _, v in stack], labels=[s.replace("_", " ") for s, _ in stack],
                      colors=PALETTE[: len(stack)], alpha=0.9, zorder=2)
    top.set_ylabel("persons displaced")
    top.set_title(title)
    top.legend(loc="upper left", fontsize=8, ncol=2, frameon=False)
    for k, (name, label) in enumerate([("border_arrivals_cumulative", "crossed a border"),
                                       ("evacuated_cumulative", "evacuated"),
                                       ("returned_cumulative", "returned")]):
        v = series.get((name, ""))
        if v is not None:
            bottom.plot(dates, v, color=PALETTE[k + 4 if k < 2 else 2], lw=2, label=label, zorder=2)
    bottom.set_ylabel("persons (cumulative)")
    bottom.legend(loc="upper left", fontsize=8, frameon=False)
    for ax in (top, bottom):
        ax.grid(alpha=0.3, zorder=1)
        ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def _camp_panel(ax, dates: np.ndarray, simulated: np.ndarray, observed: np.ndarray, title: str) -> None:
    """One camp: simulated median and 10-90% band over seeds [seeds, days], observed counts [days] as points."""
    low, median, high = np.percentile(simulated, [10, 50, 90], axis=0)
    ax.fill_between(dates, low, high, color=PALETTE[0], alpha=0.25, lw=0, label="simulated, 10-90% of seeds", zorder=2)
    ax.plot(dates, median, color=PALETTE[0], lw=2, label="simulated, median", zorder=3)
    ax.plot(dates, observed, color=PALETTE[7], lw=0, marker=".", ms=2.5, label="observed", zorder=4)
    ax.set_title(title, fontsize=10)
    locator = mdates.AutoDateLocator(maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3, zorder=1)
    ax.spines[["top", "right"]].set_visible(False)


def validation_figure(dates: np.ndarray, camps: list[str], simulated: np.ndarray, observed: np.ndarray,
                      title: str, path: Path) -> None:
    """Every camp in one figure: simulated [seeds, days, camps] against observed [days, camps]."""
    ncols = min(3, len(camps))
    nrows = -(-len(camps) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.0 * ncols, 2.6 * nrows + 0.6), sharex=True, squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k < len(camps):
            _camp_panel(ax, dates, simulated[:, :, k], observed[:, k], camps[k])
        else:
            ax.set_visible(False)
            axes[k // ncols - 1, k % ncols].tick_params(labelbottom=True)  # the panel above ends its column
    for ax in axes[:, 0]:
        ax.set_ylabel("persons in camp")
    fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="upper center", ncol=3, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 1.0 - 0.45 / fig.get_figheight()))
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 1.0 - 0.6 / fig.get_figheight()))
    fig.savefig(path, dpi=150)
    plt.close(fig)


def camp_figure(dates: np.ndarray, simulated: np.ndarray, observed: np.ndarray, title: str, path: Path) -> None:
    """One camp: simulated [seeds, days] against observed [days]."""
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    _camp_panel(ax, dates, simulated, observed, title)
    ax.set_ylabel("persons in camp")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
