"""`importLeads`: rows of a leads CSV file created or updated by `externalId` through
the lead resolvers, all or nothing (`resolvers.spreadsheets.importing`).

Columns: `externalId`, `name`, `company`, `contactPerson`, `email`, `phone`, `source`,
`note`, `owner` (an email; empty: the unassigned pool), `status` (NEW, CONTACTED or
DISQUALIFIED; a lead is qualified into a deal with `qualifyLead`) and
`disqualifiedReason`. A column the file does not have keeps what a lead has; an empty
cell clears it.
"""

from __future__ import annotations

from typing import Any

from models.account import User
from models.lead import OPEN_LEAD_STATUSES, Lead, LeadStatus
from resolvers import access
from resolvers.errors import ErrorCode, Refused
from resolvers.leads import editing, lifecycle
from resolvers.spreadsheets.cells import CellProblem, CellReader, Row
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
from resolvers.validation import Keep

LEAD_COLUMNS = (
    "externalId",
    "name",
    "company",
    "contactPerson",
    "email",
    "phone",
    "source",
    "note",
    "owner",
    "status",
    "disqualifiedReason",
)
LEAD_ALIASES = {"title": "name", "contact": "contactPerson", "ownerEmail": "owner"}
TEXT_COLUMNS = {
    "company": "company",
    "contact_person": "contactPerson",
    "email": "email",
    "phone": "phone",
    "source": "source",
    "note": "note",
}
COLUMNS_OF = {
    "externalId": "externalId",
    "name": "name",
    "company": "company",
    "contactPerson": "contactPerson",
    "email": "email",
    "phone": "phone",
    "source": "source",
    "note": "note",
    "ownerId": "owner",
    "status": "status",
    "reason": "disqualifiedReason",
    "id": "status",
    "leadId": "status",
}


def _read(row: Row, users: dict[str, int]) -> dict[str, Any]:
    """The row's values by the lead's field names (absent columns left out)."""
    cells = CellReader(row)

    def owner() -> int | None:
        email = (row.text("owner") or "").lower()
        if email and email not in users:
            raise CellProblem("owner", f"No active user of the workspace has the email {email}.")
        return users.get(email) if email else None

    def status() -> LeadStatus:
        text = (row.text("status") or "NEW").upper()
        if text not in LeadStatus.__members__:
            raise CellProblem("status", f"One of {', '.join(LeadStatus.__members__)}.")
        return LeadStatus(text)

    found: dict[str, Any] = {
        "external_id": cells.external_id(),
        "name": cells.get("name", lambda: row.cells["name"]),
        "owner_id": cells.get("owner", owner),
        "status": cells.get("status", status),
        "reason": cells.get("disqualifiedReason", lambda: row.text("disqualifiedReason")),
    }
    for key, column in TEXT_COLUMNS.items():
        found[key] = cells.get(column, lambda column=column: row.text(column))  # type: ignore[misc]
    if cells.problems:
        raise RowProblems(cells.problems)
    return {key: value for key, value in found.items() if not isinstance(value, Keep)}


class LeadImport:
    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.users: dict[str, int] = {}
        self.seen: dict[str, int] = {}

    async def read_lookups(self) -> None:
        self.users = await active_users_by_email(self.actor.workspace_id)

    async def apply(self, row: Row) -> RowOutcome:
        read = _read(row, self.users)
        external_id = read.pop("external_id")
        first_in_file(self.seen, external_id, row.number)
        status = read.pop("status", None)
        reason = read.pop("reason", None)
        if status == LeadStatus.QUALIFIED:
            raise CellProblem("status", "A lead becomes QUALIFIED with qualifyLead, into a deal.")
        existing = (
            await access.visible_leads(self.actor).filter(external_id=external_id).first()
            if external_id is not None
            else None
        )
        if existing is None:
            lead = await self._create(read, external_id, status, reason)
            return RowOutcome(row.number, Action.CREATE, external_id, lead.id)
        changed = await self._update(existing, read, status, reason)
        action = Action.UPDATE if changed else Action.UNCHANGED
        return RowOutcome(row.number, action, external_id, existing.id)

    async def _create(
        self,
        read: dict[str, Any],
        external_id: str | None,
        status: LeadStatus | None,
        reason: str | None,
    ) -> Lead:
        lead = await editing.create_lead(
            self.actor,
            editing.NewLead(name=read.pop("name", ""), external_id=external_id, **read),
        )
        return await self._reach(lead, status, reason)

    async def _reach(self, lead: Lead, status: LeadStatus | None, reason: str | None) -> Lead:
        """From an open lead, the row's status."""
        if status == LeadStatus.DISQUALIFIED:
            return await lifecycle.disqualify_lead(self.actor, lead.id, reason or "")
        if status is not None and status != lead.status:
            changes = editing.LeadChanges(version=lead.version, status=status)
            return await editing.update_lead(self.actor, lead.id, changes)
        return lead

    async def _update(
        self, lead: Lead, read: dict[str, Any], status: LeadStatus | None, reason: str | None
    ) -> bool:
        fields = {
            key: value
            for key, value in read.items()
            if (value.strip() if key == "name" else value) != getattr(lead, key)
        }
        wanted = status or lead.status
        reason_differs = (
            wanted == LeadStatus.DISQUALIFIED
            and (reason or None) != lead.disqualified_reason
            and status is not None
        )
        if not fields and wanted == lead.status and not reason_differs:
            return False
        if lead.status not in OPEN_LEAD_STATUSES:
            if lead.status == LeadStatus.QUALIFIED or wanted not in OPEN_LEAD_STATUSES:
                raise Refused.one(
                    ErrorCode.LEAD_CLOSED,
                    "The lead is closed: only a disqualified lead is reopened (status NEW).",
                    ("status",),
                )
            lead = await lifecycle.reopen_lead(self.actor, lead.id)
        if fields:
            changes = editing.LeadChanges(version=lead.version, **fields)
            lead = await editing.update_lead(self.actor, lead.id, changes)
        await self._reach(lead, wanted, reason)
        return True


async def import_leads(actor: User, upload: object, dry_run: bool, max_rows: int) -> ImportReport:
    """Managers and administrators (an import gives leads to anyone)."""
    access.require_manager(actor, "import leads")
    table = open_table(upload, LEAD_COLUMNS, LEAD_ALIASES, max_rows)
    importer = LeadImport(actor)
    await importer.read_lookups()
    return await run_import(table, importer.apply, COLUMNS_OF, dry_run)
