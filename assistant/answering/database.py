"""The conversation and feedback database, through SQLAlchemy: SQLite files by default,
PostgreSQL (or any SQLAlchemy URL) when ``database.url`` is set.

Without a URL every store keeps its own SQLite file under ``data_dir`` (``sessions.db``,
``feedback.db``), with the table names and columns of the earlier sqlite3 stores, so existing
files keep working. With a URL, all tables live in that one database, shared by every worker
on every machine. SQLite gets WAL and ``BEGIN IMMEDIATE`` for writes (one writer at a time, no
lock-upgrade deadlocks); schema creation is serialised across workers on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    make_url,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from assistant.core.settings import Settings

DatabaseError = SQLAlchemyError
ID = String(64)
metadata = MetaData()

sessions = Table(
    "sessions", metadata,
    Column("id", ID, primary_key=True),
    Column("created", Float, nullable=False),
    Column("touched", Float),
)
turns = Table(
    "turns", metadata,
    Column("session_id", ID, ForeignKey("sessions.id"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("created", Float, nullable=False),
    Column("user", Text, nullable=False),
    Column("standalone", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("citations", Text, nullable=False),
    PrimaryKeyConstraint("session_id", "idx"),
)
#: Which session a /v1 client's ``user`` is in (``serving.v1_sessions``).
v1_users = Table(
    "v1_users", metadata,
    Column("client", ID, nullable=False),
    Column("user", Text, nullable=False),
    Column("session_id", ID, nullable=False),
    Column("used", Float, nullable=False),
    PrimaryKeyConstraint("client", "user"),
)
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Text, nullable=False),
    Column("session_id", Text),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),
    Column("rating", Text, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("message_id", Text),
    CheckConstraint("rating IN ('up', 'down')", name="rating_up_or_down"),
    sqlite_autoincrement=True,
)
actions = Table(
    "actions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", Text, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("action", Text, nullable=False),
    sqlite_autoincrement=True,
)
SESSION_TABLES = (sessions, turns, v1_users)
FEEDBACK_TABLES = (feedback, actions)
#: Columns added after a table's first release: created on older databases when missing.
_ADDED = {"sessions": ("touched", "REAL"), "feedback": ("message_id", "TEXT")}
_SCHEMA_LOCK = 0x5E55_1045  # pg advisory lock id: one worker creates the tables at a time


def database_url(settings: Settings, name: str) -> str | URL:
    """The configured URL, else the SQLite file ``<data_dir>/<name>.db``."""
    if settings.database.url:
        return settings.database.url
    return sqlite_url(settings.data_dir / f"{name}.db")


def sqlite_url(path: Path) -> URL:
    """The URL of a SQLite file (built, not formatted: any character may be in the path)."""
    return URL.create("sqlite", database=str(path))


def target_url(target: Path | str | URL) -> str | URL:
    """A store's target: a path is a SQLite file, a string or URL a SQLAlchemy URL."""
    return sqlite_url(target) if isinstance(target, Path) else target


class Database:
    """One engine and the tables a store uses; ``read()``/``write()`` are transactions."""

    def __init__(self, url: str | URL, tables: tuple[Table, ...], pool_size: int = 5) -> None:
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                parsed, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(parsed, pool_pre_ping=True, pool_size=pool_size,
                                        max_overflow=pool_size)
        self._writer = self.engine.execution_options(immediate=True)
        self._create(tables)

    def _create(self, tables: tuple[Table, ...]) -> None:
        with self.write() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
            metadata.create_all(conn, tables=list(tables))
            inspector = inspect(conn)
            for table in tables:
                added = _ADDED.get(table.name)
                if added and added[0] not in {c["name"] for c in inspector.get_columns(
                        table.name)}:
                    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN "
                                      f"{added[0]} {added[1]}"))

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that takes the write lock at once on SQLite."""
        with self._writer.begin() as conn:
            yield conn

    def insert_ignore(self, conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
        """Insert a row unless its primary key exists (INSERT ... ON CONFLICT DO NOTHING)."""
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())

    def insert_or_update(self, table: Table, values: Mapping[str, Any], keys: tuple[str, ...],
                         update: Mapping[str, Any]) -> Any:
        """An INSERT of ``values`` that on a key conflict sets ``update`` instead (a statement
        to build once, with bind parameters, and execute many times)."""
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(table).values(**values).on_conflict_do_update(
            index_elements=list(keys), set_=dict(update))

    def upsert(self, conn: Connection, table: Table, values: Mapping[str, Any],
               keys: tuple[str, ...]) -> None:
        """Insert a row, or update the existing row with these key columns."""
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        stmt = dialect.insert(table).values(**values)
        update = {k: v for k, v in values.items() if k not in keys}
        conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=update))

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's
    dbapi_conn.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a commit does not wait for fsync (the last turns may be lost on power
    # loss, never corrupted); sessions and feedback are not worth a disk flush per answer.
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
