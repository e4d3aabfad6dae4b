"""The home screen's grants read model: a member searched for again while the last look-up's
grant is live is listed once, from the first search to the last grant's end; other sources and
other members stay separate rows, soonest to end first."""

from datetime import timedelta


def test_repeated_grants_of_one_member_are_listed_once(wb, world):
    agent, phone = world.staff["agent"], world.app.phone
    first = wb.clock.now()
    assert wb.usecases.members.find_by_phone(agent, phone) is not None
    wb.clock.advance(minutes=5)
    assert wb.usecases.members.find_by_phone(agent, phone) is not None
    window = timedelta(minutes=wb.settings.protection_lookup_minutes)

    (grant,) = wb.usecases.dashboard.live_grants(agent)
    assert (grant.member_no, grant.source) == (world.member_no, "lookup")
    assert (grant.starts_at, grant.ends_at) == (first, wb.clock.now() + window)

    now = wb.clock.now()
    wb.usecases.protection.create_grant(
        world.staff["admin"],
        to="agent",
        member_no=world.member_no,
        fields={"phone"},
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(minutes=10),
        reason="回访",
    )
    listed = wb.usecases.dashboard.live_grants(agent)
    assert [(g.source, g.ends_at) for g in listed] == [
        ("manual", now + timedelta(minutes=10)),
        ("lookup", now + window),
    ]
