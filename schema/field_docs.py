"""What each type, field and input field means, for client developers, in one place.
Most fields are plain Strawberry attributes whose code says nothing a client sees; their
descriptions are set here on the built schema (`describe_fields`), wherever the type's
own code gave none (a description in the code always wins). The generated types
(`...Connection`, `...Edge`, `...Payload`) and the few field names that mean the same
everywhere (`id` of a `Node`, `createdAt`, `errors` ...) are told once by pattern. A test
holds every type, field and input field to having a description."""

from __future__ import annotations

import re

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
)

from models.event import EventKind
from resolvers.validation import MAX_AMOUNT

AMOUNT = f"0 to {MAX_AMOUNT}, two decimals at most"
NAME = "1 to 200 characters"
TEXT = "At most 200 characters"
KEEP = "Null keeps it."

TYPES: dict[str, str] = {
    "Query": "What you may read, as the user of the bearer token (or a display token) sees it.",
    "Mutation": "Every change. Each answers a payload whose `errors` list the expected "
    "refusals (then nothing changed).",
    "Subscription": "Live updates over a WebSocket; every event carries a `cursor` to resume "
    "from with `after` after a reconnect.",
    "User": "A person of your workspace; every user sees every other.",
    "Stage": "A column of a process's board: an ordered group of steps.",
    "Step": "Something to do on a deal; completing it moves the deal on by its weight.",
    "Cost": "A cost of a deal, taken off its value for its profit.",
    "FieldChange": "One field's value before and after a change, as text (people and things "
    "by name).",
    "Task": "Something to do, for one person, about a deal or not.",
    "BoardFilter": "Narrows a board or a deal list: every condition given must hold; an id "
    "list matches any of its ids.",
    "DealOrder": "How `deals` is sorted.",
    "Finance": "Forecast and realised amounts over a period, a row per month, product, owner "
    "or process.",
    "LeadStatusCount": "How many leads are in one status.",
    "LeadFilter": "Narrows `leads`: every condition given must hold.",
    "ActivityFilter": "Narrows the activity: every condition given must hold.",
    "QualifyLeadPayload": "What qualifyLead answers: the lead and its deal, or `errors` (then "
    "nothing changed).",
    "MarkReadPayload": "What markNotificationsRead answers: the unread count after it, or "
    "`errors` (then nothing changed).",
    "LogoutPayload": "What logout answers: whether the session was revoked.",
    "LoginPayload": "What login answers: a bearer token and its user, or `errors`.",
    "ImportPayload": "What an import answers: its report, or `errors` (then nothing was imported).",
    "WebhookPayload": "What the mutation answers: the webhook (and its secret, on create and "
    "rotate), or `errors` (then nothing changed).",
    "DisplayTokenPayload": "What the mutation answers: the display token (and the token "
    "itself, on create), or `errors` (then nothing changed).",
    "LoginInput": "The credentials of an active user.",
    "CreateUserInput": "A new user of your workspace.",
    "ProcessInput": "A new process: its name and its stages of steps.",
    "StageInput": "A stage of the configuration; an id keeps an existing one, none makes one.",
    "TaskTemplateInput": "The task completing a step creates.",
    "IdInput": "Names one object by its global id.",
    "CreateDealInput": "A new open deal.",
    "CostInput": "A cost of a deal.",
    "ChangeDealProcessInput": "Move an open deal to another process.",
    "CompleteStepInput": "A step to mark done on a deal, with its note and file.",
    "UncompleteStepInput": "A step whose completion to undo.",
    "CloseDealInput": "An open deal to close as lost or cancelled, and why.",
    "SetDealPublicInput": "A deal to make public or private.",
    "ParticipantInput": "A deal and a user who takes part in it.",
    "CreateTaskInput": "A new task.",
    "AnswerAccessRequestInput": "Grant or deny an access request.",
    "MarkReadInput": "Give `ids` or `all: true` (neither: VALIDATION).",
    "ProductInput": "A new product of the catalogue.",
    "CreateLeadInput": "A new lead.",
    "QualifyLeadInput": "Turn an open lead into a new deal, or attach it to an existing one.",
    "DisqualifyLeadInput": "Close an open lead as disqualified, and why.",
    "CreateLeadFormInput": "A new lead form.",
    "DisplayTokenInput": "A wall screen's token for one board.",
    "CreateWebhookInput": "A new webhook of yours (at most WEBHOOK_MAX_PER_USER, 10 by default).",
    "ImportResult": "What an import did, or would do in a dry run.",
    "ImportDealsInput": "A CSV file of deals to import, new ones into one process.",
    "ImportLeadsInput": "A CSV file of leads to import.",
    "NoteRequirement": "What completing a step needs besides the step itself.",
    "NotifyAudience": "Who is told when a step is completed.",
    "TaskAssignee": "Who gets the task a step creates.",
    "DealOrderField": "What `deals` can be sorted by.",
    "OrderDirection": "The order of a sorted list.",
    "AccessRequestStatus": "Where an access request stands.",
}

FIELDS: dict[str, str] = {
    # Roots
    "Query.process": "A live process of your workspace; null for any other id (deleted "
    "processes included).",
    "Mutation.createDeal": "Create an open deal. Anyone creates their own; managers and "
    "administrators for someone else (FORBIDDEN otherwise).",
    "Mutation.completeStep": "Mark a step done (done already: unchanged). Needs edit access "
    "and the step's whoCanPerform (FORBIDDEN); DEAL_CLOSED, STEP_NOT_IN_PROCESS, "
    "NOTE_REQUIRED, FILE_REQUIRED.",
    "Mutation.uncompleteStep": "Undo a step's completion (not done: unchanged); the same "
    "rules as completeStep.",
    "Mutation.reopenDeal": "A won, lost or cancelled deal is OPEN again (open already: "
    "CONFLICT). Whoever may edit it.",
    "Mutation.restoreDeal": "Bring a deal back from the trash. Its owner, managers and "
    "administrators.",
    "Mutation.setDealPublic": "Public: every user may see and join it; private: its people "
    "only. Its owner, managers and administrators.",
    "Mutation.addParticipant": "Let an active user of the workspace take part (see and edit "
    "the deal). Its owner, managers and administrators.",
    "Mutation.removeParticipant": "Take a participant off the deal: its owner, managers and "
    "administrators, or the participant themselves.",
    "Mutation.createTask": "A task for you or another active user, about a deal you may edit "
    "or none.",
    "Mutation.completeTask": "Mark a task done (done already: unchanged). Its assignee, its "
    "author, or whoever may edit its deal.",
    # Accounts
    "User.email": "The address they log in with, in lower case; unique on the server.",
    "User.name": "How the user is shown.",
    "User.role": "What the user may see and do.",
    "User.active": "false: deactivated; they cannot log in and their sessions ended.",
    "LoginPayload.token": "The bearer token (`Authorization: Bearer <token>`); valid 14 days by "
    "default (TOKEN_TTL_HOURS). Null when refused.",
    "LoginPayload.user": "Who logged in; null when refused.",
    "LoginPayload.errors": "INVALID_CREDENTIALS (the same for an unknown email, a wrong "
    "password or a deactivated user), or RATE_LIMITED with retryAfter.",
    "LoginInput.email": "In any case; surrounding spaces are ignored.",
    "LoginInput.password": "The user's password.",
    "LogoutPayload.ok": "true when the token's session was revoked.",
    "UserPayload.user": "The user as the mutation left them; null when refused.",
    "CreateUserInput.email": "Their login: a valid address of at most 254 characters, not in "
    "use on this server (CONFLICT).",
    "CreateUserInput.name": f"{NAME}.",
    "CreateUserInput.role": "What the user may see and do.",
    "CreateUserInput.password": "8 to 256 characters.",
    "UpdateUserInput.id": "The user to change.",
    "UpdateUserInput.name": f"{NAME}.",
    "UpdateUserInput.role": "The workspace keeps at least one active administrator (CONFLICT).",
    "UpdateUserInput.active": "false deactivates: they can no longer log in and their "
    "sessions end at once.",
    "UpdateUserInput.password": "A new password, 8 to 256 characters; their sessions end.",
    # Processes
    "Process.name": "Unique among the workspace's processes.",
    "Process.isDefault": "New deals and qualified leads follow it unless told otherwise; one "
    "process is the default.",
    "Process.stages": "Its live stages, in order (archived ones left out).",
    "Process.updatedAt": "When its configuration last changed.",
    "Stage.name": "Unique in its process.",
    "Stage.position": "Its place in the process, from 0.",
    "Stage.steps": "Its live steps, in order (archived ones left out).",
    "Stage.archivedAt": "Set when the stage was removed from its process (deals lost there "
    "still point at it).",
    "Step.name": "What to do.",
    "Step.position": "Its place in its stage, from 0.",
    "Step.whoCanPerform": "Who may complete it (on top of being allowed to edit the deal).",
    "Step.requireNote": "What completing it needs: nothing more, a note, or a note and a file.",
    "Step.notify": "Who is told when it is completed.",
    "Step.notifyUsers": "The users told when `notify` includes SELECTED_USERS.",
    "Step.triggerTask": "The task completing it creates; null: none.",
    "TaskTemplate.title": "The task's title.",
    "TaskTemplate.dueInDays": "Days after the completion that the task is due (same time of "
    "day, the workspace's time zone); 0: at once.",
    "TaskTemplate.assignee": "Who gets the task.",
    "ProcessPayload.process": "The process as the mutation left it; null when refused.",
    "ProcessInput.name": f"{NAME}, unique among the workspace's processes (CONFLICT).",
    "ProcessInput.isDefault": "true: it becomes the default process (so does a workspace's "
    "first process).",
    "ProcessInput.stages": "1 to 20 stages, in order.",
    "StageInput.id": "An existing stage of this process keeps its id; without, the stage is new.",
    "StageInput.name": f"{NAME}, unique in the process (in any case).",
    "StageInput.steps": "At most 50 steps, in order.",
    "StepInput.name": f"{NAME}.",
    "StepInput.weight": "0 to 10000: its share of the process's total weight, which makes a "
    "deal's probability.",
    "StepInput.mandatory": "A deal cannot be won until it is done; a new step: false.",
    "StepInput.whoCanPerform": "Who may complete it; a new step: ANYONE.",
    "StepInput.performerIds": "For SELECTED_USERS only (at least one): users of the "
    "workspace, at most 200.",
    "StepInput.requireNote": "What completing it needs; a new step: NONE.",
    "StepInput.notify": "Who is told when it is completed; a new step: nobody.",
    "StepInput.notifyUserIds": "When `notify` includes SELECTED_USERS (at least one): users of "
    "the workspace, at most 200.",
    "TaskTemplateInput.title": f"{NAME}.",
    "TaskTemplateInput.dueInDays": "0 to 3650 days after the completion (same time of day, the "
    "workspace's time zone).",
    "TaskTemplateInput.assignee": "Who gets the task.",
    "UpdateProcessInput.id": "The process to configure.",
    "UpdateProcessInput.name": f"{NAME}, unique among the workspace's processes (CONFLICT).",
    "UpdateProcessInput.stages": "1 to 20 stages, in order; stages and steps left out are "
    "archived.",
    "IdInput.id": "The object the mutation acts on (NOT_FOUND for one you may not see).",
    # Deals
    "Deal.name": "What the deal is called.",
    "Deal.company": "The customer's company; null: none.",
    "Deal.contactPerson": "The person to talk to at the customer; null: none.",
    "Deal.value": "What the deal is worth; with line items, their sum.",
    "Deal.currency": "The ISO 4217 code of its amounts: the workspace's currency when the deal "
    "was made.",
    "Deal.source": "Where the deal came from (free text); null: unknown.",
    "Deal.expectedCloseDate": "When the deal should close (a date, no time); null: unknown.",
    "Deal.isPublic": "Public: every user may see and join it. Private: its owner, participants, "
    "managers and administrators only.",
    "Deal.status": "Open, or how it was closed.",
    "Deal.lostReason": "Why it was lost or cancelled; null otherwise (reopening clears it).",
    "Deal.updatedAt": "When the deal was last written (any change).",
    "Deal.deletedAt": "When it went to the trash; null outside the trash.",
    "Deal.owner": "The user responsible for the deal.",
    "Deal.participants": "The users who take part besides the owner: they see and edit it.",
    "Deal.process": "The process it follows now.",
    "Deal.stageEnteredAt": "When it entered its current stage (when it was made, if never since).",
    "Deal.lostAtStage": "The stage it was lost at (LOST only; the stage may be archived).",
    "Deal.costs": "Its costs, in the order given.",
    "Deal.taskStatus": "The card's dot, from the deal's open tasks.",
    "Deal.tasks": "Every task about the deal, open ones first by due time.",
    "Cost.name": "What the cost is.",
    "Cost.amount": "How much it is.",
    "LineItem.name": "The product's name when the item was set, or the free text.",
    "LineItem.quantity": "Above 0, four decimals at most, without trailing zeros.",
    "LineItem.unitPrice": "The price of one unit.",
    "LineItem.discountPercent": "0 to 100.",
    "StepCompletion.completedAt": "When the step was done.",
    "StepCompletion.note": "The note given; null: none.",
    "StepCompletion.fileName": "The attached file's name as uploaded; null: no file.",
    "StepCompletion.step": "The step done.",
    "StepCompletion.completedBy": "Who completed it.",
    "DealEvent.cursor": "Resume `dealEvents(after:)` from here.",
    "DealEvent.kind": "What happened, one of: " + ", ".join(EventKind) + ".",
    "DealEvent.at": "When it happened.",
    "DealEvent.changes": "What changed, field by field.",
    "DealEvent.note": "A completed step's note; null otherwise.",
    "DealEvent.actor": "Who made the change; null for what the service did itself (the clock).",
    "AccessRequest.requester": "Who asks to take part.",
    "DealPayload.deal": "The deal as the mutation left it; null when refused.",
    "AccessRequestPayload.request": "The request as the mutation left it; null when refused.",
    "CreateDealInput.name": f"{NAME}.",
    "CreateDealInput.company": f"{TEXT}.",
    "CreateDealInput.contactPerson": f"{TEXT}.",
    "CreateDealInput.value": f"{AMOUNT}; default 0.",
    "CreateDealInput.source": f"{TEXT}.",
    "CreateDealInput.expectedCloseDate": "A date, no time.",
    "CreateDealInput.participantIds": "Active users of the workspace who take part besides "
    "the owner (at most 100).",
    "CreateDealInput.isPublic": "Default false: private.",
    "CreateDealInput.costs": "At most 50.",
    "CostInput.name": f"{NAME}.",
    "CostInput.amount": f"{AMOUNT}.",
    "UpdateDealInput.id": "The deal to change.",
    "UpdateDealInput.name": f"{NAME}. {KEEP}",
    "UpdateDealInput.company": f"{TEXT}.",
    "UpdateDealInput.contactPerson": f"{TEXT}.",
    "UpdateDealInput.value": f"{AMOUNT}; VALIDATION for a deal with line items (set the items "
    f"instead). {KEEP}",
    "UpdateDealInput.source": f"{TEXT}.",
    "UpdateDealInput.expectedCloseDate": "A date, no time.",
    "UpdateDealInput.ownerId": "An active user; its owner, managers and administrators only. "
    f"The previous owner stays as a participant. {KEEP}",
    "UpdateDealInput.costs": f"Replaces every cost (at most 50). {KEEP}",
    "SetLineItemsInput.dealId": "The deal whose items to set.",
    "SetLineItemsInput.items": "At most 100, in order; an empty list removes them and the value "
    "stays as it was.",
    "LineItemInput.productId": "A product of the catalogue (NOT_FOUND; archived: VALIDATION); "
    "left out: a free-text item.",
    "ChangeDealProcessInput.dealId": "An open deal you may edit.",
    "ChangeDealProcessInput.processId": "A live process of the workspace (NOT_FOUND).",
    "CompleteStepInput.dealId": "An open deal you may edit.",
    "CompleteStepInput.stepId": "A step of the deal's current process (STEP_NOT_IN_PROCESS).",
    "CompleteStepInput.note": "At most 10000 characters; required by steps that need a note.",
    "UncompleteStepInput.dealId": "An open deal you may edit.",
    "UncompleteStepInput.stepId": "A step of the deal's current process (STEP_NOT_IN_PROCESS).",
    "CloseDealInput.dealId": "An open deal you may edit.",
    "CloseDealInput.reason": "1 to 2000 characters.",
    "SetDealPublicInput.dealId": "A deal you own, or any deal for managers and administrators.",
    "SetDealPublicInput.isPublic": "true: public; false: private.",
    "ParticipantInput.dealId": "The deal.",
    "ParticipantInput.userId": "An active user of the workspace (not the owner).",
    "AnswerAccessRequestInput.requestId": "A PENDING request (answered already: CONFLICT) on a "
    "deal you may edit.",
    "AnswerAccessRequestInput.grant": "true: the requester takes part in the deal; false: denied.",
    # Board and statistics
    "BoardFilter.ownerIds": "Deals owned by any of these users.",
    "BoardFilter.participantIds": "Deals any of these users takes part in (owners aside).",
    "BoardFilter.taskStatus": "Deals whose task dot is any of these.",
    "DealOrder.field": "What to sort by.",
    "DealOrder.direction": "Default: DESC.",
    "Board.process": "The board's process.",
    "Board.columns": "A column per live stage, in order.",
    "Board.dealCount": "The open deals on the board, every column.",
    "Board.totalValue": "The sum of the board's deals' values.",
    "Board.forecastValue": "The sum of the board's deals' forecast values.",
    "BoardColumn.stage": "The column's stage.",
    "BoardColumn.dealCount": "The open deals in this stage, as you see them and the filter "
    "narrows them.",
    "BoardColumn.totalValue": "The sum of the column's deals' values.",
    "BoardEvent.kind": "What happened to the card.",
    "Totals.wonValue": "The sum of the won deals' values.",
    "Totals.lostValue": "The sum of the lost deals' values.",
    "Totals.cancelledValue": "The sum of the cancelled deals' values.",
    "ProcessStats.process": "The process.",
    "ProcessStats.totals": "The process's figures.",
    "StageStats.stage": "The stage.",
    "StageStats.openValue": "The sum of the open deals' values in this stage.",
    "StageStats.forecastValue": "The sum of the open deals' forecast values in this stage.",
    "OwnerStats.owner": "The deals' owner.",
    "OwnerStats.openCount": "Their open deals now.",
    "OwnerStats.openValue": "The sum of their open deals' values.",
    "OwnerStats.wonCount": "Their deals won in the period.",
    "OwnerStats.wonValue": "The sum of their won deals' values.",
    "OwnerStats.lostCount": "Their deals lost in the period.",
    "Finance.from": "The period's first day, included.",
    "Finance.to": "The period's last day, included.",
    "Finance.groupBy": "What each row adds up.",
    "Finance.rows": 'Months in order; the other groupings by label, "none" last.',
    "Finance.totals": 'Over every deal of the period (key "total").',
    "FinanceRow.label": "The month (e.g. \"March 2026\"), or the product's, owner's or "
    'process\'s name; "No product"; "Total".',
    # Events and notifications
    "Activity.at": "When it happened.",
    "Activity.changes": "What changed, field by field.",
    "Activity.note": "A completed step's note; null otherwise.",
    "FieldChange.field": "What changed: name, value, stage, status, owner, ...",
    "FieldChange.from": "The value before, as text; null: unset.",
    "FieldChange.to": "The value after, as text; null: unset.",
    "Notification.message": "A sentence to show, names included.",
    "Notification.readAt": "When you marked it read; null while unread.",
    "Notification.step": "The step completed (STEP_COMPLETED); null otherwise.",
    "Notification.actor": "Who caused it.",
    "MarkReadPayload.unreadCount": "How many of your notifications are unread now.",
    "MarkReadInput.ids": "At most 500 of your notifications; other ids are ignored.",
    # Tasks
    "Task.title": "What to do.",
    "Task.dueAt": "When it is due; null: no due time.",
    "Task.done": "Whether it is done.",
    "Task.doneAt": "When it was done; null while open.",
    "Task.assignee": "Who is to do it.",
    "TaskPayload.task": "The task as the mutation left it; null when refused.",
    "CreateTaskInput.title": f"{NAME}.",
    "CreateTaskInput.dueAt": "Left out or null: no due time.",
    "CreateTaskInput.dealId": "A deal you may edit, which the assignee must see (VALIDATION).",
    "UpdateTaskInput.id": "An open task (done: VALIDATION): yours, by you, or of a deal you may "
    "edit.",
    "UpdateTaskInput.dueAt": "null clears the due time.",
    # Products
    "Product.name": "What it is called.",
    "Product.code": "Its code (SKU), unique in the workspace; null: none.",
    "Product.unitPrice": "The price new line items get by default.",
    "Product.active": "false: archived, off the list and refused for new line items.",
    "ProductPayload.product": "The product as the mutation left it; null when refused.",
    "ProductInput.name": f"{NAME}.",
    "ProductInput.unitPrice": f"{AMOUNT}.",
    "UpdateProductInput.id": "The product to change.",
    "UpdateProductInput.code": "At most 64 characters, unique in the workspace (CONFLICT); "
    "null clears it.",
    # Leads
    "Lead.name": "What the lead is called.",
    "Lead.company": "The prospect's company; null: none.",
    "Lead.contactPerson": "The person to talk to; null: none.",
    "Lead.email": "The contact's email address; null: none.",
    "Lead.phone": "The contact's phone number, as given; null: none.",
    "Lead.source": "Where it came from (free text; a form's leads get its `source`).",
    "Lead.status": "Where the lead stands.",
    "Lead.disqualifiedReason": "Why it was disqualified; null otherwise (reopening clears it).",
    "Lead.note": "Free text; null: none.",
    "Lead.updatedAt": "When the lead was last written (any change).",
    "LeadStatusCount.status": "The status.",
    "LeadStatusCount.count": "How many leads match in it.",
    "LeadFilter.status": "Leads in any of these statuses.",
    "LeadFilter.ownerIds": "Leads owned by any of these users.",
    "LeadPayload.lead": "The lead as the mutation left it; null when refused.",
    "CreateLeadInput.name": f"{NAME}.",
    "CreateLeadInput.company": f"{TEXT}.",
    "CreateLeadInput.contactPerson": f"{TEXT}.",
    "CreateLeadInput.email": "A valid address, at most 254 characters.",
    "CreateLeadInput.phone": "At most 50 characters.",
    "CreateLeadInput.source": f"{TEXT}.",
    "CreateLeadInput.note": "At most 10000 characters.",
    "UpdateLeadInput.id": "An open lead you may work on (its owner, managers, administrators).",
    "UpdateLeadInput.name": f"{NAME}. {KEEP}",
    "UpdateLeadInput.company": f"{TEXT}.",
    "UpdateLeadInput.contactPerson": f"{TEXT}.",
    "UpdateLeadInput.email": "A valid address, at most 254 characters.",
    "UpdateLeadInput.phone": "At most 50 characters.",
    "UpdateLeadInput.source": f"{TEXT}.",
    "UpdateLeadInput.note": "At most 10000 characters.",
    "QualifyLeadPayload.lead": "The lead, now QUALIFIED; null when refused.",
    "QualifyLeadPayload.deal": "The new deal, or the existing one the lead joined; null when "
    "refused.",
    "QualifyLeadInput.leadId": "An open lead you may work on (its owner, managers, "
    "administrators).",
    "QualifyLeadInput.value": f"The new deal's value ({AMOUNT}); not with lineItems.",
    "DisqualifyLeadInput.leadId": "An open lead you may work on (its owner, managers, "
    "administrators).",
    "DisqualifyLeadInput.reason": "1 to 2000 characters.",
    "LeadForm.name": "What the form is called.",
    "LeadForm.active": "false: its URL answers 404.",
    "LeadFormPayload.form": "The form as the mutation left it; null when refused.",
    "CreateLeadFormInput.name": f"{NAME}.",
    "CreateLeadFormInput.redirectUrl": "An http:// or https:// address (at most 2000 "
    "characters) a plain HTML form's visitor is sent to after posting.",
    "UpdateLeadFormInput.id": "The form to change.",
    "UpdateLeadFormInput.name": f"{NAME}. {KEEP}",
    "UpdateLeadFormInput.allowedOrigins": f"Replaces the list (at most 20). {KEEP}",
    "UpdateLeadFormInput.redirectUrl": "An http:// or https:// address; null: none.",
    "UpdateLeadFormInput.source": "null: `Web form: <name>`.",
    "UpdateLeadFormInput.honeypotField": "null: `_gotcha`.",
    # Display tokens
    "DisplayToken.id": "Its global id, for revokeDisplayToken.",
    "DisplayToken.label": "The name given to the screen; null: none.",
    "DisplayToken.createdAt": "When it was made.",
    "DisplayToken.revokedAt": "When it was revoked; null if it was not.",
    "DisplayToken.expiresAt": "When it stops opening its board (as if revoked then); null: "
    "only when revoked.",
    "DisplayToken.createdBy": "The administrator who made it; null if unknown.",
    "DisplayTokenPayload.displayToken": "The token as the mutation left it; null when refused.",
    "DisplayTokenInput.processId": "The board's process.",
    "DisplayTokenInput.label": "A name for the screen, at most 200 characters.",
    "DisplayTokenInput.expiresAt": "When it stops opening its board, in the future; "
    "null (the default): only when revoked.",
    # Webhooks
    "Webhook.url": "Where deliveries are POSTed.",
    "Webhook.events": "The event types it is sent: deal.won, lead.created, ...",
    "Webhook.active": "false: paused (by updateWebhook, a 410 answer or a day of failures); "
    "nothing is delivered.",
    "Webhook.owner": "Who made it; only they may change it.",
    "WebhookDelivery.responseCode": "The last attempt's HTTP status; null: no answer, or no "
    "attempt yet.",
    "WebhookDelivery.nextAttemptAt": "When it is tried next; null once delivered or failed.",
    "WebhookDelivery.lastError": "Why the last attempt got no answer (timeout, connection, "
    "refused address); null otherwise.",
    "WebhookPayload.webhook": "The webhook as the mutation left it; null when refused.",
    "WebhookDeliveryPayload.delivery": "The delivery as the mutation left it; null when refused.",
    "UpdateWebhookInput.id": "One of your own webhooks.",
    "UpdateWebhookInput.url": f"https:// and a public address. {KEEP}",
    "UpdateWebhookInput.events": f"Replaces the list. {KEEP}",
    "UpdateWebhookInput.stepIds": "deal.step_completed only for these (at most 100); null or "
    "[]: any step.",
    # Import
    "ImportPayload.result": "The report; null when the whole import was refused.",
    "ImportResult.dryRun": "Whether it was a dry run.",
    "ImportResult.created": "Rows that make (or would make) a new deal or lead.",
    "ImportResult.updated": "Rows that change (or would change) one.",
    "ImportResult.unchanged": "Rows that match one already.",
    "ImportResult.rows": "Every data row, in file order.",
    "ImportResult.errorCount": "Every error, those beyond `errors` included.",
    "ImportRow.action": "What the row does, or would do.",
    "ImportRow.externalId": "The row's externalId; null when empty.",
    "ImportRowError.row": "As a spreadsheet numbers it: the header is 1.",
    "ImportRowError.message": "A sentence to show to a person.",
}

# Field names that mean the same on every type that has them.
BY_NAME: dict[str, str] = {
    "createdAt": "When it was made.",
    "updatedAt": "When it last changed.",
}
NODE_ID = "Its opaque global id (`node(id:)` fetches it)."
CONNECTION_FIELDS = {
    "edges": "The page's items, each with its cursor, in the list's order.",
    "pageInfo": "Where this page stands: whether more follow, and the cursor to read them.",
}
EDGE_FIELDS = {
    "cursor": "Pass it as `after` to read the items after this one.",
    "node": "The item.",
}
PAYLOAD_ERRORS = "Why the mutation was refused (then nothing changed); empty on success."


def _words(name: str) -> list[str]:
    return [word.lower() for word in re.findall(r"[A-Z][a-z0-9]*", name)] or [name]


def _plural(words: list[str]) -> str:
    last = words[-1]
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    elif not last.endswith("s"):
        last += "s"
    return " ".join([*words[:-1], last])


def _pattern_type(name: str) -> str | None:
    """The description of a generated type, from its name."""
    if name.endswith("Connection") and name != "Connection":
        items = _plural(_words(name[: -len("Connection")]))
        return f"A page of {items}, in a Relay cursor connection."
    if name.endswith("Edge") and name != "Edge":
        return f"One {' '.join(_words(name[: -len('Edge')]))} of a page, with its cursor."
    if name.endswith("Payload") and name != "Payload":
        subject = " ".join(_words(name[: -len("Payload")]))
        return f"What the mutation answers: the {subject}, or `errors` (then nothing changed)."
    return None


def _pattern_field(type_name: str, field_name: str, is_node: bool) -> str | None:
    """The description of a field that means the same wherever it is."""
    if type_name.endswith("Connection") and field_name in CONNECTION_FIELDS:
        return CONNECTION_FIELDS[field_name]
    if type_name.endswith("Edge") and field_name in EDGE_FIELDS:
        return EDGE_FIELDS[field_name]
    if type_name.endswith("Payload") and field_name == "errors":
        return PAYLOAD_ERRORS
    if is_node and field_name == "id":
        return NODE_ID
    return BY_NAME.get(field_name)


def _is_node(graphql_type: GraphQLNamedType) -> bool:
    if isinstance(graphql_type, GraphQLInterfaceType):
        return graphql_type.name == "Node"
    if isinstance(graphql_type, GraphQLObjectType):
        return any(interface.name == "Node" for interface in graphql_type.interfaces)
    return False


def describe_fields(schema: GraphQLSchema) -> None:
    """Describe, in place, every type, field and input field its own code left
    undescribed."""
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if not graphql_type.description:
            graphql_type.description = TYPES.get(type_name) or _pattern_type(type_name)
        if not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            continue
        is_node = _is_node(graphql_type)
        for field_name, field in graphql_type.fields.items():
            if field.description:
                continue
            field.description = FIELDS.get(f"{type_name}.{field_name}") or _pattern_field(
                type_name, field_name, is_node
            )
