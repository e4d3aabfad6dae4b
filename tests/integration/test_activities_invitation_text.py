"""Invitations render each distinct text once per batch: members whose text differs (their
tier, their form of address) still get their own, and a template that names the member
number gets it per member."""

from __future__ import annotations

from sqlalchemy import select

from tests.activities_scene import build_scene, plan
from workbench.messaging.models import OutboxMessage


def _bodies(wb) -> dict[int, str]:
    with wb.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "activity_invitation")
        ).all()
        return {row.member_id: wb.outbox.decrypt_body(row)["body"] for row in rows}


def test_each_member_reads_their_own_tier(wb, clock):
    scene = build_scene(wb, clock)
    desk, s = wb.usecases.activities, scene.staff
    code = desk.create(s["marketing"], plan()).line.code
    desk.submit(s["marketing"], code)
    desk.approve(s["supervisor"], code)
    desk.invite(s["marketing"], code)
    bodies = _bodies(wb)
    language = wb.outbox.language
    for key in ("silver", "gold", "regular", "bj"):
        person = scene.members[key]
        label = wb.scheme.get(person.tier).label(language)
        assert label in bodies[person.member_id], (key, bodies[person.member_id])
    assert bodies[scene.members["gold"].member_id] == bodies[scene.members["bj"].member_id]


def test_a_template_naming_the_member_number_gets_it_per_member(wb, clock):
    scene = build_scene(wb, clock)
    templates = wb.outbox.templates
    loader = templates.env.loader
    language = wb.outbox.language
    name = f"{language}/activity_invitation.sms"
    loader.mapping[name] = loader.mapping[name] + " {{ member_no }}"
    templates.env.cache.clear()
    desk, s = wb.usecases.activities, scene.staff
    code = desk.create(s["marketing"], plan()).line.code
    desk.submit(s["marketing"], code)
    desk.approve(s["supervisor"], code)
    desk.invite(s["marketing"], code)
    bodies = _bodies(wb)
    for key in ("regular", "regular2"):
        person = scene.members[key]
        assert bodies[person.member_id].endswith(person.member_no)
