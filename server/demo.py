"""The demo workspace that `make run` serves: who logs in, and with what."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from models.account import Role, User, Workspace
from models.deal import Deal
from models.lead import LeadStatus
from models.process import NoteRequirement, Performer
from models.product import Product
from resolvers import access, progress
from resolvers.accounts.users import NewUser, create_user
from resolvers.accounts.workspaces import NewWorkspace, create_workspace
from resolvers.clock import now_utc
from resolvers.deals.editing import NewDeal, create_deal
from resolvers.deals.files import FileStore
from resolvers.deals.lifecycle import win_deal
from resolvers.deals.line_items import NewLineItem, set_line_items
from resolvers.deals.steps import complete_step
from resolvers.leads.editing import LeadChanges, NewLead, create_lead, update_lead
from resolvers.leads.lifecycle import Qualification, disqualify_lead, qualify_lead
from resolvers.processes.starters import demo_processes
from resolvers.processes.tree import ProcessTree, load_process_tree
from resolvers.products.catalogue import (
    NewProduct,
    ProductChanges,
    create_product,
    update_product,
)
from resolvers.rotting import rot_moment
from resolvers.validation import KEEP

DEMO_PASSWORD = "dealflow-demo"
DEMO_TIME_ZONE = "Europe/Warsaw"
DEMO_ADMIN = "admin@demo.dealflow.dev"
DEMO_TEAM = (
    NewUser("manager@demo.dealflow.dev", "Marta Manager", Role.MANAGER, DEMO_PASSWORD),
    NewUser("anna@demo.dealflow.dev", "Anna Nowak", Role.USER, DEMO_PASSWORD),
    NewUser("bartek@demo.dealflow.dev", "Bartek Zielinski", Role.USER, DEMO_PASSWORD),
    NewUser("carla@demo.dealflow.dev", "Carla Mendes", Role.USER, DEMO_PASSWORD),
)


DEMO_DEALS = (
    # owner email prefix, deal name, company, value, public, steps done, closes in days
    ("anna", "Fleet renewal", "Kowalski Logistics", "48000.00", False, 3, 20),
    ("anna", "Office fit-out", "Nowak & Syn", "12500.00", True, 1, 45),
    ("bartek", "ERP licences", "Baltic Foods", "86000.00", False, 5, 10),
    ("bartek", "Support contract", "Mazur Clinics", "9900.00", False, 0, 60),
    ("carla", "Website relaunch", "Lisbon Tiles", "23000.00", True, 4, 30),
    ("carla", "Training days", "Porto Wines", "6400.00", False, 2, 75),
)
# Deals nobody has touched for three weeks: they rot in their stages (`resolvers.rotting`).
DEMO_FORGOTTEN = ("Support contract", "Training days")
FORGOTTEN_FOR = timedelta(days=21)

DEMO_LEADS = (
    # owner email prefix (None: the unassigned pool), name, company, source, status
    (None, "Ewa Wisniewska", "Pomorze Energy", "Web form", LeadStatus.NEW),
    (None, "Tomasz Lewandowski", None, "Trade fair", LeadStatus.NEW),
    ("anna", "Joanna Kaminska", "Vistula Print", "Referral", LeadStatus.CONTACTED),
    ("bartek", "Piotr Wojcik", "Krakow Bikes", "Web form", LeadStatus.DISQUALIFIED),
    ("carla", "Marek Zajac", "Gdansk Ferries", "Cold call", LeadStatus.QUALIFIED),
)

DEMO_PRODUCTS = (
    # name, code, unit price, still sold
    ("Fleet telematics unit", "FT-100", "1200.00", True),
    ("ERP licence, per seat", "ERP-SEAT", "850.00", True),
    ("Training day", "TRAIN-1D", "3200.00", True),
    ("Support hours, pack of 10", "SUP-10", "990.00", True),
    ("On-site server (discontinued)", "SRV-OLD", "15400.00", False),
)


async def _demo_products(manager: User) -> None:
    """The catalogue, one product archived (off the list, still readable)."""
    for name, code, price, active in DEMO_PRODUCTS:
        product = await create_product(
            manager, NewProduct(name=name, code=code, unit_price=Decimal(price))
        )
        if not active:
            await update_product(
                manager,
                product.id,
                ProductChanges(name=KEEP, code=KEEP, unit_price=KEEP, active=False),
            )


# deal name: (product code, quantity, discount percent), ...
DEMO_LINE_ITEMS = {
    "Fleet renewal": (("FT-100", "40", "0"),),
    "ERP licences": (("ERP-SEAT", "100", "10"), ("TRAIN-1D", "3", "0")),
}


async def _demo_line_items(actor: User, deal: Deal) -> Deal:
    wanted = DEMO_LINE_ITEMS.get(deal.name)
    if not wanted:
        return deal
    products = {p.code: p.id for p in await Product.filter(workspace_id=deal.workspace_id)}
    items = [
        NewLineItem(
            quantity=Decimal(quantity),
            product_id=products[code],
            discount_percent=Decimal(discount),
        )
        for code, quantity, discount in wanted
    ]
    return await set_line_items(actor, deal.id, deal.version, items)


async def _demo_deals(workspace: Workspace, store: FileStore) -> None:
    """A few deals at different stages, so that the board and lists have something."""
    users = {u.email.split("@")[0]: u for u in await User.filter(workspace=workspace)}
    today = now_utc().date()
    for owner, name, company, value, public, done, closes_in in DEMO_DEALS:
        actor = users[owner]
        deal = await create_deal(
            actor,
            NewDeal(
                name=name,
                company=company,
                value=Decimal(value),
                is_public=public,
                expected_close_date=today + timedelta(days=closes_in),
            ),
        )
        deal = await _demo_line_items(actor, deal)
        tree = await load_process_tree(workspace.id, deal.process_id)
        assert tree is not None
        simple = [
            step
            for stage in tree.stages
            for step in stage.steps
            if step.row.require_note == NoteRequirement.NONE
            and step.row.who_can_perform == Performer.ANYONE
        ]
        for step in simple[:done]:
            await complete_step(actor, deal.id, step.row.id, None, None, store)
        if name in DEMO_FORGOTTEN:
            await _forget(await access.workspace_deals(workspace.id).get(id=deal.id), tree)


async def _forget(deal: Deal, tree: ProcessTree) -> None:
    """As if nobody had changed the deal for three weeks: it is rotten now."""
    deal.last_activity_at = now_utc() - FORGOTTEN_FOR
    deal.rots_at = rot_moment(deal, tree)
    await deal.save(update_fields=["last_activity_at", "rots_at"])


async def _demo_leads(workspace: Workspace, store: FileStore) -> None:
    """A lead in every status; the qualified one became a deal with line items, which a
    manager approved, the contract was signed, and the deal won: the whole lifecycle."""
    users = {u.email.split("@")[0]: u for u in await User.filter(workspace=workspace)}
    manager = users["manager"]
    for owner, name, company, source, status in DEMO_LEADS:
        actor = users[owner] if owner else manager
        lead = await create_lead(
            actor,
            NewLead(
                name=name,
                company=company,
                source=source,
                owner_id=actor.id if owner else None,
                email=f"{name.split()[0].lower()}@example.com",
            ),
        )
        if status == LeadStatus.CONTACTED:
            await update_lead(actor, lead.id, LeadChanges(version=lead.version, status=status))
        elif status == LeadStatus.DISQUALIFIED:
            await disqualify_lead(actor, lead.id, "No budget this year")
        elif status == LeadStatus.QUALIFIED:
            await _won_from_lead(actor, manager, lead.id, store)


async def _won_from_lead(seller: User, manager: User, lead_id: int, store: FileStore) -> None:
    products = {p.code: p.id for p in await Product.filter(workspace_id=seller.workspace_id)}
    items = [
        NewLineItem(
            quantity=Decimal(12), product_id=products["FT-100"], discount_percent=Decimal(5)
        ),
        NewLineItem(quantity=Decimal(2), product_id=products["TRAIN-1D"]),
    ]
    _, deal = await qualify_lead(seller, Qualification(lead_id=lead_id, line_items=items))
    tree = await load_process_tree(seller.workspace_id, deal.process_id)
    assert tree is not None
    for step in progress.missing_mandatory_steps(tree, set()):
        await complete_step(manager, deal.id, step.row.id, "Done for the demo", None, store)
    await win_deal(seller, deal.id)


async def seed_demo(store: FileStore, if_empty: bool = False) -> Workspace | None:
    """Create the demo workspace; with `if_empty`, only when the database has none."""
    if if_empty and await Workspace.exists():
        return None
    workspace, admin = await create_workspace(
        NewWorkspace(
            name="Demo Sales",
            admin_email=DEMO_ADMIN,
            admin_password=DEMO_PASSWORD,
            admin_name="Adam Admin",
            timezone=DEMO_TIME_ZONE,
            currency="PLN",
        ),
        processes=demo_processes(),
    )
    for new in DEMO_TEAM:
        await create_user(admin, new)
    await _demo_products(await User.get(email=DEMO_TEAM[0].email))
    await _demo_deals(workspace, store)
    await _demo_leads(workspace, store)
    return workspace
