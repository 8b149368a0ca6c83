"""Benchmark: loading one wave into numpy, packed vectors vs per-item rows.

Both layouts live in the same database and are read in the same process, so the figure to
quote is the ratio (per-item rows time / packed time), not an absolute time.

    python bench/wave_load.py [--size small|medium|large] [--db URL] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import Column, Integer, MetaData, SmallInteger, Table, insert, select

from colead.framework import load_framework
from colead.jobs.demo import store_simulation
from colead.simulation.review import simulate
from colead.store import init_database, open_database, transaction
from colead.store.reviews import get_review
from colead.store.schema import Assignment, Response
from colead.store.waves import get_wave, load_wave_data

ITEM_ROWS = Table(
    "bench_item_value",
    MetaData(),
    Column("response_id", Integer, nullable=False, index=True),
    Column("item_index", SmallInteger, nullable=False),
    Column("value", SmallInteger, nullable=False),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--db", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        run(url, args.size, args.repeat)


def run(url: str, size: str, repeat: int) -> None:
    framework = load_framework()
    init_database(url)
    engine = open_database(url)
    simulated = simulate(framework, size=size, seed=1)
    started = time.perf_counter()
    stored = store_simulation(engine, simulated, framework)
    store_seconds = time.perf_counter() - started

    with transaction(engine) as session:
        review = get_review(session, stored.review)
        wave = get_wave(session, review)
        packed = session.execute(
            select(Response.id, Response.item_values)
            .join(Assignment, Assignment.id == Response.assignment_id)
            .where(Assignment.wave_id == wave.id)
        ).all()
    ITEM_ROWS.drop(engine, checkfirst=True)
    ITEM_ROWS.create(engine)
    with engine.begin() as connection:
        batch = []
        for response_id, blob in packed:
            codes = np.frombuffer(blob, dtype=np.int8)
            batch.extend(
                {"response_id": response_id, "item_index": j, "value": int(v)}
                for j, v in enumerate(codes)
                if v >= 0
            )
            if len(batch) > 200_000:
                connection.execute(insert(ITEM_ROWS), batch)
                batch = []
        if batch:
            connection.execute(insert(ITEM_ROWS), batch)

    def load_packed() -> int:
        with transaction(engine) as session:
            review = get_review(session, stored.review)
            data = load_wave_data(session, review, get_wave(session, review), framework)
        return int(data.values.size)

    def load_rows() -> int:
        # The baseline gets the fastest plain path: raw driver tuples straight into numpy.
        with engine.connect() as connection:
            cursor = connection.exec_driver_sql(
                "SELECT response_id, item_index, value FROM bench_item_value"
            )
            rows = cursor.fetchall()
        array = np.array([tuple(r) for r in rows], dtype=np.int64).reshape(-1, 3)
        ids, position = np.unique(array[:, 0], return_inverse=True)
        matrix = np.full((len(ids), len(framework.item_ids)), -1, dtype=np.int8)
        matrix[position, array[:, 1]] = array[:, 2]
        return int(matrix.size)

    packed_times, row_times = [], []
    for _ in range(repeat):
        for fn, times in ((load_packed, packed_times), (load_rows, row_times)):
            started = time.perf_counter()
            n_values = fn()
            times.append(time.perf_counter() - started)
    engine.dispose()
    packed_s, rows_s = statistics.median(packed_times), statistics.median(row_times)
    print(f"database            {engine.dialect.name}")
    print(f"size                {size}: {len(packed)} forms in the wave, {n_values:,} item values")
    print(f"store both waves    {store_seconds:.1f} s")
    print(f"packed load         {packed_s:.3f} s  ({n_values / packed_s / 1e6:.1f} M values/s)")
    print(f"per-item rows load  {rows_s:.3f} s  ({n_values / rows_s / 1e6:.1f} M values/s)")
    print(f"ratio rows/packed   {rows_s / packed_s:.1f}x")


if __name__ == "__main__":
    main()
