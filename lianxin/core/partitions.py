"""Monthly range partitions for the big append-only tables, on PostgreSQL.

A province keeps 100 M+ appeals and several events and audit entries each: one heap and one set
of indexes per table would grow without bound, and vacuum with it. PostgreSQL's declarative
partitioning splits such a table by month of a timestamp column; each month is a table of its own
with its own indexes, queries that name a time range touch only the months they need, and an old
month can be detached as an archive table in one statement.

- `partition_by_month(connection, table, column)` converts an existing table (used by the
  migrations): the rows are copied into monthly partitions, the id keeps counting from where it
  was, the indexes and foreign keys are recreated. The primary key becomes `(id, column)` — a
  partitioned table's unique keys must include the partition column; Django still addresses rows
  by id, which stays unique because one identity sequence numbers them all.
- Every partitioned table has a DEFAULT partition, so an insert never fails for want of a month:
  nothing a user was told was saved can be refused by the partitioning. `ensure_partitions()`
  (Celery beat, daily; `lianxin partitions`) creates the coming months ahead and moves rows that
  landed in the default partition (imported history, a clock far off) into months of their own.
- `detach_month(table, month)` detaches a month into a standalone archive table.

Domain apps register their tables (`register`); this lower layer never imports them. On SQLite
(the embedded default) all of it is a no-op: a district's data fits one file.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

log = logging.getLogger(__name__)

_ADVISORY_KEY = 7_340_233  # one maintenance run at a time per database
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


@dataclass(frozen=True)
class PartitionedTable:
    table: str
    column: str
    # Months may be detached into archive tables (appeal events: yes; the audit chain: no — a
    # chain with a month missing no longer verifies from its first entry).
    detachable: bool = True


_TABLES: dict[str, PartitionedTable] = {}


def register(table: PartitionedTable) -> None:
    _TABLES[table.table] = table


def registered() -> list[PartitionedTable]:
    return [_TABLES[k] for k in sorted(_TABLES)]


@dataclass(frozen=True)
class PartitionInfo:
    table: str
    name: str
    bound: str  # "DEFAULT" or "FROM (...) TO (...)"
    rows: int  # planner's estimate (reltuples), -1 when never analysed
    bytes: int


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a table or column name this module handles: {name!r}")
    return name


def _zone() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def month_start(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, _zone()).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _bound(month: dt.date, *, is_date: bool = False) -> str:
    """The first instant of a month in the platform's time zone, as a timestamptz literal (or, for
    a date column such as the rollups' `day`, the month's first day)."""
    if is_date:
        return month.isoformat()
    start = dt.datetime(month.year, month.month, 1, tzinfo=_zone())
    return start.isoformat(sep=" ")


def _is_date(cursor: CursorWrapper, table: str, column: str) -> bool:
    """Whether the partition column is a date (the rollups' days) rather than a timestamptz."""
    cursor.execute(
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
        [table, column],
    )
    row = cursor.fetchone()
    return row is not None and row[0] == "date"


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def is_partitioned(table: str, *, connection: BaseDatabaseWrapper = default_connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [table],
        )
        return cursor.fetchone() is not None


def _create_month(cursor: CursorWrapper, table: str, month: dt.date, *, is_date: bool = False) -> str:
    name = partition_name(table, month)
    lo, hi = _bound(month, is_date=is_date), _bound(add_months(month, 1), is_date=is_date)
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS \"{name}\" PARTITION OF \"{table}\" FOR VALUES FROM ('{lo}') TO ('{hi}')"
    )
    return name


def partition_by_month(
    connection: BaseDatabaseWrapper, table: str, column: str, *, ahead: int = 3, since: dt.date | None = None
) -> None:
    """Turn `table` into a table partitioned by month of `column`, keeping every row and index.

    `column` is a timestamptz (months begin at midnight in the platform's time zone) or a date.
    Months are created from the oldest row's (or `since`, if older) to `ahead` months after now.
    The table must not be the target of foreign keys (PostgreSQL cannot reference a partitioned
    table's `id` alone): refused with the referencing constraints named.
    """
    if connection.vendor != "postgresql" or is_partitioned(table, connection=connection):
        return
    table, column = _check_name(table), _check_name(column)
    old = f"{table}_unpartitioned"
    with connection.cursor() as cursor:
        referencing = _referenced_by(cursor, table)
        if referencing:
            raise ValueError(
                f"{table} cannot be partitioned while foreign keys point at it: " + ", ".join(referencing)
            )
        is_date = _is_date(cursor, table, column)
        indexes, constraints = _definitions(cursor, table)
        cursor.execute(f'SELECT max(id), min("{column}") FROM "{table}"')
        max_id, first = cursor.fetchone()

        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        cursor.execute(
            f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
            f'INCLUDING IDENTITY INCLUDING STORAGE) PARTITION BY RANGE ("{column}")'
        )
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
        first_month = month_start(first) if first else month_start(timezone.now())
        if since is not None:
            first_month = min(first_month, month_start(since))
        month, last = first_month, add_months(month_start(timezone.now()), ahead)
        while month <= last:
            _create_month(cursor, table, month, is_date=is_date)
            month = add_months(month, 1)
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
        cursor.execute(f'DROP TABLE "{old}"')
        _continue_ids(cursor, table, max_id)
        for name, definition, kind in constraints:
            if kind == "p":
                definition = f'PRIMARY KEY (id, "{column}")'
            elif kind == "u":
                definition = _unique_with(definition, column)
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        constraint_names = {name for name, _definition, _kind in constraints}
        for name, definition in indexes:
            if name in constraint_names:
                continue  # recreated with its constraint above
            cursor.execute(_unique_index_with(_on_table(definition, table), column))


def _definitions(
    cursor: CursorWrapper, table: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The table's index definitions and its primary, unique and foreign key constraints."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND schemaname = current_schema()",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'u', 'p')",
        [table],
    )
    return indexes, cursor.fetchall()


def _continue_ids(cursor: CursorWrapper, table: str, max_id: int | None) -> None:
    """The new table's identity sequence carries on after the old one's last id."""
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
        [f'"{table}"', max_id or 1, max_id is not None],
    )


def _on_table(index_definition: str, table: str) -> str:
    """An index definition read from pg_indexes, pointed at `table` (the name it had is gone)."""
    return re.sub(r" ON (ONLY )?\S+ ", f' ON "{table}" ', index_definition, count=1)


def _referenced_by(cursor: CursorWrapper, table: str) -> list[str]:
    """Foreign keys of other tables (or of the table itself) that reference `table`."""
    cursor.execute(
        "SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f' AND conparentid = 0 ORDER BY 1",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _unique_index_with(index_definition: str, column: str) -> str:
    """A unique index (not a constraint, e.g. a partial one) must include the partition column."""
    match = re.match(r"(CREATE UNIQUE INDEX .*? USING \w+ \()(.*?)(\).*)$", index_definition)
    if not match:
        return index_definition
    columns = [c.strip() for c in match.group(2).split(",")]
    if column in columns or f'"{column}"' in columns:
        return index_definition
    return f"{match.group(1)}{match.group(2)}, {column}{match.group(3)}"


def _unique_columns(definition: str) -> list[str]:
    match = re.fullmatch(r"UNIQUE \((.*)\)", definition.strip())
    if not match:
        raise ValueError(f"unexpected unique constraint: {definition}")
    return [c.strip().strip('"') for c in match.group(1).split(",")]


def _unique_with(definition: str, column: str) -> str:
    columns = _unique_columns(definition)
    if column not in columns:
        columns.append(column)
    return "UNIQUE (" + ", ".join(f'"{c}"' for c in columns) + ")"


def _unique_without(definition: str, column: str) -> str:
    columns = [c for c in _unique_columns(definition) if c != column]
    return "UNIQUE (" + ", ".join(f'"{c}"' for c in columns) + ")"


def unpartition(connection: BaseDatabaseWrapper, table: str, *, column_added_to_unique: bool = True) -> None:
    """The reverse of `partition_by_month` (for migrating backwards): one plain table again.

    The partition column is taken out of the unique keys again, unless `column_added_to_unique` is
    false: tables whose keys had it before partitioning (the rollups' `day`) keep their keys whole.
    """
    if connection.vendor != "postgresql" or not is_partitioned(table, connection=connection):
        return
    table = _check_name(table)
    old = f"{table}_partitioned"
    with connection.cursor() as cursor:
        indexes, constraints = _definitions(cursor, table)
        cursor.execute(
            "SELECT a.attname FROM pg_partitioned_table p JOIN pg_attribute a "
            "ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] WHERE p.partrelid = %s::regclass",
            [table],
        )
        column = cursor.fetchone()[0]
        cursor.execute(f'SELECT max(id) FROM "{table}"')
        max_id = cursor.fetchone()[0]
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        cursor.execute(
            f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
            f"INCLUDING IDENTITY INCLUDING STORAGE)"
        )
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
        cursor.execute(f'DROP TABLE "{old}" CASCADE')
        _continue_ids(cursor, table, max_id)
        for name, definition, kind in constraints:
            if kind == "p":
                definition = "PRIMARY KEY (id)"
            elif kind == "u" and column_added_to_unique:
                definition = _unique_without(definition, column)
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        constraint_names = {name for name, _definition, _kind in constraints}
        for name, definition in indexes:
            if name in constraint_names:
                continue
            cursor.execute(_on_table(definition, table))


def _split_default(cursor: CursorWrapper, spec: PartitionedTable) -> list[str]:
    """Move the rows that landed in the default partition into months of their own."""
    table, column = spec.table, spec.column
    is_date = _is_date(cursor, table, column)
    if is_date:
        cursor.execute(f'SELECT DISTINCT date_trunc(\'month\', "{column}"::timestamp) FROM "{table}_default"')
    else:
        cursor.execute(
            f'SELECT DISTINCT date_trunc(\'month\', "{column}" AT TIME ZONE %s) FROM "{table}_default"',
            [settings.TIME_ZONE],
        )
    months = sorted(row[0].date() for row in cursor.fetchall())
    made = []
    for month in months:
        name = partition_name(table, month)
        lo, hi = _bound(month, is_date=is_date), _bound(add_months(month, 1), is_date=is_date)
        cursor.execute(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
        where = f"\"{column}\" >= '{lo}' AND \"{column}\" < '{hi}'"
        cursor.execute(f'INSERT INTO "{name}" SELECT * FROM "{table}_default" WHERE {where}')
        cursor.execute(f'DELETE FROM "{table}_default" WHERE {where}')
        cursor.execute(
            f"ALTER TABLE \"{table}\" ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{lo}') TO ('{hi}')"
        )
        made.append(name)
    return made


def ensure_partitions(*, ahead: int = 3, now: dt.datetime | None = None) -> list[str]:
    """Create this month's and the next `ahead` months' partitions; empty the default partition.

    Returns the partitions created. Safe to run from two beats at once (an advisory lock inside the
    transaction makes the second wait, then find nothing to do).
    """
    connection = default_connection
    if connection.vendor != "postgresql":
        return []
    this_month = month_start(now or timezone.now())
    made: list[str] = []
    for spec in registered():
        if not is_partitioned(spec.table):
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_KEY])
            # Rows already in the default partition for a month must move before that month exists.
            made += _split_default(cursor, spec)
            existing = {p.name for p in partitions(spec.table)}
            is_date = _is_date(cursor, spec.table, spec.column)
            for n in range(ahead + 1):
                month = add_months(this_month, n)
                if partition_name(spec.table, month) not in existing:
                    made.append(_create_month(cursor, spec.table, month, is_date=is_date))
    if made:
        log.info("partitions created: %s", ", ".join(made))
    return made


def partitions(table: str) -> list[PartitionInfo]:
    connection = default_connection
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint, "
            "pg_total_relation_size(c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [table],
        )
        return [
            PartitionInfo(
                table=table, name=name, bound=bound.replace("FOR VALUES ", ""), rows=rows, bytes=size
            )
            for name, bound, rows, size in cursor.fetchall()
        ]


class PartitionError(ValueError):
    pass


def detach_month(table: str, month: dt.date) -> str:
    """Detach one month into a standalone archive table (still in the database, no longer queried).

    Refused for tables registered as not detachable and for the current month or later.
    """
    spec = _TABLES.get(table)
    if spec is None or not is_partitioned(table):
        raise PartitionError(f"{table} is not a partitioned table of this platform")
    if not spec.detachable:
        raise PartitionError(f"{table} may not lose a month: its rows are verified as one chain")
    month = month_start(month)
    if month >= month_start(timezone.now()):
        raise PartitionError("only months before the current one can be archived")
    name = partition_name(table, month)
    if name not in {p.name for p in partitions(table)}:
        raise PartitionError(f"{table} has no partition for {month:%Y-%m}")
    archive = f"{name}_archive"
    with transaction.atomic(), default_connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"')
        cursor.execute(f'ALTER TABLE "{name}" RENAME TO "{archive}"')
    return archive
