"""`importDeals`: rows of a deals CSV file (`resolvers.spreadsheets.deal_columns`)
created or updated by `externalId` through the deal resolvers, all or nothing
(`resolvers.spreadsheets.importing`).

A row without an `externalId` makes a new deal. A column the file does not have keeps
what a deal has; an empty cell clears it. A new deal follows the import's process; an
existing one keeps its own, its `completedSteps` named in it. The file's status is
reached the way a person would: a closed deal is reopened before anything else
changes, and closed (won with its mandatory steps done, lost or cancelled with a
reason) after; a closed deal that stays closed is not changed otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from models.account import User
from models.deal import Deal, DealStatus, LineItem, StepCompletion
from models.product import Product
from resolvers import access, validation
from resolvers.deals import editing, lifecycle, line_items, participation, steps
from resolvers.deals.files import FileStore
from resolvers.deals.line_items import MAX_LINE_ITEMS
from resolvers.errors import ErrorCode, Refused, not_found
from resolvers.processes.tree import ProcessTree, load_process_tree, load_process_trees
from resolvers.spreadsheets.cells import CellProblem, CellReader, Row
from resolvers.spreadsheets.deal_columns import (
    DEAL_ALIASES,
    DEAL_COLUMNS,
    ParsedItem,
    new_line_items,
    parse_items,
)
from resolvers.spreadsheets.importing import (
    Action,
    ImportReport,
    RowOutcome,
    RowProblems,
    active_users_by_email,
    first_in_file,
    open_table,
    run_import,
)
from resolvers.validation import MAX_NAME_LENGTH, Keep

# The column a resolver's input field is read from, for its refusals.
COLUMNS_OF = {
    "externalId": "externalId",
    "name": "name",
    "company": "company",
    "contactPerson": "contactPerson",
    "value": "value",
    "source": "source",
    "ownerId": "owner",
    "expectedCloseDate": "expectedCloseDate",
    "reason": "lostReason",
    "lineItems": "lineItems",
    "note": "completedSteps",
    "file": "completedSteps",
    "stepId": "completedSteps",
    "id": "status",
}
CLOSE_REASON_STATUSES = (DealStatus.LOST, DealStatus.CANCELLED)
MAX_STEP_LINES = 200
# A line item as text: a name of at most 200 characters and its numbers.
MAX_ITEM_LINE_LENGTH = 300


@dataclass(frozen=True)
class DealRow:
    """A row as it reads; KEEP for a column the file does not have."""

    external_id: str | None
    name: str | Keep
    company: str | Keep | None
    contact_person: str | Keep | None
    owner_id: int | Keep | None
    value: Decimal | Keep | None
    source: str | Keep | None
    expected_close_date: date | Keep | None
    status: DealStatus | Keep
    lost_reason: str | Keep | None
    is_public: bool | Keep | None
    step_names: list[str] | Keep
    items: list[ParsedItem] | Keep


def _read(row: Row, users: dict[str, int]) -> DealRow:
    cells = CellReader(row)

    def owner() -> int | None:
        email = (row.text("owner") or "").lower()
        if not email:
            return None
        if email not in users:
            raise CellProblem("owner", f"No active user of the workspace has the email {email}.")
        return users[email]

    def status() -> DealStatus:
        text = (row.text("status") or "OPEN").upper()
        if text not in DealStatus.__members__:
            raise CellProblem("status", f"One of {', '.join(DealStatus.__members__)}.")
        return DealStatus(text)

    external_id = cells.external_id()
    read = DealRow(
        external_id=external_id,
        name=cells.get("name", lambda: row.cells["name"]),
        company=cells.get("company", lambda: row.text("company")),
        contact_person=cells.get("contactPerson", lambda: row.text("contactPerson")),
        owner_id=cells.get("owner", owner),
        value=cells.get("value", lambda: row.decimal("value")),
        source=cells.get("source", lambda: row.text("source")),
        expected_close_date=cells.get("expectedCloseDate", lambda: row.date("expectedCloseDate")),
        status=cells.get("status", status),
        lost_reason=cells.get("lostReason", lambda: row.text("lostReason")),
        is_public=cells.get("public", lambda: row.boolean("public")),
        step_names=cells.get(
            "completedSteps", lambda: row.lines("completedSteps", MAX_STEP_LINES, MAX_NAME_LENGTH)
        ),
        items=cells.get(
            "lineItems",
            lambda: parse_items(row.lines("lineItems", MAX_LINE_ITEMS, MAX_ITEM_LINE_LENGTH)),
        ),
    )
    if cells.problems:
        raise RowProblems(cells.problems)
    return read


def _step_ids(tree: ProcessTree, names: list[str]) -> list[int]:
    """Steps by name in the process, in its order (a name two steps share is refused)."""
    by_name: dict[str, list[int]] = {}
    order: dict[int, int] = {}
    for stage in tree.stages:
        for step in stage.steps:
            by_name.setdefault(step.row.name.strip().lower(), []).append(step.row.id)
            order[step.row.id] = len(order)
    found = set()
    for name in names:
        ids = by_name.get(name.lower(), [])
        if len(ids) != 1:
            reason = "has no step" if not ids else "has more than one step"
            raise CellProblem("completedSteps", f"The process {reason} named {name!r}.")
        found.add(ids[0])
    return sorted(found, key=order.__getitem__)


def _same_items(current: list[LineItem], codes: dict[int, str], wanted: list[ParsedItem]) -> bool:
    have = [
        (i.quantity, i.name, codes.get(i.product_id or 0), i.unit_price, i.discount_percent)
        for i in current
    ]
    want = [(i.quantity, i.name, i.code, i.unit_price, i.discount_percent) for i in wanted]
    return have == want


class DealImport:
    """One import's lookups (users by email, products by code, process trees), read once."""

    def __init__(self, actor: User, process: ProcessTree, store: FileStore) -> None:
        self.actor, self.process, self.store = actor, process, store
        self.users: dict[str, int] = {}
        self.products: dict[str, int] = {}
        self.codes: dict[int, str] = {}
        self.trees: dict[int, ProcessTree] = {process.row.id: process}
        self.seen: dict[str, int] = {}

    async def read_lookups(self) -> None:
        workspace_id = self.actor.workspace_id
        self.users = await active_users_by_email(workspace_id)
        products = await Product.filter(workspace_id=workspace_id, code__isnull=False)
        self.products = {p.code: p.id for p in products if p.code}
        self.codes = {p.id: p.code for p in products if p.code}
        self.trees |= {t.row.id: t for t in await load_process_trees(workspace_id)}

    async def apply(self, row: Row) -> RowOutcome:
        read = _read(row, self.users)
        first_in_file(self.seen, read.external_id, row.number)
        # An importer sees every deal of the workspace (managers and administrators):
        # a key is never "free" because its deal is hidden.
        existing = (
            await access.visible_deals_and_trash(self.actor)
            .filter(external_id=read.external_id)
            .first()
            if read.external_id is not None
            else None
        )
        if existing is None:
            deal = await self._create(read)
            return RowOutcome(row.number, Action.CREATE, read.external_id, deal.id)
        if existing.deleted_at is not None:
            raise Refused.one(
                ErrorCode.CONFLICT,
                "A deal in the trash has this externalId: restore it or change the id.",
                ("externalId",),
            )
        changed = await self._update(existing, read)
        action = Action.UPDATE if changed else Action.UNCHANGED
        return RowOutcome(row.number, action, read.external_id, existing.id)

    def _items(self, read: DealRow) -> list[line_items.NewLineItem] | None:
        if isinstance(read.items, Keep):
            return None
        return new_line_items(read.items, self.products)

    async def _create(self, read: DealRow) -> Deal:
        items = self._items(read)
        step_ids = [] if isinstance(read.step_names, Keep) else read.step_names
        steps_wanted = _step_ids(self.process, step_ids)
        value = None if isinstance(read.value, Keep) else read.value
        deal = await editing.create_deal(
            self.actor,
            editing.NewDeal(
                name="" if isinstance(read.name, Keep) else read.name,
                company=validation.kept(read.company, None),
                contact_person=validation.kept(read.contact_person, None),
                value=None if items else value,
                source=validation.kept(read.source, None),
                expected_close_date=validation.kept(read.expected_close_date, None),
                owner_id=validation.kept(read.owner_id, None),
                process_id=self.process.row.id,
                is_public=bool(validation.kept(read.is_public, False)),
                external_id=read.external_id,
            ),
        )
        if items:
            deal = await line_items.set_line_items(
                self.actor, deal.id, deal.version, items, "lineItems"
            )
            _check_value(deal, value)
        for step_id in steps_wanted:
            deal = await steps.complete_step(self.actor, deal.id, step_id, None, None, self.store)
        status = validation.kept(read.status, DealStatus.OPEN)
        await self._close(deal, status, read)
        return deal

    async def _close(self, deal: Deal, status: DealStatus, read: DealRow) -> None:
        reason = validation.kept(read.lost_reason, None) or ""
        if status == DealStatus.WON:
            await lifecycle.win_deal(self.actor, deal.id)
        elif status == DealStatus.LOST:
            await lifecycle.lose_deal(self.actor, deal.id, reason)
        elif status == DealStatus.CANCELLED:
            await lifecycle.cancel_deal(self.actor, deal.id, reason)

    async def _update(self, deal: Deal, read: DealRow) -> bool:
        """Bring the deal to the row; whether anything changed."""
        tree = self.trees.get(deal.process_id) or await load_process_tree(
            self.actor.workspace_id, deal.process_id
        )
        if tree is None:
            raise not_found("Process", ("processId",))
        wanted_steps = (
            None if isinstance(read.step_names, Keep) else _step_ids(tree, read.step_names)
        )
        items = self._items(read)
        current_items = await LineItem.filter(deal_id=deal.id)
        has_items = bool(items) if items is not None else bool(current_items)
        fields = self._field_changes(deal, read, has_items)
        completions = StepCompletion.filter(deal_id=deal.id, step_id__in=list(tree.step_ids))
        done = {int(c.step_id) for c in await completions}
        items_differ = not isinstance(read.items, Keep) and not _same_items(
            current_items, self.codes, read.items
        )
        steps_differ = wanted_steps is not None and set(wanted_steps) != done
        public_differs = (
            read.is_public is not None
            and not isinstance(read.is_public, Keep)
            and (read.is_public != deal.is_public)
        )
        status = validation.kept(read.status, deal.status)
        reason = validation.kept(read.lost_reason, deal.lost_reason)
        closing_differs = status != deal.status or (
            status in CLOSE_REASON_STATUSES and (reason or None) != deal.lost_reason
        )
        other_changes = bool(fields) or items_differ or steps_differ or public_differs
        if not other_changes and not closing_differs:
            return False
        if deal.status != DealStatus.OPEN:
            if status != DealStatus.OPEN and (other_changes or status == deal.status):
                raise Refused.one(
                    ErrorCode.DEAL_CLOSED,
                    "The deal is closed: set its status to OPEN to change it.",
                    ("id",),
                )
            deal = await lifecycle.reopen_deal(self.actor, deal.id)
        if fields:
            deal = await editing.update_deal(
                self.actor, deal.id, editing.DealChanges(version=deal.version, **fields)
            )
        if items_differ and items is not None:
            deal = await line_items.set_line_items(
                self.actor, deal.id, deal.version, items, "lineItems"
            )
        if has_items and not isinstance(read.value, Keep):
            _check_value(deal, read.value)
        if public_differs:
            deal = await participation.set_deal_public(self.actor, deal.id, bool(read.is_public))
        if wanted_steps is not None:
            for step_id in sorted(done - set(wanted_steps)):
                deal = await steps.uncomplete_step(self.actor, deal.id, step_id)
            for step_id in wanted_steps:
                if step_id not in done:
                    deal = await steps.complete_step(
                        self.actor, deal.id, step_id, None, None, self.store
                    )
        await self._close(deal, status, read)
        return True

    @staticmethod
    def _field_changes(deal: Deal, read: DealRow, has_items: bool) -> dict[str, Any]:
        """The deal's own fields the row changes (its value only while it has no line
        items: with items, the value is their sum)."""
        fields: dict[str, Any] = {}
        for key in ("company", "contact_person", "source", "expected_close_date"):
            value = getattr(read, key)
            if not isinstance(value, Keep) and value != getattr(deal, key):
                fields[key] = value
        if not isinstance(read.name, Keep) and read.name.strip() != deal.name:
            fields["name"] = read.name
        owner = read.owner_id
        if not isinstance(owner, Keep) and owner is not None and owner != deal.owner_id:
            fields["owner_id"] = owner
        if not has_items and not isinstance(read.value, Keep):
            wanted = read.value if read.value is not None else Decimal(0)
            if wanted != deal.value:
                fields["value"] = wanted
        return fields


def _check_value(deal: Deal, value: Decimal | None) -> None:
    if value is not None and value != deal.value:
        raise CellProblem("value", f"The line items add up to {deal.value}, not {value}.")


async def import_deals(
    actor: User, upload: object, process_id: int, dry_run: bool, max_rows: int, store: FileStore
) -> ImportReport:
    """Managers and administrators (an import writes deals of anyone)."""
    access.require_manager(actor, "import deals")
    process = await load_process_tree(actor.workspace_id, process_id)
    if process is None:
        raise not_found("Process", ("input", "processId"))
    table = open_table(upload, DEAL_COLUMNS, DEAL_ALIASES, max_rows)
    importer = DealImport(actor, process, store)
    await importer.read_lookups()
    return await run_import(table, importer.apply, COLUMNS_OF, dry_run)
