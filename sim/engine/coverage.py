"""Access intervals -> figures of merit per cell, per region, per band and bin, over time.

Definitions (docs/figures.md; SMAD 3rd ed. sec. 7.2 and the STK coverage help): over the
window [0, T] a cell's accesses are the union of all platforms' intervals; its gaps are the
maximal uncovered intervals in the window, those touching the window's ends measured only
to the end (STK's "optimistic" rule).

    time_covered_frac   = covered time / T
    accesses            = number of intervals of the union
    max_revisit_s       = longest gap;  mean_revisit_s = mean gap length (0 when no gap)
    time_average_gap_s  = sum(gap^2) / T
    mean_response_s     = sum(gap^2) / (2 T): the mean wait from a random instant to the next
                          access (a wait in the last gap runs to the window's end)
    mean_age_of_data_s  = time average of (now - end of the last access), 0 while covered,
                          now - 0 before the first access. Inside a gap [a, b] the age grows
                          from 0 to b - a, so its integral is (b - a)^2 / 2, the integral of
                          the wait: the same number as mean_response_s by definition (STK
                          help, "Age of Data", says the same). The stepped engine computes it
                          from the age itself, as an independent check.
    max_simultaneous    = most platforms covering the cell at one instant (N-asset coverage:
                          a platform's sensors count once)
    best_gsd_m          = finest ground sample distance over accesses (NaN: no imaging model)

Never-seen cells (one rule for every figure, NEVER_SEEN_NAN_KEYS): a cell with no access has
no gap statistics (nothing was revisited, no data has an age), so its gap figures are NaN;
its ever/time covered and accesses are 0. Regions: area-weighted mean over the cells where a
figure is defined (the gap figures over the cells ever seen, best_gsd_m over the cells an
imaging sensor saw), except max_revisit_s (max over the cells ever seen; NaN when none) and
max_simultaneous (max); never_seen_km2 gives the area left out. STK reports its statistics
the same way ("grid points for which a value cannot be computed are not included").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.loops import sweep as _sweep
from sim.engine.intervals import (TOUCH_S, Intervals, sort_by_cell_then_time,
                                  sorted_by_cell_start)

FIGURE_KEYS = ("ever_covered_frac", "time_covered_frac", "accesses", "max_revisit_s",
               "mean_revisit_s", "time_average_gap_s", "mean_response_s",
               "mean_age_of_data_s", "max_simultaneous", "best_gsd_m")
# Figures undefined for a cell never seen (NaN there; regions average them over seen cells).
NEVER_SEEN_NAN_KEYS = ("max_revisit_s", "mean_revisit_s", "time_average_gap_s",
                       "mean_response_s", "mean_age_of_data_s")


def union_intervals(sources: list[Intervals]) -> Intervals:
    """Union of all sources, merged per cell (sorted by cell, start)."""
    return Intervals.concat(sources).merged()


@dataclass
class GapSums:
    """Per-cell running sums from which every figure follows (arrays (M,)).

    Additive over disjoint cell groups and over identical removed laps (sim/engine/laps.py)."""
    covered_s: np.ndarray
    accesses: np.ndarray
    n_gaps: np.ndarray
    sum_gap_s: np.ndarray
    sum_gap_sq: np.ndarray
    max_gap_s: np.ndarray
    max_simultaneous: np.ndarray
    best_gsd_m: np.ndarray

    @staticmethod
    def zeros(n_cells: int) -> "GapSums":
        z = lambda: np.zeros(n_cells)
        return GapSums(z(), z(), z(), z(), z(), z(), z(), np.full(n_cells, np.nan))

    def add_scaled(self, other: "GapSums", factor) -> None:
        """Accumulate `factor` copies of other (a number or (M,) per cell) in place: as
        add(scaled(other, factor)) without the temporary arrays."""
        f = np.asarray(factor, dtype=np.float64)
        self.covered_s += other.covered_s * f
        self.accesses += other.accesses * f
        self.n_gaps += other.n_gaps * f
        self.sum_gap_s += other.sum_gap_s * f
        self.sum_gap_sq += other.sum_gap_sq * f
        np.maximum(self.max_gap_s, np.where(f > 0, other.max_gap_s, 0.0), out=self.max_gap_s)

    def add(self, other: "GapSums") -> None:
        """Accumulate another group (cells disjoint, or extra laps of the same cells)."""
        self.covered_s += other.covered_s
        self.accesses += other.accesses
        self.n_gaps += other.n_gaps
        self.sum_gap_s += other.sum_gap_s
        self.sum_gap_sq += other.sum_gap_sq
        np.maximum(self.max_gap_s, other.max_gap_s, out=self.max_gap_s)
        np.maximum(self.max_simultaneous, other.max_simultaneous, out=self.max_simultaneous)
        self.best_gsd_m = np.fmin(self.best_gsd_m, other.best_gsd_m)


def gap_sums(n_cells: int, window_end_s, sources: list[Intervals],
             cell_mask: np.ndarray | None = None,
             gsd_per_source: list[np.ndarray | None] | None = None,
             platform_of: list | None = None) -> GapSums:
    """Sums over the window [0, window_end] for the cells in cell_mask (all when None):
    the sources' union gives covered time, accesses and gaps (incl. those touching the
    window's ends; a never-seen cell in the mask has one gap of the whole window, which
    figures_from_sums then reports as undefined).
    window_end_s: a number, or (M,) per cell (compressed timelines, sim/engine/laps.py).
    platform_of: for each source, the platform it belongs to (None: each source is its own
    platform); sources of one platform are merged first, so that max_simultaneous counts
    platforms, not sensors."""
    T = np.ascontiguousarray(np.broadcast_to(np.asarray(window_end_s, dtype=np.float64),
                                             (n_cells,)))
    out = GapSums.zeros(n_cells)
    # One compiled pass over the sources merged in (cell, start) order: the union's covered
    # time, accesses and gaps, and the overlap depth (sim/engine/_sweep.pyx). Each source must be
    # sorted by (cell, start), as merged intervals are; the rare one that is not is sorted.
    cells, starts, ends = sweep_columns(sorted_sources(per_platform(sources, platform_of)))
    _sweep.sweep(cells, starts, ends,
                 T, TOUCH_S, TOUCH_S, out.covered_s, out.accesses, out.n_gaps,
                 out.sum_gap_s, out.sum_gap_sq, out.max_gap_s, out.max_simultaneous)
    seen = out.accesses > 0
    never = ~seen if cell_mask is None else cell_mask & ~seen
    never_idx = np.flatnonzero(never)
    out.n_gaps[never_idx] = 1.0
    out.sum_gap_s[never_idx] = T[never_idx]
    out.sum_gap_sq[never_idx] = T[never_idx] ** 2
    out.max_gap_s[never_idx] = T[never_idx]
    out.best_gsd_m = best_gsd(n_cells, sources, gsd_per_source)
    return out


def per_platform(sources: list[Intervals], platform_of: list | None) -> list[Intervals]:
    """One merged Intervals per platform (sources grouped by platform_of, in first-seen
    order); the sources themselves when platform_of is None or every platform has one."""
    if platform_of is None or len(set(platform_of)) == len(platform_of):
        return list(sources)
    groups: dict = {}
    for src, owner in zip(sources, platform_of):
        groups.setdefault(owner, []).append(src)
    return [g[0] if len(g) == 1 else _union(g)
            for g in groups.values()]


def _union(sources: list[Intervals]) -> Intervals:
    """The union per cell of several sources (the rule of Intervals.merged with TOUCH_S)
    by the compiled merge (union_rows_of). best_cos is left 0: the sums read only the
    times."""
    cell, start, end = union_rows_of(sources)[:3]
    return Intervals(cell, start, end, np.zeros(cell.size))


def union_rows_of(sources: list[Intervals]) -> tuple:
    """The union per cell of several sources, one row per access, with each access's rank,
    covered time before it and longest gap up to it (sim.loops.sweep.union_rows: six (R,)
    arrays in (cell, start) order): the sorted sources merged as they come, no sort; a
    source that is not sorted by (cell, start) is sorted first."""
    return _sweep.union_rows(*sweep_columns(sorted_sources(sources)), TOUCH_S, TOUCH_S)


def sorted_sources(sources: list[Intervals]) -> list[Intervals]:
    """The non-empty sources, each in (cell, start) order (the rare one that is not, sorted),
    as the compiled merges (sweep, union_rows) read them."""
    return [s if sorted_by_cell_start(s) else s.take(sort_by_cell_then_time(s.cell, s.start_s))
            for s in sources if s.size]


def sweep_columns(sources: list[Intervals]) -> tuple[list, list, list]:
    """(cells, starts, ends): per source its cell (int64), start and end (float64) as
    contiguous arrays, the lists the compiled merges take."""
    return ([np.ascontiguousarray(s.cell, dtype=np.int64) for s in sources],
            [np.ascontiguousarray(s.start_s, dtype=np.float64) for s in sources],
            [np.ascontiguousarray(s.end_s, dtype=np.float64) for s in sources])


def lap_sums(n_cells: int, lap_union: Intervals, period_s: float) -> GapSums:
    """What one whole interior lap adds, from a platform's union of its sensors' lap
    intervals (lap-relative, merged): on the circle of circumference P an interval touching
    both 0 and P is one access across the join; a cell covered the whole lap adds P and no
    access and no gap. Each access j adds the gap before it, s_j - e_(j-1) (cyclic)."""
    out = GapSums.zeros(n_cells)
    if lap_union.size == 0:
        return out
    P = float(period_s)
    cell, start, end = lap_union.cell, lap_union.start_s, lap_union.end_s
    out.covered_s = np.bincount(cell, weights=end - start, minlength=n_cells)
    first = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    last = np.r_[first[1:] - 1, cell.size - 1]
    # Previous end on the circle: the previous interval's end, or the last one's end - P.
    prev_end = np.empty_like(end)
    prev_end[1:] = end[:-1]
    prev_end[first] = end[last] - P
    gaps = start - prev_end
    real = gaps > TOUCH_S                 # a zero gap is a join across the lap boundary
    out.accesses = np.bincount(cell[real], minlength=n_cells).astype(np.float64)
    out.n_gaps = out.accesses.copy()
    out.sum_gap_s = np.bincount(cell[real], weights=gaps[real], minlength=n_cells)
    out.sum_gap_sq = np.bincount(cell[real], weights=gaps[real] ** 2, minlength=n_cells)
    # The longest gap of a lap, the one across its boundary included: a removed copy has it
    # even when no kept copy does (every run of copies of a kind bounded by sunrise/sunset).
    out.max_gap_s[cell[first]] = np.maximum.reduceat(np.where(real, gaps, 0.0), first)
    return out


def figures_from_sums(sums: GapSums, duration_s: float) -> dict[str, np.ndarray]:
    """The per-cell figures of FIGURE_KEYS from the sums over the whole window [0, T],
    never-seen cells marked (apply_never_seen_rule)."""
    T = float(duration_s)
    seen = sums.accesses > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_gap = np.where(sums.n_gaps > 0, sums.sum_gap_s / np.maximum(sums.n_gaps, 1), 0.0)
    return apply_never_seen_rule({
        "ever_covered_frac": seen.astype(np.float64),
        "time_covered_frac": np.clip(sums.covered_s / T, 0.0, 1.0),
        "accesses": sums.accesses,
        "max_revisit_s": sums.max_gap_s,
        "mean_revisit_s": mean_gap,
        "time_average_gap_s": sums.sum_gap_sq / T,
        "mean_response_s": sums.sum_gap_sq / (2.0 * T),
        "mean_age_of_data_s": sums.sum_gap_sq / (2.0 * T),
        "max_simultaneous": sums.max_simultaneous,
        "best_gsd_m": sums.best_gsd_m,
    })


def apply_never_seen_rule(cells: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The one rule for never-seen cells, for every engine: their NEVER_SEEN_NAN_KEYS
    figures become NaN (no access, so no revisit, response or age is defined). In place;
    returns cells. References: STK help, FigureOfMerit "Overall Value" (grid points whose
    value cannot be computed are left out of the statistics)."""
    never = ~(np.asarray(cells["ever_covered_frac"]) > 0)
    for key in NEVER_SEEN_NAN_KEYS:
        if key in cells:
            values = np.array(cells[key], dtype=np.float64)
            values[never] = np.nan
            cells[key] = values
    return cells


def cell_figures(n_cells: int, duration_s: float, sources: list[Intervals],
                 gsd_per_source: list[np.ndarray | None] | None = None,
                 platform_of: list | None = None) -> dict[str, np.ndarray]:
    """Per-cell figures of merit from the sources' full intervals over [0, T].

    n_cells: M; sources: each merged per source and clipped to [0, T]; gsd_per_source: for
    each source, (K_i,) GSD in metres of each interval's closest approach, or None;
    platform_of: the platform of each source (None: one platform per source).
    Returns a dict of (M,) float64 arrays keyed by FIGURE_KEYS.
    """
    return figures_from_sums(gap_sums(n_cells, duration_s, sources, None, gsd_per_source,
                                      platform_of), duration_s)


def best_gsd(n_cells: int, sources: list[Intervals],
             gsd_per_source: list[np.ndarray | None] | None) -> np.ndarray:
    """Finest GSD per cell over all imaging sources; NaN where none."""
    out = np.full(n_cells, np.inf)
    for src, gsd in zip(sources, gsd_per_source or []):
        if gsd is not None and src.size:
            np.minimum.at(out, src.cell, gsd)
    out[~np.isfinite(out)] = np.nan
    return out


# ----------------------------------------------------------------------------- regions

def region_figures(cells: dict[str, np.ndarray], area_m2: np.ndarray,
                   mask: np.ndarray | None = None) -> dict[str, float | None]:
    """Region values of every key over the cells selected by mask (all when None)."""
    if mask is not None:
        cells = {k: v[mask] for k, v in cells.items()}
        area_m2 = area_m2[mask]
    total = float(area_m2.sum())
    out: dict[str, float | None] = {}
    for key in FIGURE_KEYS:
        values = cells[key]
        ok = np.isfinite(values)        # where the figure is defined (the rule above)
        if key == "max_revisit_s":
            out[key] = float(values[ok].max()) if ok.any() else None
        elif key == "max_simultaneous":
            out[key] = float(values.max()) if values.size else 0.0
        elif key == "best_gsd_m" or key in NEVER_SEEN_NAN_KEYS:
            out[key] = (float(np.average(values[ok], weights=area_m2[ok]))
                        if ok.any() and area_m2[ok].sum() > 0 else None)
        else:
            # a plain sum, not np.dot: BLAS splits a long dot product over its threads, and
            # the figure would then change in its last digits with the thread count
            out[key] = float(np.sum(values * area_m2) / total) if total > 0 else None
    never = ~(cells["ever_covered_frac"] > 0)
    out["never_seen_km2"] = float(area_m2[never].sum()) / 1e6
    return out


def band_table(cells, area_m2, distance_m, edges_m) -> list[dict]:
    """Rows for distance bands [0, e1), [e1, e2), ... by distance from the border (m)."""
    rows = []
    lower = 0.0
    for upper in edges_m:
        mask = (distance_m >= lower) & (distance_m < upper) if upper != edges_m[-1] \
            else (distance_m >= lower) & (distance_m <= upper)
        row = {"from_km": lower / 1000.0, "to_km": upper / 1000.0,
               "area_km2": float(area_m2[mask].sum()) / 1e6}
        row.update(region_figures(cells, area_m2, mask) if mask.any()
                   else dict({k: None for k in FIGURE_KEYS}, never_seen_km2=0.0))
        rows.append(row)
        lower = upper
    return rows


def binned_profile(cells, area_m2, coordinate_m, width_m, keys, center_key=None,
                   start_at_zero=False) -> list[dict]:
    """Area-weighted means of `keys` in bins of `width_m` along a coordinate (m).

    Bins are [k w, (k+1) w). Rows carry from_km/to_km, or the bin centre under center_key.
    """
    if coordinate_m.size == 0:
        return []
    index = np.floor(coordinate_m / width_m).astype(np.int64)
    lo = 0 if start_at_zero else int(index.min())
    hi = int(index.max())
    rows = []
    weights_total = np.bincount(index - lo, weights=area_m2, minlength=hi - lo + 1)
    sums = {k: np.bincount(index - lo, weights=cells[k] * area_m2, minlength=hi - lo + 1)
            for k in keys}
    for b in range(hi - lo + 1):
        if weights_total[b] <= 0:
            continue
        k = b + lo
        row = ({center_key: round((k + 0.5) * width_m / 1000.0, 6)} if center_key
               else {"from_km": k * width_m / 1000.0, "to_km": (k + 1) * width_m / 1000.0})
        for key in keys:
            row[key] = float(sums[key][b] / weights_total[b])
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- timeline

def covered_area_series(union: Intervals, area_m2: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """Fraction of the area covered at each instant times_s (J,), from the merged union.

    A cell counts at t when start <= t < end. Difference array over the sorted times: O(K + J).
    """
    total = float(area_m2.sum())
    if union.size == 0 or total <= 0:
        return np.zeros(times_s.size)
    first = np.searchsorted(times_s, union.start_s, side="left")
    after = np.searchsorted(times_s, union.end_s, side="left")
    w = area_m2[union.cell]
    diff = np.bincount(first, weights=w, minlength=times_s.size + 1) \
        - np.bincount(after, weights=w, minlength=times_s.size + 1)
    return np.cumsum(diff)[: times_s.size] / total


def daily_figures(union: Intervals, area_m2: np.ndarray, day_edges_s: np.ndarray) -> list[dict]:
    """Per window [e_k, e_{k+1}): area fraction ever covered and time-covered fraction.

    day_edges_s: (D+1,) increasing window edges (e.g. UTC midnights clipped to [0, T])."""
    total = float(area_m2.sum())
    rows = []
    n_days = day_edges_s.size - 1
    if n_days <= 0:
        return rows
    # Split each interval at the day edges it spans (few do), then bin by day.
    first_day = np.clip(np.searchsorted(day_edges_s, union.start_s, side="right") - 1, 0, n_days - 1)
    last_day = np.clip(np.searchsorted(day_edges_s, union.end_s, side="left") - 1, 0, n_days - 1)
    spans = last_day - first_day + 1
    rep = np.repeat(np.arange(union.size), spans)
    day = np.repeat(first_day, spans) + (np.arange(rep.size) - np.repeat(np.cumsum(spans) - spans, spans))
    s = np.maximum(union.start_s[rep], day_edges_s[day])
    e = np.minimum(union.end_s[rep], day_edges_s[day + 1])
    keep = e > s
    rep, day, s, e = rep[keep], day[keep], s[keep], e[keep]
    cell = union.cell[rep]
    covered_time = np.bincount(day, weights=(e - s) * area_m2[cell], minlength=n_days)
    ever_key = np.unique(day.astype(np.int64) * (area_m2.size + 1) + cell)
    ever_area = np.bincount(ever_key // (area_m2.size + 1),
                            weights=area_m2[ever_key % (area_m2.size + 1)], minlength=n_days)
    for k in range(n_days):
        length = day_edges_s[k + 1] - day_edges_s[k]
        rows.append({"start_s": float(day_edges_s[k]), "end_s": float(day_edges_s[k + 1]),
                     "ever_covered_frac": float(ever_area[k] / total) if total else 0.0,
                     "time_covered_frac": float(covered_time[k] / (total * length)) if total and length else 0.0})
    return rows


# ------------------------------------------------------------------- state at an instant

@dataclass
class CoverageState:
    """The instant query, answered from scratch: which cells are in view at t, which were
    seen by t, and each cell's age of data at t, from the union of every source's intervals
    (union_intervals) alone, with no state carried from one instant to the next.

    It is the reference the window's incremental layers (sim/view/layers.py, which advance
    with the displayed time) are checked against (tests/test_view.py), and it indexes a
    union by cell for tests that read a cell's accesses; runs and reports do not use it.

    n_cells: M; offsets (M + 1,): the intervals of cell c are rows offsets[c]:offsets[c+1]
    of start_s and end_s (N,) (seconds from the window's start, sorted by cell, then start).
    """
    n_cells: int
    offsets: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray

    @staticmethod
    def from_union(union: Intervals, n_cells: int) -> "CoverageState":
        counts = np.bincount(union.cell, minlength=n_cells)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        return CoverageState(n_cells, offsets, union.start_s, union.end_s)

    def _last_started(self, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Per cell: index of the last interval with start <= t, and whether one exists."""
        # Within each cell the starts are sorted; a global searchsorted on (cell, start) keys.
        # The float key resolves times to ~1e-5 s at 3e5 cells over days: an instant that
        # close to an interval's start may count as just before or after it.
        span = 1.0 + 2.0 * (abs(float(t_s)) + (float(self.end_s.max()) if self.end_s.size else 0.0))
        owner = np.repeat(np.arange(self.n_cells), np.diff(self.offsets))
        keys = owner * span + self.start_s
        q = np.arange(self.n_cells) * span + t_s
        pos = np.searchsorted(keys, q, side="right") - 1
        exists = pos >= self.offsets[:-1]
        return pos, exists

    def covered_at(self, t_s: float) -> np.ndarray:
        """(M,) bool: cells in view at t."""
        pos, exists = self._last_started(t_s)
        safe = np.clip(pos, 0, max(self.end_s.size - 1, 0))
        return exists & (self.end_s[safe] > t_s) if self.end_s.size else exists

    def ever_by(self, t_s: float) -> np.ndarray:
        """(M,) bool: cells seen at least once in [0, t]."""
        return self._last_started(t_s)[1]

    def age_at(self, t_s: float) -> np.ndarray:
        """(M,) seconds since the end of the last access (0 while covered; t before any)."""
        pos, exists = self._last_started(t_s)
        safe = np.clip(pos, 0, max(self.end_s.size - 1, 0))
        if not self.end_s.size:
            return np.full(self.n_cells, float(t_s))
        last_end = np.where(exists, self.end_s[safe], 0.0)
        return np.where(exists, np.maximum(t_s - np.minimum(last_end, t_s), 0.0), float(t_s))
