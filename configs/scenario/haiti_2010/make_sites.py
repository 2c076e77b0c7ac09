"""Write the haiti_2010 scenario's data: locations.csv, routes.csv, populations.csv and the site schedule
sites.csv (this folder; configs/policy/haiti_2010.yaml names it), deterministically (seed below).

    python configs/scenario/haiti_2010/make_sites.py        # rewrites the four files; same seed, same files

Sources and assumptions (every figure below is one of these):
- IOM 2012, "Migration Consequences of Complex Crises" (shared/reference/literature.md): IOM mapped the
  mobility of more than 1.5 million displaced persons in over 1,500 sites, mostly urban. This is the only
  figure the sites are calibrated on: N_SITES > 1,500 and total site capacity above 1.5 million.
- Bengtsson et al., PLoS Medicine 8 (2011) e1001083 (literature.md): about 630,000 people left Port-au-Prince
  in the 19 days after the earthquake (checked against the run, not used to set any figure here).
- ASSUMPTION: town coordinates are approximate (to about 0.01 degree), from general geographic knowledge.
- ASSUMPTION: populations are rounded orders of magnitude after the Haitian statistics institute's (IHSI)
  2009 estimates as commonly cited; they are not in ../shared and are unverified here. The Port-au-Prince
  metropolitan communes sum to about 2.6 million (within the 2.5-3 million the scenario brief states).
- ASSUMPTION: road distances are the great-circle distance times 1.3 (a detour factor), rounded to 1 km;
  besides the main roads (TOWN_ROUTES), the capital's bus and truck lines to each department's main town
  are direct links (BUS_LINES).
- ASSUMPTION (run time): one agent stands for 4 households of 5 persons in the communes the earthquake
  strikes (STRUCK; the run spans 2,180 days and must stay near a minute on 2 cores), and for 100 households
  elsewhere, where nobody leaves home (they only host: hosting places follow the persons, not the agents).
- ASSUMPTION: 30% of households hold passports, which the Dominican border asks for (Malpasse processes
  2,000 persons a day).
- ASSUMPTION: how the sites split between communes (SITES_PER_COMMUNE), their sizes (log-normal, scaled to
  TOTAL_SITE_CAPACITY), their places (within SITE_RADIUS_KM of the commune centre), opening, closing and the
  outcome at closure (the schedule in `site_schedule`) are invented to reproduce the shape of the response:
  spontaneous sites from the day of the earthquake, planned relocation sites from spring 2010, closures from
  2011 to 2015 with return packages, rental subsidies or relocation.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

SEED = 20100112
HERE = Path(__file__).resolve().parent
SITES_TABLE = HERE / "sites.csv"  # the site schedule: the table of the Sites operation in configs/policy/haiti_2010.yaml
DETOUR = 1.3  # ASSUMPTION: road km over great-circle km
TOTAL_SITE_CAPACITY = 1_700_000  # ASSUMPTION: 13% above the observed peak of 1.5 million (IOM 2012)
SITE_RADIUS_KM = 3.0  # ASSUMPTION: sites lie within 3 km of their commune's centre
GROUP = 20  # ASSUMPTION: one agent per 4 households of 5 persons where the earthquake strikes (run time)
HOST_GROUP = 500  # ASSUMPTION: one agent per 100 households where no hazard reaches (they only host)

# name, latitude, longitude, population (ASSUMPTION, see above), department
AFFECTED = [
    ("Port-au-Prince", 18.5392, -72.3350, 900_000, "Ouest"),
    ("Delmas", 18.5447, -72.3028, 360_000, "Ouest"),
    ("Carrefour", 18.5347, -72.4094, 465_000, "Ouest"),
    ("Pétion-Ville", 18.5125, -72.2853, 345_000, "Ouest"),
    ("Cité Soleil", 18.5833, -72.3333, 240_000, "Ouest"),
    ("Tabarre", 18.5780, -72.2700, 120_000, "Ouest"),
    ("Croix-des-Bouquets", 18.5772, -72.2253, 230_000, "Ouest"),
    ("Gressier", 18.5406, -72.5261, 30_000, "Ouest"),
    ("Léogâne", 18.5108, -72.6339, 180_000, "Ouest"),
    ("Grand-Goâve", 18.4300, -72.7700, 125_000, "Ouest"),
    ("Petit-Goâve", 18.4314, -72.8669, 160_000, "Ouest"),
    ("Jacmel", 18.2342, -72.5347, 170_000, "Sud-Est"),
]
# the other departments, each by its main town (department population, ASSUMPTION, see above)
PROVINCES = [
    ("Saint-Marc", 19.1081, -72.6936, 240_000, "Artibonite"),  # the rest of Artibonite is at Gonaïves
    ("Gonaïves", 19.4500, -72.6833, 1_330_000, "Artibonite"),
    ("Mirebalais", 18.8333, -72.1050, 200_000, "Centre"),  # the rest of Centre is at Hinche
    ("Hinche", 19.1500, -72.0167, 480_000, "Centre"),
    ("Cap-Haïtien", 19.7592, -72.2014, 970_000, "Nord"),
    ("Fort-Liberté", 19.6656, -71.8386, 360_000, "Nord-Est"),
    ("Port-de-Paix", 19.9394, -72.8303, 660_000, "Nord-Ouest"),
    ("Miragoâne", 18.4458, -73.0900, 310_000, "Nippes"),
    ("Les Cayes", 18.2000, -73.7500, 700_000, "Sud"),
    ("Jérémie", 18.6500, -74.1167, 430_000, "Grand'Anse"),
]
# communes with an earthquake event in configs/scenario/haiti_2010.yaml: only their people leave home
STRUCK = {"Port-au-Prince", "Carrefour", "Léogâne", "Gressier", "Delmas", "Pétion-Ville", "Grand-Goâve",
          "Petit-Goâve", "Jacmel"}
BORDER = ("Malpasse", 18.4850, -71.8800)  # ASSUMPTION: approximate position of the border post
ABROAD = ("Jimaní", 18.4917, -71.8508)  # the Dominican Republic's border town facing Malpasse
BORDER_THROUGHPUT = 2_000  # ASSUMPTION: persons processed a day at Malpasse
DOCUMENTS_SHARE = 0.3  # ASSUMPTION: share of Haitian households with passports (needed to cross)

TOWN_ROUTES = [
    ("Port-au-Prince", "Delmas"), ("Port-au-Prince", "Carrefour"), ("Port-au-Prince", "Pétion-Ville"),
    ("Port-au-Prince", "Cité Soleil"), ("Delmas", "Pétion-Ville"), ("Delmas", "Tabarre"),
    ("Delmas", "Cité Soleil"), ("Tabarre", "Croix-des-Bouquets"), ("Tabarre", "Cité Soleil"),
    ("Carrefour", "Gressier"), ("Gressier", "Léogâne"), ("Léogâne", "Grand-Goâve"),
    ("Grand-Goâve", "Petit-Goâve"), ("Petit-Goâve", "Miragoâne"), ("Miragoâne", "Les Cayes"),
    ("Les Cayes", "Jérémie"), ("Léogâne", "Jacmel"),
    ("Cité Soleil", "Saint-Marc"), ("Saint-Marc", "Gonaïves"), ("Gonaïves", "Cap-Haïtien"),
    ("Gonaïves", "Port-de-Paix"), ("Cap-Haïtien", "Fort-Liberté"), ("Croix-des-Bouquets", "Mirebalais"),
    ("Mirebalais", "Hinche"), ("Hinche", "Cap-Haïtien"), ("Saint-Marc", "Mirebalais"),
    ("Croix-des-Bouquets", "Malpasse"),
]
# ASSUMPTION: the bus and truck lines (tap-taps) that leave the capital's stations for each department's main
# town, as direct links (road km = great-circle x DETOUR)
BUS_LINES = [("Port-au-Prince", t) for t in ("Saint-Marc", "Gonaïves", "Cap-Haïtien", "Port-de-Paix", "Hinche",
                                             "Miragoâne", "Les Cayes", "Jérémie", "Jacmel")]

# ASSUMPTION: sites per commune (sum 1,555: "over 1,500 sites", IOM 2012), weighted to where the damage was
SITES_PER_COMMUNE = {
    "Port-au-Prince": 330, "Delmas": 230, "Carrefour": 210, "Pétion-Ville": 120, "Cité Soleil": 70,
    "Tabarre": 80, "Croix-des-Bouquets": 140, "Gressier": 50, "Léogâne": 150, "Grand-Goâve": 40,
    "Petit-Goâve": 65, "Jacmel": 70,
}
CODES = {
    "Port-au-Prince": "PAP", "Delmas": "DEL", "Carrefour": "CAR", "Pétion-Ville": "PV", "Cité Soleil": "CS",
    "Tabarre": "TAB", "Croix-des-Bouquets": "CDB", "Gressier": "GRE", "Léogâne": "LEO", "Grand-Goâve": "GGO",
    "Petit-Goâve": "PGO", "Jacmel": "JAC",
}
# ASSUMPTION: planned relocation sites opened in spring 2010 on open land north of the capital, each for the
# residents of sites closed for flood and landslide risk before the rainy season
PLANNED = [
    ("Planned site Corail", 18.6420, -72.2930, "Croix-des-Bouquets", 30_000, "2010-04-10"),
    ("Planned site Tabarre Issa", 18.5900, -72.2600, "Tabarre", 10_000, "2010-04-20"),
]


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (la1, lo1), (la2, lo2) = (map(math.radians, a), map(math.radians, b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def road_km(a, b) -> int:
    return max(1, round(km(a, b) * DETOUR))


def make_sites(rng: np.random.Generator):
    """Sites of each commune: name, lat, lon, commune, capacity, parent (the cluster's main site, or None).

    Sites in a commune form clusters: the largest sites link to the commune centre, the others to the nearest
    of those. ASSUMPTION (a modelling device, not data): the two-level layout keeps every site of a commune
    within two hops of its centre while keeping the number of candidate paths small enough for a six-year run.
    """
    sizes = rng.lognormal(mean=0.0, sigma=1.0, size=sum(SITES_PER_COMMUNE.values()))
    planned = sum(p[4] for p in PLANNED)
    sizes = sizes / sizes.sum() * (TOTAL_SITE_CAPACITY - planned)
    sites, k = [], 0
    for commune, lat, lon, _, _ in AFFECTED:
        n = SITES_PER_COMMUNE[commune]
        caps = np.maximum(np.round(sizes[k:k + n] / 10) * 10, 20).astype(int)
        k += n
        r = SITE_RADIUS_KM * np.sqrt(rng.uniform(0.05, 1.0, n))
        a = rng.uniform(0, 2 * math.pi, n)
        lats = lat + r * np.sin(a) / 111.0
        lons = lon + r * np.cos(a) / (111.0 * math.cos(math.radians(lat)))
        order = np.argsort(-caps, kind="stable")
        heads = order[: max(1, round(n ** 0.65))]
        for j in range(n):
            parent = None
            if j not in heads:
                parent = min(heads, key=lambda h: km((lats[j], lons[j]), (lats[h], lons[h])))
            sites.append([f"Site {CODES[commune]}-{j + 1:04d}", round(float(lats[j]), 5), round(float(lons[j]), 5),
                          commune, int(caps[j]), parent, j])
    # parents by name
    by_commune: dict[str, list] = {}
    for s in sites:
        by_commune.setdefault(s[3], []).append(s)
    for commune, rows in by_commune.items():
        for s in rows:
            s[5] = None if s[5] is None else rows[s[5]][0]
    return sites


def site_schedule(rng: np.random.Generator, sites) -> list[dict]:
    """ASSUMPTION: the CCCM schedule (see configs/policy/haiti_2010.yaml for the story it tells).

    - every spontaneous site opens on 2010-01-12 (people settled on open ground from the first night);
    - sites in flood or landslide risk (5%) close on 2010-05-15, before the rainy season, and relocate their
      residents to a planned site;
    - the others close from 2011-03-01 on, most in 2011-2013 (the time after 2011-03-01 drawn from a gamma
      distribution with shape 2 and a mean of 2 years); their residents receive a rental subsidy (40% of the
      sites closed from 2011-09-01, when rental support cash grants start) or a return package (the rest);
    - the sites whose drawn closing date falls after 2015-12-31 (75 of them) are still open at the end.
    """
    start = np.datetime64("2011-03-01")
    end = np.datetime64("2015-12-31")
    entries = []
    for name, lat, lon, commune, cap, parent, _ in sites:
        e = {"location": name, "capacity": cap}
        u = rng.uniform()
        if u < 0.05 and commune in ("Port-au-Prince", "Delmas", "Cité Soleil", "Tabarre", "Croix-des-Bouquets",
                                    "Pétion-Ville"):
            e.update(close="2010-05-15", on_close="relocate",
                     relocate_to=PLANNED[0][0] if rng.uniform() < 0.7 else PLANNED[1][0])
        else:
            close = start + np.timedelta64(int(rng.gamma(2.0, 365.0)), "D")
            if close < end:
                outcome = "rental_subsidy" if close >= np.datetime64("2011-09-01") and rng.uniform() < 0.4 else "return"
                e.update(close=str(close), on_close=outcome)
        entries.append(e)
    for name, lat, lon, commune, cap, opened in PLANNED:
        entries.append({"location": name, "capacity": cap, "open": opened, "close": "2014-06-30",
                        "on_close": "rental_subsidy"})
    return entries


def main() -> None:
    rng = np.random.default_rng(SEED)
    sites = make_sites(rng)
    schedule = site_schedule(rng, sites)
    coords = {n: (la, lo) for n, la, lo, *_ in AFFECTED + PROVINCES}
    coords[BORDER[0]] = BORDER[1:]
    coords[ABROAD[0]] = ABROAD[1:]
    for s in sites:
        coords[s[0]] = (s[1], s[2])
    for p in PLANNED:
        coords[p[0]] = (p[1], p[2])

    with open(HERE / "locations.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "kind", "country", "latitude", "longitude", "population", "capacity", "throughput"])
        for n, la, lo, pop, _ in AFFECTED + PROVINCES:
            w.writerow([n, "town", "Haiti", la, lo, pop, "", ""])
        w.writerow([BORDER[0], "border", "Haiti", BORDER[1], BORDER[2], 0, "", BORDER_THROUGHPUT])
        w.writerow([ABROAD[0], "abroad", "Dominican Republic", ABROAD[1], ABROAD[2], 0, "", ""])
        for name, la, lo, commune, cap, parent, _ in sites:
            w.writerow([name, "site", "Haiti", la, lo, 0, cap, ""])
        for name, la, lo, commune, cap, opened in PLANNED:
            w.writerow([name, "site", "Haiti", la, lo, 0, cap, ""])

    with open(HERE / "routes.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["from", "to", "distance_km", "mode", "crosses_border"])
        for a, b in TOWN_ROUTES + BUS_LINES:
            w.writerow([a, b, road_km(coords[a], coords[b]), "road", ""])
        w.writerow([BORDER[0], ABROAD[0], road_km(coords[BORDER[0]], coords[ABROAD[0]]), "road", "true"])
        for name, la, lo, commune, cap, parent, _ in sites:
            to = commune if parent is None else parent
            w.writerow([name, to, road_km(coords[name], coords[to]), "road", ""])
        for name, la, lo, commune, cap, opened in PLANNED:
            w.writerow([name, commune, road_km(coords[name], coords[commune]), "road", ""])

    with open(HERE / "populations.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["location", "agent_type", "nationality", "persons", "group_size", "documents_share",
                    "unaccompanied_child_share", "trafficking_victim_share", "no_language_access_share"])
        for n, la, lo, pop, _ in AFFECTED:
            group = GROUP if n in STRUCK else HOST_GROUP
            w.writerow([n, "host_household", "", pop, group, DOCUMENTS_SHARE, 0, 0, 0])
        for n, la, lo, pop, _ in PROVINCES:
            w.writerow([n, "host_household", "", pop, HOST_GROUP, DOCUMENTS_SHARE, 0, 0, 0])

    write_sites_table(schedule)


def write_sites_table(schedule: list[dict]) -> None:
    """The CCCM schedule as the Sites operation's table (configs/policy/haiti_2010.yaml names it)."""
    columns = ["location", "capacity", "open", "close", "on_close", "relocate_to"]
    with open(SITES_TABLE, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for e in schedule:
            w.writerow([e.get(c, "") for c in columns])


if __name__ == "__main__":
    main()
