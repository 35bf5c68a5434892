"""Read a Pol.is conversation export (`comments.csv`, `votes.csv`) into votes for `analyse`.

The export's vote sign is the one `analyse` uses: 1 agree, -1 disagree, 0 pass (checked against
the export's own `participants-votes.csv` and the per-comment agree counts). A voter may vote on a
comment more than once; votes are returned in timestamp order so that the latest one wins.
Comments moderated out (`moderated == -1`) and votes on them are left out of `Conversation.votes`
(and `read_votes`); they are kept apart in `moderated_out` / `moderated_votes`, because Pol.is's
map and placement depend on them (see `lianxin.opinions.engine.analyse`): `Conversation.analyse()`
passes them on. Participant and
statement ids are the export's voter / comment ids as strings.

`reference_groups` reads the groups Pol.is itself assigned (`participants-votes.csv`, column
`group-id`) — for checking only, never as input to the analysis.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lianxin.opinions.engine import Analysis, analyse

MODERATED_OUT = -1


@dataclass(frozen=True)
class Comment:
    id: str
    author: str
    body: str
    moderated: int
    timestamp: int


@dataclass(frozen=True)
class Conversation:
    comments: tuple[Comment, ...]  # kept comments only, by comment id
    votes: tuple[tuple[str, str, int], ...]  # (voter id, comment id, vote), oldest first
    moderated_out: tuple[str, ...] = ()  # ids of the comments left out
    moderated_votes: tuple[tuple[str, str, int], ...] = ()  # the votes on them, oldest first

    def analyse(self, **options: Any) -> Analysis:
        """`analyse` as Pol.is runs it: the moderated-out comments named (and their votes given,
        for placement only), so that the map and the groups match Pol.is's."""
        return analyse(self.votes + self.moderated_votes, moderated_out=self.moderated_out, **options)


def _int(row: dict[str, str], key: str, path: Path) -> int:
    try:
        return int(float(row[key]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: column {key!r} must be a number, got {row.get(key)!r}") from exc


def read_comments(path: Path) -> list[Comment]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [
            Comment(
                row["comment-id"].strip(),
                row.get("author-id", "").strip(),
                row.get("comment-body", ""),
                _int(row, "moderated", path),
                _int(row, "timestamp", path),
            )
            for row in csv.DictReader(fh)
        ]


def read_conversation(directory: str | Path) -> Conversation:
    directory = Path(directory)
    comments = read_comments(directory / "comments.csv")
    out = {c.id for c in comments if c.moderated == MODERATED_OUT}
    kept = tuple(sorted((c for c in comments if c.moderated != MODERATED_OUT), key=lambda c: int(c.id)))
    path = directory / "votes.csv"
    rows: list[tuple[int, int, str, str, int]] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for line_no, row in enumerate(csv.DictReader(fh), start=2):
            comment = row["comment-id"].strip()
            vote = _int(row, "vote", path)
            if vote not in (-1, 0, 1):
                raise ValueError(f"{path}, line {line_no}: vote must be -1, 0 or 1, got {vote}")
            rows.append((_int(row, "timestamp", path), line_no, row["voter-id"].strip(), comment, vote))
    rows.sort()  # by time; ties keep file order
    votes = tuple((voter, comment, vote) for _, _, voter, comment, vote in rows if comment not in out)
    hidden = tuple((voter, comment, vote) for _, _, voter, comment, vote in rows if comment in out)
    return Conversation(kept, votes, tuple(sorted(out, key=int)), hidden)


def read_votes(directory: str | Path) -> list[tuple[str, str, int]]:
    """The votes of an export directory, ready for `analyse`."""
    return list(read_conversation(directory).votes)


def reference_groups(directory: str | Path) -> dict[str, int]:
    """participant id -> the group Pol.is assigned (participants it left out are absent)."""
    path = Path(directory) / "participants-votes.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        return {
            row["participant"].strip(): int(float(row["group-id"]))
            for row in csv.DictReader(fh)
            if row.get("group-id", "").strip() != ""
        }
