"""What each enum value means, for client developers, in one place. The enums are the
domain's own Python enums (`schema.scalars`), which know nothing of GraphQL; their
values' descriptions are set here on the built schema (`describe_enum_values`), and a
test holds every value of every enum to having one."""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLSchema

ENUM_VALUES: dict[str, dict[str, str]] = {
    "Role": {
        "ADMIN": "Configures the workspace (processes, users, forms) and sees every deal.",
        "MANAGER": "Sees and works every deal of the workspace, private ones included.",
        "USER": "A salesperson: sees their own deals, those they take part in and public ones.",
    },
    "Performer": {
        "ANYONE": "Anyone who may edit the deal.",
        "MANAGERS": "Managers and administrators.",
        "ADMINS": "Administrators only.",
        "SELECTED_USERS": "The step's `performers` only.",
    },
    "NoteRequirement": {
        "NONE": "The step is completed without a note.",
        "NOTE": "Completing the step needs a note (NOTE_REQUIRED without).",
        "NOTE_WITH_FILE": "Completing the step needs a note and a file (FILE_REQUIRED without).",
    },
    "NotifyAudience": {
        "ADMINS": "Every administrator of the workspace.",
        "MANAGERS": "Every manager of the workspace.",
        "PARTICIPANTS": "The deal's owner and participants.",
        "SELECTED_USERS": "The step's `notifyUsers`.",
    },
    "TaskAssignee": {
        "DEAL_OWNER": "The task goes to the deal's owner.",
        "STEP_PERFORMER": "The task goes to whoever completed the step.",
    },
    "AccessRequestStatus": {
        "PENDING": "Waiting for the deal's owner or a manager to answer.",
        "GRANTED": "The requester became a participant.",
        "DENIED": "Refused; the requester may ask again.",
    },
    "DealStatus": {
        "OPEN": "In progress: on its process's board.",
        "WON": "Closed as won (its mandatory steps done).",
        "LOST": "Closed as lost, with a reason and the stage it was lost at.",
        "CANCELLED": "Closed because the project never happened (not lost to anyone).",
    },
    "LeadStatus": {
        "NEW": "Not contacted yet.",
        "CONTACTED": "Being worked.",
        "QUALIFIED": "Became a deal (`qualifyLead`): closed.",
        "DISQUALIFIED": "Closed with a reason; `reopenLead` makes it NEW again.",
    },
    "TaskStatus": {
        "NONE": "No open task.",
        "LATER": "Open tasks, none due today or before (undated ones count as later).",
        "TODAY": "An open task due today (the workspace's time zone), none overdue.",
        "OVERDUE": "An open task past its due time.",
    },
    "BoardEventKind": {
        "DEAL_ADDED": "A deal came onto the board as you see it (created, reopened, shared "
        "with you, moved into this process).",
        "DEAL_UPDATED": "A card on the board changed, in the same column.",
        "DEAL_MOVED": "A card moved to another column (stage).",
        "DEAL_REMOVED": "A deal left the board as you see it (closed, deleted, hidden from "
        "you, moved to another process); `deal` is null.",
        "PROCESS_CHANGED": "The process's stages or weights changed: load the board again.",
    },
    "DealOrderField": {
        "UPDATED_AT": "By the time of the deal's last change.",
        "CREATED_AT": "By creation time.",
        "VALUE": "By value.",
        "EXPECTED_CLOSE_DATE": "By expected close date; a deal without one sorts after every date.",
        "PROBABILITY": "By probability (the weight of its process's completed steps).",
    },
    "OrderDirection": {"ASC": "Smallest or oldest first.", "DESC": "Largest or newest first."},
    "FinanceGrouping": {
        "MONTH": "A row per calendar month of the period (the workspace's time zone).",
        "PRODUCT": "A row per product; a deal is split over its line items to the cent.",
        "OWNER": "A row per deal owner.",
        "PROCESS": "A row per process.",
    },
    "ImportAction": {
        "CREATE": "The row makes a new deal or lead.",
        "UPDATE": "The row changes the deal or lead with its externalId.",
        "UNCHANGED": "The row matches the deal or lead with its externalId: nothing to do.",
    },
}


def describe_enum_values(schema: GraphQLSchema) -> None:
    """Set the descriptions above on the schema's enum values (in place)."""
    for type_name, values in ENUM_VALUES.items():
        enum = schema.type_map.get(type_name)
        if isinstance(enum, GraphQLEnumType):
            for value_name, description in values.items():
                if value_name in enum.values:
                    enum.values[value_name].description = description
