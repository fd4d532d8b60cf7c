"""The `dealflow` command, run as a separate process against the test database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.account import Role, User, Workspace
from models.deal import Deal, DealStatus, LineItem
from models.lead import Lead, LeadStatus
from models.process import Process
from models.product import Product
from resolvers.clock import now_utc
from resolvers.deals.editing import NewDeal, create_deal
from resolvers.rotting import is_rotten
from server.demo import DEMO_ADMIN
from server.settings import Settings
from testkit import commands


async def dealflow(settings: Settings, *args: str) -> tuple[int, str]:
    """The command's exit code and everything it printed (stdout, then stderr)."""
    ran = await commands.dealflow(settings.database_url, *args)
    return ran.code, ran.out + ran.err


async def test_migrate_on_an_up_to_date_database_is_a_no_op(settings: Settings, orm):
    code, out = await dealflow(settings, "migrate")

    assert code == 0, out


async def test_create_workspace_with_its_suggested_process(settings: Settings, orm):
    code, out = await dealflow(
        settings,
        "create-workspace",
        "--name",
        "Kowalski Sp. z o.o.",
        "--admin-email",
        "Boss@Kowalski.pl",
        "--admin-password",
        "s3cret-enough",
        "--timezone",
        "Europe/Warsaw",
        "--currency",
        "PLN",
    )

    assert code == 0, out
    workspace = await Workspace.get(name="Kowalski Sp. z o.o.")
    assert (workspace.timezone, workspace.currency) == ("Europe/Warsaw", "PLN")
    admin = await User.get(email="boss@kowalski.pl")
    assert admin.role == Role.ADMIN and admin.workspace_id == workspace.id
    process = await Process.get(workspace=workspace)
    assert process.is_default
    stages = await process.stages.all().order_by("position").values_list("name", flat=True)
    assert stages == ["Qualify", "Needs analysis", "Proposal", "Negotiation", "Closing"]


async def test_create_workspace_refuses_bad_settings(settings: Settings, orm):
    code, out = await dealflow(
        settings,
        "create-workspace",
        "--name",
        "Bad",
        "--admin-email",
        "a@b.co",
        "--admin-password",
        "s3cret-enough",
        "--timezone",
        "Mars/Olympus",
        "--currency",
        "zł",
    )

    assert code == 2
    assert "Unknown time zone 'Mars/Olympus'" in out and "Currency" in out
    assert "Traceback" not in out
    assert not await Workspace.filter(name="Bad").exists()


async def test_demo_seeds_once(settings: Settings, orm):
    code, out = await dealflow(settings, "demo", "--if-empty")
    again, again_out = await dealflow(settings, "demo", "--if-empty")

    assert code == 0 and DEMO_ADMIN in out
    assert again == 0 and "not seeded" in again_out
    workspace = await Workspace.get(name="Demo Sales")
    roles = sorted(await User.filter(workspace=workspace).values_list("role", flat=True))
    assert roles == ["ADMIN", "MANAGER", "USER", "USER", "USER"]
    processes = await Process.filter(workspace=workspace).order_by("-is_default")
    assert [(p.name, p.is_default) for p in processes] == [
        ("Active sales", True),
        ("Offer inquiry", False),
    ]
    for process in processes:
        assert 4 <= await process.stages.all().count() <= 6
    products = await Product.filter(workspace=workspace)
    assert len(products) >= 4 and any(not p.active for p in products)
    deals = await Deal.filter(workspace=workspace)
    assert len(deals) >= 5
    assert await LineItem.filter(deal__workspace_id=workspace.id).count() >= 2
    assert len({d.owner_id for d in deals}) == 3
    assert {d.probability > 0 for d in deals} == {True, False}
    leads = await Lead.filter(workspace=workspace)
    assert {lead.status for lead in leads} == set(LeadStatus)
    assert any(lead.owner_id is None for lead in leads)
    (qualified,) = [lead for lead in leads if lead.status == LeadStatus.QUALIFIED]
    won = await Deal.get(id=qualified.deal_id)
    assert won.status == DealStatus.WON
    assert await LineItem.filter(deal_id=won.id).count() == 2
    assert sum(is_rotten(d, now_utc()) for d in deals) == 2


async def test_purge_trash_uses_the_retention_setting(settings: Settings, orm, team, password_hash):
    old = await create_deal(team.user, NewDeal(name="Long gone"))
    fresh = await create_deal(team.user, NewDeal(name="Just deleted"))
    now = datetime.now(UTC)
    await Deal.filter(id=old.id).update(deleted_at=now - timedelta(days=31))
    await Deal.filter(id=fresh.id).update(deleted_at=now - timedelta(days=1))

    code, out = await dealflow(settings, "purge-trash")

    assert code == 0 and "Purged 1 deal(s) deleted more than 30 days ago." in out
    assert await Deal.filter(id=old.id).count() == 0
    assert await Deal.filter(id=fresh.id).count() == 1
