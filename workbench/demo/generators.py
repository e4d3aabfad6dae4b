"""Deterministic generators of fake Chinese personal data: names, mobile numbers that pass
phonenumbers' checks, checksummed ID-card numbers, e-mails and addresses. Pure: give them a
seeded random.Random and the same seed gives the same people."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from workbench.members.identity import id_check_char

# (surname, pinyin, weight): the commonest surnames, roughly by frequency, and a few compound.
SURNAMES = [
    ("王", "wang", 72),
    ("李", "li", 70),
    ("张", "zhang", 66),
    ("刘", "liu", 53),
    ("陈", "chen", 46),
    ("杨", "yang", 33),
    ("黄", "huang", 25),
    ("赵", "zhao", 22),
    ("吴", "wu", 21),
    ("周", "zhou", 21),
    ("徐", "xu", 15),
    ("孙", "sun", 14),
    ("马", "ma", 13),
    ("朱", "zhu", 12),
    ("胡", "hu", 12),
    ("郭", "guo", 11),
    ("何", "he", 11),
    ("林", "lin", 10),
    ("高", "gao", 10),
    ("罗", "luo", 10),
    ("郑", "zheng", 9),
    ("梁", "liang", 9),
    ("谢", "xie", 8),
    ("宋", "song", 8),
    ("唐", "tang", 8),
    ("许", "xu", 7),
    ("韩", "han", 7),
    ("冯", "feng", 7),
    ("邓", "deng", 7),
    ("曹", "cao", 6),
    ("彭", "peng", 6),
    ("曾", "zeng", 6),
    ("肖", "xiao", 6),
    ("田", "tian", 5),
    ("董", "dong", 5),
    ("欧阳", "ouyang", 1),
    ("司马", "sima", 1),
    ("上官", "shangguan", 1),
    ("诸葛", "zhuge", 1),
]
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰建国志东"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红玉兰英梅琳雪婷慧颖倩琪悦欣怡佳雨晨"
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]
# (region code, province, city, districts, roads)
REGIONS = [
    (
        "310115",
        "",
        "上海市",
        ["浦东新区", "徐汇区", "静安区", "闵行区"],
        ["张江路", "世纪大道", "漕溪北路", "南京西路"],
    ),
    (
        "110105",
        "",
        "北京市",
        ["朝阳区", "海淀区", "东城区", "丰台区"],
        ["建国路", "中关村大街", "东直门内大街", "丰台北路"],
    ),
    (
        "440106",
        "广东省",
        "广州市",
        ["天河区", "越秀区", "海珠区"],
        ["天河路", "中山五路", "江南大道"],
    ),
    (
        "440305",
        "广东省",
        "深圳市",
        ["南山区", "福田区", "罗湖区"],
        ["科技园路", "深南大道", "人民南路"],
    ),
    (
        "330106",
        "浙江省",
        "杭州市",
        ["西湖区", "上城区", "滨江区"],
        ["文三路", "延安路", "江南大道"],
    ),
    (
        "320102",
        "江苏省",
        "南京市",
        ["玄武区", "鼓楼区", "秦淮区"],
        ["中山路", "北京西路", "太平南路"],
    ),
    (
        "510104",
        "四川省",
        "成都市",
        ["锦江区", "武侯区", "青羊区"],
        ["春熙路", "人民南路", "蜀都大道"],
    ),
    (
        "420106",
        "湖北省",
        "武汉市",
        ["武昌区", "江汉区", "洪山区"],
        ["中南路", "解放大道", "珞喻路"],
    ),
]
EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com"]


@dataclass(frozen=True)
class FakePerson:
    name: str
    gender: str
    birthday: date
    phone: str  # 11-digit national form
    id_number: str
    email: str | None
    address: str
    region: int  # index into REGIONS


class PersonFactory:
    """Makes people with phones and ID numbers unique within one factory."""

    def __init__(self, rng: random.Random, expected: int) -> None:
        self.rng = rng
        self._surnames = [s for s, _, _ in SURNAMES]
        self._pinyin = {s: p for s, p, _ in SURNAMES}
        self._weights = [w for _, _, w in SURNAMES]
        span = len(MOBILE_PREFIXES) * 10**8
        self._phone_numbers = iter(rng.sample(range(span), expected))
        self._id_numbers: set[str] = set()

    def person(self, today: date, region: int | None = None) -> FakePerson:
        rng = self.rng
        region = rng.randrange(len(REGIONS)) if region is None else region
        code, province, city, districts, roads = REGIONS[region]
        gender = "M" if rng.random() < 0.48 else "F"
        surname = rng.choices(self._surnames, self._weights)[0]
        pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
        given = "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2))))
        birthday = today - timedelta(days=rng.randint(18 * 365, 70 * 365))
        id_number = self._id_number(code, birthday, gender)
        serial = next(self._phone_numbers)
        phone = MOBILE_PREFIXES[serial // 10**8] + f"{serial % 10**8:08d}"
        email = None
        if rng.random() < 0.6:
            email = f"{self._pinyin[surname]}{rng.randint(1, 9999)}@{rng.choice(EMAIL_DOMAINS)}"
        address = (
            f"{province}{city}{rng.choice(districts)}{rng.choice(roads)}"
            f"{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(101, 2808)}室"
        )
        return FakePerson(
            surname + given, gender, birthday, phone, id_number, email, address, region
        )

    def _id_number(self, code: str, birthday: date, gender: str) -> str:
        while True:
            serial = self.rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            body = f"{code}{birthday:%Y%m%d}{serial:03d}"
            number = body + id_check_char(body)
            if number not in self._id_numbers:
                self._id_numbers.add(number)
                return number
