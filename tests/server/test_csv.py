"""CSV export and import through the real app: `GET /export/deals.csv` and the
`importDeals` / `importLeads` uploads (GraphQL multipart requests, as clients send
files)."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any

import httpx
import pytest

from models.deal import Deal
from models.event import Event
from models.lead import Lead
from resolvers.spreadsheets import cells
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import CREATE_PRODUCT_MUTATION
from testkit.processes import create as create_process
from testkit.processes import two_stage_input
from testkit.teams import Team

RESULT = """
  result {
    dryRun applied created updated unchanged errorCount ignoredColumns
    rows { row action externalId id }
    errors { row column code message }
  }
  errors { code message field }
"""
IMPORT_DEALS = f"""
mutation ImportDeals($input: ImportDealsInput!) {{ importDeals(input: $input) {{ {RESULT} }} }}
"""
IMPORT_LEADS = f"""
mutation ImportLeads($input: ImportLeadsInput!) {{ importLeads(input: $input) {{ {RESULT} }} }}
"""
HEADER = (
    "externalId,name,company,contactPerson,owner,value,currency,source,expectedCloseDate,"
    "status,lostReason,public,completedSteps,lineItems,process,stage,probability"
)


async def upload(
    client: GraphQLClient, document: str, text: str | bytes, **variables: Any
) -> dict[str, Any]:
    """The payload of an import mutation sent with `text` as its file."""
    operations = {"query": document, "variables": {"input": {"file": None, **variables}}}
    content = text.encode() if isinstance(text, str) else text
    response = await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": ("deals.csv", content, "text/csv")},
        headers={"authorization": f"Bearer {client.token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    result: dict[str, Any] = payload
    return result


async def export(client: GraphQLClient, **params: Any) -> str:
    response = await client.http.get(
        "/export/deals.csv", params=params, headers={"authorization": f"Bearer {client.token}"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.startswith("\ufeff")
    return response.text


def records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


async def field_sales(team: Team, http: httpx.AsyncClient) -> str:
    """The same process in any workspace (made by its administrator): Contact (Call 10,
    Meet 30 mandatory), Offer (Send offer 60)."""
    return str((await create_process(team.client(http, "admin"), two_stage_input()))["id"])


async def catalogue(team: Team, http: httpx.AsyncClient) -> None:
    client = team.client(http, "admin")
    for name, code, price in (("Solar panel", "PANEL-1", "250.00"), ("Inverter", "INV", "900")):
        payload = await client.mutate(
            CREATE_PRODUCT_MUTATION, {"input": {"name": name, "code": code, "unitPrice": price}}
        )
        assert payload["errors"] == []


def emails(team: Team) -> dict[str, str]:
    return {"ADMIN": team.admin.email, "MANAGER": team.manager.email, "USER": team.user.email}


def source_file(team: Team) -> str:
    """Deals of every kind, with the owners' emails of `team`."""
    rows = [
        HEADER,
        "erp-1,Fleet renewal,Acme,Ann,{USER},1200.00,,Fair,2027-01-31,OPEN,,false,Call,,,,",
        'erp-2,Roof,"Sun, Ltd",,{MANAGER},,,,,WON,,true,"Call\nMeet",'
        '"2 x Solar panel [PANEL-1] @ 250.00 -10%\n1 x Installation @ 400.50",,,',
        ",No key,,,{USER},99.99,,,,LOST,Too expensive,false,,,,,",
        'erp-4,=HYPERLINK("http://evil"),-minus,@at,{ADMIN},0,,+plus,,CANCELLED,=cmd,false,,,,,',
        'erp-5,Offer out,,,{MANAGER},10,,,,OPEN,,false,"Call\nMeet\nSend offer",,,,',
    ]
    return "\n".join(rows).format(**emails(team)) + "\n"


def translated(text: str, source: Team, target: Team) -> str:
    """The file with `source`'s owners' emails as `target`'s: an email names one user
    across the whole server, so that a file moves between two workspaces of one server
    only with its owners mapped (between servers, the same emails)."""
    for role, email in emails(source).items():
        text = text.replace(email, emails(target)[role])
    return text


async def test_export_import_into_a_fresh_workspace_and_export_again_gives_the_same_file(
    team: Team, rival: Team, manager_client: GraphQLClient, http: httpx.AsyncClient
):
    rival_manager = rival.client(http, "manager")
    process = await field_sales(team, manager_client.http)
    await catalogue(team, manager_client.http)
    made = await upload(
        manager_client, IMPORT_DEALS, source_file(team), processId=process, dryRun=False
    )
    assert made["errors"] == [] and made["result"]["errors"] == [], made
    assert made["result"]["applied"] is True and made["result"]["created"] == 5
    first = await export(manager_client)

    fresh_process = await field_sales(rival, http)
    await catalogue(rival, http)
    moved = await upload(
        rival_manager,
        IMPORT_DEALS,
        translated(first, team, rival),
        processId=fresh_process,
        dryRun=False,
    )
    assert moved["result"]["errors"] == [] and moved["result"]["created"] == 5
    again = await export(rival_manager)

    assert translated(again, rival, team) == first
    by_key = {r["externalId"] or r["name"]: r for r in records(first)}
    assert by_key["erp-2"]["stage"] == "Contact" and by_key["erp-2"]["probability"] == "40"
    assert by_key["erp-2"]["value"] == "850.50" and by_key["erp-2"]["public"] == "true"
    assert by_key["erp-2"]["lineItems"] == (
        "2 x Solar panel [PANEL-1] @ 250.00 -10%\n1 x Installation @ 400.50"
    )
    assert by_key["erp-5"]["stage"] == "Offer" and by_key["erp-5"]["probability"] == "100"
    assert (
        by_key["No key"]["status"] == "LOST" and by_key["No key"]["lostReason"] == "Too expensive"
    )

    events_before = await Event.filter(workspace_id=team.workspace.id).count()
    same = await upload(manager_client, IMPORT_DEALS, first, processId=process)
    assert same["result"]["unchanged"] == 4 and same["result"]["created"] == 1  # "No key"
    # Only the row without a key made anything: its deal, created and lost.
    assert await Event.filter(workspace_id=team.workspace.id).count() == events_before + 2


async def test_cells_a_spreadsheet_would_run_are_escaped_and_read_back_as_written(
    team: Team, manager_client: GraphQLClient
):
    process = await field_sales(team, manager_client.http)
    await catalogue(team, manager_client.http)
    made = await upload(manager_client, IMPORT_DEALS, source_file(team), processId=process)
    assert made["result"]["applied"] is True, made
    text = await export(manager_client, status="CANCELLED")

    (line,) = text.removeprefix("\ufeff").splitlines()[1:]
    assert line.startswith('erp-4,"\'=HYPERLINK(""http://evil"")",\'-minus,\'@at,')
    assert ",'+plus,,CANCELLED,'=cmd," in line
    deal = await Deal.get(workspace_id=team.workspace.id, external_id="erp-4")
    assert (deal.name, deal.company, deal.contact_person, deal.source, deal.lost_reason) == (
        '=HYPERLINK("http://evil")',
        "-minus",
        "@at",
        "+plus",
        "=cmd",
    )


async def test_the_export_has_only_the_deals_the_caller_may_see_filtered_like_deals(
    team: Team,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    outsider_client: GraphQLClient,
    http: httpx.AsyncClient,
):
    process = await field_sales(team, manager_client.http)
    await catalogue(team, manager_client.http)
    made = await upload(manager_client, IMPORT_DEALS, source_file(team), processId=process)
    assert made["result"]["applied"] is True, made
    await create_deal(user_client, name="Own pitch")

    def names(text: str) -> list[str]:
        return sorted(r["name"] for r in records(text))

    assert names(await export(user_client)) == ["Fleet renewal", "No key", "Own pitch", "Roof"]
    assert names(await export(manager_client, status=["WON", "LOST"])) == ["No key", "Roof"]
    assert names(await export(manager_client, processId=process, search="roof")) == ["Roof"]
    assert names(await export(outsider_client)) == []
    assert records(await export(outsider_client)) == []

    anonymous = await http.get("/export/deals.csv")
    wrong = await http.get(
        "/export/deals.csv",
        params={"status": "MAYBE"},
        headers={"authorization": f"Bearer {team.tokens['manager']}"},
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["extensions"] == {"code": "VALIDATION", "field": "status"}


async def test_a_dry_run_answers_every_rows_errors_and_nothing_is_written_with_or_without_it(
    team: Team, manager_client: GraphQLClient
):
    process = await field_sales(team, manager_client.http)
    await catalogue(team, manager_client.http)
    lines = [
        "externalId,name,owner,value,status,lostReason,completedSteps,lineItems,expectedCloseDate",
        "a1,Good one,,10,OPEN,,,,",
        "a2,,,,OPEN,,,,",
        "a3,Bad value,,ten,OPEN,,,,2027-13-01",
        "a4,Ghost owner,nobody@example.com,1,OPEN,,,,",
        "a5,Unknown step,,1,OPEN,,Dance,,",
        "a6,Won too soon,,1,WON,,Call,,",
        "a7,Lost without reason,,1,LOST,,,,",
        "a1,Twice,,1,OPEN,,,,",
        "a9,No such product,,,OPEN,,,1 x Thing [NOPE] @ 1.00,",
        "a10,Bad item,,,OPEN,,,a lot of panels,",
        "a11,Maybe,,1,MAYBE,,,,",
    ]
    text = "\n".join(lines) + "\n"
    deals_before = await Deal.filter(workspace_id=team.workspace.id).count()

    for dry_run in (True, False):
        payload = await upload(
            manager_client, IMPORT_DEALS, text, processId=process, dryRun=dry_run
        )
        result = payload["result"]
        assert result["applied"] is False and result["dryRun"] is dry_run
        found = {(e["row"], e["column"], e["code"]) for e in result["errors"]}
        assert found == {
            (3, "name", "VALIDATION"),
            (4, "value", "VALIDATION"),
            (4, "expectedCloseDate", "VALIDATION"),
            (5, "owner", "VALIDATION"),
            (6, "completedSteps", "VALIDATION"),
            (7, "status", "MANDATORY_STEPS_MISSING"),
            (8, "lostReason", "VALIDATION"),
            (9, "externalId", "VALIDATION"),
            (10, "lineItems", "VALIDATION"),
            (11, "lineItems", "VALIDATION"),
            (12, "status", "VALIDATION"),
        }, result["errors"]
        assert result["errorCount"] == len(found)
        assert [(r["row"], r["action"], r["id"]) for r in result["rows"]] == [(2, "CREATE", None)]
        assert await Deal.filter(workspace_id=team.workspace.id).count() == deals_before

    clean = await upload(
        manager_client, IMPORT_DEALS, "\n".join(lines[:2]), processId=process, dryRun=True
    )
    assert clean["result"]["applied"] is False and clean["result"]["created"] == 1
    assert clean["result"]["rows"][0]["id"] is None
    assert await Deal.filter(workspace_id=team.workspace.id).count() == deals_before


async def test_rows_with_a_known_external_id_update_their_deal_through_its_rules(
    team: Team, manager_client: GraphQLClient
):
    process = await field_sales(team, manager_client.http)
    first = f"externalId,name,owner,value,status\nx1,Boiler,{team.user.email},100,OPEN\n"
    await upload(manager_client, IMPORT_DEALS, first, processId=process)
    changed = (
        "External ID;Title;Owner;Value;Status;Lost reason;Colour\n"
        f"x1;Boiler room;{team.manager.email};150.5;LOST;Budget cut;red\n"
    )

    payload = await upload(manager_client, IMPORT_DEALS, changed, processId=process)

    result = payload["result"]
    assert result["applied"] is True and result["updated"] == 1
    assert result["ignoredColumns"] == ["Colour"]
    deal = await Deal.get(workspace_id=team.workspace.id, external_id="x1")
    assert (deal.name, deal.owner_id, str(deal.value), deal.status, deal.lost_reason) == (
        "Boiler room",
        team.manager.id,
        "150.50",
        "LOST",
        "Budget cut",
    )
    kinds = [e.kind for e in await Event.filter(deal_id=deal.id).order_by("id")]
    assert kinds == ["DEAL_CREATED", "DEAL_UPDATED", "DEAL_LOST"]

    closed = "externalId,name\nx1,Renamed while lost\n"
    refused = await upload(manager_client, IMPORT_DEALS, closed, processId=process)
    assert [(e["row"], e["code"]) for e in refused["result"]["errors"]] == [(2, "DEAL_CLOSED")]

    await Deal.filter(id=deal.id).update(deleted_at=deal.updated_at)
    trashed = await upload(
        manager_client, IMPORT_DEALS, "externalId,name\nx1,Back\n", processId=process
    )
    assert [(e["column"], e["code"]) for e in trashed["result"]["errors"]] == [
        ("externalId", "CONFLICT")
    ]


async def test_whole_file_refusals(
    team: Team, manager_client: GraphQLClient, user_client: GraphQLClient, app_with: Any
):
    process = await field_sales(team, manager_client.http)

    async def refusal(client: GraphQLClient, text: str | bytes) -> list[tuple[str, Any]]:
        payload = await upload(client, IMPORT_DEALS, text, processId=process)
        assert payload["result"] is None
        return [(e["code"], e["field"]) for e in payload["errors"]]

    file_error = [("VALIDATION", ["input", "file"])]
    assert await refusal(manager_client, "name,Name\na,b\n") == file_error
    assert await refusal(manager_client, b"name\n\xff\xfe bad\n") == file_error
    assert await refusal(manager_client, "") == file_error
    assert await refusal(manager_client, 'name\n"unterminated\n') == file_error
    assert await refusal(user_client, "name\nMine\n") == [("FORBIDDEN", None)]

    async with await app_with(import_max_rows=3) as http:
        capped = GraphQLClient(http, team.tokens["manager"])
        too_many = "name\n" + "".join(f"deal {i}\n" for i in range(4))
        assert await refusal(capped, too_many) == file_error
        three = await upload(capped, IMPORT_DEALS, "name\na\nb\nc\n", processId=process)
        assert three["result"]["created"] == 3
    assert await Deal.filter(workspace_id=team.workspace.id).count() == 3


async def test_leads_are_imported_upserted_and_checked_like_createlead(
    team: Team, manager_client: GraphQLClient
):
    text = (
        "externalId,name,email,owner,status,disqualifiedReason,note\n"
        f"w1,Ewa Nowak,ewa@example.com,{team.user.email},CONTACTED,,\n"
        "w2,Pool lead,,,NEW,,\n"
        "w3,Spam,,,DISQUALIFIED,Bot,\n"
    )
    made = await upload(manager_client, IMPORT_LEADS, text)
    assert made["result"]["created"] == 3 and made["result"]["applied"] is True
    leads = {lead.external_id: lead for lead in await Lead.filter(workspace_id=team.workspace.id)}
    assert (leads["w1"].status, leads["w1"].owner_id) == ("CONTACTED", team.user.id)
    assert leads["w2"].owner_id is None
    assert (leads["w3"].status, leads["w3"].disqualified_reason) == ("DISQUALIFIED", "Bot")

    updated = await upload(
        manager_client,
        IMPORT_LEADS,
        "externalId,name,status\nw1,Ewa Nowak,CONTACTED\nw3,Not spam after all,NEW\n",
    )
    assert (updated["result"]["unchanged"], updated["result"]["updated"]) == (1, 1)
    reopened = await Lead.get(id=leads["w3"].id)
    assert (reopened.name, reopened.status) == ("Not spam after all", "NEW")

    bad = await upload(
        manager_client,
        IMPORT_LEADS,
        "externalId,name,email,status\nw4,Bad mail,not-an-email,NEW\nw5,Jump,,QUALIFIED\n",
        dryRun=True,
    )
    assert {(e["row"], e["column"]) for e in bad["result"]["errors"]} == {
        (2, "email"),
        (3, "status"),
    }
    assert await Lead.filter(workspace_id=team.workspace.id).count() == 3


@pytest.mark.parametrize("who", ["user", "admin"])
async def test_who_may_import_leads(team: Team, http: httpx.AsyncClient, who: str):
    payload = await upload(team.client(http, who), IMPORT_LEADS, "name\nEwa\n")
    if who == "user":
        assert [e["code"] for e in payload["errors"]] == ["FORBIDDEN"]
    else:
        assert payload["result"]["created"] == 1


async def test_hostile_cells_are_row_errors_not_server_errors(
    team: Team, manager_client: GraphQLClient
):
    process = await field_sales(team, manager_client.http)
    text = (
        "externalId,name,lineItems,completedSteps\n"
        "h1,Nul\x00byte,,\n"
        f'h2,Slow,"1 x a{" " * 20_000}b @ 1.00",\n'
        f'h3,Many,"{chr(10).join("1 x a @ 1.00" for _ in range(101))}",\n'
        f"h4,{'x' * 201},,\n"
    )
    payload = await upload(manager_client, IMPORT_DEALS, text, processId=process, dryRun=True)

    assert {(e["row"], e["column"], e["code"]) for e in payload["result"]["errors"]} == {
        (2, "name", "VALIDATION"),
        (3, "lineItems", "VALIDATION"),
        (4, "lineItems", "VALIDATION"),
        (5, "name", "VALIDATION"),
    }


async def test_text_that_looks_escaped_survives_the_round_trip(
    team: Team, manager_client: GraphQLClient
):
    names = ["'=already quoted", "''+twice", "'plain apostrophe", "=SUM(A1)"]
    for name in names:
        await create_deal(manager_client, name=name)
    process = await field_sales(team, manager_client.http)

    exported = await export(manager_client)
    reimported = await upload(manager_client, IMPORT_DEALS, exported, processId=process)

    quote = "'"
    assert [r["name"] for r in records(exported)] == [
        quote * 2 + "=already quoted",
        quote * 3 + "+twice",
        quote + "plain apostrophe",
        quote + "=SUM(A1)",
    ]
    assert reimported["result"]["applied"] is True
    # No externalId: the import made new deals, named as the first ones.
    stored = [d.name for d in await Deal.filter(workspace_id=team.workspace.id).order_by("id")]
    assert stored == names + names


def _lines_run_reading(text: str) -> int:
    """How many lines of `resolvers/spreadsheets/cells.py` run while a file's rows are
    read: the work, counted without a clock."""
    lines = 0

    def count(frame: Any, event: str, _arg: object) -> Any:
        nonlocal lines
        if frame.f_code.co_filename == cells.__file__:
            if event == "line":
                lines += 1
            return count
        return None

    table = cells.read_table(io.BytesIO(text.encode()), ["Name", "Email"], {}, 10_000)
    before = sys.gettrace()  # coverage's, say: put back after
    sys.settrace(count)
    try:
        rows = list(table.rows)
    finally:
        sys.settrace(before)
    assert len(rows) == 50
    return lines


def test_a_wide_header_costs_its_own_reading_once_not_once_per_row():
    """Each row used to walk every header cell, known or not: a 2 MB header of empty
    cells and a few thousand rows held the event loop for minutes."""
    narrow = _lines_run_reading("Name,Email\n" + "Ewa,ewa@example.com\n" * 50)
    wide = _lines_run_reading("Name,Email" + "," * 5_000 + "\n" + "Ewa,ewa@example.com\n" * 50)

    assert wide == narrow


async def test_headers_that_name_no_column_are_listed_a_hundred_at_most(
    manager_client: GraphQLClient,
):
    header = "name," + ",".join(f"extra {n}" for n in range(500))
    payload = await upload(manager_client, IMPORT_LEADS, header + "\nEwa\n", dryRun=True)

    ignored = payload["result"]["ignoredColumns"]
    assert ignored == [f"extra {n}" for n in range(100)]
