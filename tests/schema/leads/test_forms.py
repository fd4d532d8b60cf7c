"""Lead capture forms through the real app: administrators make them over GraphQL, a
website posts to `/forms/<token>` (JSON or a form), with its honeypot, client keys,
CORS for the form's own sites and a rate limit per address."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from models.event import Event, EventKind
from models.lead import Lead
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.teams import Team

FORM_FIELDS = "id name url allowedOrigins redirectUrl source honeypotField active owner { name }"
CREATE_FORM = f"""
mutation Create($input: CreateLeadFormInput!) {{
  createLeadForm(input: $input) {{ form {{ {FORM_FIELDS} }} errors {{ code field message }} }}
}}"""
UPDATE_FORM = f"""
mutation Update($input: UpdateLeadFormInput!) {{
  updateLeadForm(input: $input) {{ form {{ {FORM_FIELDS} }} errors {{ code field }} }}
}}"""
ROTATE_FORM = f"""
mutation Rotate($input: IdInput!) {{
  rotateLeadFormToken(input: $input) {{ form {{ {FORM_FIELDS} }} errors {{ code }} }}
}}"""
DELETE_FORM = """
mutation Delete($input: IdInput!) { deleteLeadForm(input: $input) { form { id } errors { code } } }
"""
FORMS_QUERY = f"query {{ leadForms {{ {FORM_FIELDS} }} }}"
SITE = "https://www.acme.example"


async def make_form(admin: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload = await admin.mutate(CREATE_FORM, {"input": {"name": "Contact us", **fields}})
    assert payload["errors"] == [], payload["errors"]
    form: dict[str, Any] = payload["form"]
    return form


def path_of(form: dict[str, Any]) -> str:
    url = httpx.URL(form["url"])
    assert url.host == "dealflow.test" and url.path.startswith("/forms/dff_")
    return url.path


async def lead_names(team: Team) -> list[str]:
    return [lead.name async for lead in Lead.filter(workspace_id=team.workspace.id).order_by("id")]


async def test_a_json_submission_becomes_a_lead_in_the_pool_with_every_field_kept(
    team: Team, admin_client: GraphQLClient, http: httpx.AsyncClient
):
    form = await make_form(admin_client)
    assert form["source"] == "Web form: Contact us" and form["owner"] is None
    assert form["honeypotField"] == "_gotcha" and form["active"] is True

    response = await http.post(
        path_of(form),
        json={
            "name": "Ewa Nowak",
            "company": "Nowak Sp. z o.o.",
            "email": "ewa@nowak.example",
            "phone": 48123456789,
            "message": "We need 20 seats.",
            "budget": "10k",
            "_utm": "ignored",
        },
    )

    assert response.status_code == 201 and response.json() == {"status": "received"}
    lead = await Lead.get(workspace_id=team.workspace.id)
    assert (lead.name, lead.company, lead.email, lead.phone, lead.owner_id) == (
        "Ewa Nowak",
        "Nowak Sp. z o.o.",
        "ewa@nowak.example",
        "48123456789",
        None,
    )
    assert lead.source == "Web form: Contact us"
    assert lead.note == "We need 20 seats.\nbudget: 10k"
    event = await Event.get(lead_id=lead.id)
    assert event.kind == EventKind.LEAD_CREATED and event.actor_id is None


async def test_a_plain_html_form_is_posted_form_encoded_to_its_owner_and_redirected(
    team: Team, admin_client: GraphQLClient, http: httpx.AsyncClient
):
    form = await make_form(
        admin_client,
        ownerId=global_id("User", team.user.id),
        redirectUrl="https://www.acme.example/thanks",
        allowedOrigins=[SITE],
    )
    assert form["owner"]["name"] == team.user.name

    response = await http.post(
        path_of(form),
        data={"contact": "Jan Kowalski", "email": "jan@example.com"},
        headers={"origin": SITE},
    )

    assert response.status_code == 303
    assert response.headers["location"] == "https://www.acme.example/thanks"
    lead = await Lead.get(workspace_id=team.workspace.id)
    assert (lead.name, lead.contact_person, lead.owner_id) == (
        "Jan Kowalski",
        "Jan Kowalski",
        team.user.id,
    )


async def test_a_filled_honeypot_is_answered_as_a_success_and_makes_nothing(
    team: Team, admin_client: GraphQLClient, http: httpx.AsyncClient
):
    form = await make_form(admin_client, honeypotField="website")
    bot = await http.post(path_of(form), json={"name": "Buy pills", "website": "http://spam"})
    person = await http.post(path_of(form), json={"name": "Real person", "website": ""})

    assert bot.status_code == 201 and bot.json() == person.json() == {"status": "received"}
    assert await lead_names(team) == ["Real person"]


async def test_a_client_key_makes_the_lead_once_however_often_it_is_sent(
    team: Team, admin_client: GraphQLClient, http: httpx.AsyncClient
):
    form = await make_form(admin_client)
    by_header = [
        await http.post(path_of(form), json={"name": "Once"}, headers={"idempotency-key": "k1"})
        for _ in range(3)
    ]
    by_field = [
        await http.post(path_of(form), data={"name": "Twice", "idempotencyKey": "k2"})
        for _ in range(2)
    ]

    assert [r.status_code for r in by_header] == [201, 200, 200]
    assert [r.status_code for r in by_field] == [201, 200]
    assert await lead_names(team) == ["Once", "Twice"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "no name at all"}, "name"),
        ({"name": "Ewa", "email": "not an email"}, "email"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Ewa", "idempotencyKey": "k" * 101}, "idempotencyKey"),
    ],
)
async def test_a_submission_with_bad_fields_is_refused_field_by_field_and_makes_nothing(
    team: Team,
    admin_client: GraphQLClient,
    http: httpx.AsyncClient,
    body: dict[str, str],
    field: str,
):
    form = await make_form(admin_client)
    response = await http.post(path_of(form), json=body)

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": field}
    assert await lead_names(team) == []


async def test_every_value_of_a_field_given_more_than_once_is_kept(
    team: Team, admin_client: GraphQLClient, http: httpx.AsyncClient
):
    """A group of checkboxes, a multiple select: each value of the name comes, in order."""
    form = await make_form(admin_client)

    response = await http.post(
        path_of(form),
        content=b"name=Ewa&interest=solar&interest=heat+pump&interest=storage"
        b"&email=ewa@example.com&email=ewa@example.com&phone=&phone=123&_gotcha=&_gotcha=",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code in (201, 303), response.text
    lead = await Lead.get(workspace_id=team.workspace.id)
    assert lead.note is not None and "interest: solar, heat pump, storage" in lead.note
    # An email and its confirmation are one; a blank value says nothing; an empty
    # honeypot given twice is still empty (the lead was made, not dropped as spam).
    assert (lead.email, lead.phone) == ("ewa@example.com", "123")


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"[1, 2]", "application/json", 400),
        (b"{not json", "application/json", 400),
        (b'{"name": {"first": "Ewa"}}', "application/json", 400),
        (b"name=Ewa", "text/plain", 415),
        # JSON keeps the last of a key given twice: the first would be lost unsaid.
        (
            b'{"name": "Ewa", "email": "a@x.example", "email": "b@x.example"}',
            "application/json",
            400,
        ),
        (b'{"name": "Ewa", "budget": NaN}', "application/json", 400),
        (b'{"name": "Ewa", "budget": 1e999}', "application/json", 400),
        (
            b'--b\r\nContent-Disposition: form-data; name="cv"; filename="cv.pdf"\r\n\r\n%PDF'
            b"\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
            400,
        ),
    ],
)
async def test_a_malformed_body_is_a_typed_error_and_makes_nothing(
    team: Team,
    admin_client: GraphQLClient,
    http: httpx.AsyncClient,
    content: bytes,
    content_type: str,
    status: int,
):
    form = await make_form(admin_client)
    response = await http.post(
        path_of(form), content=content, headers={"content-type": content_type}
    )

    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await lead_names(team) == []


async def test_cors_answers_for_the_forms_own_sites_and_refuses_the_others(
    team: Team, admin_client: GraphQLClient, http: httpx.AsyncClient
):
    form = await make_form(admin_client, allowedOrigins=[SITE, "https://shop.acme.example/"])
    path = path_of(form)
    preflight = {"access-control-request-method": "POST"}

    allowed = await http.options(path, headers={"origin": SITE, **preflight})
    other = await http.options(path, headers={"origin": "https://evil.example", **preflight})
    posted = await http.post(path, json={"name": "Ewa"}, headers={"origin": SITE})
    refused = await http.post(
        path, json={"name": "Mallory"}, headers={"origin": "https://evil.example"}
    )
    from_a_server = await http.post(path, json={"name": "Zapier"})

    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == SITE
    assert "idempotency-key" in allowed.headers["access-control-allow-headers"]
    assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
    assert posted.status_code == 201 and posted.headers["access-control-allow-origin"] == SITE
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert from_a_server.status_code == 201
    assert await lead_names(team) == ["Ewa", "Zapier"]
    stored = (await admin_client.data(FORMS_QUERY))["leadForms"][0]["allowedOrigins"]
    assert stored == [SITE, "https://shop.acme.example"]


async def test_submissions_are_limited_per_address(
    team: Team, admin_client: GraphQLClient, app_with: Any
):
    form = await make_form(admin_client)
    async with await app_with(rate_limits=True, rate_limit_forms_per_address="3/minute") as http:
        answers = [await http.post(path_of(form), json={"name": f"n{i}"}) for i in range(5)]

    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert int(answers[3].headers["retry-after"]) >= 1
    assert answers[3].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert await lead_names(team) == ["n0", "n1", "n2"]


async def test_an_unknown_inactive_rotated_or_deleted_form_answers_404(
    team: Team, admin_client: GraphQLClient, http: httpx.AsyncClient
):
    form = await make_form(admin_client)
    old_path = path_of(form)
    rotated = (await admin_client.mutate(ROTATE_FORM, {"input": {"id": form["id"]}}))["form"]
    assert path_of(rotated) != old_path
    assert (await http.post(old_path, json={"name": "a"})).status_code == 404
    assert (await http.post("/forms/dff_guess", json={"name": "a"})).status_code == 404

    off = await admin_client.mutate(UPDATE_FORM, {"input": {"id": form["id"], "active": False}})
    assert off["errors"] == [] and off["form"]["active"] is False
    assert (await http.post(path_of(rotated), json={"name": "a"})).status_code == 404
    await admin_client.mutate(UPDATE_FORM, {"input": {"id": form["id"], "active": True}})
    assert (await http.post(path_of(rotated), json={"name": "kept"})).status_code == 201

    deleted = await admin_client.mutate(DELETE_FORM, {"input": {"id": form["id"]}})
    assert deleted["errors"] == []
    assert (await http.post(path_of(rotated), json={"name": "a"})).status_code == 404
    assert await lead_names(team) == ["kept"]


async def test_only_administrators_of_the_workspace_make_or_see_forms(
    admin_client: GraphQLClient,
    manager_client: GraphQLClient,
    outsider_client: GraphQLClient,
):
    refused = await manager_client.mutate(CREATE_FORM, {"input": {"name": "Mine"}})
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    listing = await manager_client.post(FORMS_QUERY)
    assert listing["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    form = await make_form(admin_client)
    foreign = await outsider_client.mutate(UPDATE_FORM, {"input": {"id": form["id"], "name": "x"}})
    assert [e["code"] for e in foreign["errors"]] == ["NOT_FOUND"]
    assert (await outsider_client.data(FORMS_QUERY))["leadForms"] == []
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await manager_client.data(node, {"id": form["id"]}))["node"] is None
    assert (await outsider_client.data(node, {"id": form["id"]}))["node"] is None
    assert (await admin_client.data(node, {"id": form["id"]}))["node"] == {"id": form["id"]}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"allowedOrigins": ["https://acme.example/path"]}, ["input", "allowedOrigins", "0"]),
        ({"allowedOrigins": ["acme.example"]}, ["input", "allowedOrigins", "0"]),
        ({"redirectUrl": "javascript:alert(1)"}, ["input", "redirectUrl"]),
        ({"name": "  "}, ["input", "name"]),
    ],
)
async def test_a_form_with_bad_settings_is_refused(
    admin_client: GraphQLClient, fields: dict[str, Any], field: list[str]
):
    payload = await admin_client.mutate(CREATE_FORM, {"input": {"name": "Contact", **fields}})
    assert payload["form"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION", field)]
    assert (await admin_client.data(FORMS_QUERY))["leadForms"] == []


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b'{"name": "a\\u0000b"}', 422, "VALIDATION"),
        (b'{"name": "\\ud800"}', 422, "VALIDATION"),
        (b'{"na\\u0007me": "Ewa"}', 422, "VALIDATION"),
        (b'{"a":' + b"[" * 100_000, 400, "BAD_REQUEST"),
        (b'{"name": "Ewa", "email": "a@' + b"." * 20_000 + b' "}', 422, "VALIDATION"),
    ],
)
async def test_hostile_bodies_are_refused_with_a_code_and_make_nothing(
    team: Team,
    admin_client: GraphQLClient,
    http: httpx.AsyncClient,
    content: bytes,
    status: int,
    code: str,
):
    form = await make_form(admin_client)
    response = await http.post(
        path_of(form), content=content, headers={"content-type": "application/json"}
    )

    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert await lead_names(team) == []


async def test_origins_are_kept_as_browsers_send_them(admin_client: GraphQLClient):
    form = await make_form(
        admin_client,
        allowedOrigins=[
            "HTTPS://WWW.Acme.example:443/",
            "https://bücher.example",
            "http://[::1]:8080",
        ],
    )
    assert form["allowedOrigins"] == [
        "https://www.acme.example",
        "https://xn--bcher-kva.example",
        "http://[::1]:8080",
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"allowedOrigins": ["https://[::1"]}, ["input", "allowedOrigins", "0"]),
        ({"redirectUrl": "http://[x]/"}, ["input", "redirectUrl"]),
        ({"honeypotField": "Email"}, ["input", "honeypotField"]),
        ({"honeypotField": "idempotencyKey"}, ["input", "honeypotField"]),
    ],
)
async def test_settings_that_would_break_the_form_are_refused(
    admin_client: GraphQLClient, fields: dict[str, Any], field: list[str]
):
    payload = await admin_client.mutate(CREATE_FORM, {"input": {"name": "Contact", **fields}})
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION", field)]
