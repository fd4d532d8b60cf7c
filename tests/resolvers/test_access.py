"""Who may do what (`resolvers.access`): the rules as pure functions of the facts, and a
check that the rest of the code reads deals only through them.

The same rules are exercised end to end, through the real app, in
tests/schema/deals/test_deal_access.py and tests/schema/test_isolation.py.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from models.account import Role, User
from models.deal import Deal
from models.process import Performer
from models.task import Task
from resolvers import access
from resolvers.events.log import BoardFacts
from resolvers.processes.tree import StepNode

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE, OTHER_WORKSPACE = 1, 2
ME, OWNER, SOMEONE = 10, 11, 12


def person(role: Role, workspace_id: int = WORKSPACE, user_id: int = ME) -> User:
    return cast(User, SimpleNamespace(id=user_id, role=role, workspace_id=workspace_id))


def deal(*, owner_id: int = OWNER, is_public: bool = False, workspace_id: int = WORKSPACE) -> Deal:
    return cast(
        Deal, SimpleNamespace(owner_id=owner_id, is_public=is_public, workspace_id=workspace_id)
    )


def expected_sight(role: Role, owns: bool, public: bool, takes_part: bool) -> bool:
    return role in (Role.ADMIN, Role.MANAGER) or owns or public or takes_part


CASES = list(itertools.product(Role, [False, True], [False, True], [False, True]))


@pytest.mark.parametrize(("role", "owns", "public", "takes_part"), CASES)
def test_row_and_facts_agree_on_who_sees_a_deal(role, owns, public, takes_part):
    actor = person(role)
    row = deal(owner_id=ME if owns else OWNER, is_public=public)
    participants = {ME, SOMEONE} if takes_part else {SOMEONE}
    facts = BoardFacts(
        process_id=1,
        stage_id=1,
        open=True,
        in_trash=False,
        is_public=public,
        owner_id=row.owner_id,
        participant_ids=frozenset(participants),
    )

    expected = expected_sight(role, owns, public, takes_part)

    assert access.can_see(actor, row, participants) is expected
    assert facts.visible_to(actor) is expected


@pytest.mark.parametrize(("role", "owns", "public", "takes_part"), CASES)
def test_public_means_readable_not_editable(role, owns, public, takes_part):
    actor = person(role)
    row = deal(owner_id=ME if owns else OWNER, is_public=public)
    participants = {ME} if takes_part else set()

    assert access.can_edit(actor, row, participants) is (
        role in (Role.ADMIN, Role.MANAGER) or owns or takes_part
    )
    assert access.can_manage(actor, row) is (role in (Role.ADMIN, Role.MANAGER) or owns)


@pytest.mark.parametrize("role", list(Role))
def test_another_workspace_is_out_of_sight_whatever_the_role(role):
    actor = person(role, workspace_id=OTHER_WORKSPACE, user_id=ME)
    row = deal(owner_id=ME, is_public=True)

    assert not access.can_see(actor, row, {ME})
    assert not access.can_edit(actor, row, {ME})
    assert not access.can_manage(actor, row)


def task(*, assignee_id: int = SOMEONE, created_by_id: int = SOMEONE) -> Task:
    return cast(
        Task,
        SimpleNamespace(
            assignee_id=assignee_id, created_by_id=created_by_id, workspace_id=WORKSPACE
        ),
    )


def test_a_task_changes_by_its_assignee_its_author_or_people_on_its_deal():
    salesperson = person(Role.USER)

    assert access.can_change_task(salesperson, task(assignee_id=ME), None, set())
    assert access.can_change_task(salesperson, task(created_by_id=ME), None, set())
    assert access.can_change_task(salesperson, task(), deal(), {ME})
    assert not access.can_change_task(salesperson, task(), deal(is_public=True), set())
    assert not access.can_change_task(salesperson, task(), None, set())


def step(rule: Performer, performers: tuple[int, ...] = ()) -> StepNode:
    return cast(
        StepNode,
        SimpleNamespace(row=SimpleNamespace(who_can_perform=rule), performer_ids=list(performers)),
    )


@pytest.mark.parametrize(
    ("rule", "allowed"),
    [
        (Performer.ANYONE, {Role.USER, Role.MANAGER, Role.ADMIN}),
        (Performer.MANAGERS, {Role.MANAGER, Role.ADMIN}),
        (Performer.ADMINS, {Role.ADMIN}),
    ],
)
def test_who_may_perform_a_step(rule, allowed):
    for role in Role:
        assert access.can_perform(person(role), step(rule)) is (role in allowed)


def test_a_step_for_named_people_is_theirs_whatever_their_role():
    chosen = step(Performer.SELECTED_USERS, (ME,))
    others = step(Performer.SELECTED_USERS, (SOMEONE,))

    assert access.can_perform(person(Role.USER), chosen)
    assert not access.can_perform(person(Role.ADMIN), others)


# --- Deals are read through the visibility filter -----------------------------------------

# Where the code may read deals without `resolvers.access`'s filters, and why. A read
# anywhere else fails the test below: it must start from `access.visible_deals` (or one
# of its siblings) so that no resolver can forget who may see what.
DIRECT_DEAL_READS_ALLOWED = {
    ("resolvers/access.py", "*"): "the visibility filters themselves",
    ("resolvers/deals/lifecycle.py", "purge_trash"): "the retention job, across workspaces",
    ("resolvers/deals/rot_clock.py", "record_rotten_deals"): "the rotting clock, across workspaces",
}
_READERS = {
    "all",
    "annotate",
    "exclude",
    "exists",
    "filter",
    "first",
    "get",
    "get_or_create",
    "get_or_none",
    "in_bulk",
    "last",
    "raw",
    "select_for_update",
    "update_or_create",
}
_PACKAGES = ("models", "resolvers", "schema", "subscriptions", "server")


class _DealReads(ast.NodeVisitor):
    """`Deal.<reader>(...)` calls and the function each is in, whatever `Deal` is called
    where it is imported (`from models.deal import Deal as D`, `models.deal.Deal`)."""

    def __init__(self) -> None:
        self.names = {"Deal"}
        self.function = "<module>"
        self.found: list[tuple[str, int]] = []

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "models.deal":
            self.names |= {
                alias.asname or alias.name for alias in node.names if alias.name == "Deal"
            }

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_FunctionDef = _enter
    visit_AsyncFunctionDef = _enter

    def visit_Attribute(self, node: ast.Attribute) -> None:
        target = node.value
        name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
        if node.attr in _READERS and name in self.names:
            self.found.append((self.function, node.lineno))
        self.generic_visit(node)


def direct_deal_reads(source: str) -> list[tuple[str, int]]:
    visitor = _DealReads()
    visitor.visit(ast.parse(source))
    return visitor.found


def test_the_checker_finds_direct_reads_however_deal_is_named():
    source = (
        "from models.deal import Deal as D\n"
        "import models.deal\n"
        "async def sneaky():\n"
        "    await D.get(id=1)\n"
        "    await models.deal.Deal.filter(id=1)\n"
        "def fine():\n"
        "    return access.visible_deals(actor).filter(id=1)\n"
    )
    assert direct_deal_reads(source) == [("sneaky", 4), ("sneaky", 5)]


def test_deals_are_read_only_through_the_visibility_filter():
    unexpected, used = [], set()
    for package in _PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            for function, line in direct_deal_reads(path.read_text()):
                allowed = next(
                    (
                        key
                        for key in ((module, function), (module, "*"))
                        if key in DIRECT_DEAL_READS_ALLOWED
                    ),
                    None,
                )
                if allowed is None:
                    unexpected.append(f"{module}:{line} in {function}()")
                else:
                    used.add(allowed)

    assert not unexpected, (
        "Deals read without resolvers.access (start from access.visible_deals, or say why "
        f"in DIRECT_DEAL_READS_ALLOWED): {unexpected}"
    )
    assert used == set(DIRECT_DEAL_READS_ALLOWED), "allowlist entries no code needs any more"
