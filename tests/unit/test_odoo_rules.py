"""The Odoo sync's pure rules: the cursor's next position, a partner as an application, the
domain of members' orders, reading Odoo's values."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.factories import fake_id_number
from workbench.crm.cursor import Position, next_second
from workbench.crm.mapping import (
    many2one_id,
    member_order_domain,
    order_amount,
    order_time,
    partner_application,
    partner_fields,
    service_values,
)
from workbench.crm.options import SyncOptions
from workbench.errors import InvalidIdNumber, InvalidPhoneNumber, ValidationError

OPTIONS = SyncOptions(
    store_code="HQ",
    member_domain=[["membership_state", "=", "paid"]],
    id_number_field="x_id_number",
    order_models=("sale.order",),
    batch_size=3,
    phone_region="CN",
    service_fields={"tier": "x_tier", "points": "x_points"},
)
S = "2026-03-01 01:00:00"


def rows(*pairs):
    return [{"id": i, "write_date": w} for i, w in pairs]


def test_from_the_start_the_whole_model_is_read_in_write_date_order():
    assert Position().domain() == []
    assert Position().order == "write_date asc, id asc"


def test_a_short_page_ends_the_run_at_its_last_second_which_is_read_again_next_time():
    following, more = Position().after(rows((1, S), (2, "2026-03-01 01:00:07")), batch=3)
    assert (following, more) == (Position("2026-03-01 01:00:07"), False)
    assert following.domain() == [["write_date", ">=", "2026-03-01 01:00:07"]]


def test_a_full_page_over_several_seconds_moves_on_to_its_last_second():
    page = rows((1, S), (2, S), (3, "2026-03-01 01:00:02"))
    assert Position().after(page, batch=3) == (Position("2026-03-01 01:00:02"), True)


def test_a_full_page_inside_one_second_switches_to_reading_that_second_by_id():
    following, more = Position(S).after(rows((4, S), (9, S), (5, S)), batch=3)
    assert (following, more) == (Position(S, 0), True)
    assert following.order == "id asc"
    assert following.domain() == [
        ["write_date", ">=", S],
        ["write_date", "<", "2026-03-01 01:00:01"],
        ["id", ">", 0],
    ]
    assert following.after(rows((4, S), (5, S), (9, S)), batch=3) == (Position(S, 9), True)
    # the second ran out: carry on after it
    assert Position(S, 9).after(rows((12, S)), batch=3) == (Position("2026-03-01 01:00:01"), True)
    assert Position(S, 12).after([], batch=3) == (Position("2026-03-01 01:00:01"), True)


def test_an_empty_page_leaves_the_position_where_it_was():
    assert Position(S).after([], batch=3) == (Position(S), False)


def test_next_second_crosses_midnight_and_month_ends():
    assert next_second("2026-02-28 23:59:59") == "2026-03-01 00:00:00"


def test_a_partner_becomes_a_checked_application_by_the_registrys_rules():
    number = fake_id_number(birthday="19850607", serial=5)
    checked = partner_application(
        {
            "id": 7,
            "name": " 王芳 ",
            "mobile": "+86 139 0007 0001",
            "phone": False,
            "email": "Wang.Fang@Example.COM",
            "street": "张江路1号",
            "city": "上海",
            "zip": False,
            "x_id_number": number.lower(),
        },
        OPTIONS,
    )
    assert (checked.name, checked.phone, checked.email) == (
        "王芳",
        "+8613900070001",
        "Wang.Fang@example.com",
    )
    assert checked.address == "张江路1号 上海" and checked.id_number == number
    assert checked.birthday.isoformat() == "1985-06-07"


def test_a_partner_without_an_id_number_is_taken_without_one():
    checked = partner_application({"id": 1, "name": "李雷", "mobile": "13900070002"}, OPTIONS)
    assert checked.id_number is None and checked.birthday is None and checked.gender is None


def test_the_mobile_field_wins_unless_it_is_no_mobile():
    row = {"name": "李雷", "mobile": "021 5555 1234", "phone": "13900070003"}
    assert partner_application(row, OPTIONS).phone == "+8613900070003"


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ({"name": "李雷", "mobile": False, "phone": "021 5555 1234"}, InvalidPhoneNumber),
        ({"name": "李雷"}, InvalidPhoneNumber),
        ({"name": "", "mobile": "13900070004"}, ValidationError),
        (
            {"name": "李雷", "mobile": "13900070004", "x_id_number": "110101198506070010"},
            InvalidIdNumber,
        ),
        ({"name": "李雷", "mobile": "13900070004", "email": "not an address"}, ValidationError),
    ],
)
def test_a_partner_failing_validation_is_refused_naming_the_field(row, error):
    with pytest.raises(error):
        partner_application(row, OPTIONS)


def test_partner_fields_asks_only_for_what_odoo_has():
    available = {"name", "mobile", "email", "write_date", "x_tier", "x_id_number", "street"}
    assert partner_fields(available, OPTIONS) == [
        "name",
        "mobile",
        "email",
        "street",
        "write_date",
        "x_tier",
        "x_id_number",
    ]


def test_members_orders_are_found_through_the_orders_partner():
    domain = member_order_domain(
        "pos.order", ["|", ["membership_state", "=", "paid"], ["category_id.name", "=", "Member"]]
    )
    assert domain == [
        ["state", "in", ["paid", "done", "invoiced"]],
        "|",
        ["partner_id.membership_state", "=", "paid"],
        ["partner_id.category_id.name", "=", "Member"],
    ]


def test_odoo_values_are_read_as_the_workbench_stores_them():
    assert many2one_id([7, "王芳"]) == 7 and many2one_id(7) == 7
    assert many2one_id(False) is None and many2one_id(True) is None
    assert order_amount({"amount_total": 0.1 + 0.2}) == Decimal("0.30")
    assert order_time({"date_order": "2026-02-20 03:00:00"}) == datetime(2026, 2, 20, 3, tzinfo=UTC)
    with pytest.raises(ValidationError, match="date_order"):
        order_time({"date_order": False})
    assert service_values({"tier": "x_tier"}, {"tier": "gold", "points": 5}) == {"x_tier": "gold"}
