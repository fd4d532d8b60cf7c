"""Finance (Livespace's finance view): for a period, the forecast of the open deals
expected to close in it (value x probability), the value won in it, and the costs and
profit of those won deals, grouped by month, product, owner or process, with totals.

Only the deals the viewer may see count. The reads are a fixed handful of statements
whatever the number of deals (the deals, their costs, their line items, the names of
what the rows are about); money is added as integer cents, never as floats (SQLite
keeps decimals as text).

By product, a deal with line items is split over its items in proportion to their
amounts: its forecast, its value and its costs each go to the items' products by the
largest remainder, so that the parts add up to the deal's own figures to the cent (a
deal whose items are all worth nothing is split evenly). A deal without items, and an
item without a product, count under "no product".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, Subquery

from models.account import User, Workspace
from models.deal import DealCost, DealStatus, LineItem
from models.process import Process
from models.product import Product
from resolvers.access import visible_deals
from resolvers.board.statistics import Period, stats_period
from resolvers.clock import now_utc
from resolvers.errors import not_found
from resolvers.progress import cents

NO_PRODUCT = "none"


class FinanceGrouping(StrEnum):
    MONTH = "MONTH"
    PRODUCT = "PRODUCT"
    OWNER = "OWNER"
    PROCESS = "PROCESS"


@dataclass
class FinanceFigures:
    """One row's sums, in cents, and the deals behind them."""

    forecast_cents: int = 0
    won_cents: int = 0
    costs_cents: int = 0
    deal_ids: set[int] = field(default_factory=set)

    @property
    def profit_cents(self) -> int:
        return self.won_cents - self.costs_cents

    def add(self, deal_id: int, forecast: int = 0, won: int = 0, costs: int = 0) -> None:
        self.forecast_cents += forecast
        self.won_cents += won
        self.costs_cents += costs
        self.deal_ids.add(deal_id)


@dataclass(frozen=True)
class FinanceRow:
    """`key` names what the row is about: a month ("2026-03"), or the primary key of a
    product, owner or process ("none": deals and items without a product)."""

    key: str
    label: str
    figures: FinanceFigures


@dataclass(frozen=True)
class Finance:
    period: Period
    grouping: FinanceGrouping
    rows: list[FinanceRow]
    totals: FinanceFigures


@dataclass(frozen=True)
class _Deal:
    """A deal as finance counts it: its key in the grouping (not by product), whether it
    counts as forecast (open, expected in the period) or as won in the period."""

    id: int
    key: str
    won: bool
    value_cents: int
    forecast_cents: int


def split(total: int, weights: list[int]) -> list[int]:
    """`total` cents over `weights` in proportion, by the largest remainder: the parts
    add up to `total` exactly (equal parts when the weights are all zero)."""
    if not weights:
        return []
    if not any(weights):
        weights = [1] * len(weights)
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _months(period: Period) -> list[str]:
    months, year, month = [], period.first.year, period.first.month
    while (year, month) <= (period.last.year, period.last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_label(key: str) -> str:
    return date.fromisoformat(f"{key}-01").strftime("%B %Y")


def _key(grouping: FinanceGrouping, row: dict[str, object], zone: ZoneInfo) -> str:
    if grouping == FinanceGrouping.OWNER:
        return str(row["owner_id"])
    if grouping == FinanceGrouping.PROCESS:
        return str(row["process_id"])
    if grouping == FinanceGrouping.MONTH:
        if row["status"] == DealStatus.WON:
            closed = row["closed_at"]
            assert isinstance(closed, datetime)
            return closed.astimezone(zone).strftime("%Y-%m")
        expected = row["expected_close_date"]
        assert isinstance(expected, date)
        return expected.strftime("%Y-%m")
    return NO_PRODUCT  # by product, the items decide


async def finance(
    actor: User,
    first: date,
    last: date,
    grouping: FinanceGrouping,
    process_id: int | None = None,
) -> Finance:
    workspace = await Workspace.get(id=actor.workspace_id)
    zone = ZoneInfo(workspace.timezone)
    period = stats_period(first, last, now_utc().astimezone(zone).date())
    start, end = period.bounds(workspace.timezone)
    deals = visible_deals(actor)
    if process_id is not None:
        if not await Process.filter(id=process_id, workspace_id=actor.workspace_id).exists():
            raise not_found("Process", ("processId",))
        deals = deals.filter(process_id=process_id)
    expected = Q(
        status=DealStatus.OPEN,
        expected_close_date__gte=period.first,
        expected_close_date__lte=period.last,
    )
    won = Q(status=DealStatus.WON, closed_at__gte=start, closed_at__lt=end)
    counted = deals.filter(expected | won)
    rows = await counted.values(
        "id",
        "status",
        "owner_id",
        "process_id",
        "expected_close_date",
        "closed_at",
        "value_cents",
        "forecast_cents",
    )
    found = [
        _Deal(
            id=int(row["id"]),
            key=_key(grouping, row, zone),
            won=row["status"] == DealStatus.WON,
            value_cents=int(row["value_cents"]),
            forecast_cents=int(row["forecast_cents"]),
        )
        for row in rows
    ]
    won_ids = Subquery(counted.filter(won).values("id"))
    costs: dict[int, int] = defaultdict(int)
    for deal_id, amount in await DealCost.filter(deal_id__in=won_ids).values_list(
        "deal_id", "amount"
    ):
        costs[int(deal_id)] += cents(amount)
    by_key: dict[str, FinanceFigures] = defaultdict(FinanceFigures)
    totals = FinanceFigures()
    if grouping == FinanceGrouping.PRODUCT:
        items = (
            await LineItem.filter(deal_id__in=Subquery(counted.values("id")))
            .order_by("position", "id")
            .values_list("deal_id", "product_id", "amount")
        )
        _add_by_product(found, costs, items, by_key)
    else:
        for deal in found:
            _add(by_key[deal.key], deal, costs.get(deal.id, 0))
    for deal in found:
        _add(totals, deal, costs.get(deal.id, 0))
    if grouping == FinanceGrouping.MONTH:
        keys = _months(period)
        labels = {k: _month_label(k) for k in keys}
    else:
        labels = await _labels(actor, grouping, by_key)
        keys = sorted(by_key, key=lambda k: (k == NO_PRODUCT, labels.get(k, "").casefold(), k))
    return Finance(
        period,
        grouping,
        [FinanceRow(k, labels.get(k, k), by_key.get(k) or FinanceFigures()) for k in keys],
        totals,
    )


def _add(figures: FinanceFigures, deal: _Deal, costs: int) -> None:
    if deal.won:
        figures.add(deal.id, won=deal.value_cents, costs=costs)
    else:
        figures.add(deal.id, forecast=deal.forecast_cents)


def _add_by_product(
    deals: list[_Deal],
    costs: dict[int, int],
    items: Iterable[tuple[int, int | None, object]],
    by_key: dict[str, FinanceFigures],
) -> None:
    items_of: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for deal_id, product_id, amount in items:
        key = str(product_id) if product_id is not None else NO_PRODUCT
        items_of[int(deal_id)].append((key, cents(amount)))  # type: ignore[arg-type]
    for deal in deals:
        parts = items_of.get(deal.id) or [(NO_PRODUCT, deal.value_cents)]
        weights = [amount for _, amount in parts]
        figure = deal.value_cents if deal.won else deal.forecast_cents
        deal_costs = costs.get(deal.id, 0) if deal.won else 0
        for (key, _), share, cost in zip(
            parts, split(figure, weights), split(deal_costs, weights), strict=True
        ):
            if deal.won:
                by_key[key].add(deal.id, won=share, costs=cost)
            else:
                by_key[key].add(deal.id, forecast=share)


async def _labels(
    actor: User, grouping: FinanceGrouping, by_key: dict[str, FinanceFigures]
) -> dict[str, str]:
    ids = [int(k) for k in by_key if k != NO_PRODUCT]
    if grouping == FinanceGrouping.OWNER:
        query = User.filter(workspace_id=actor.workspace_id, id__in=ids)
    elif grouping == FinanceGrouping.PROCESS:
        query = Process.filter(workspace_id=actor.workspace_id, id__in=ids)  # type: ignore[assignment]
    else:
        query = Product.filter(workspace_id=actor.workspace_id, id__in=ids)  # type: ignore[assignment]
    names = dict(await query.values_list("id", "name"))
    labels = {str(k): str(v) for k, v in names.items()}
    if grouping == FinanceGrouping.PRODUCT:
        labels[NO_PRODUCT] = "No product"
    return labels
