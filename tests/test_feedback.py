"""The SQLite feedback store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.core.errors import InputError
from assistant.core.models import Citation
from assistant.serving.feedback import FeedbackStore

CIT = Citation(id="1", source="a.txt", title="A", quote="a quote here", start=0, end=12)


def test_rows_persist_across_instances_in_wal_mode(tmp_path: Path) -> None:
    store = FeedbackStore.in_dir(tmp_path / "data")
    row_id = store.record(session_id="s1", question="q?", answer="ans [1]", citations=[CIT],
                          rating="up", comment="  helpful ")
    assert row_id == 1
    rows = FeedbackStore(tmp_path / "data" / "feedback.db").rows()
    assert len(rows) == 1
    row = rows[0]
    assert (row["session_id"], row["question"], row["rating"], row["comment"]) == (
        "s1", "q?", "up", "helpful")
    assert row["citations"][0]["quote"] == "a quote here" and row["ts"].endswith("+00:00")
    with sqlite3.connect(tmp_path / "data" / "feedback.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    ("rating", "comment", "answer"),
    [("meh", "", "a"), ("down", "x" * 2001, "a"), ("up", "", "")],
)
def test_bad_input_is_rejected_and_stores_nothing(
    tmp_path: Path, rating: str, comment: str, answer: str
) -> None:
    store = FeedbackStore.in_dir(tmp_path)
    with pytest.raises(InputError):
        store.record(session_id=None, question="q", answer=answer, citations=[],
                     rating=rating, comment=comment)
    assert store.rows() == []
