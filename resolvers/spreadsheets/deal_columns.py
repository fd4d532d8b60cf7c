"""The columns of a deals CSV file, what export writes in them and how import reads
them back. The file names nothing by database id: owners by email, steps by name,
products by code, so that a file moves between workspaces (the round trip: export,
import into a fresh workspace with the same process, users and products, export again
gives the same file).

Multi-valued cells hold one value per line: `completedSteps` the steps' names,
`lineItems` one item each as `<quantity> x <name> [<product code>] @ <unit price>`,
with ` -<discount>%` when there is one (`2 x Solar panel [PANEL-1] @ 250.00 -10%`).
`process`, `stage`, `probability` and `currency` follow from the rest and are written
for reading only: import passes over them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from models.account import User
from models.deal import Deal, LineItem, StepCompletion
from models.process import Process, Stage, Step
from models.product import Product
from resolvers.deals.line_items import NewLineItem
from resolvers.deals.reads import completions_of, line_items_of
from resolvers.spreadsheets.cells import CellProblem, money, plain_decimal

DEAL_COLUMNS = (
    "externalId",
    "name",
    "company",
    "contactPerson",
    "owner",
    "value",
    "currency",
    "source",
    "expectedCloseDate",
    "status",
    "lostReason",
    "public",
    "completedSteps",
    "lineItems",
    "process",
    "stage",
    "probability",
)
READ_ONLY_COLUMNS = ("process", "stage", "probability", "currency")
DEAL_ALIASES = {"title": "name", "ownerEmail": "owner", "contact": "contactPerson"}

_ITEM = re.compile(
    r"^(?P<quantity>\d+(?:\.\d+)?)\s*[x\u00d7]\s+(?P<name>.+?)"
    r"(?:\s+\[(?P<code>[^\]]+)\])?\s+@\s+(?P<price>\d+(?:\.\d+)?)"
    r"(?:\s+-(?P<discount>\d+(?:\.\d+)?)%)?$"
)


def item_text(item: LineItem, code: str | None) -> str:
    text = f"{plain_decimal(item.quantity)} x {item.name}"
    if code:
        text += f" [{code}]"
    text += f" @ {money(item.unit_price)}"
    if item.discount_percent:
        text += f" -{plain_decimal(item.discount_percent)}%"
    return text


@dataclass(frozen=True)
class ParsedItem:
    quantity: Decimal
    name: str
    code: str | None
    unit_price: Decimal
    discount_percent: Decimal


def parse_items(lines: Sequence[str]) -> list[ParsedItem]:
    items = []
    for index, line in enumerate(lines, start=1):
        found = _ITEM.match(line)
        if found is None:
            raise CellProblem(
                "lineItems",
                f"Item {index}: write it as '2 x Name [CODE] @ 250.00 -10%' "
                "(the code and the discount are optional).",
            )
        items.append(
            ParsedItem(
                quantity=Decimal(found["quantity"]),
                name=found["name"].strip(),
                code=found["code"],
                unit_price=Decimal(found["price"]),
                discount_percent=Decimal(found["discount"] or 0),
            )
        )
    return items


def new_line_items(items: list[ParsedItem], products: dict[str, int]) -> list[NewLineItem]:
    """Items as `set_line_items` takes them; a code names a product of the catalogue."""
    found = []
    for index, item in enumerate(items, start=1):
        product_id = None
        if item.code is not None:
            product_id = products.get(item.code)
            if product_id is None:
                raise CellProblem("lineItems", f"Item {index}: no product has code {item.code}.")
        found.append(
            NewLineItem(
                quantity=item.quantity,
                product_id=product_id,
                name=item.name,
                unit_price=item.unit_price,
                discount_percent=item.discount_percent,
            )
        )
    return found


class ExportBatch:
    """What the rows of one batch of deals name, read in a fixed number of queries."""

    def __init__(self) -> None:
        self.emails: dict[int, str] = {}
        self.processes: dict[int, str] = {}
        self.stages: dict[int, str] = {}
        self.steps: dict[int, list[str]] = {}
        self.items: dict[int, list[str]] = {}

    @classmethod
    async def read(cls, deals: list[Deal]) -> ExportBatch:
        batch = cls()
        ids = [d.id for d in deals]
        batch.emails = dict(
            await User.filter(id__in={d.owner_id for d in deals}).values_list("id", "email")
        )
        batch.processes = dict(
            await Process.filter(id__in={d.process_id for d in deals}).values_list("id", "name")
        )
        stage_ids = {d.stage_id for d in deals if d.stage_id is not None}
        batch.stages = dict(await Stage.filter(id__in=stage_ids).values_list("id", "name"))
        await batch._read_steps(deals, await completions_of(ids))
        await batch._read_items(await line_items_of(ids))
        return batch

    async def _read_steps(
        self, deals: list[Deal], completions: dict[int, list[StepCompletion]]
    ) -> None:
        """Each deal's completed live steps of its own process, in the process's order
        (completions of another process are kept for switching back: not written)."""
        step_ids = {c.step_id for done in completions.values() for c in done}
        steps = await Step.filter(
            id__in=step_ids, archived_at=None, stage__archived_at=None
        ).values_list("id", "name", "stage__process_id", "stage__position", "position")
        by_id = {row[0]: row for row in steps}
        for deal in deals:
            done = [by_id[c.step_id] for c in completions.get(deal.id, []) if c.step_id in by_id]
            own = sorted((s for s in done if s[2] == deal.process_id), key=lambda s: (s[3], s[4]))
            self.steps[deal.id] = [s[1] for s in own]

    async def _read_items(self, items: dict[int, list[LineItem]]) -> None:
        product_ids = {i.product_id for rows in items.values() for i in rows if i.product_id}
        codes = dict(await Product.filter(id__in=product_ids).values_list("id", "code"))
        texts: dict[int, list[str]] = defaultdict(list)
        for deal_id, rows in items.items():
            for item in rows:
                texts[deal_id].append(item_text(item, codes.get(item.product_id)))
        self.items = dict(texts)

    def row(self, deal: Deal) -> list[object]:
        return [
            deal.external_id,
            deal.name,
            deal.company,
            deal.contact_person,
            self.emails.get(deal.owner_id),
            money(deal.value),
            deal.currency,
            deal.source,
            deal.expected_close_date.isoformat() if deal.expected_close_date else None,
            str(deal.status),
            deal.lost_reason,
            "true" if deal.is_public else "false",
            "\n".join(self.steps.get(deal.id, [])),
            "\n".join(self.items.get(deal.id, [])),
            self.processes.get(deal.process_id),
            self.stages.get(deal.stage_id) if deal.stage_id else None,
            deal.probability,
        ]
