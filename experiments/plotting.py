"""Every crisisflow figure comes from this module (one place for colours, fonts and phase shading)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..model.codes import Phase

#: Okabe and Ito's colour-blind-safe palette (Color Universal Design, 2008)
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
PHASE_SHADES = {Phase.PRE_CRISIS: "#ffffff", Phase.EMERGENCY: "#f6d5c4", Phase.RECOVERY: "#d8ead2"}
#: statuses drawn in the main figure, bottom to top
MAIN_STATUSES = ["on_the_move", "waiting", "stranded", "in_site", "hosted", "self_settled", "trapped"]


def _date_axis(ax, **locator_options) -> None:
    """Dates on the x axis: automatic ticks, concise labels."""
    locator = mdates.AutoDateLocator(**locator_options)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


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
    fig = Figure(figsize=(8.3, 6.2))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
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
    _date_axis(bottom)
    # fixed margins for this fixed size (room for six-digit ticks; larger values get an offset such as 1e6):
    # tight_layout would draw every text once more to measure it, a third of the figure's time
    fig.subplots_adjust(left=0.11, right=0.98, top=0.94, bottom=0.07, hspace=0.12)
    fig.savefig(path, dpi=150)


def _camp_panel(ax, dates: np.ndarray, simulated: np.ndarray, observed: np.ndarray, title: str) -> None:
    """One camp: simulated median and 10-90% band over seeds [seeds, days], observed counts [days] as points."""
    low, median, high = np.percentile(simulated, [10, 50, 90], axis=0)
    ax.fill_between(dates, low, high, color=PALETTE[0], alpha=0.25, lw=0, label="simulated, 10-90% of seeds", zorder=2)
    ax.plot(dates, median, color=PALETTE[0], lw=2, label="simulated, median", zorder=3)
    ax.plot(dates, observed, color=PALETTE[7], lw=0, marker=".", ms=2.5, label="observed", zorder=4)
    ax.set_title(title, fontsize=10)
    _date_axis(ax, maxticks=6)
    ax.grid(alpha=0.3, zorder=1)
    ax.spines[["top", "right"]].set_visible(False)


def validation_figure(dates: np.ndarray, camps: list[str], simulated: np.ndarray, observed: np.ndarray,
                      title: str, path: Path) -> None:
    """Every camp in one figure: simulated [seeds, days, camps] against observed [days, camps]."""
    ncols = min(3, len(camps))
    nrows = -(-len(camps) // ncols)
    fig = Figure(figsize=(4.0 * ncols, 2.6 * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False)
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


def camp_figure(dates: np.ndarray, simulated: np.ndarray, observed: np.ndarray, title: str, path: Path) -> None:
    """One camp: simulated [seeds, days] against observed [days]."""
    fig = Figure(figsize=(7.0, 4.0))
    ax = fig.subplots()
    _camp_panel(ax, dates, simulated, observed, title)
    ax.set_ylabel("persons in camp")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=150)


# ---------------------------------------------------------------------------------------------------------------
# Briefing figures (crisisflow-brief). Each `*_panel` draws on a given Axes, so the same drawing makes the
# stand-alone PNG (`save_panel`) and its slot on the one-page A4 brief (`brief_page`).
# ---------------------------------------------------------------------------------------------------------------
A4_INCHES = (210 / 25.4, 297 / 25.4)  # ISO A4, portrait
#: marker and colour per location kind (model.codes.LocationKind order: town, site, border, hub, abroad)
KIND_STYLE = {0: ("o", PALETTE[7], "town"), 1: ("s", PALETTE[2], "site"), 2: ("D", PALETTE[5], "border"),
              3: ("^", PALETTE[1], "hub"), 4: ("P", PALETTE[3], "abroad")}
BRIEF_FONT = 7.5


def _tidy_axes(ax) -> None:
    ax.grid(alpha=0.3, zorder=1)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=BRIEF_FONT)


def _thousands():
    from matplotlib import ticker
    return ticker.FuncFormatter(lambda v, _: f"{v:,.6g}")


def _wrap_key(key: str) -> str:
    """A long config key over two lines at its last dot (scenario.\nhosting_spare_share)."""
    head, dot, tail = key.rpartition(".")
    return f"{head}.\n{tail}" if dot and len(key) > 14 else key


def _short_key(key: str) -> str:
    """A config key as a short tick label: its last part, over two lines at an underscore when long."""
    last = key.rsplit(".", 1)[-1]
    if len(last) <= 12 or "_" not in last:
        return last
    cuts = [k for k, ch in enumerate(last) if ch == "_"]
    cut = min(cuts, key=lambda k: abs(k - len(last) / 2))
    return f"{last[:cut + 1]}\n{last[cut + 1:]}"


def _group_colour(k: int) -> str:
    return PALETTE[k % (len(PALETTE) - 1)]  # black (the last colour) stays for text and reference lines


def band_panel(ax, bands: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
               phase: tuple[np.ndarray, np.ndarray] | None, ylabel: str, title: str) -> None:
    """Median line and 10-90% band per group: bands[group] = (dates, p10, median, p90); phases shaded."""
    if phase is not None and len(phase[0]):
        shade_phases(ax, phase[0], phase[1])
    for k, (group, (dates, low, median, high)) in enumerate(bands.items()):
        colour = _group_colour(k)
        ax.fill_between(dates, low, high, color=colour, alpha=0.22, lw=0, zorder=2)
        ax.plot(dates, median, color=colour, lw=1.8, label=str(group), zorder=3)
    ax.set_ylabel(ylabel, fontsize=BRIEF_FONT)
    ax.yaxis.set_major_formatter(_thousands())
    ax.set_title(title, fontsize=BRIEF_FONT + 1)
    _date_axis(ax, maxticks=6)
    ax.xaxis.get_offset_text().set_fontsize(BRIEF_FONT)
    ax.legend(loc="upper left", fontsize=BRIEF_FONT - 1, frameon=False)
    _tidy_axes(ax)


def flow_map_panel(ax, lon: np.ndarray, lat: np.ndarray, names: list[str], kinds: np.ndarray,
                   routes: list[tuple[int, int, float]], title: str, width_label: str = "persons") -> None:
    """Locations at their longitude and latitude; routes as lines whose width grows with the persons who travelled."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    top = max((p for _, _, p in routes), default=0.0)
    for a, b, persons in sorted(routes, key=lambda r: r[2]):
        if persons <= 0:
            ax.plot([lon[a], lon[b]], [lat[a], lat[b]], color="#999999", lw=0.5, ls=":", zorder=2)
            continue
        ax.plot([lon[a], lon[b]], [lat[a], lat[b]], color=PALETTE[0], alpha=0.75, solid_capstyle="round",
                lw=0.6 + 7.0 * persons / top, zorder=3)
    for kind, (marker, colour, label) in KIND_STYLE.items():
        sel = np.asarray(kinds) == kind
        if sel.any():
            ax.scatter(lon[sel], lat[sel], marker=marker, s=28, color=colour, edgecolor="white", lw=0.5,
                       label=label, zorder=4)
    for x, y, name in zip(lon, lat, names):
        ax.annotate(name, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=BRIEF_FONT - 1.5, zorder=5)
    if top > 0:
        ax.plot([], [], color=PALETTE[0], lw=0.6 + 7.0, alpha=0.75, label=f"{top:,.0f} {width_label}")
    mid = np.nanmean(lat) if len(lat) else 0.0
    ax.set_aspect(1.0 / max(np.cos(np.radians(mid)), 0.1), adjustable="datalim")
    ax.set_xlabel("longitude", fontsize=BRIEF_FONT)
    ax.set_ylabel("latitude", fontsize=BRIEF_FONT)
    ax.set_title(title, fontsize=BRIEF_FONT + 1)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=BRIEF_FONT - 1.5, frameon=False,
              markerscale=0.8)
    _tidy_axes(ax)


def heatmap_panel(ax, values: np.ndarray, row_labels: list[str], col_labels: list[str], row_name: str,
                  col_name: str, title: str, value_label: str) -> None:
    """One outcome over a two-parameter sweep: values[rows, cols] (medians over seeds), each cell annotated."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    image = ax.imshow(values, cmap="cividis", aspect="auto", origin="lower")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.03)
    bar.set_label(value_label, fontsize=BRIEF_FONT - 1)
    bar.ax.tick_params(labelsize=BRIEF_FONT - 1)
    mid = (finite.min() + finite.max()) / 2 if len(finite) else 0.0
    for (i, j), v in np.ndenumerate(values):
        text = "-" if not np.isfinite(v) else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}")
        ax.text(j, i, text, ha="center", va="center", fontsize=BRIEF_FONT - 1,
                color="black" if np.isfinite(v) and v > mid else "white")
    ax.set_xticks(range(len(col_labels)), col_labels, fontsize=BRIEF_FONT - 1)
    ax.set_yticks(range(len(row_labels)), row_labels, fontsize=BRIEF_FONT - 1)
    ax.set_xlabel(col_name, fontsize=BRIEF_FONT)
    ax.set_ylabel(_wrap_key(row_name), fontsize=BRIEF_FONT)
    ax.set_title(title, fontsize=BRIEF_FONT + 1)


def capacity_gap_panel(ax, sites: list[str], groups: list[str], median: np.ndarray, low: np.ndarray,
                       high: np.ndarray, title: str) -> None:
    """Horizontal bars per site and group: persons at the site (admitted or queued) above its capacity at the
    fullest day (median, 10-90% whiskers; negative: places left)."""
    n_groups = max(len(groups), 1)
    height = 0.8 / n_groups
    y = np.arange(len(sites))
    for k, group in enumerate(groups):
        pos = y - 0.4 + height * (k + 0.5)
        m = np.asarray(median[k], float)
        err = np.vstack([m - np.asarray(low[k], float), np.asarray(high[k], float) - m])
        ax.barh(pos, m, height=height * 0.9, color=_group_colour(k), label=str(group), zorder=3,
                xerr=np.where(np.isfinite(err), np.maximum(err, 0), 0), error_kw={"lw": 0.8, "capsize": 1.5})
    ax.axvline(0, color=PALETTE[7], lw=0.8, zorder=4)
    ax.set_yticks(y, sites, fontsize=BRIEF_FONT - 1)
    ax.invert_yaxis()
    ax.set_xlabel("persons at the site over capacity, fullest day (< 0: places left)", fontsize=BRIEF_FONT)
    ax.set_title(title, fontsize=BRIEF_FONT + 1)
    ax.legend(loc="best", fontsize=BRIEF_FONT - 1.5, frameon=False)
    _tidy_axes(ax)


def tornado_panel(ax, rows: list[tuple[str, list[tuple[str, float]]]], base: float, xlabel: str, title: str) -> None:
    """Sensitivity: per swept key, the outcome at each of its values (others at their middle value), drawn as
    bars from the reference outcome `base`; rows[k] = (key, [(value label, outcome), ...] from low to high).
    Keys with the widest range are on top."""
    order = sorted(rows, key=lambda r: -(max(v for _, v in r[1]) - min(v for _, v in r[1])) if r[1] else 0)
    span = max((abs(v - base) for _, levels in order for _, v in levels if np.isfinite(v)), default=1.0) or 1.0
    for y, (key, levels) in enumerate(order):
        for k, (label, v) in enumerate(levels):
            if not np.isfinite(v):
                continue
            colour = PALETTE[0] if k == 0 else (PALETTE[5] if k == len(levels) - 1 else PALETTE[4])
            ax.barh(y, v - base, left=base, height=0.6, color=colour, alpha=0.85, zorder=3)
            right = v >= base
            ax.annotate(label, (v, y), xytext=(3 if right else -3, 0), textcoords="offset points",
                        ha="left" if right else "right", va="center", fontsize=BRIEF_FONT - 1.5, zorder=4)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.axvline(base, color=PALETTE[7], lw=0.8, zorder=4)
    handles = [Patch(color=PALETTE[0], label="lowest (first) value"),
               Patch(color=PALETTE[5], label="highest (last) value"),
               Line2D([], [], color=PALETTE[7], lw=0.8, label="reference")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize=BRIEF_FONT - 1.5,
              frameon=False)
    ax.set_yticks(range(len(order)), [_short_key(r[0]) for r in order], fontsize=BRIEF_FONT - 1)
    ax.invert_yaxis()
    ax.set_xlim(base - 1.35 * span, base + 1.35 * span)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.xaxis.set_major_formatter(_thousands())
    ax.set_xlabel(xlabel, fontsize=BRIEF_FONT)
    ax.set_title(title, fontsize=BRIEF_FONT + 1)
    _tidy_axes(ax)


def table_panel(ax, cells: list[list[str]], col_labels: list[str], row_labels: list[str], title: str) -> None:
    """A small table of text (e.g. outcomes per group) drawn as part of a figure; row labels in the first column."""
    ax.axis("off")
    n = max(len(col_labels), 1)
    first = 0.28
    table = ax.table(cellText=[[r, *c] for r, c in zip(row_labels, cells)], colLabels=["", *col_labels],
                     colWidths=[first, *[(1.0 - first) / n] * n], loc="center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(BRIEF_FONT - 1)
    table.scale(1.0, 1.15)
    for (r, c), cell in table.get_celld().items():
        cell.set_edgecolor("#cccccc")
        if r == 0 or c == 0:
            cell.set_text_props(weight="bold")
        if c == 0:
            cell.set_text_props(ha="left")
            cell.PAD = 0.02
    ax.set_title(title, fontsize=BRIEF_FONT + 1)


def note_panel(ax, text: str, title: str = "") -> None:
    """A panel that says why a figure is not drawn."""
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=BRIEF_FONT, wrap=True, color="#444444",
            transform=ax.transAxes)
    if title:
        ax.set_title(title, fontsize=BRIEF_FONT + 1)


def save_panel(draw, path: Path, figsize: tuple[float, float] = (7.0, 4.2)) -> Path:
    """One panel (`draw(ax)`) as a stand-alone figure file."""
    fig = Figure(figsize=figsize)
    ax = fig.subplots()
    draw(ax)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    return path


def brief_page(title: str, subtitle: str, panels: list, footer: str, path: Path) -> Path:
    """The one-page A4 brief (portrait): `panels` fills a grid, two panels a row; an entry spanning the full
    width is `("wide", draw)`, a half-width one is `draw`; `footer` is small text at the bottom (config, sources).
    The file type follows the suffix (.pdf gives exactly one page)."""
    fig = Figure(figsize=A4_INCHES)
    layout: list[tuple[bool, list]] = []  # (wide, draws) per row
    half: list = []
    for p in panels:
        if isinstance(p, tuple) and p[0] == "wide":
            if half:
                layout.append((False, half))
                half = []
            layout.append((True, [p[1]]))
        else:
            half.append(p)
            if len(half) == 2:
                layout.append((False, half))
                half = []
    if half:
        layout.append((False, half))
    footer_lines = footer.count("\n") + 1
    footer_h = (0.11 * footer_lines + 0.25) / A4_INCHES[1]
    top, bottom = 1.0 - 1.0 / A4_INCHES[1], footer_h + 0.35 / A4_INCHES[1]
    grid = fig.add_gridspec(len(layout), 2, left=0.1, right=0.97, top=top, bottom=bottom, hspace=0.6, wspace=0.55)
    for r, (wide, draws) in enumerate(layout):
        if wide:
            draws[0](fig.add_subplot(grid[r, :]))
        else:
            for c, draw in enumerate(draws):
                draw(fig.add_subplot(grid[r, c]))
    fig.text(0.5, 1.0 - 0.3 / A4_INCHES[1], title, ha="center", va="center", fontsize=12, weight="bold")
    fig.text(0.5, 1.0 - 0.55 / A4_INCHES[1], subtitle, ha="center", va="center", fontsize=BRIEF_FONT + 0.5)
    fig.text(0.04, 0.2 / A4_INCHES[1], footer, ha="left", va="bottom", fontsize=BRIEF_FONT - 1.5,
             family="monospace", color="#333333")
    fig.savefig(path)
    return path
