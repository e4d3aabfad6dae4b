import random
from datetime import date

import phonenumbers

from workbench.demo.generators import PersonFactory
from workbench.members.identity import parse_id_number

TODAY = date(2026, 3, 2)


def _people(seed, n=3000):
    factory = PersonFactory(random.Random(seed), n)
    return [factory.person(TODAY) for _ in range(n)]


def test_phones_are_valid_mainland_mobiles_and_unique():
    people = _people(1)
    assert len({p.phone for p in people}) == len(people)
    for person in people[:1000]:
        number = phonenumbers.parse(person.phone, "CN")
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def test_id_numbers_check_and_match_birthday_and_gender():
    people = _people(2)
    assert len({p.id_number for p in people}) == len(people)
    for person in people:
        card = parse_id_number(person.id_number)
        assert card.birthday == person.birthday and card.gender == person.gender
        assert 18 <= (TODAY - person.birthday).days // 365 <= 70


def test_same_seed_same_people():
    assert _people(7, 200) == _people(7, 200)
    assert _people(7, 200) != _people(8, 200)


def test_names_emails_addresses_look_real():
    people = _people(3)
    assert all(2 <= len(p.name) <= 4 for p in people)
    with_email = [p for p in people if p.email]
    assert 0.5 < len(with_email) / len(people) < 0.7
    assert all("@" in p.email for p in with_email)
    assert all(("区" in p.address) and p.address.endswith("室") for p in people)
