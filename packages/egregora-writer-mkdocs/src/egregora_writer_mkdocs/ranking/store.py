"""Ratings and duel history in the serving database (``.egregora/egregora.duckdb``).

Tables (owned here): ``rank_ratings(post_id, rating, games, wins, losses, ties, updated_at)``
and ``rank_duels(duel_id, ts, judge, left_id, right_id, outcome, left_before, right_before,
left_after, right_after)``. The serving DB is rebuildable from the lake, except these two
tables: export them (``egregora rank export``) before deleting it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
from egregora_core.errors import ConfigError

from . import elo

RATINGS_DDL = """CREATE TABLE IF NOT EXISTS rank_ratings (
    post_id VARCHAR PRIMARY KEY, rating DOUBLE NOT NULL, games INTEGER NOT NULL,
    wins INTEGER NOT NULL, losses INTEGER NOT NULL, ties INTEGER NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL)"""
DUELS_DDL = """CREATE TABLE IF NOT EXISTS rank_duels (
    duel_id BIGINT NOT NULL, ts TIMESTAMPTZ NOT NULL, judge VARCHAR NOT NULL,
    left_id VARCHAR NOT NULL, right_id VARCHAR NOT NULL, outcome VARCHAR NOT NULL,
    left_before DOUBLE NOT NULL, right_before DOUBLE NOT NULL,
    left_after DOUBLE NOT NULL, right_after DOUBLE NOT NULL)"""
TABLES = ("rank_ratings", "rank_duels")


class RankStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(path))
        self.con.execute(RATINGS_DDL)
        self.con.execute(DUELS_DDL)

    @classmethod
    def open(cls, project: Any) -> RankStore:
        return cls(project.serving_db)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> RankStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ratings(self) -> dict[str, dict[str, Any]]:
        rows = self.con.execute(
            "SELECT post_id, rating, games, wins, losses, ties FROM rank_ratings"
        ).fetchall()
        cols = ("post_id", "rating", "games", "wins", "losses", "ties")
        return {r[0]: dict(zip(cols, r, strict=True)) for r in rows}

    def played(self) -> set[frozenset[str]]:
        rows = self.con.execute("SELECT DISTINCT left_id, right_id FROM rank_duels").fetchall()
        return {frozenset(r) for r in rows}

    def record(self, left: str, right: str, outcome: str, judge: str) -> tuple[float, float]:
        """Apply one duel: update both ratings and append the duel, in one transaction."""
        now = dt.datetime.now(dt.UTC)
        self.con.execute("BEGIN")
        try:
            ratings = self.ratings()
            ra = ratings.get(left, {}).get("rating", elo.START)
            rb = ratings.get(right, {}).get("rating", elo.START)
            na, nb = elo.update(ra, rb, outcome)
            duel_id = self.con.execute(
                "SELECT coalesce(max(duel_id), 0) + 1 FROM rank_duels"
            ).fetchone()[0]
            self.con.execute(
                "INSERT INTO rank_duels VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [duel_id, now, judge, left, right, outcome, ra, rb, na, nb],
            )
            for post, new, result in (
                (left, na, elo.SCORES[outcome]),
                (right, nb, 1 - elo.SCORES[outcome]),
            ):
                win, loss, tie = int(result == 1), int(result == 0), int(result == 0.5)
                self.con.execute(
                    """INSERT INTO rank_ratings VALUES (?, ?, 1, ?, ?, ?, ?)
                       ON CONFLICT (post_id) DO UPDATE SET rating = excluded.rating,
                       games = rank_ratings.games + 1, wins = rank_ratings.wins + excluded.wins,
                       losses = rank_ratings.losses + excluded.losses,
                       ties = rank_ratings.ties + excluded.ties, updated_at = excluded.updated_at""",
                    [post, new, win, loss, tie, now],
                )
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return na, nb

    def standings(self) -> list[dict[str, Any]]:
        return sorted(self.ratings().values(), key=lambda r: (-r["rating"], r["post_id"]))

    def export(self, out: Path, fmt: str) -> list[Path]:
        """Write both tables to ``out/<table>.<fmt>`` (parquet or csv)."""
        if fmt not in ("parquet", "csv"):
            raise ConfigError(
                f"unknown format {fmt!r}", where="--format", hint="use parquet or csv"
            )
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for table in TABLES:
            target = out / f"{table}.{fmt}"
            relation = self.con.table(table).order("1")
            if fmt == "parquet":
                relation.write_parquet(str(target))
            else:
                relation.write_csv(str(target), header=True)
            written.append(target)
        return written

    @staticmethod
    def read_standings(project: Any) -> list[dict[str, Any]]:
        """Standings without creating anything (empty when there is no serving DB or table)."""
        path = project.serving_db
        if not path.is_file():
            return []
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            return []
        try:
            rows = con.execute("SELECT post_id, rating, games FROM rank_ratings").fetchall()
        except duckdb.Error:
            return []
        finally:
            con.close()
        out = [{"post_id": r[0], "rating": r[1], "games": r[2]} for r in rows]
        return sorted(out, key=lambda r: (-r["rating"], r["post_id"]))
