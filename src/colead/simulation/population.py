"""The simulated population: organisations, sites, people, hierarchy and nominations.

Everything here is structure, not scores: who works where, at which level, for whom, and
who is asked to rate whom. All draws come from the generator passed in, so the caller
controls determinism.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from colead.domain import Relation

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Nomination priority: when one rater stands in two relations to a ratee, the first wins.
RELATIONS = (
    Relation.self,
    Relation.manager,
    Relation.direct_report,
    Relation.peer,
    Relation.partner,
    Relation.other,
)
SELF, MANAGER, REPORT, PEER, PARTNER, OTHER = range(6)

_EXEC_SHARE, _MIN_GROUP = 0.008, 4
_LEVEL_SHARES = (0.03, 0.09, 0.18)  # levels 2-4 within an organisation at a site; rest is 5
_ORGANISATIONS = (  # client, supplier, partner subcontractor: all fictional
    ("Northbridge Health", "Harbourline Transport", "Meridian Water", "Castlegate Council"),
    ("Apex Facilities", "Keystone Services", "Brightwater Support"),
    ("Ridgeway Engineering", "Lumen Cleaning", "Fernhill Security"),
)
ORGANISATION_ROLES = ("client", "supplier", "partner")
_CITIES = {
    "Europe": "Leeds Rotterdam Lyon Gdansk Porto Aarhus Bristol Graz Turin Ghent",
    "Americas": "Toronto Denver Monterrey Curitiba Halifax Tucson Valparaiso Omaha Calgary Bogota",
    "Asia-Pacific": "Brisbane Singapore Pune Osaka Auckland Penang Perth Busan Cebu Adelaide",
}
_FIRST = (
    "Amara Ben Chen Dana Elif Farid Grace Hugo Ines Jonas Kavya Liam Mei Nadia Omar Priya "
    "Quentin Rosa Sami Tara Umar Vera Wei Xavier Yara Zane Aisha Bruno Carmen Diego Esther "
    "Felix Hana Ivan Julia Kenji Leila Marco Nia Oscar"
)
_LAST = (
    "Okafor Lindqvist Tanaka Moreau Patel Novak Silva Kowalski Nguyen Haddad Brennan Costa "
    "Dubois Fischer Garcia Hughes Ivanova Jensen Kim Larsen Mensah Nakamura Oliveira Petrov "
    "Quinn Rossi Santos Takahashi Usman Varga Walsh Xu Yilmaz Zhang Ahmed Bauer Clarke Das "
    "Evans Ferreira"
)
_TITLES = {  # per organisation role, levels 1..5, alternatives split on "|"
    "client": (
        "Contract Director|Head of Estates",
        "Site Contract Manager",
        "Contract Manager|Estates Manager",
        "Contract Officer|Performance Analyst",
        "Service Coordinator|Contract Administrator",
    ),
    "supplier": (
        "Account Director|Operations Director",
        "Site General Manager",
        "Operations Manager|Service Manager",
        "Supervisor|Team Leader",
        "Technician|Operative|Engineer|Helpdesk Coordinator",
    ),
    "partner": (
        "Managing Director",
        "Regional Manager",
        "Project Manager",
        "Foreman|Supervisor",
        "Specialist Engineer|Installer",
    ),
}


@dataclass(frozen=True)
class Population:
    """People as parallel arrays, in person_id order (row i is person ``P{i+1:05d}``)."""

    org: IntArray  # index into the organisation list (0 client, 1 supplier, 2 partner)
    site: IntArray
    level: IntArray
    manager: IntArray  # row of the manager, -1 for none


def organisation_names(n_orgs: int, rng: np.random.Generator) -> list[str]:
    """One fictional name per organisation role, client first."""
    return [str(rng.choice(names)) for names in _ORGANISATIONS][:n_orgs]


def make_sites(n: int) -> tuple[list[str], list[str]]:
    """Site names round-robin over three regions; a city repeats with a compass suffix."""
    names, regions = [], []
    for i in range(n):
        region = list(_CITIES)[i % 3]
        cities = _CITIES[region].split()
        k, city = divmod(i // 3, len(cities))
        names.append(
            cities[city] + (("", " North", " South", " East", " West")[k] if k < 5 else f" {k}")
        )
        regions.append(region)
    return names, regions


def round_total(x: FloatArray) -> IntArray:
    """Round to integers keeping the (rounded) total: largest remainders get the spare units."""
    floor = np.floor(x).astype(np.int64)
    spare = round(float(x.sum())) - int(floor.sum())
    floor[np.argsort(floor - x, kind="stable")[:spare]] += 1
    return floor


def make_people(
    n_people: int, org_names: list[str], site_names: list[str], rng: np.random.Generator
) -> tuple[Population, pd.DataFrame]:
    """Place people in organisations, sites and levels and give each a manager.

    Every site has supplier and client staff (client about a quarter), the partner
    subcontractor about 60 % of the sites. Within an organisation at a site, levels 2..5
    form a pyramid and each person reports to someone one level up there; level-2 site
    managers report to an executive (level 1) of their organisation, at the same site if
    one sits there. Returns the arrays and the canonical people table.
    """
    n_sites, n_orgs = len(site_names), len(org_names)
    org_roles = ORGANISATION_ROLES[:n_orgs]
    weight = rng.lognormal(0.0, 0.35, n_sites)
    share = np.zeros((n_sites, n_orgs))
    share[:, 0] = rng.uniform(0.18, 0.32, n_sites)  # client staff, about a quarter
    if n_orgs == 3:  # the partner subcontractor works at about half the sites
        present = rng.random(n_sites) < 0.6
        present[np.argmax(weight)] = True
        share[:, 2] = np.where(present, rng.uniform(0.10, 0.20, n_sites), 0.0)
    share[:, 1] = 1.0 - share.sum(axis=1)
    expected = weight[:, None] * share / weight.sum()
    n_exec = np.maximum(1, np.rint(_EXEC_SHARE * n_people * expected.sum(axis=0)))
    counts = round_total(expected.ravel() * (n_people - n_exec.sum())).reshape(share.shape)
    counts = np.where(share > 0, np.maximum(counts, _MIN_GROUP), 0)

    org, site, level, manager = [], [], [], []
    start = 0
    for s in range(n_sites):
        for o in range(n_orgs):
            n = int(counts[s, o])
            if n == 0:
                continue
            sizes = [max(1, round(f * n)) for f in _LEVEL_SHARES]
            sizes.append(n - sum(sizes))
            firsts = start + np.concatenate([[0], np.cumsum(sizes)[:-1]])
            mgr = np.full(n, -1, dtype=np.int64)
            for i in (1, 2, 3):  # each level reports, spans balanced, to the level above
                seg = slice(firsts[i] - start, firsts[i] - start + sizes[i])
                mgr[seg] = firsts[i - 1] + rng.permutation(sizes[i]) % sizes[i - 1]
            org.append(np.full(n, o))
            site.append(np.full(n, s))
            level.append(np.repeat(np.arange(2, 6), sizes))
            manager.append(mgr)
            start += n
    for o in range(n_orgs):  # executives sit at their organisation's largest sites
        k = int(n_exec[o])
        org.append(np.full(k, o))
        site.append(np.argsort(-counts[:, o], kind="stable")[np.arange(k) % n_sites])
        level.append(np.ones(k, dtype=np.int64))
        manager.append(np.full(k, -1, dtype=np.int64))
    org_a, site_a, level_a, mgr_a = (
        np.concatenate(a).astype(np.int64) for a in (org, site, level, manager)
    )
    for p in np.flatnonzero(level_a == 2):  # site managers report to an executive
        execs = np.flatnonzero((level_a == 1) & (org_a == org_a[p]))
        local = execs[site_a[execs] == site_a[p]]
        mgr_a[p] = rng.choice(local if local.size else execs)

    order = np.lexsort((level_a, site_a, org_a))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    org_a, site_a, level_a, mgr_a = org_a[order], site_a[order], level_a[order], mgr_a[order]
    mgr_a = np.where(mgr_a >= 0, rank[np.maximum(mgr_a, 0)], -1)
    pop = Population(org=org_a, site=site_a, level=level_a, manager=mgr_a)

    n = order.size
    ids = np.array([f"P{i + 1:05d}" for i in range(n)], dtype=object)
    first_names, last_names = np.array(_FIRST.split(), object), np.array(_LAST.split(), object)
    first = first_names[rng.integers(0, first_names.size, n)]
    last = last_names[rng.integers(0, last_names.size, n)]
    domain = np.array([o.lower().replace(" ", "") + ".example" for o in org_names], dtype=object)
    local = pd.Series((first + "." + last).astype(str)).str.lower()
    dup = local.groupby([local, org_a]).cumcount().to_numpy()
    suffix = np.where(dup > 0, (dup + 1).astype(str).astype(object), "")
    roles = np.array(org_roles, dtype=object)[org_a]
    manager_ids = ids[np.maximum(mgr_a, 0)]
    manager_ids[mgr_a < 0] = None
    titles = np.empty(n, dtype=object)
    for (role, lv), idx in pd.Series(np.arange(n)).groupby([roles, level_a]).indices.items():
        options = np.array(_TITLES[role][lv - 1].split("|"), dtype=object)
        titles[idx] = options[rng.integers(0, options.size, idx.size)]
    table = pd.DataFrame(
        {
            "person_id": ids,
            "name": first + " " + last,
            "email": local.to_numpy(dtype=object) + suffix + "@" + domain[org_a],
            "organisation": np.array(org_names, dtype=object)[org_a],
            "organisation_role": roles,
            "site": np.array(site_names, dtype=object)[site_a],
            "role_title": titles,
            "level": level_a,
            "manager_id": pd.Series(manager_ids, dtype=object),
        }
    )
    return pop, table


def make_nominations(
    pop: Population, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray]:
    """Who rates whom, as parallel arrays (ratee, rater, relation code into RELATIONS).

    Everyone is a ratee: self; the manager; up to four direct reports; four peers (same
    organisation, site and level, else adjacent levels at the site, else the same level at
    another site); two or three partners (another organisation, same site, nearest level);
    and for about 15 % the manager's manager at the same site (``other``). A pair appears
    once, under its first relation in RELATIONS. Sorted by ratee, relation, rater.
    """
    org, site, level, mgr = pop.org, pop.site, pop.level, pop.manager
    n = org.size
    everyone = np.arange(n)
    has = np.flatnonzero(mgr >= 0)
    parts: list[tuple[IntArray, IntArray, int]] = [
        (everyone, everyone, SELF),
        (has, mgr[has], MANAGER),
    ]
    # Up to four direct reports per manager, chosen at random.
    subs = has[np.lexsort((rng.random(has.size), mgr[has]))]
    keep = rank_in_runs(mgr[subs]) < 4
    parts.append((mgr[subs][keep], subs[keep], REPORT))
    # Peers: the next four in a shuffled ring of the same organisation, site and level.
    order = np.lexsort((rng.random(n), level, site, org))
    block = (org * (site.max() + 1) + site) * 6 + level
    rank = rank_in_runs(block[order])
    run = np.cumsum(rank == 0) - 1
    size = np.bincount(run)[run]  # ring size at each sorted position
    for k in range(1, 5):
        ok = k < size
        j = order[np.arange(n) - rank + (rank + k) % size]
        parts.append((order[ok], j[ok], PEER))
    # Short rings borrow adjacent levels at the site (not own manager or reports), then the
    # same level at other sites. Few people are short, so a plain loop is cheap.
    groups = pd.Series(everyone).groupby([org, site, level]).indices
    by_level = pd.Series(everyone).groupby([org, level]).indices
    empty = np.empty(0, dtype=np.int64)
    extra_ratee, extra_rater = [], []
    for p, m in zip(order[size < 5].tolist(), size[size < 5].tolist(), strict=True):
        o, s, lv = int(org[p]), int(site[p]), int(level[p])
        near = np.concatenate(
            [groups.get((o, s, lv - 1), empty), groups.get((o, s, lv + 1), empty)]
        )
        near = rng.permutation(near[(near != mgr[p]) & (mgr[near] != p)])
        far = by_level[(o, lv)]
        picks = np.concatenate([near, rng.permutation(far[site[far] != s])])[: 5 - m]
        extra_ratee.append(np.full(picks.size, p))
        extra_rater.append(picks)
    if extra_ratee:
        parts.append((np.concatenate(extra_ratee), np.concatenate(extra_rater), PEER))
    # Partners: two or three people of another organisation at the same site, nearest level.
    want = rng.integers(2, 4, n)
    key = site * 10.0 + level + rng.random(n)
    offs = np.array([0, -1, 1, -2, 2, -3, 3, -4, 4])
    for o in np.unique(org):
        me, pool = np.flatnonzero(org == o), np.flatnonzero(org != o)
        pool = pool[np.argsort(key[pool])]
        pos = np.searchsorted(key[pool], key[me])[:, None] + offs
        inside = (pos >= 0) & (pos < pool.size)
        cand = pool[np.clip(pos, 0, pool.size - 1)]
        valid = inside & (site[cand] == site[me][:, None])
        take = valid & (np.cumsum(valid, axis=1) <= want[me][:, None])
        parts.append((np.broadcast_to(me[:, None], cand.shape)[take], cand[take], PARTNER))
    # Other: now and then the manager's manager at the same site.
    grand = np.where(mgr >= 0, mgr[np.maximum(mgr, 0)], -1)
    pick = np.flatnonzero(
        (grand >= 0) & (site[np.maximum(grand, 0)] == site) & (rng.random(n) < 0.15)
    )
    parts.append((pick, grand[pick], OTHER))

    ratee = np.concatenate([p[0] for p in parts]).astype(np.int64)
    rater = np.concatenate([p[1] for p in parts]).astype(np.int64)
    rel = np.concatenate([np.full(p[0].size, p[2], dtype=np.int64) for p in parts])
    _, first = np.unique(ratee * n + rater, return_index=True)  # first = highest priority
    ratee, rater, rel = ratee[first], rater[first], rel[first]
    final = np.lexsort((rater, rel, ratee))
    return ratee[final], rater[final], rel[final]


def rank_in_runs(keys: IntArray) -> IntArray:
    """Position of each element within its run of equal consecutive keys."""
    idx = np.arange(keys.size)
    starts = np.r_[True, keys[1:] != keys[:-1]] if keys.size else np.zeros(0, dtype=bool)
    return idx - np.maximum.accumulate(np.where(starts, idx, 0))
