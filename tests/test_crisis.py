"""model/crisis.py: hazard curves of sudden and slow events, damage and rebuilding, the phase of each day."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from crisisflow.model.codes import Phase
from crisisflow.model.crisis import HazardEvent, Timeline, damage_from_hazard, event_hazard, phases

PRE, EMG, REC = int(Phase.PRE_CRISIS), int(Phase.EMERGENCY), int(Phase.RECOVERY)


def sudden(locations, start, intensity, half_life=0.0, duration=0):
    return HazardEvent("sudden", tuple(locations), start, intensity, half_life, duration, 0, 0)


def slow(locations, start, intensity, rise, duration, travel):
    return HazardEvent("slow", tuple(locations), start, intensity, 0.0, duration, rise, travel)


# ---------------------------------------------------------------- sudden onset


def test_sudden_step_without_decay():
    h = event_hazard([sudden([1], start=3, intensity=0.7)], days=6, n_locations=2)
    assert h.dtype == np.float32 and h.shape == (6, 2)
    assert h[:, 1] == pytest.approx([0, 0, 0, 0.7, 0.7, 0.7])
    assert (h[:, 0] == 0).all()


def test_sudden_half_life_decay():
    h = event_hazard([sudden([0], start=2, intensity=0.8, half_life=3)], days=10, n_locations=1)[:, 0]
    assert h[:2].tolist() == [0, 0]
    assert h[2] == pytest.approx(0.8)
    assert h[3] == pytest.approx(0.8 * 2 ** (-1 / 3), rel=1e-6)  # 0.63496
    assert h[5] == pytest.approx(0.4)  # one half-life
    assert h[8] == pytest.approx(0.2)  # two half-lives


def test_sudden_duration_cut_off():
    h = event_hazard([sudden([0], start=2, intensity=1.0, half_life=2, duration=4)], days=8, n_locations=1)[:, 0]
    # on for days 2, 3, 4, 5 (4 days), decaying; off from day 6
    assert h == pytest.approx([0, 0, 1.0, 2 ** -0.5, 0.5, 2 ** -1.5, 0, 0], rel=1e-6)


def test_sudden_same_curve_on_each_listed_location():
    h = event_hazard([sudden([0, 2], start=1, intensity=0.5)], days=3, n_locations=3)
    assert h.tolist() == [[0, 0, 0], [0.5, 0, 0.5], [0.5, 0, 0.5]]


# ---------------------------------------------------------------- slow onset


def test_slow_rise_plateau_fall_in_first_place():
    ev = slow([0, 2], start=1, intensity=0.6, rise=4, duration=2, travel=3)
    h = event_hazard([ev], days=16, n_locations=3)
    # onset day 1: rises 0.25 a day to the peak on day 5, stays there to day 7, falls to 0 on day 11
    expected = 0.6 * np.array([0, 0, .25, .5, .75, 1, 1, 1, .75, .5, .25, 0, 0, 0, 0, 0])
    assert h[:, 0] == pytest.approx(expected, abs=1e-6)


def test_slow_travels_to_next_place_after_travel_days():
    ev = slow([0, 2], start=1, intensity=0.6, rise=4, duration=2, travel=3)
    h = event_hazard([ev], days=16, n_locations=3)
    # second place: onset day 1 + 3 = 4, peak days 8..10, back to 0 on day 14
    expected = 0.6 * np.array([0, 0, 0, 0, 0, .25, .5, .75, 1, 1, 1, .75, .5, .25, 0, 0])
    assert h[:, 2] == pytest.approx(expected, abs=1e-6)
    assert (h[:, 1] == 0).all()  # not on the list


def test_slow_third_place_onset():
    ev = slow([2, 1, 0], start=0, intensity=1.0, rise=2, duration=0, travel=5)
    h = event_hazard([ev], days=16, n_locations=3)
    # onsets: loc 2 day 0, loc 1 day 5, loc 0 day 10; each 0, .5, 1, .5, 0 from its onset
    assert h[0:5, 2].tolist() == [0, .5, 1, .5, 0]
    assert h[5:10, 1].tolist() == [0, .5, 1, .5, 0]
    assert h[10:15, 0].tolist() == [0, .5, 1, .5, 0]
    assert h[:10, 0].max() == 0


# ---------------------------------------------------------------- overlap


def test_overlapping_events_take_the_max_not_the_sum():
    events = [sudden([0], start=0, intensity=0.3), sudden([0], start=3, intensity=0.7, duration=2)]
    h = event_hazard(events, days=7, n_locations=1)[:, 0]
    assert h == pytest.approx([0.3, 0.3, 0.3, 0.7, 0.7, 0.3, 0.3])


def test_overlap_of_slow_and_sudden():
    events = [slow([0], start=0, intensity=1.0, rise=4, duration=0, travel=0), sudden([0], start=1, intensity=0.6)]
    h = event_hazard(events, days=9, n_locations=1)[:, 0]
    # slow: 0 .25 .5 .75 1 .75 .5 .25 0; sudden 0.6 from day 1
    assert h == pytest.approx([0, .6, .6, .75, 1, .75, .6, .6, .6])


def test_no_events_no_hazard():
    assert not event_hazard([], days=4, n_locations=3).any()


# ---------------------------------------------------------------- damage


def test_damage_follows_hazard_up_and_rebuilds_half_a_day():
    hazard = np.array([[1.0, 0.2], [0.0, 0.5], [0.0, 0.0], [0.3, 0.0]], dtype=np.float32)
    d = damage_from_hazard(hazard, rebuild_per_day=0.5)
    assert d[:, 0] == pytest.approx([1.0, 0.5, 0.25, 0.3])  # 0.125 < 0.3: the new hazard
    assert d[:, 1] == pytest.approx([0.2, 0.5, 0.25, 0.125])


def test_damage_rebuild_rate_ten_percent():
    hazard = np.zeros((4, 1), dtype=np.float32)
    hazard[0] = 0.8
    d = damage_from_hazard(hazard, rebuild_per_day=0.1)[:, 0]
    assert d == pytest.approx([0.8, 0.72, 0.648, 0.5832], rel=1e-5)


def test_no_rebuilding_keeps_the_worst_damage():
    hazard = np.array([[0.2], [0.9], [0.1], [0.0]], dtype=np.float32)
    assert damage_from_hazard(hazard, 0.0)[:, 0] == pytest.approx([0.2, 0.9, 0.9, 0.9])


# ---------------------------------------------------------------- phases


START = dt.date(2024, 1, 1)


def two_place_hazard(peaks_a, peaks_b):
    return np.array([peaks_a, peaks_b], dtype=np.float32).T


def test_phases_from_thresholds_use_the_highest_hazard_anywhere():
    # highest hazard per day: 0, .125, .25, .5, .375, 0, .5, 0
    h = two_place_hazard([0, .125, 0, .5, 0, 0, 0, 0], [0, 0, .25, 0, .375, 0, .5, 0])
    ph = phases(h, START, None, None, emergency_threshold=0.25, recovery_threshold=0.0625)
    # emergency from day 2 (.25 reaches the threshold), recovery from day 5 (first later day below .0625)
    assert ph.dtype == np.int8
    assert ph.tolist() == [PRE, PRE, EMG, EMG, EMG, REC, REC, REC]


def test_phase_never_goes_back_from_recovery_to_emergency():
    h = two_place_hazard([.5, 0, .9, .9, 0], [0, 0, 0, 0, 0])
    ph = phases(h, START, None, None, emergency_threshold=0.25, recovery_threshold=0.0625)
    assert ph.tolist() == [EMG, REC, REC, REC, REC]  # hazard returns on day 2, phase stays recovery


def test_no_emergency_when_threshold_never_reached():
    h = two_place_hazard([.1, .2, .1], [0, 0, 0])
    assert phases(h, START, None, None, 0.25, 0.0625).tolist() == [PRE, PRE, PRE]


def test_emergency_without_recovery_to_the_end():
    h = two_place_hazard([0, .5, .5, .1], [0, 0, 0, 0])
    assert phases(h, START, None, None, 0.25, 0.0625).tolist() == [PRE, EMG, EMG, EMG]


def test_phases_from_dates_ignore_hazard():
    h = np.zeros((8, 2), dtype=np.float32)
    ph = phases(h, START, dt.date(2024, 1, 3), dt.date(2024, 1, 6), 0.25, 0.0625)
    assert ph.tolist() == [PRE, PRE, EMG, EMG, EMG, REC, REC, REC]  # day 2 and day 5


def test_emergency_date_before_start_means_emergency_from_day_0():
    h = np.zeros((4, 1), dtype=np.float32)
    ph = phases(h, START, dt.date(2023, 12, 20), dt.date(2024, 1, 4), 0.25, 0.0625)
    assert ph.tolist() == [EMG, EMG, EMG, REC]


def test_emergency_date_with_recovery_by_threshold():
    h = np.array([[.5], [.5], [.5], [.5], [0], [0]], dtype=np.float32)
    ph = phases(h, START, dt.date(2024, 1, 3), None, 0.25, 0.0625)
    # emergency from day 2 by date; recovery on the first later day the hazard is below .0625: day 4
    assert ph.tolist() == [PRE, PRE, EMG, EMG, REC, REC]


def test_phase_dates_across_a_month_end():
    h = np.zeros((40, 1), dtype=np.float32)
    ph = phases(h, dt.date(2024, 1, 20), dt.date(2024, 2, 1), dt.date(2024, 2, 25), 0.25, 0.0625)
    assert np.nonzero(ph == EMG)[0][0] == 12
    assert np.nonzero(ph == REC)[0][0] == 36


def test_timeline_days_and_dates():
    h = np.zeros((3, 2), dtype=np.float32)
    tl = Timeline(start_date=dt.date(2024, 2, 28), hazard=h, damage=h, phase=np.zeros(3, dtype=np.int8))
    assert tl.days == 3
    assert tl.dates().astype(str).tolist() == ["2024-02-28", "2024-02-29", "2024-03-01"]


def test_slow_without_rise_is_at_peak_on_its_onset_day():
    ev = slow([0], start=1, intensity=1.0, rise=0, duration=2, travel=0)
    h = event_hazard([ev], days=5, n_locations=1)[:, 0]
    assert h.tolist() == [0, 1, 1, 1, 0]
