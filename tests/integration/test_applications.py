"""Applications through the use cases on both backends: submit at the store, review in the
queue, return to the submitter (returned list and e-mail), resubmit, approve (welcome queued);
roles refused; a scheme with a joining threshold admits only with a qualifying purchase."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from tests.factories import add_staff, add_store, application, fake_id_number, fake_phone
from workbench.bootstrap import build
from workbench.errors import InvalidState, PermissionDenied, ValidationError
from workbench.members.models import MemberStatus, PointsKind, Role
from workbench.messaging.models import OutboxMessage
from workbench.permissions.staff import EMAIL_FIELD
from workbench.settings import load_settings
from workbench.usecases.applications import ApplicationChanges, ApplicationInput
from workbench.usecases.member_refs import UnknownMember


def _input(**overrides) -> ApplicationInput:
    serial_phone = fake_phone()
    values = dict(
        name="陈静",
        phone=serial_phone,
        id_number=fake_id_number(birthday="19880612", male=False),
        gender="F",
        birthday="1988-06-12",
        email="chen.jing@example.com",
        address="上海市徐汇区漕溪北路1号",
    )
    values.update(overrides)
    return ApplicationInput(**values)


def _give_email(wb, staff, address: str) -> None:
    with wb.sessions() as session:
        row = session.get(type(staff), staff.id)
        row.email_enc = wb.cipher.encrypt(EMAIL_FIELD, address)
        session.commit()


def _messages(wb, **where) -> list[OutboxMessage]:
    with wb.sessions() as session:
        query = select(OutboxMessage)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list(session.scalars(query))


def test_submit_reject_resubmit_approve(wb, people, clock):
    desk = wb.usecases.applications
    _give_email(wb, people.sales, "sales1@example.com")
    given = _input()
    submitted = desk.submit(people.sales, given)
    assert submitted.status == "pending_review" and submitted.masked_name == "陈*"

    clock.advance(hours=50)  # past the 48-hour review SLA
    [line] = desk.queue(people.agent).lines
    assert line.member_no == submitted.member_no and line.masked_name == "陈*"
    assert line.store_code == "SH01" and line.channel == "store"
    assert line.submitted_by == "sales1 (sales1)" and line.overdue
    assert line.age == timedelta(hours=50)

    rejected = desk.reject(people.agent, submitted.member_no, "地址缺少门牌号")
    assert rejected.status == "rejected" and rejected.submitter_emailed
    assert desk.queue(people.agent).lines == ()
    [returned] = desk.returned(people.sales)
    assert returned.reason == "地址缺少门牌号" and returned.reviewed_by == "agent1 (agent1)"
    assert desk.returned_count(people.sales) == 1
    assert desk.returned(people.supervisor) == []  # someone else's

    [mail] = _messages(wb, staff_id=people.sales.id, template="application_returned")
    body = wb.outbox.decrypt_body(mail)
    assert "地址缺少门牌号" in body["body"] and submitted.member_no in body["body"]
    assert given.name not in body["body"] and given.phone not in body["body"]
    # The applicant is told what the rejection notice says, not the reviewer's note.
    applicant = _messages(wb, template="rejection")
    assert applicant and all("门牌号" not in wb.outbox.decrypt_body(m)["body"] for m in applicant)

    prefill = desk.returned_application(people.sales, submitted.member_no)
    assert prefill.masked["name"] == "陈*" and given.phone not in str(prefill.masked)
    again = desk.resubmit(
        people.sales, submitted.member_no, ApplicationChanges(address="上海市徐汇区漕溪北路1号2室")
    )
    assert again.status == "pending_review"
    [line] = desk.queue(people.supervisor).lines
    assert line.resubmitted and not line.overdue  # the SLA runs from the resubmission
    assert desk.returned(people.sales) == []

    decision = desk.approve(people.supervisor, submitted.member_no)
    assert decision.status == "active" and decision.card_no
    assert decision.welcome_queued >= 1
    with wb.sessions() as session:
        member = wb.registry.get(session, submitted.member_no)
        assert wb.registry.decrypt(member)["address"] == "上海市徐汇区漕溪北路1号2室"
        assert wb.registry.decrypt(member)["name"] == given.name  # unchanged fields kept
        kinds = [e.kind for e in wb.registry.events(session, member.id)]
    assert kinds == ["applied", "rejected", "resubmitted", "approved"]


def test_roles_are_refused(wb, people):
    desk = wb.usecases.applications
    with pytest.raises(PermissionDenied):
        desk.submit(people.analyst, _input())
    with pytest.raises(PermissionDenied):
        desk.submit(people.agent, _input())  # the hotline registers callers on the call
    submitted = desk.submit(people.sales, _input())
    with pytest.raises(PermissionDenied):
        desk.queue(people.analyst)
    with pytest.raises(PermissionDenied):
        desk.queue(people.sales)
    with pytest.raises(PermissionDenied):
        desk.approve(people.sales, submitted.member_no)
    with pytest.raises(PermissionDenied):
        desk.reject(people.analyst, submitted.member_no, "no")
    with pytest.raises(PermissionDenied):
        desk.returned(people.analyst)
    with pytest.raises(UnknownMember):
        desk.approve(people.agent, "M999999999")
    with wb.sessions() as session:
        assert wb.registry.get(session, submitted.member_no).status == MemberStatus.PENDING_REVIEW


def test_store_manager_submits_for_own_store_and_corrects_its_returns(wb, people, clock):
    desk = wb.usecases.applications
    with wb.sessions() as session:
        manager = add_staff(session, clock, "manager1", Role.STORE_MANAGER, people.store)
        session.commit()
    with pytest.raises(ValidationError) as other_store:
        desk.submit(manager, _input(store_code="BJ01"))
    assert other_store.value.field == "store_code"
    submitted = desk.submit(people.sales, _input())
    desk.reject(people.agent, submitted.member_no, "证件照片不清晰")
    with pytest.raises(PermissionDenied):
        desk.resubmit(people.supervisor, submitted.member_no, ApplicationChanges(name="陈婧"))
    desk.resubmit(manager, submitted.member_no, ApplicationChanges(name="陈婧"))
    assert [line.member_no for line in desk.queue(people.agent).lines] == [submitted.member_no]


def test_bad_input_names_the_field_and_stores_nothing(wb, people):
    desk = wb.usecases.applications
    for given, field in [
        (_input(gender="M"), "gender"),
        (_input(birthday="1990-01-01"), "birthday"),
        (_input(referrer="M000000000"), "referrer"),
        (_input(phone="123"), "phone"),
    ]:
        with pytest.raises(ValidationError) as caught:
            desk.submit(people.sales, given)
        assert caught.value.field == field
    assert desk.queue(people.agent).lines == ()


def test_referrer_by_card_number(wb, people, active_member):
    referrer_no, _ = active_member
    with wb.sessions() as session:
        card = wb.registry.current_card(session, wb.registry.get(session, referrer_no).id)
    submitted = wb.usecases.applications.submit(people.sales, _input(referrer=card.card_no))
    with wb.sessions() as session:
        member = wb.registry.get(session, submitted.member_no)
        assert member.referrer_id == wb.registry.get(session, referrer_no).id


def test_hotline_registrations_enter_the_same_queue(wb, people):
    with wb.sessions() as session:
        registered = wb.registry.apply(
            session, application=application(channel="hotline"), actor=people.agent
        )
        session.commit()
    [line] = wb.usecases.applications.queue(people.supervisor).lines
    assert line.member_no == registered.member_no and line.channel == "hotline"
    assert line.submitted_by == "agent1 (agent1)"
    wb.usecases.applications.reject(people.supervisor, registered.member_no, "请核实姓名")
    assert [r.member_no for r in wb.usecases.applications.returned(people.agent)] == [
        registered.member_no
    ]


@pytest.fixture
def store_wb(db_url, tmp_path, clock, keyring):
    """A workbench under seed 003's scheme (config/tiers/store.toml)."""
    settings = load_settings(
        database_url=db_url, keys_file=str(tmp_path / "keys.json"), members_tier_scheme="store"
    )
    workbench = build(settings, clock=clock, keyring=keyring)
    yield workbench
    workbench.dispose()


def test_threshold_scheme_admits_only_with_a_qualifying_purchase(store_wb, clock):
    wb = store_wb
    with wb.sessions() as session:
        store = add_store(session, "SH01")
        sales = add_staff(session, clock, "sales1", Role.SALES, store)
        agent = add_staff(session, clock, "agent1", Role.AGENT)
        session.commit()
    desk = wb.usecases.applications
    assert desk.form(sales).join_threshold == "2000"

    with pytest.raises(ValidationError) as missing:
        desk.submit(sales, _input())
    assert missing.value.field == "purchase_amount"
    with pytest.raises(ValidationError) as small:
        desk.submit(sales, _input(purchase_amount="1999.99", purchase_receipt="R-1"))
    assert small.value.field == "purchase_amount"

    # A hotline registration has no purchase: approval refuses it, nothing is stored.
    with wb.sessions() as session:
        by_phone = wb.registry.apply(
            session, application=application(channel="hotline"), actor=agent
        )
        session.commit()
    with pytest.raises(InvalidState, match="2000"):
        desk.approve(agent, by_phone.member_no)
    with wb.sessions() as session:
        assert wb.registry.get(session, by_phone.member_no).status == MemberStatus.PENDING_REVIEW
        assert wb.registry.cards(session, by_phone.id) == []

    standard = desk.submit(sales, _input(purchase_amount="2350", purchase_receipt="R-2350"))
    gold = desk.submit(sales, _input(purchase_amount="8000", purchase_receipt="R-8000"))
    first = desk.approve(agent, standard.member_no)
    second = desk.approve(agent, gold.member_no)
    assert (first.tier_code, first.points_earned) == ("standard", 23)  # 1 point per 100 yuan
    assert (second.tier_code, second.points_earned) == ("gold", 80)
    with wb.sessions() as session:
        member = wb.registry.get(session, standard.member_no)
        [entry] = wb.ledger.history(session, member.id)
        assert entry.kind == PointsKind.PURCHASE and entry.purchase_id is not None
    # The receipt is recorded once: another application cannot use it again.
    with pytest.raises(ValidationError) as reused:
        desk.submit(sales, _input(purchase_amount="2350", purchase_receipt="R-2350"))
    assert reused.value.field == "purchase_receipt"


def test_birthday_greeting_names_the_tiers_gift(store_wb):
    scheme = store_wb.scheme
    assert scheme.get("gold").birthday_gift("zh-CN") == "生日礼物及九折优惠"
    assert scheme.get("diamond").birthday_gift("en") == "a birthday gift and 15% off (八五折)"
    assert scheme.get("standard").birthday_gift("zh-CN") == ""
    rendered = store_wb.outbox.templates.render(
        "birthday",
        "zh-CN",
        {"call_name": "陈女士", "tier": "金卡", "birthday_gift": "生日礼物及九折优惠"},
    )
    assert "生日礼物及九折优惠" in rendered.sms
    plain = store_wb.outbox.templates.render(
        "birthday", "zh-CN", {"call_name": "陈女士", "tier": "普卡", "birthday_gift": ""}
    )
    assert "（" not in plain.sms


def test_store_scheme_tiers_carry_the_seed_values(store_wb):
    tiers = {t.code: t for t in store_wb.scheme.tiers}
    assert [t.label_zh for t in store_wb.scheme.tiers] == ["普卡", "金卡", "钻卡"]
    assert tiers["standard"].join_single_purchase == Decimal("2000")
    assert tiers["gold"].qualify_single_purchase == Decimal("8000")
    assert tiers["gold"].qualify_spend == Decimal("8000")
    assert [tiers[c].discount for c in ("standard", "gold", "diamond")] == [
        Decimal("0.98"),
        Decimal("0.95"),
        Decimal("0.9"),
    ]
    assert tiers["standard"].points_for(Decimal("199.99")) == 1
    assert "免费送货" in tiers["diamond"].benefits("zh-CN")
    assert "Member-only goods" in tiers["gold"].benefits("en")


def test_an_application_no_staff_member_submitted_is_corrected_by_customer_service(wb, people):
    """An application from the web (no submitter): returned, it goes to customer service's
    returned list rather than to no one, and they correct and resubmit it."""
    from workbench.members.models import MemberEvent

    with wb.sessions() as session:
        member = wb.registry.apply(session, application=application(), actor=people.sales)
        session.execute(
            update(MemberEvent).where(MemberEvent.member_id == member.id).values(staff_id=None)
        )
        session.commit()
        member_no = member.member_no
    desk = wb.usecases.applications
    desk.reject(people.agent, member_no, "请补充邮箱")
    assert [line.member_no for line in desk.returned(people.supervisor)] == [member_no]
    assert desk.returned(people.sales) == []  # not theirs any more than anyone's
    desk.resubmit(people.agent, member_no, ApplicationChanges(email="web@example.com"))
    assert [line.member_no for line in desk.queue(people.agent).lines] == [member_no]


def test_marketing_consent_is_given_only_when_the_applicant_says_so(wb, people):
    from workbench.members.models import Member

    quiet = wb.usecases.applications.submit(people.sales, _input())
    willing = wb.usecases.applications.submit(people.sales, _input(consent_marketing=True))
    with wb.sessions() as session:
        consent = {
            m.member_no: m.consent_marketing
            for m in session.scalars(
                select(Member).where(Member.member_no.in_([quiet.member_no, willing.member_no]))
            )
        }
    assert consent == {quiet.member_no: False, willing.member_no: True}
