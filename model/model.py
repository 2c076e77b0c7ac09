"""CrisisModel: the Mesa model that wires scenario, rules, policies and kernels, and runs one day in a fixed order.

One day, always in this order:
  1. crisis: the day's hazard, damage and phase; routes closed today;
  2. policies that act before people decide (borders, sites opening, aid, warnings);
  3. displacement from data: newly displaced persons enter from the observed daily total
     (residents who leave under push factors do so in step 4, by the model's own rule);
  4. decide and move: one Numba pass over every agent (stay or leave, choose, travel, arrive);
  5. admission under capacity: sites, border processing, evacuation seats; queues, stranding;
  6. hosting: displaced people who settled in towns move in with host households with room;
  7. recovery: displaced people return home (recovery phase only);
  8. policies that act after admission; then record the day's indicators.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import math
from collections.abc import Iterator

import numba
import numpy as np

from . import kernels, rng
from .admission import Queue, admit, eligible_rows, gated_locations, queue_slots
from .codes import AgentType, LocationKind, Phase, Status
from .hosting import host_places, hostable, place_with_hosts
from .mesa_core import Agent, AgentSet, Model
from .errors import InputError
from .population import MOST_DAYS, Population, displaced_before_pass
from .recorder import Recorder
from .rules import LocationState, build_rules
from .scenario import Scenario
from .spawning import spawn_places


#: populations smaller than this run their kernels on one thread, all but the movement pass (results are the same
#: on any thread count). Whole runs side by side in one process on a 2-core machine (2026-11-29, medians of 3-15):
#: one thread is faster on demo (23,000 rows: 0.22 s against 0.26 s on two) and mali2012 (90,000: 0.42-0.43 s
#: against 0.44 s), two on haiti_2010 (150,000: 7.6 s against 9.4 s), libya_2011 (336,000: 1.92 s against 2.14 s)
#: and pakistan_floods_2010 (643,000: 1.30 s against 1.63 s). The movement pass alone on two threads, the rest on
#: one, taking turns with both (2026-11-30, medians of seven): mali2012 0.488 s a run against 0.433 with every kernel
#: on two and 0.383 with only the pass, demo 0.231 / 0.281 / 0.209 s: the pass's journeys (3,000-7,000 a day on
#: mali2012) gain from a second thread where the small kernels around it lose its wake
SERIAL_BELOW_ROWS = 100_000

#: hosting runs beside admission, on the helper thread, only where each of the two has at least this many rows
#: to go through (queued rows, self-settled rows at hostable places): handing a stage to the other thread and
#: waiting for it cost about 0.18 ms a day here, more than either stage on a short list (haiti_2010, 2,096 of its
#: 2,180 days under 1,000 rows: admission 58 us and hosting 51 us a day, medians). Admission and hosting a run,
#: 0 -> 4,000 rows, taking turns in one process (2026-11-30, medians of 3-9): haiti_2010 0.92 -> 0.53 s,
#: pakistan_floods_2010 0.36 -> 0.32, thailand_floods_2011 0.59 -> 0.54; libya_2011 0.348 and 0.349, the
#: persons scenario 0.776 and 0.769 (2,000 to 16,000 rows: alike within the noise)
BESIDE_FROM_ROWS = 4_000


@contextlib.contextmanager
def _numba_threads(threads: int) -> Iterator[None]:
    """Numba's kernels run on `threads` threads within the block, on the caller's setting again after it."""
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        yield
    finally:
        numba.set_num_threads(before)


@functools.cache
def _helper_thread() -> concurrent.futures.ThreadPoolExecutor:
    """One thread beside the model's, for a stage that runs beside another (`CrisisModel._admit_and_host`)."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="crisisflow-beside")


class CrisisModel(Model):
    """A crisis on a location network; agents live in `self.population` arrays, Mesa agents are views of rows."""

    def __init__(self, scenario: Scenario, rules_cfg, seed: int = 0, policies=(), record_flows: bool = True):
        super().__init__(seed=seed)
        self.scenario = scenario
        self.network = net = scenario.network
        self.seed_value = int(seed)
        self.days = scenario.timeline.days
        if self.days > MOST_DAYS:
            raise InputError(f"scenario {scenario.name}", f"the run is {self.days:,} days long; expected at most "
                             f"{MOST_DAYS:,} (the day a row's displacement began is kept in 16 bits)", key="sim.days")
        self.day = 0
        #: the last day whose movement pass ran: days displaced are counted through it
        #: (`model.population.days_displaced`)
        self.last_pass_day = -1
        self.phase = int(scenario.timeline.phase[0])
        self.rules_cfg = rules_cfg
        self.rules = build_rules(rules_cfg, scenario)
        self.paths = self.rules.paths
        st = self.rules.static
        self._path_weight = kernels.path_weights(st.dist_power, st.border_penalty, st.path_cost, st.path_crosses)
        n_paths = len(self.paths.end)
        self._choice = (np.zeros((len(AgentType), 2, n_paths)), np.zeros((len(AgentType), 2, net.n_locations)),
                        np.full((len(AgentType), 2, net.n_locations), -1, dtype=np.int64))
        self.observed_new = self.rules.observed_new()
        # what policies act on. Lasting settings (changed on a policy's dates):
        self.site_capacity = net.capacity.copy()
        self.throughput = net.throughput.copy()
        self.hosting_spare_share = np.full(net.n_locations, scenario.hosting_spare_share)
        # and the day's settings, reset every morning before the policies act (see `_reset_daily_levers`)
        self._reset_daily_levers()
        self.population = Population(capacity=self._expected_rows())
        self.recorder = Recorder(self.days, net.n_locations, net.n_edges, len(net.countries),
                                 len(scenario.nationalities), record_flows)
        self._spawn_carry = 0.0
        self._faces: dict[int, Agent] = {}
        self._row_lists = np.empty((kernels.N_LISTS, 0), dtype=np.int64)  # the movement pass's lists (kernels.QUEUED)
        self._months_term = kernels.months_displaced_term(self.days + 2)  # nobody is displaced longer than the run
        # the day's counts, as `kernels.tally` writes them (one row per thread, summed when read), kept up to date by
        # the stages that change rows; counted again over every row where other code may have changed rows
        self._counts = kernels.zero_counts(net.n_locations, kernels.N_PARTIALS)
        self._seen = (0, 0)  # the population's views out and edits at the last full count
        self.full_counts = 0  # days counted over every row (the first count included)
        self._populate()
        self.policies = list(policies)
        # operations that write rows between the day's returns and its counts (see `Policy.writes_rows`)
        self._rows_written_after_admission = any(policy.stage == "after_admission" and policy.writes_rows
                                             for policy in self.policies)
        #: callables (queued rows, their locations) -> rows that may be admitted today; policies add them
        self.admission_filters: list = []
        for policy in self.policies:
            policy.setup(self)
        self._count_every_row()
        self._read_counts()

    # ---- set-up -------------------------------------------------------------------------------------------
    def _expected_rows(self) -> int:
        table = self.scenario.populations
        rows = 0
        if table is not None:
            rows += sum(math.ceil(p / max(g, 1)) for p, g in zip(table.persons, table.group_size))
        if self.observed_new is not None:
            rows += int(self.observed_new.sum() / max(self.scenario.persons_per_agent, 1))
        return rows + 16

    def _populate(self) -> None:
        """Create the day-0 agents: the population table (one row becomes ceil(persons / group_size) agents),
        and the persons the rules place in sites on day 0 (Flee's insert_day0)."""
        self._populate_day0_sites()
        table = self.scenario.populations
        if table is None:
            return
        index = self.network.index()
        nat_index = {n: i for i, n in enumerate(self.scenario.nationalities)}
        persons = np.asarray(table.persons, dtype=np.int64)
        group = np.maximum(np.asarray(table.group_size, dtype=np.int64), 1)
        n_agents = -(-persons // group)
        total = int(n_agents.sum())
        if total == 0:
            return
        which = np.repeat(np.arange(len(persons)), n_agents)
        first = np.r_[0, np.cumsum(n_agents)[:-1]]
        rank = np.arange(total) - np.repeat(first, n_agents)
        size = np.where(rank == n_agents[which] - 1, persons[which] - group[which] * (n_agents[which] - 1), group[which])
        loc = np.array([index[n] for n in table.location], dtype=np.int32)[which]
        atype = np.asarray(table.agent_type, dtype=np.int8)[which]
        nat = np.array([nat_index.get(n, -1) if t == AgentType.MIGRANT else -1
                        for n, t in zip(table.nationality, table.agent_type)], dtype=np.int16)[which]
        ids = np.arange(self.population.n, self.population.n + total)

        def draw(share, k):
            return rng.uniform_array(self.seed_value, ids, k, rng.INIT) < np.asarray(share, dtype=np.float64)[which]

        idp = atype == AgentType.IDP
        in_site = idp & (self.network.kind[loc] == LocationKind.SITE)
        status = np.where(idp, np.where(in_site, Status.IN_SITE, Status.SELF_SETTLED), Status.AT_HOME)
        self.population.add(
            total, agent_type=atype, size=size.astype(np.int32), location=loc, status=status.astype(np.int8),
            origin=np.where(idp, loc, -1), nationality=nat,
            has_documents=draw(table.documents_share, 0), unaccompanied_child=draw(table.unaccompanied_child_share, 1),
            trafficking_victim=draw(table.trafficking_victim_share, 2),
            no_language_access=draw(table.no_language_access_share, 3),
        )
        self.recorder.entered[0] += int(persons.sum())

    def _populate_day0_sites(self) -> None:
        stock = self.rules.day0_stock()
        if stock is None:
            return
        ppa = max(int(self.scenario.persons_per_agent), 1)
        agents = (np.asarray(stock) // ppa).astype(np.int64)
        total = int(agents.sum())
        loc = np.repeat(np.arange(len(agents), dtype=np.int32), agents)
        self.population.add(total, agent_type=AgentType.IDP, size=ppa, location=loc, origin=-1, status=Status.IN_SITE)
        self.recorder.entered[0] += total * ppa

    # ---- the day ------------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one day through the eight stages in the module docstring."""
        if self.day >= self.days:
            raise RuntimeError(f"the run has {self.days} days; it is over")
        threads = numba.get_num_threads()  # the movement pass's, whatever the population's size
        small = self.population.n < SERIAL_BELOW_ROWS  # waking a second thread costs more than it saves here
        with _numba_threads(1 if small else threads), self.population.tracking(False):
            self._day(threads)  # the stages keep the counts; operations are tracked

    def _day(self, pass_threads: int) -> None:
        """One day: crisis, policies, displacement, moves (on `pass_threads` threads), admission, hosting, recovery,
        records."""
        d = self.day
        tl = self.scenario.timeline
        self.phase = int(tl.phase[d])
        self._reset_daily_levers()
        if self.scenario.edge_closed is not None:
            self.edge_open &= ~self.scenario.edge_closed[d]
        self._apply_policies("before_decisions")
        self._spawn_observed(d)
        gated = gated_locations(self.network.kind, self._admission_capacity(), self.throughput)
        hosts = hostable(self.network.kind, self._host_places, self._hosted)
        queue, settled = self._move(d, gated, hosts, pass_threads)
        self._admit_and_host(d, gated, queue, settled)
        returning = self.phase == Phase.RECOVERY
        if returning and self._rows_written_after_admission:  # they act between the returns and the counts
            self._returns(d)
            returning = False
        self._apply_policies("after_admission")
        self._count(returns_on=d if returning else None)
        self._record(d)
        self.day += 1

    def _admit_and_host(self, d: int, gated: np.ndarray, queue: Queue, settled: np.ndarray) -> None:
        """Admission under capacity, and hosting of the self-settled rows the movement pass listed at towns with
        free hosting places. The two change different rows (admission the queued; hosting the listed self-settled
        rows, which admission neither reads nor makes: nobody queues in towns) and neither reads what the other
        writes, so on two threads hosting runs beside admission, on a helper thread, counting into the second
        thread's row of the day's counts, where both lists are long enough to gain (`BESIDE_FROM_ROWS`): the
        results are the same either way. Operations that filter the queue (`admission_filters`) read the rows
        before hosting starts, so they see them as when admission ran first (libya_2011, whose evacuation filters
        the queue: admission and hosting, medians of five runs taking turns, 0.57 -> 0.46 s a run)."""
        self.evacuated_today = np.empty(0, dtype=np.int64)  # rows evacuated today, for after-admission policies
        admitting = bool(gated.any())  # nobody queues where no place admits by capacity
        hosting = None
        if len(settled):
            hosting = functools.partial(place_with_hosts, self.population, settled, self._host_places, self._hosted,
                                        self.seed_value, d)
        # before hosting starts beside: NumPy steps on this thread would wait for the helper's, and filters see the rows
        # as hosting has not yet changed them
        slots = eligible = None
        if admitting:
            slots = queue_slots(self.network, self._in_site, self._admission_capacity(), self.throughput)
            if self.admission_filters:
                eligible = eligible_rows(queue.rows, queue.facts[0], self.admission_filters)
        beside = None
        if (hosting is not None and admitting and numba.get_num_threads() > 1
                and min(len(queue), len(settled)) >= BESIDE_FROM_ROWS):
            beside = _helper_thread().submit(hosting, tuple(part[1:] for part in self._counts))
            hosting = None
        try:
            if admitting:
                result = admit(self.population, self.network, queue.rows, slots, self.seed_value, d,
                               self.scenario.stranded_after_days, eligible, self._counts, queue.facts, queue.segments)
                self.evacuated_today = result.evacuated_rows
                self._record_evacuations(d, result.evacuated_rows)
        finally:
            if beside is not None:
                beside.result()
        if hosting is not None:
            hosting(self._counts)

    def run(self, days: int | None = None, progress=None) -> None:
        """Run to the end (or for `days` days); `progress` is called with the day number after each day."""
        end = self.days if days is None else min(self.days, self.day + days)
        while self.day < end:
            self.step()
            if progress is not None:
                progress(self.day)

    def _reset_daily_levers(self) -> None:
        """The day's aid, warnings, calls and border rules start from none; policies in force set them."""
        net, T = self.network, len(AgentType)
        self.aid = np.zeros(net.n_locations)  # level of aid delivered at each place, 0..1
        self.aid_reach = np.ones((T, net.n_locations))  # share of each type the aid reaches (language, access)
        self.push_bonus = np.zeros(net.n_locations)
        self.pull_bonus = np.zeros((T, net.n_locations))
        self.return_support = np.zeros(net.n_locations)  # added to the return logit at each origin
        self.border_open = np.ones((T, 2, net.n_edges), dtype=np.bool_)
        self.edge_open = np.ones(net.n_edges, dtype=np.bool_)

    def _admission_capacity(self) -> np.ndarray:
        if self.rules.hard_site_capacity:
            return self.site_capacity
        return np.full_like(self.site_capacity, -1)

    def _apply_policies(self, stage: str) -> None:
        for policy in self.policies:
            if policy.stage == stage:
                # what it reads or writes, the counts do not know of, unless it keeps them (`Policy.keeps_counts`)
                with self.population.tracking(not policy.keeps_counts):
                    policy.apply(self)

    @contextlib.contextmanager
    def rows_changing(self, rows: np.ndarray) -> Iterator[None]:
        """For an operation about to change the place, status, type, size, origin or activity of `rows` within the
        block: they leave the day's counts before it and are counted again after it, so that the counts stay
        kept (see `Policy.keeps_counts`)."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        with self.population.tracking(False):
            self._count_rows(rows, -1)
            yield
            self._count_rows(rows, 1)

    def _spawn_observed(self, d: int) -> None:
        """Newly displaced persons enter at the hazard zones, spread by population times hazard."""
        new = self.observed_new
        if new is None:
            return
        persons = new[d] + self._spawn_carry
        ppa = max(int(self.scenario.persons_per_agent), 1)
        n_new = int(persons // ppa)
        weights = np.ascontiguousarray(self.rules.spawn_weights(d), dtype=np.float64)  # as read, not copied
        total = float(weights.sum())
        if n_new == 0 or total <= 0:
            self._spawn_carry = persons
            return
        self._spawn_carry = persons - n_new * ppa
        places = np.empty(n_new, dtype=np.int32)
        spawn_places(np.uint64(self.seed_value), np.uint64(d), self.population.n, weights, total,
                     np.int8(AgentType.IDP), np.int8(Status.SELF_SETTLED), ppa, places, *self._counts)
        self.population.add(n_new, agent_type=AgentType.IDP, size=ppa, location=places, origin=places,
                            status=Status.SELF_SETTLED, displaced_since=displaced_before_pass(d))
        self.recorder.entered[d] += n_new * ppa

    def location_state(self, d: int) -> LocationState:
        tl = self.scenario.timeline
        at_home = self._at_home
        gone = self._displaced_by_origin
        with np.errstate(invalid="ignore", divide="ignore"):
            gone_share = np.where(gone + at_home > 0, gone / np.maximum(gone + at_home, 1), 0.0)
        return LocationState(day=d, phase=self.phase, hazard=tl.hazard[d].astype(np.float64),
                             damage=tl.damage[d].astype(np.float64), aid=self.aid[None, :] * self.aid_reach,
                             push_bonus=self.push_bonus, pull_bonus=self.pull_bonus, border_open=self.border_open,
                             in_site=self._in_site,
                             persons_at=self._persons_at,
                             site_capacity=self.site_capacity,
                             host_free=np.maximum(self._host_places - self._hosted, 0), gone_share=gone_share,
                             edge_open=self.edge_open)

    def _move(self, d: int, gated: np.ndarray, hosts: np.ndarray, threads: int) -> tuple[Queue, np.ndarray]:
        """Decide and move every agent, the pass on `threads` threads; return the rows queued for admission, with
        their places, sizes, types and whether each is stranded today unless admitted, and the self-settled rows at
        hostable places, both in row order, as the kernel listed them on its way (the lists `kernels.QUEUED` ..
        `QUEUED_STRANDS`; where any place is `gated`, admission runs today, and the pass counts the queued rows' day
        of waiting)."""
        pop, net, paths, st = self.population, self.network, self.paths, self.rules.static
        tables = self.rules.daily(self.location_state(d))
        cum, total, last = self._choice
        kernels.choice_tables(self._choosing_types(), tables.pull, paths.start_indptr, paths.end, paths.n_edges,
                              paths.edges, st.path_cost, st.path_crosses, st.dist_power, st.border_penalty,
                              self.edge_open, net.edge_border, tables.border_allowed, cum, total, last,
                              self._path_weight)
        flows = np.zeros((kernels.N_PARTIALS, net.n_edges), dtype=np.int64)
        crossings = np.zeros((kernels.N_PARTIALS, len(net.countries)), dtype=np.int64)
        displaced = np.zeros((kernels.N_PARTIALS, len(AgentType)), dtype=np.int64)
        if self._row_lists.shape[1] < pop.n + kernels.N_CHUNKS:
            self._row_lists = np.empty((kernels.N_LISTS, pop.capacity + kernels.N_CHUNKS), dtype=np.int64)
        counts = np.zeros((kernels.N_CHUNKS, 2), dtype=np.int64)
        with _numba_threads(threads):
            kernels.move_agents(
                self.seed_value, d, pop.active, pop.agent_type, pop.size, pop.status, pop.location, pop.origin,
                pop.displaced_since, pop.wait_days, pop.path, pop.path_pos, pop.link_km_left, pop.cleared,
                pop.has_documents, np.ascontiguousarray(tables.p_depart), tables.p_continue, cum, total, last,
                st.speed, paths.start_indptr, paths.n_edges, paths.edges,
                net.edge_to, net.edge_km, net.edge_mode, net.edge_border, self.edge_open, tables.border_allowed,
                net.kind, gated, net.country, hosts, gated.any(), self.scenario.stranded_after_days, flows, crossings,
                displaced, self._row_lists, counts, *self._counts,
                self._counts_current(), self._type_status)
        self.last_pass_day = d
        rec = self.recorder
        if rec.flows is not None:
            rec.flows[d] = flows.sum(axis=0)
        rec.crossings[d] = crossings.sum(axis=0)
        rec.newly_displaced[d] += displaced.sum(axis=0)  # += : an early evacuation may have counted some
        settled = kernels.listed_rows(self._row_lists, counts, kernels.SETTLED, pop.n)
        if self.admission_filters:  # a filter reads the queue in one piece (`admission.eligible_rows`)
            queued, *facts = (kernels.listed_rows(self._row_lists, counts, k, pop.n) for k in kernels.QUEUE_LISTS)
            return Queue(queued, tuple(facts)), settled
        # elsewhere admission reads the queue's lists where the pass wrote them: copying them out took 0.15 s of a
        # two-thread persons run, on one thread
        queued, *facts = (self._row_lists[k] for k in kernels.QUEUE_LISTS)
        return Queue(queued, tuple(facts), kernels.list_segments(counts, kernels.QUEUED, pop.n)), settled

    def _counts_current(self) -> bool:
        """Whether the day's kept counts hold every row as it stands: nothing outside the stages read or wrote a
        counted field since the last full count (`Population.views_out`, `Population.edited`)."""
        pop = self.population
        return (pop.views_out, len(pop.edited)) == self._seen

    def _choosing_types(self) -> np.ndarray:
        """The agent types that need choice tables today. IDPs always: observed displacement enters as IDPs, and
        host households that leave home choose as the IDPs they become (they have no tables of their own).
        Migrants where any is in the network (half of haiti_2010's choice tables were for the migrants it has none
        of): read from the day's kept counts (`kernels.any_of_type`, 0.05 ms a day against 0.10 for NumPy's sum of
        the threads' rows on the persons scenario's late days) where nothing outside the stages changed rows since the
        last full count, else counted over the rows, active or not (code may have written any row). Counting the rows
        every day took 0.1 ms of mali2012's 1 ms day on one thread, and on two a wake of the second thread (0.07 ms
        however few the rows)."""
        choosing = np.zeros(len(AgentType), dtype=np.bool_)
        choosing[AgentType.IDP] = True
        if self._counts_current():
            choosing[AgentType.MIGRANT] = kernels.any_of_type(self._counts[0], int(AgentType.MIGRANT))
        else:
            choosing[AgentType.MIGRANT] = kernels.count_of_type(self.population.agent_type,
                                                                np.int8(AgentType.MIGRANT)) > 0
        return choosing

    @functools.cached_property
    def _return_weights(self) -> tuple[float, float, float, float]:
        """The return logit's weights (base, safety, rebuilt, time) as plain floats, read once: a config lookup
        costs microseconds, and recovery reads them daily (Flee's rules have none, and no recovery phase)."""
        names = ("return_base", "return_safety", "return_rebuilt", "return_time")
        return tuple(float(self.rules_cfg[k]) for k in names)

    def _return_logit(self, d: int) -> np.ndarray:
        """The return logit at each origin today: safety, rebuilt housing and support (see `kernels.return_home`)."""
        base, safety, rebuilt, _ = self._return_weights
        tl = self.scenario.timeline
        logit = base + safety * (1.0 - tl.hazard[d]) + rebuilt * (1.0 - tl.damage[d]) + self.return_support
        return logit.astype(np.float64)

    def _returns(self, d: int) -> None:
        returned = np.zeros(kernels.N_PARTIALS, dtype=np.int64)
        pop = self.population
        kernels.return_home(self.seed_value, d, pop.active, pop.agent_type, pop.status, pop.location, pop.origin,
                            pop.displaced_since, pop.size, self._return_logit(d), self._return_weights[3],
                            self._months_term, returned, *self._counts)
        self.recorder.returned[d] = returned.sum()

    def _record_evacuations(self, d: int, rows: np.ndarray) -> None:
        if len(rows):
            nat = self.population.nationality[rows].astype(np.int64) + 1
            # += : pick-up missions may have added evacuees to the same day already
            self.recorder.evacuated[d] += np.bincount(nat, weights=self.population.size[rows],
                                                      minlength=self.recorder.evacuated.shape[1]).astype(np.int64)

    def _count_rows(self, rows: np.ndarray, sign: int) -> None:
        """Take the rows out of the day's counts (sign -1) before a stage changes them, or count them back in (1)."""
        kernels.count_population_rows(self.population, rows, sign, self._counts)

    def _count(self, returns_on: int | None = None) -> None:
        """The day's counts, after the returns of day `returns_on` if given. The stages and the operations that keep
        them (`Policy.keeps_counts`) kept them up to date; where other code may have changed rows since the last
        full count (an operation that does not keep them and read or wrote a counted field, a Mesa agent written,
        rows read or written between days: `Population.views_out`), every row is counted again, the returns
        decided on the same pass (see `kernels.tally`)."""
        if not self._counts_current():
            self._count_every_row(returns_on)
        elif returns_on is not None:
            self._returns(returns_on)
        self._read_counts()

    def _count_every_row(self, returns_on: int | None = None) -> None:
        pop, L = self.population, self.network.n_locations
        for part in self._counts:
            part[:] = 0
        returned = np.zeros(kernels.N_PARTIALS, dtype=np.int64)
        returning = returns_on is not None
        d, logit, time_weight = 0, np.zeros(L), 0.0  # read only when returning
        if returning:
            d, logit, time_weight = returns_on, self._return_logit(returns_on), self._return_weights[3]
        kernels.tally(pop.active, pop.agent_type, pop.status, pop.location, pop.origin, pop.size, *self._counts,
                      returning, self.seed_value, d, pop.displaced_since, logit, time_weight, self._months_term,
                      returned)
        if returning:
            self.recorder.returned[d] = returned.sum()
        self._seen = (pop.views_out, len(pop.edited))
        self.full_counts += 1

    def _read_counts(self) -> None:
        """The model's view of the day's counts, summed over the threads' rows (`kernels.summed_counts`)."""
        (self._loc_status, self._type_status, self._displaced_by_origin, rows, self._host_members, self._at_home,
         self._persons_at) = kernels.summed_counts(*self._counts)
        self._rows_alive, self._rows_in_sites = (int(k) for k in rows)
        self._in_site = self._loc_status[:, Status.IN_SITE]
        self._hosted = self._loc_status[:, Status.HOSTED]
        self._host_places = host_places(self._host_members, self.hosting_spare_share)

    def _record(self, d: int) -> None:
        rec = self.recorder
        rec.loc_status[d] = self._loc_status
        rec.type_status[d] = self._type_status
        rec.host_places[d] = self._host_places
        rec.host_members[d] = self._host_members
        rec.site_capacity[d] = self.site_capacity
        rec.rows_alive[d] = self._rows_alive
        rec.rows_in_sites[d] = self._rows_in_sites
        rec.days_recorded = d + 1

    # ---- the Mesa face --------------------------------------------------------------------------------------
    @property
    def agents(self) -> AgentSet:
        """All agents in the network, as Mesa agents; created on first access, not on the daily path."""
        self._sync_faces()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, AgentSet]:
        self._sync_faces()
        return super().agents_by_type

    def agent_at_row(self, row: int) -> Agent:
        """The Mesa agent of one population row (created if needed)."""
        self._sync_faces()
        return self._faces[int(row)]

    def _sync_faces(self) -> None:
        """Make the Mesa agent set match the active rows: new rows get a face, rows that left lose theirs,
        and a row whose type changed (a host household that fled is now an IDP) gets a face of its new class."""
        from ..agents import agent_class  # agents/ depends on model/, not the other way round

        pop = self.population
        for row in list(self._faces):
            face = self._faces[row]
            if not pop.active[row] or type(face) is not agent_class(int(pop.agent_type[row])):
                face.remove()
                del self._faces[row]
        for row in np.nonzero(pop.active)[0]:
            row = int(row)
            if row not in self._faces:
                self._faces[row] = agent_class(int(pop.agent_type[row]))(self, row)
