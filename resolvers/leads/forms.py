"""Lead capture forms: administrators make them; a website's contact form posts to the
form's URL and each submission becomes a lead (`server.form_route` speaks HTTP).

A submission is checked like `createLead` (the same fields, the same limits); the
fields a form has beyond the lead's own go into the lead's note, one line each, so
that nothing a visitor wrote is lost. A submission with a client key is made once: the
same key again within a day answers as the first did.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from tortoise.exceptions import IntegrityError

from models.account import User
from models.event import EventKind
from models.lead import Lead
from models.lead_form import LeadForm, LeadFormSubmission
from resolvers import access, validation
from resolvers.clock import now_utc
from resolvers.errors import Problems, not_found
from resolvers.events.history import change, record_lead_event
from resolvers.leads.editing import NewLead, checked_texts
from resolvers.opaque import decrypt_secret, encrypt_secret
from resolvers.transactions import in_transaction
from resolvers.validation import KEEP, Keep

TOKEN_PREFIX = "dff_"
MAX_ORIGINS = 20
MAX_FIELDS = 50
MAX_FIELD_NAME_LENGTH = 100
MAX_ORIGIN_LENGTH = 300
CLIENT_KEY_RETENTION = timedelta(hours=24)
MAX_CLIENT_KEY_LENGTH = 100

# What a submission's fields are called on a web page, by the lead's field they fill.
FIELD_NAMES = {
    "name": ("name", "title"),
    "company": ("company", "organization", "organisation"),
    "contact_person": ("contactPerson", "contact_person", "contact", "fullName", "full_name"),
    "email": ("email", "e-mail"),
    "phone": ("phone", "telephone", "tel"),
    "note": ("note", "message", "comments"),
}
_LEAD_FIELD = {
    alias.lower(): column for column, aliases in FIELD_NAMES.items() for alias in aliases
}
# Fields the service itself reads: never copied into the note.
CLIENT_KEY_FIELD = "idempotencyKey"


@dataclass(frozen=True)
class FormSpec:
    name: str
    owner_id: int | None = None
    allowed_origins: list[str] | None = None
    redirect_url: str | None = None
    source: str | None = None
    honeypot_field: str | None = None


@dataclass(frozen=True)
class FormChanges:
    name: str | Keep = KEEP
    owner_id: int | Keep | None = KEEP
    allowed_origins: list[str] | Keep = KEEP
    redirect_url: str | Keep | None = KEEP
    source: str | Keep | None = KEEP
    honeypot_field: str | Keep | None = KEEP
    active: bool | Keep = KEEP


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_of(form: LeadForm) -> str | None:
    """The token in the form's URL (None if SECRET_KEY changed since it was made)."""
    return decrypt_secret(form.token_sealed)


def _origin(problems: Problems, raw: str, field: list[str]) -> str:
    """An origin as a browser sends it in `Origin`: the scheme, the host in ASCII
    (IDNA) and the port unless it is the scheme's default, nothing else."""
    text = raw.strip().rstrip("/")
    try:
        url = httpx.URL(text.lower())  # an origin has no path: case never matters
        host = url.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, ValueError):
        url, host = None, ""
    if (
        url is None
        or url.scheme not in ("https", "http")
        or not host
        or url.raw_path not in (b"", b"/")
        or url.query
        or url.fragment
        or url.userinfo
        or len(text) > MAX_ORIGIN_LENGTH
    ):
        problems.invalid("An origin, like https://www.example.com.", field)
        return text
    if ":" in host:
        host = f"[{host}]"
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{host.lower()}{port}"


def _web_url(problems: Problems, raw: str | None, field: list[str]) -> str | None:
    text = validation.optional_text(problems, raw, field, 2000)
    if text is not None:
        try:
            parts = urlsplit(text)
            acceptable = parts.scheme in ("https", "http") and bool(parts.hostname)
        except ValueError:
            acceptable = False
        if not acceptable:
            problems.invalid("An http:// or https:// address.", field)
    return text


def _checked(spec: FormSpec) -> dict[str, Any]:
    problems = Problems()
    origins = list(dict.fromkeys(spec.allowed_origins or []))
    if len(origins) > MAX_ORIGINS:
        problems.invalid(f"At most {MAX_ORIGINS} origins.", ["input", "allowedOrigins"])
    checked_origins = [
        _origin(problems, origin, ["input", "allowedOrigins", str(index)])
        for index, origin in enumerate(origins[:MAX_ORIGINS])
    ]
    name = validation.required_text(problems, spec.name, ["input", "name"])
    honeypot = spec.honeypot_field
    if honeypot is not None and (
        honeypot.strip().lower() in _LEAD_FIELD or honeypot.strip() == CLIENT_KEY_FIELD
    ):
        problems.invalid(
            "The honeypot must be a field of its own, not one people fill in.",
            ["input", "honeypotField"],
        )
    fields: dict[str, Any] = {
        "name": name,
        "allowed_origins": list(dict.fromkeys(checked_origins)),
        "redirect_url": _web_url(problems, spec.redirect_url, ["input", "redirectUrl"]),
        "source": validation.optional_text(problems, spec.source, ["input", "source"])
        or f"Web form: {name}",
        "honeypot_field": validation.optional_text(
            problems, spec.honeypot_field, ["input", "honeypotField"], MAX_FIELD_NAME_LENGTH
        )
        or "_gotcha",
    }
    problems.raise_if_any()
    return fields


async def _check_owner(actor: User, owner_id: int | None) -> None:
    if owner_id is None:
        return
    if not await User.filter(workspace_id=actor.workspace_id, id=owner_id, active=True).exists():
        raise not_found("User", ("input", "ownerId"))


async def create_form(actor: User, spec: FormSpec) -> LeadForm:
    access.require_admin(actor, "make lead forms")
    fields = _checked(spec)
    await _check_owner(actor, spec.owner_id)
    token = new_token()
    form = await LeadForm.create(
        workspace_id=actor.workspace_id,
        owner_id=spec.owner_id,
        created_by_id=actor.id,
        token_digest=digest(token),
        token_sealed=encrypt_secret(token),
        **fields,
    )
    return form


async def _form(actor: User, form_id: int) -> LeadForm:
    access.require_admin(actor, "change lead forms")
    form = await LeadForm.get_or_none(id=form_id, workspace_id=actor.workspace_id)
    if form is None:
        raise not_found("LeadForm", ("input", "id"))
    return form


async def update_form(actor: User, form_id: int, changes: FormChanges) -> LeadForm:
    form = await _form(actor, form_id)
    spec = FormSpec(
        name=validation.kept(changes.name, form.name),
        owner_id=validation.kept(changes.owner_id, form.owner_id),
        allowed_origins=validation.kept(changes.allowed_origins, form.allowed_origins),
        redirect_url=validation.kept(changes.redirect_url, form.redirect_url),
        source=validation.kept(changes.source, form.source),
        honeypot_field=validation.kept(changes.honeypot_field, form.honeypot_field),
    )
    fields = _checked(spec)
    if spec.owner_id != form.owner_id:
        await _check_owner(actor, spec.owner_id)
    form.update_from_dict({**fields, "owner_id": spec.owner_id})
    if not isinstance(changes.active, Keep):
        form.active = changes.active
    await form.save()
    return form


async def delete_form(actor: User, form_id: int) -> LeadForm:
    """Its URL stops answering; the leads it brought stay."""
    form = await _form(actor, form_id)
    await form.delete()
    return form


async def rotate_token(actor: User, form_id: int) -> LeadForm:
    """A new URL (the old one stops at once): for a form that draws spam."""
    form = await _form(actor, form_id)
    token = new_token()
    form.token_digest, form.token_sealed = digest(token), encrypt_secret(token)
    await form.save(update_fields=["token_digest", "token_sealed", "updated_at"])
    return form


async def list_forms(actor: User) -> list[LeadForm]:
    access.require_admin(actor, "see lead forms")
    return await LeadForm.filter(workspace_id=actor.workspace_id).order_by("id")


async def form_by_token(token: str) -> LeadForm | None:
    """The active form this token names (None for any other string: no timing or shape
    tells a guess apart from a form that was deleted)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return await LeadForm.get_or_none(token_digest=digest(token), active=True)


def is_spam(form: LeadForm, fields: Mapping[str, str]) -> bool:
    """The honeypot, hidden from people by the page, was filled in: a bot."""
    return bool(fields.get(form.honeypot_field, "").strip())


def _submitted_lead(
    form: LeadForm, fields: Mapping[str, str], key: str | None
) -> tuple[dict[str, Any], str | None]:
    """The lead's checked fields a submission describes, and its client key (the
    `Idempotency-Key` header's, or else the field's); a VALIDATION refusal names each
    field at fault."""
    problems = Problems()
    if len(fields) > MAX_FIELDS:
        problems.invalid(f"At most {MAX_FIELDS} fields.", ["fields"])
        problems.raise_if_any()
    found: dict[str, str] = {}
    extra: list[str] = []
    for name, value in fields.items():
        if not validation.storable(name) or not validation.storable(value):
            problems.invalid(validation.UNSTORABLE_MESSAGE, [name[:MAX_FIELD_NAME_LENGTH]])
            continue
        column = _LEAD_FIELD.get(name.lower())
        if name in (form.honeypot_field, CLIENT_KEY_FIELD):
            continue
        if column is not None and column not in found:
            found[column] = value
        elif value.strip() and not name.startswith("_"):
            extra.append(f"{name[:MAX_FIELD_NAME_LENGTH]}: {value.strip()}")
    if extra:
        found["note"] = "\n".join([found.get("note", "").strip(), *extra]).strip()
    titles = (found.get(c, "").strip() for c in ("name", "company", "contact_person", "email"))
    title = next((text for text in titles if text), "")
    if not title:
        problems.invalid("Give a name, a company, a contact person or an email.", ["name"])
    new = NewLead(
        name=title or "-",
        company=found.get("company"),
        contact_person=found.get("contact_person"),
        email=found.get("email"),
        phone=found.get("phone"),
        source=form.source,
        note=found.get("note"),
    )
    texts = checked_texts(problems, new)
    key = key if key is not None else fields.get(CLIENT_KEY_FIELD)
    if key is not None and (not key.strip() or len(key) > MAX_CLIENT_KEY_LENGTH):
        problems.invalid(
            f"An idempotency key of 1 to {MAX_CLIENT_KEY_LENGTH} characters.", [CLIENT_KEY_FIELD]
        )
    problems.raise_if_any()
    return texts, key


async def submit(form: LeadForm, fields: Mapping[str, str], key: str | None = None) -> bool:
    """Make the lead a submission describes; False when this client key already made
    one (nothing new is made). A refusal (`Refused`) changes nothing."""
    texts, key = _submitted_lead(form, fields, key)
    if key is not None and await _seen(form, key):
        return False
    owner_id = form.owner_id
    if owner_id is not None and not await User.filter(id=owner_id, active=True).exists():
        owner_id = None  # a deactivated owner's leads wait in the pool
    try:
        async with in_transaction():
            lead = await Lead.create(workspace_id=form.workspace_id, owner_id=owner_id, **texts)
            if key is not None:
                await LeadFormSubmission.filter(
                    form_id=form.id,
                    client_key=key,
                    created_at__lt=now_utc() - CLIENT_KEY_RETENTION,
                ).delete()
                await LeadFormSubmission.create(form_id=form.id, client_key=key, lead_id=lead.id)
            await record_lead_event(
                lead,
                None,
                EventKind.LEAD_CREATED,
                [change("name", None, lead.name)],
                owner_before=None,
                new=True,
                form=form.name,
            )
    except IntegrityError:
        if key is not None and await _seen(form, key):
            return False  # the same key at the same moment: the other one made it
        raise
    return True


async def _seen(form: LeadForm, key: str) -> bool:
    return await LeadFormSubmission.filter(
        form_id=form.id, client_key=key, created_at__gte=now_utc() - CLIENT_KEY_RETENTION
    ).exists()
