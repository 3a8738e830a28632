"""SQL gets values only through bound parameters: no f-string, %, .format or + with data.

Scans every Python source under services/, libs/ and tools/ (ast) for calls of `text(...)` and the
execute family whose SQL argument interpolates anything. Interpolating is allowed only for
identifiers on the allowlist below: fixed fragments of code (column lists, SQL snippets built
from code constants), never values that come from a request, a message or the database.
A new violation fails this test; widen the allowlist only with a reason.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCANNED = ("services", "libs", "tools")
SQL_CALLS = frozenset(
    {"text", "execute", "executemany", "exec_driver_sql", "exec", "fetch", "fetchrow", "fetchval"}
)

# Identifiers that may be interpolated into SQL anywhere: each is a module-level constant or a
# helper returning a fixed SQL fragment built from code constants.
ALLOWED: dict[str, str] = {
    "_CLAIMED_COLUMNS": "mailer: fixed email_queue column list of a claim",
    "to_wire_sql": "periods: to_char() of a literal column name (instants as on the wire)",
    "KNOWN_TYPES": "aggregator sql/columns: the vocabulary's activity types as literals",
    "QUANTITY_SUMS": "aggregator sql/columns: a sum per activity type (identifier()-checked)",
    "TYPE_COUNTS": "aggregator sql/columns: a count per activity type (identifier()-checked)",
    "TOTALS": "aggregator sql/columns: the activity columns of agg_stats",
    "COUNTS_JSON": "aggregator sql/columns: jsonb_build_object arguments per activity type",
    "TOTALS_JSON": "aggregator sql/columns: jsonb_build_object over the activity columns",
    "GOAL_ACTUAL": "aggregator sql/columns: CASE over the activity types",
    "POINTS_GOAL": "aggregator sql/columns: the vocabulary's points goal type (literal()-checked)",
    "CATEGORIES": "aggregator: the four ranking categories (identifier()-checked)",
    "_global_rank": "aggregator: fragment from a category name",
    "_friend_counts": "aggregator: fragment from a category name",
    "_friend_rank": "aggregator: fragment from a category name",
    "_rank_object": "aggregator: fragment from a fixed table alias",
    "_circle_sum": "aggregator: the preview's sum of a category, from a category name",
    "_ranked_rank": "aggregator: the preview's rank of a category, from a category name",
    "EMAIL_FILTER_SQL": (
        "email_filter: the admin list's fixed filter predicate; every value a bound parameter"
    ),
}
# Identifiers allowed in one file only, with why they cannot be a bound parameter.
_AGGREGATOR_SQL = "services/aggregator/src/sportify_aggregator/sql"
ALLOWED_IN_FILE: dict[tuple[str, str], str] = {
    ("tools/cli/src/sportify_cli/database.py", "name"): (
        "CREATE DATABASE takes an identifier (from DATABASE_URL), quoted, quotes stripped"
    ),
    ("libs/common/src/sportify_common/db/tables.py", "default"): (
        "server_default DDL from a literal in the table definitions"
    ),
    ("libs/common/src/sportify_common/db/tables.py", "sql_literals"): (
        "partial index predicates and keys as literals (sql_literals refuses all but [a-z-])"
    ),
    ("libs/common/src/sportify_common/db/tables.py", "BackfillStatus"): (
        "the running-backfills partial index predicate: a code constant from the vocabulary"
    ),
    ("libs/common/src/sportify_common/db/tables.py", "JobStatus"): (
        "partial index predicates over job statuses: code constants from the vocabulary"
    ),
    ("libs/common/src/sportify_common/db/tables.py", "EmailKind"): (
        "the due index's alert-first key: a code constant from the vocabulary"
    ),
    ("libs/common/src/sportify_common/db/tables.py", "DUE_EMAIL_STATUSES"): (
        "the due index's predicate: code constants from the vocabulary"
    ),
    ("libs/common/src/sportify_common/db/tables.py", "EmailStatus"): (
        "the bodies-kept index's predicate (retention): code constants from the vocabulary"
    ),
    ("services/mailer/src/sportify_mailer/queries.py", "_PENDING"): (
        "a status from the vocabulary (sql_literals refuses all but [a-z-])"
    ),
    ("services/mailer/src/sportify_mailer/queries.py", "_DUE"): (
        "the due statuses from the vocabulary: a literal predicate that ix_email_queue_due matches"
    ),
    ("services/mailer/src/sportify_mailer/queries.py", "_ALERT_FIRST"): (
        "the alert kind from the vocabulary: the claims' alert-first order"
    ),
    ("services/mailer/src/sportify_mailer/queries.py", "_ALERT"): (
        "the alert kind from the vocabulary: a literal predicate ix_email_queue_due_alerts matches"
    ),
    ("services/mailer/src/sportify_mailer/queries.py", "_CLAIMED_WITH_USERS"): (
        "the claims' fixed tail: claimed rows joined with their users (values bound)"
    ),
    ("libs/common/src/sportify_common/db/tables.py", "_DUE"): (
        "the due index's predicate inside the due alerts' index predicate (vocabulary constants)"
    ),
    ("libs/common/src/sportify_common/email_queue_reads.py", "_EMAIL_COLUMNS"): (
        "the admin list's fixed email_queue column list"
    ),
    ("libs/common/src/sportify_common/backfills.py", "_COLUMNS"): (
        "the fixed backfills column list"
    ),
    ("libs/common/src/sportify_common/mail_admin.py", "_BY_IDS"): (
        "a requeue's fixed id predicate (the ids are a bound array)"
    ),
    ("libs/common/src/sportify_common/mail_admin.py", "_SENDABLE"): (
        "the fixed predicate of a row whose bodies retention has not cleared"
    ),
    ("libs/common/src/sportify_common/mail_admin.py", "_SET_PENDING"): (
        "the requeue's fixed SET clause; its values are bound parameters"
    ),
    ("libs/common/src/sportify_common/mail_admin.py", "_SUPPRESSION_COLUMNS"): (
        "the fixed email_suppressions column list"
    ),
    ("tools/cli/src/sportify_cli/seed.py", "table"): "ANALYZE over a literal tuple of tables",
    ("tools/cli/src/sportify_cli/seed.py", "_SEEDED_TYPES_ARRAY"): (
        "array literal of the seeded activity types (vocabulary constants)"
    ),
    ("tools/cli/src/sportify_cli/seed.py", "SEEDED_ACTIVITY_TYPES"): (
        "the number of seeded activity types (a code tuple)"
    ),
    (f"{_AGGREGATOR_SQL}/boards.py", "_MEMBERS"): (
        "the friends board's member list: a fixed fragment of the module"
    ),
    (f"{_AGGREGATOR_SQL}/boards.py", "_PLACES"): (
        "the friends board's places: a fixed fragment of the module"
    ),
    (f"{_AGGREGATOR_SQL}/results.py", "statement"): (
        "one of the module's two fixed summary statements (previous period stored or computed)"
    ),
    (f"{_AGGREGATOR_SQL}/results.py", "SUMMARY_SQL"): "the module's fixed summary statements",
    (f"{_AGGREGATOR_SQL}/results.py", "COMPUTED_PREVIOUS_SQL"): (
        "the module's fixed summary statements with the previous period computed"
    ),
    (f"{_AGGREGATOR_SQL}/results.py", "kind"): "a PeriodKind member choosing a fixed statement",
    (f"{_AGGREGATOR_SQL}/results.py", "stored"): "a bool choosing a fixed statement",
    (f"{_AGGREGATOR_SQL}/monthly.py", "CATEGORY_COLUMNS"): (
        "the global counts' columns: the ranking categories' column names (checked identifiers)"
    ),
    (f"{_AGGREGATOR_SQL}/preview_reads.py", "statement"): (
        "one of results' fixed summary statements, narrowed to the bound user"
    ),
    (f"{_AGGREGATOR_SQL}/shadow.py", "table"): (
        "a preview's shadow tables: identifiers from the module's fixed OUTPUT_TABLES list"
    ),
    (f"{_AGGREGATOR_SQL}/earned.py", "rules"): (
        "a rule table of the module (WEEKLY_RULES, MONTHLY_RULES): SQL from code constants "
        "(literal() refuses all but [a-z-])"
    ),
    (f"{_AGGREGATOR_SQL}/weekly.py", "WEEKLY_RULES"): (
        "the weekly earning rules' lists: SQL from code constants (literal() refuses all but [a-z-])"
    ),
    (f"{_AGGREGATOR_SQL}/monthly.py", "MONTHLY_RULES"): (
        "the monthly earning rules' lists: SQL from code constants (literal() refuses all but [a-z-])"
    ),
}
_BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    names: tuple[str, ...]
    source: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: interpolates {', '.join(self.names)}: {self.source}"


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _bound_inside(expr: ast.AST) -> set[str]:
    """Names a comprehension inside `expr` binds (`c` in `f(c) for c in CATEGORIES`)."""
    bound: set[str] = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.comprehension):
            bound |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    return bound


def _names(expr: ast.AST) -> set[str]:
    used = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
    return used - _bound_inside(expr) - _BUILTINS


class _Scanner:
    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.tree = tree
        self.parents: dict[ast.AST, ast.AST] = {
            child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)
        }

    def _assignments(self, name: str, at: ast.AST) -> list[ast.expr]:
        """Values assigned to `name` in the innermost function around `at`, else the module."""
        scope: ast.AST = at
        while scope in self.parents and not isinstance(
            scope, ast.FunctionDef | ast.AsyncFunctionDef
        ):
            scope = self.parents[scope]
        for where in (scope, self.tree):
            values = [
                node.value
                for node in ast.walk(where)
                if isinstance(node, ast.Assign | ast.AnnAssign)
                and node.value is not None
                and any(
                    isinstance(t, ast.Name) and t.id == name
                    for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                )
            ]
            if values:
                return values
        return []  # a parameter: its callers pass the SQL

    def dynamic_names(
        self, expr: ast.expr, seen: frozenset[str] = frozenset(), *, nested: bool = False
    ) -> set[str]:
        """Names whose values end up inside the SQL text of `expr`.

        A bare parameter passed as the whole statement (`text(sql)` in a helper) is its
        callers' business; a parameter glued into a statement (`"..." + a`) is a violation.
        """
        match expr:
            case ast.Constant():
                return set()
            case ast.Call() if _call_name(expr) == "text":
                return set()  # checked on its own
            case ast.Name(id=name) if name not in seen:
                values = self._assignments(name, expr)
                if not values:
                    return {name} if nested else set()
                found: set[str] = set()
                for value in values:
                    found |= self.dynamic_names(value, seen | {name}, nested=nested)
                return found
            case ast.Name():
                return set()
            case ast.Subscript(value=value):
                # A key selects one of the values; it never becomes part of the text.
                return self.dynamic_names(value, seen, nested=True)
            case ast.Dict(values=values):
                found = set()
                for value in values:
                    found |= self.dynamic_names(value, seen, nested=True)
                return found
            case ast.JoinedStr():
                found = set()
                for part in expr.values:
                    if isinstance(part, ast.FormattedValue):
                        found |= _names(part.value)
                return found
            case ast.BinOp(left=left, right=right):
                return self.dynamic_names(left, seen, nested=True) | self.dynamic_names(
                    right, seen, nested=True
                )
            case _:
                return _names(expr)

    def violations(self) -> list[Violation]:
        found = []
        for node in ast.walk(self.tree):
            if not (isinstance(node, ast.Call) and _call_name(node) in SQL_CALLS and node.args):
                continue
            sql = node.args[0]
            names = {
                n
                for n in self.dynamic_names(sql)
                if n not in ALLOWED and (self.path, n) not in ALLOWED_IN_FILE
            }
            if names:
                found.append(
                    Violation(self.path, node.lineno, tuple(sorted(names)), ast.unparse(sql)[:120])
                )
        return found


def violations_in(path: str, source: str) -> list[Violation]:
    return _Scanner(path, ast.parse(source)).violations()


def sources() -> list[Path]:
    files = [p for root in SCANNED for p in (ROOT / root).rglob("*.py") if ".venv" not in p.parts]
    assert len(files) > 50, "the scan found too few sources; is ROOT right?"
    return sorted(files)


def test_sql_in_services_and_libs_takes_values_only_through_bound_parameters() -> None:
    found = [
        str(violation)
        for path in sources()
        for violation in violations_in(str(path.relative_to(ROOT)), path.read_text())
    ]

    assert found == []


def test_every_allowlisted_identifier_is_still_used() -> None:
    """A stale allowlist entry would silently permit a future, unrelated variable."""
    texts = {str(p.relative_to(ROOT)): p.read_text() for p in sources()}
    everything = "\n".join(texts.values())

    unused = [name for name in ALLOWED if name not in everything]
    unused += [
        f"{path}:{name}" for path, name in ALLOWED_IN_FILE if name not in texts.get(path, "")
    ]

    assert unused == []


@pytest.mark.parametrize(
    "snippet",
    [
        "conn.execute(text(f\"select * from users where id = '{user_id}'\"))",
        "conn.execute(text(\"select * from users where id = '%s'\" % user_id))",
        'conn.execute(text("select * from users where id = {}".format(user_id)))',
        'conn.execute(text("select * from users where email = \'" + email + "\'"))',
        'sql = f"delete from job_runs where id = {run_id}"\nawait conn.execute(text(sql))',
        'await apg.execute(f"drop table {table_name}")',
        'await apg.fetchval("select " + column)',
        'await conn.exec_driver_sql("select %s" % value)',
        'q = "select * from t where a = " + a\nawait conn.execute(text(q), {})',
        'await conn.execute(text({"a": f"select {value}"}[kind]))',
        "await conn.execute(text(statements[kind]))",
    ],
)
def test_the_scanner_flags_values_interpolated_into_sql(snippet: str) -> None:
    source = (
        "async def f(conn, apg, user_id, email, run_id, table_name, column, value, a, kind, "
        "statements):\n"
    )
    source += "".join(f"    {line}\n" for line in snippet.splitlines())

    assert violations_in("services/example/queries.py", source) != []


@pytest.mark.parametrize(
    "snippet",
    [
        'await conn.execute(text("select * from users where id = :id"), {"id": user_id})',
        'await conn.execute(text(f"select {_CLAIMED_COLUMNS} from email_queue where id = :id"), {})',
        'await conn.execute(text("select 1 " "from t"))',
        'await apg.fetchval("select $1::int", value)',
        "await conn.execute(text(f\"select {', '.join(f'g_{c}' for c in CATEGORIES)}\"))",
        'fixed = {"weekly": "select 1", "monthly": "select 2"}\n'
        "    await conn.execute(text(fixed[value]))",
    ],
)
def test_the_scanner_accepts_bound_parameters_and_allowlisted_fragments(snippet: str) -> None:
    source = f"async def f(conn, apg, user_id, value):\n    {snippet}\n"

    assert violations_in("services/example/queries.py", source) == []
