"""The field vocabulary and the field types of issue 12, in messages written as group chats write them:
symptoms (a ``symptoms`` field), thresholds in words, readings taken several times a day, status remarks,
and ``enum`` fields (a testing campaign's 核酸 / 抗原 / 健康码), also in a template the parser was never
coded for.

The roster is ``tests/parser/fixtures.py`` (刘志宇 covers 王建国 … 周玉梅, 王艳 covers 马德胜 … 罗永福).
Each case states only the values it is about (a partial comparison), plus what must stay unstated.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.config.errors import ConfigError
from bot.config.settings import load_config
from bot.config.template import template_from_config
from bot.core.model import MemberReport
from bot.core.template import Template
from bot.parser import parse_message
from tests.parser.fixtures import ROSTER, TEMPLATE, households_of

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = load_config(ROOT / "bot" / "sample" / "campaign.toml").template


def report(text: str, sender: str = "刘志宇", template: Template = TEMPLATE) -> MemberReport:
    result = parse_message(text, sender, ROSTER, template)
    assert len(result.reports) == 1, result.to_json()
    return result.reports[0]


def check(text: str, expected: dict[str, dict[str, Any]], sender: str = "刘志宇",
          template: Template = TEMPLATE) -> MemberReport:
    """Every household of ``expected`` is in the report with those values (the others are not compared)."""
    r = report(text, sender, template)
    got = {h.household: h.values for h in r.households}
    for name, values in expected.items():
        assert name in got, (text, list(got))
        for key, want in values.items():
            assert got[name][key] == want, (text, name, key, got[name][key], want)
    return r


# ------------------------------------------------------------------------------------------- symptoms
SYMPTOMS: list[tuple[str, dict[str, dict[str, Any]]]] = [
    ("王建国家儿子咳嗽", {"王建国": {"symptoms": ["咳嗽"], "fever": None, "note": ""}}),
    ("李秀兰家：3人，体温36.5，老人有点咳，嗓子疼",
     {"李秀兰": {"people": 3, "temperature": 36.5, "fever": False, "symptoms": ["咳嗽", "咽痛"]}}),
    ("薛文斌户无咳嗽乏力", {"薛文斌": {"symptoms": []}}),
    ("霍建军家4口人体温正常，无发热咳嗽等症状", {"霍建军": {"people": 4, "fever": False, "symptoms": []}}),
    ("杜美玲家孙子拉肚子了", {"杜美玲": {"symptoms": ["腹泻"]}}),
    ("张三虎家 流鼻涕、鼻塞", {"张三虎": {"symptoms": ["流涕", "鼻塞"]}}),
    ("陈立新家老伴胸闷气短，已去医院", {"陈立新": {"symptoms": ["胸闷", "呼吸困难"], "note": "已去医院"}}),
    ("赵春花家闻不到味，吃东西没味", {"赵春花": {"symptoms": ["嗅觉减退", "味觉减退"]}}),
    ("孙福贵家：干咳、乏力", {"孙福贵": {"symptoms": ["干咳", "乏力"]}}),
    ("周玉梅家浑身没劲，头疼", {"周玉梅": {"symptoms": ["乏力", "头痛"]}}),
    ("王建国家咳嗽：无", {"王建国": {"symptoms": []}}),
    ("王建国家症状：无", {"王建国": {"symptoms": []}}),
    ("王建国家无症状", {"王建国": {"symptoms": []}}),
    ("王建国家不咳嗽，也不发烧", {"王建国": {"symptoms": [], "fever": False}}),
    ("王建国家：４人，体温３６．８℃，咳嗽", {"王建国": {"people": 4, "temperature": 36.8, "symptoms": ["咳嗽"]}}),
    ("王建国家 无咳嗽、无乏力、无腹泻", {"王建国": {"symptoms": []}}),
    ("王建国家有咳嗽、流涕症状", {"王建国": {"symptoms": ["咳嗽", "流涕"]}}),
    ("王建国家娃儿咳得厉害", {"王建国": {"symptoms": ["咳嗽"]}}),
    ("王建国家里老人这两天拉稀", {"王建国": {"symptoms": ["腹泻"]}}),
    ("李秀兰家 体温正常 没有咳嗽 没有乏力", {"李秀兰": {"fever": False, "symptoms": []}}),
    ("薛文斌家无不适", {"薛文斌": {"symptoms": []}}),
    ("李秀兰家嗓子不舒服", {"李秀兰": {"symptoms": ["咽痛"]}}),
    ("霍建军家老人身体不舒服", {"霍建军": {"symptoms": ["不适"]}}),
    ("杜美玲家孩子感冒了，流清涕，体温36度8", {"杜美玲": {"symptoms": ["感冒", "流涕"], "temperature": 36.8}}),
    ("1.王建国 4人 36.5 咳嗽\n2.李秀兰 2人 36.6 正常",
     {"王建国": {"people": 4, "temperature": 36.5, "symptoms": ["咳嗽"]},
      "李秀兰": {"people": 2, "symptoms": [], "fever": False}}),
    ("户主 人数 体温 症状\n王建国 4 36.5 咳嗽\n李秀兰 2 36.6 无",
     {"王建国": {"people": 4, "symptoms": ["咳嗽"]}, "李秀兰": {"people": 2, "symptoms": []}}),
    ("王建国家咳嗽两天了，嗓子疼，咳嗽", {"王建国": {"symptoms": ["咳嗽", "咽痛"]}}),  # each symptom once
    ("王建国家｜发热无｜咳嗽乏力无", {"王建国": {"fever": False, "symptoms": []}}),
    ("户主 人数 体温 备注\n王建国 3 36.5 无\n李秀兰 2 36.7 咳嗽\n薛文斌 1 36.3 外出务工",  # the note column
     {"王建国": {"symptoms": None, "note": ""}, "李秀兰": {"symptoms": ["咳嗽"], "note": "咳嗽"},
      "薛文斌": {"out": True, "note": "外出务工"}}),
    ("张三虎家 味觉嗅觉都减退了", {"张三虎": {"symptoms": ["味觉减退", "嗅觉减退"]}}),
]


@pytest.mark.parametrize(("text", "expected"), SYMPTOMS, ids=[t for t, _ in SYMPTOMS])
def test_symptoms(text: str, expected: dict[str, dict[str, Any]]) -> None:
    check(text, expected)


@pytest.mark.parametrize("text", [
    "包联10户33人，均无发热、咳嗽、乏力等症状",
    "今天10户都正常，无发热咳嗽乏力",
    "10户均正常",
    "我包联的十户今天一切正常，没有发烧咳嗽的",
    # form-like reports
    "包联10户，均无发热、干咳、乏力、咽痛、嗅（味）觉减退、腹泻等症状",
    "发热（≥37.3℃）人数：0\n返乡人数：0",
    "体温≥37.3℃人数：0，有咳嗽等症状人数：0",
    "今日排查10户，发热0人，咳嗽0人",
    "10户，体温37.3度以上的0人，无咳嗽、嗅觉味觉减退",
])
def test_blanket_denials_and_all_normal_give_no_symptoms(text: str) -> None:
    r = report(text)
    assert r.covers_all and r.warnings == [], r.warnings
    assert [h.values["symptoms"] for h in r.households] == [[]] * len(households_of("刘志宇"))
    assert all(h.values["fever"] is False for h in r.households)
    if "人数：0" in text:
        assert r.totals["people"] is None  # 人数：0 of a fever line is no people count


def test_a_symptom_inside_a_blanket_statement() -> None:
    r = check("全部正常，除王建国家儿子咳嗽外", {"王建国": {"symptoms": ["咳嗽"]}, "李秀兰": {"symptoms": []}})
    assert r.covers_all
    r = check("10户均正常，其中王建国家孙子流鼻涕", {"王建国": {"symptoms": ["流涕"]}, "周玉梅": {"symptoms": []}})
    r = check("除霍建军家老人感冒了，其余均正常", {"霍建军": {"symptoms": ["感冒"]}, "薛文斌": {"symptoms": []}})


def test_a_symptom_without_a_household_is_asked_about() -> None:
    r = report("今天有1人咳嗽，其他都好")
    assert any("咳嗽" in w and "哪一户" in w for w in r.warnings), r.warnings
    assert all(not h.values["symptoms"] for h in r.households)  # nobody is given the cough


def test_unstated_symptoms_are_null() -> None:
    check("王建国家4人，体温36.5", {"王建国": {"symptoms": None}})


def test_symptoms_are_an_anomaly_and_an_empty_list_is_not() -> None:
    assert TEMPLATE.anomalies({"symptoms": ["咳嗽"]}) == ["symptoms"]
    assert TEMPLATE.anomalies({"symptoms": []}) == []
    assert TEMPLATE.anomalies(TEMPLATE.normal_values()) == []
    assert TEMPLATE.normal_values()["symptoms"] == [] and TEMPLATE.empty_values()["symptoms"] is None


# ------------------------------------------------------------------------------------------- thresholds
THRESHOLDS: list[tuple[str, dict[str, dict[str, Any]]]] = [
    ("王建国家体温超过37度，已送医", {"王建国": {"fever": True, "temperature": None, "note": "已送医"}}),
    ("李秀兰家孩子37.3℃以上", {"李秀兰": {"fever": True, "temperature": None}}),
    ("薛文斌家老人低烧", {"薛文斌": {"fever": True, "temperature": None}}),
    ("霍建军家发高烧", {"霍建军": {"fever": True}}),
    ("杜美玲家老人有点低热", {"杜美玲": {"fever": True, "temperature": None}}),
    ("王建国家高烧，已经送县医院了", {"王建国": {"fever": True, "temperature": None, "note": "已经送县医院了"}}),
    ("王建国家体温三十七度以上", {"王建国": {"fever": True, "temperature": None}}),
    ("王建国家体温偏高", {"王建国": {"fever": True, "temperature": None}}),
    ("杜美玲家体温高于37.3度", {"杜美玲": {"fever": True, "temperature": None}}),
    ("王建国家体温37度以下", {"王建国": {"fever": False, "temperature": None}}),
    ("霍建军家发烧超过38度了", {"霍建军": {"fever": True, "temperature": None}}),
    ("薛文斌家体温超37.5，咳嗽", {"薛文斌": {"fever": True, "temperature": None, "symptoms": ["咳嗽"]}}),
    ("王建国家体温37.3℃以上：无", {"王建国": {"fever": False, "temperature": None}}),
    ("王建国家37.3以上发热：否", {"王建国": {"fever": False}}),
    ("王建国家体温达到38度", {"王建国": {"fever": True, "temperature": 38.0}}),  # a reading, not a threshold
]


@pytest.mark.parametrize(("text", "expected"), THRESHOLDS, ids=[t for t, _ in THRESHOLDS])
def test_thresholds_in_words(text: str, expected: dict[str, dict[str, Any]]) -> None:
    check(text, expected)


def test_a_threshold_for_the_whole_grid() -> None:
    r = report("包联10户，体温均未超过37.3℃")
    assert r.covers_all and all(h.values["fever"] is False and h.values["temperature"] is None
                                for h in r.households)
    r = report("体温37.3℃以上0人，其余正常")
    assert r.covers_all and all(h.values["fever"] is False for h in r.households)
    r = report("今天体温超过37.3度的有1人")
    assert any("哪一户" in w for w in r.warnings), r.warnings
    assert r.totals["people"] is None  # the one is the feverish one, not the grid's people


# ------------------------------------------------------------------------------------------- readings
READINGS: list[tuple[str, float, list[str]]] = [  # every reading goes to the note as written
    ("王建国家上午36.5，下午36.8", 36.8, ["上午36.5", "下午36.8"]),
    ("王建国家早36.3中36.5晚36.6", 36.6, ["早36.3", "中36.5", "晚36.6"]),
    ("王建国家 晨检36.4 午检36.7", 36.7, ["晨检36.4", "午检36.7"]),
    ("王建国家上午体温36.6℃，下午体温37.5℃", 37.5, ["上午体温36.6℃", "下午体温37.5℃"]),
    ("王建国家早上三十六度五，晚上三十六度八", 36.8, ["早上三十六度五", "晚上三十六度八"]),
    ("王建国家体温：早36.5，晚36.7", 36.7, ["早36.5", "晚36.7"]),
    ("王建国家今早36.5 昨晚36.9", 36.9, ["今早36.5", "昨晚36.9"]),
    ("王建国家4人，上午36.2下午36.9，无返乡", 36.9, ["上午36.2", "下午36.9"]),
    ("王建国家老人 早36度5 晚36度8", 36.8, ["早36度5", "晚36度8"]),
    ("王建国家3人，上午36.3、36.5、36.4，下午36.6、36.5、36.7", 36.7, ["上午36.3、36.5、36.4", "下午36.6、36.5、36.7"]),
    ("王建国家孩子 上午37.6 下午退烧了36.9", 37.6, ["上午37.6", "下午退烧了36.9"]),
    ("王建国家：上午３６．５，下午３６．９", 36.9, ["上午36.5", "下午36.9"]),
    ("王建国家儿子咳嗽，上午36.5下午36.9", 36.9, ["上午36.5", "下午36.9"]),
]


@pytest.mark.parametrize(("text", "top", "readings"), READINGS, ids=[t for t, _, _ in READINGS])
def test_several_readings_keep_the_highest_and_note_them_all(text: str, top: float, readings: list[str]) -> None:
    [h] = report(text).households
    assert h.values["temperature"] == top
    assert h.values["fever"] is (top >= TEMPLATE.fever_threshold)
    assert h.values["note"].split("；")[0] == "，".join(readings), (text, h.values["note"])


def test_per_person_temperatures_are_no_readings_of_the_day() -> None:
    check("薛文斌户4口人，体温36.4、36.6、36.5", {"薛文斌": {"temperature": 36.6, "note": ""}})


# ------------------------------------------------------------------------------------------- status remarks
STATUS: list[tuple[str, dict[str, dict[str, Any]]]] = [
    ("王建国家不在家", {"王建国": {"out": True, "note": "不在家"}}),
    ("李秀兰家2人外出务工", {"李秀兰": {"out": 2, "note": "2人外出务工"}}),
    ("霍建军家出差1人", {"霍建军": {"out": 1, "note": "出差1人"}}),
    ("杜美玲家一家人都不在小区", {"杜美玲": {"out": True, "note": "不在小区"}}),
    ("张三虎家老人住院", {"张三虎": {"out": None, "note": "老人住院"}}),
    ("陈立新家1人住院，1人在外地", {"陈立新": {"out": 1, "note": "1人住院；1人在外地"}}),
    ("赵春花家全家外出务工，不在村里", {"赵春花": {"out": True, "note": "外出务工；不在村里"}}),
    ("孙福贵家4人，2人在外打工，在家2人体温正常", {"孙福贵": {"people": 4, "out": 2, "fever": False}}),
    ("周玉梅家住校1人，其他都在家", {"周玉梅": {"out": 1, "note": "住校1人"}}),
    ("王建国家儿子在单位值班，老人发烧38度已送医院",
     {"王建国": {"out": True, "fever": True, "temperature": 38.0}}),
]


@pytest.mark.parametrize(("text", "expected"), STATUS, ids=[t for t, _ in STATUS])
def test_status_remarks(text: str, expected: dict[str, dict[str, Any]]) -> None:
    check(text, expected)


def test_the_hospital_remark_and_the_fever_together() -> None:
    r = check("王建国家儿子在单位值班，老人发烧38度已送医院", {})
    note = r.households[0].values["note"]
    assert "在单位" in note and "送医院" in note


# ------------------------------------------------------------------------------------------- enum fields (campaign)
CAMPAIGN_CASES: list[tuple[str, dict[str, dict[str, Any]]]] = [
    ("王建国家核酸阴性", {"王建国": {"test": "阴性", "antigen": None}}),
    ("李秀兰家未做核酸", {"李秀兰": {"test": "未做"}}),
    ("薛文斌家核酸没做", {"薛文斌": {"test": "未做"}}),
    ("霍建军家健康码绿码", {"霍建军": {"health_code": "绿码"}}),
    ("杜美玲家健康码：黄", {"杜美玲": {"health_code": "黄码"}}),
    ("张三虎家抗原阳性", {"张三虎": {"antigen": "阳性", "test": None}}),
    ("陈立新家核酸已做，结果阴性", {"陈立新": {"test": "阴性"}}),
    ("王建国家健康码变黄了，社区说要三天两检", {"王建国": {"health_code": "黄码"}}),
    ("王建国家老人核酸未做，行动不便", {"王建国": {"test": "未做", "note": "行动不便"}}),
    ("王建国家 核酸结果阴性 码是绿的", {"王建国": {"test": "阴性", "health_code": "绿码"}}),
    ("赵春花家绿码，核酸阴性，无中高风险地区旅居史",
     {"赵春花": {"health_code": "绿码", "test": "阴性", "risk_travel": False}}),
    ("孙福贵家去过中高风险地区", {"孙福贵": {"risk_travel": True}}),
    ("周玉梅家抗原两道杠", {"周玉梅": {"antigen": "阳性"}}),
    ("王建国家红码", {"王建国": {"health_code": "红码"}}),
    ("王建国家4人核酸都做了，阴性，体温36.5", {"王建国": {"people": 4, "test": "阴性", "temperature": 36.5}}),
    ("1.王建国 4人 核酸阴性 绿码\n2.李秀兰 2人 未做核酸",
     {"王建国": {"people": 4, "test": "阴性", "health_code": "绿码"}, "李秀兰": {"people": 2, "test": "未做"}}),
    ("户主 人数 核酸 健康码\n王建国 4 阴性 绿码\n李秀兰 2 未做 黄码",
     {"王建国": {"test": "阴性", "health_code": "绿码"}, "李秀兰": {"test": "未做", "health_code": "黄码"}}),
    ("王建国家核酸检测结果：阴性，抗原自测：阴性", {"王建国": {"test": "阴性", "antigen": "阴性"}}),
    ("王建国家黄码，核酸未做", {"王建国": {"health_code": "黄码", "test": "未做"}}),
    ("王建国家咳嗽，抗原一道杠", {"王建国": {"symptoms": ["咳嗽"], "antigen": "阴性"}}),
]


@pytest.mark.parametrize(("text", "expected"), CAMPAIGN_CASES, ids=[t for t, _ in CAMPAIGN_CASES])
def test_campaign_enum_fields(text: str, expected: dict[str, dict[str, Any]]) -> None:
    check(text, expected, template=CAMPAIGN)


def test_an_option_stated_for_every_household() -> None:
    r = report("10户均绿码，核酸均阴性，除王建国家外其余正常", template=CAMPAIGN)
    assert r.covers_all
    assert all(h.values["test"] == "阴性" and h.values["health_code"] == "绿码" for h in r.households)
    r = report("10户核酸全部阴性，健康码均为绿码，无人去过中高风险地区", template=CAMPAIGN)
    assert all(h.values["risk_travel"] is False and h.values["test"] == "阴性" for h in r.households)


def test_a_one_character_option_needs_its_field_word() -> None:
    # 黄 alone is a surname here, not a yellow code
    r = report("王建国家老黄来过，体温正常", template=CAMPAIGN)
    assert r.households[0].values["health_code"] is None


def test_enum_anomalies_follow_the_options() -> None:
    assert CAMPAIGN.anomalies({"test": "阳性", "health_code": "绿码"}) == ["test"]
    assert CAMPAIGN.anomalies({"test": "阴性", "health_code": "黄码"}) == ["health_code"]
    assert CAMPAIGN.anomalies(CAMPAIGN.normal_values()) == []
    assert CAMPAIGN.keys() == ["people", "temperature", "fever", "symptoms", "test", "antigen", "health_code",
                               "risk_travel", "note"]


# ------------------------------------------------------------------------------------------- a template nobody coded for
NEIGHBOURHOOD = """
[[template.fields]]
key = "residents"
label = "人数"
type = "int"
aliases = ["人数", "口人"]

[[template.fields]]
key = "parcels"
label = "代收快递"
type = "int"
aliases = ["代收快递", "快递", "包裹"]
anomaly = true

[[template.fields]]
key = "waste"
label = "垃圾分类"
type = "enum"
aliases = ["垃圾分类", "分类"]
options = [
  { value = "合格", aliases = ["达标", "做得好"] },
  { value = "不合格", aliases = ["不达标", "没分"], anomaly = true },
]

[[template.fields]]
key = "remark"
label = "备注"
type = "text"
aliases = ["备注"]
"""


@pytest.fixture
def neighbourhood(tmp_path: Path) -> Template:
    path = tmp_path / "n.toml"
    path.write_text(NEIGHBOURHOOD, encoding="utf-8")
    return load_config(path).template


@pytest.mark.parametrize(("text", "expected"), [
    ("王建国家3口人，代收快递2个，垃圾分类不合格", {"王建国": {"residents": 3, "parcels": 2, "waste": "不合格"}}),
    ("李秀兰家包裹1个，分类达标", {"李秀兰": {"parcels": 1, "waste": "合格"}}),
    ("薛文斌家无快递，垃圾分类：合格", {"薛文斌": {"parcels": 0, "waste": "合格"}}),
    ("霍建军家垃圾没分", {"霍建军": {"waste": "不合格"}}),
])
def test_a_made_up_template_is_read(neighbourhood: Template, text: str, expected: dict[str, dict[str, Any]]) -> None:
    r = check(text, expected, template=neighbourhood)
    assert set(r.households[0].values) == {"residents", "parcels", "waste", "remark"}


def test_made_up_anomalies(neighbourhood: Template) -> None:
    assert neighbourhood.anomalies({"parcels": 2, "waste": "合格"}) == ["parcels"]
    assert neighbourhood.anomalies({"parcels": 0, "waste": "不合格"}) == ["waste"]


# ------------------------------------------------------------------------------------------- config errors
@pytest.mark.parametrize(("entry", "where", "says"), [
    ({"key": "code", "label": "码", "type": "enum"}, "template.fields[0].options", "needs its options"),
    ({"key": "code", "label": "码", "type": "enum", "options": []}, "template.fields[0].options", "non-empty"),
    ({"key": "code", "label": "码", "type": "enum", "options": ["绿"]}, "template.fields[0].options[0]",
     "must be a table"),
    ({"key": "code", "label": "码", "type": "enum", "options": [{"aliases": ["绿"]}]},
     "template.fields[0].options[0].value", "non-empty string"),
    ({"key": "code", "label": "码", "type": "enum", "options": [{"value": "绿", "anomaly": "yes"}]},
     "template.fields[0].options[0].anomaly", "true or false"),
    ({"key": "code", "label": "码", "type": "enum", "options": [{"value": "绿", "colour": "x"}]},
     "template.fields[0].options[0].colour", "unknown key"),
    ({"key": "code", "label": "码", "type": "enum",
      "options": [{"value": "绿码", "aliases": ["绿"]}, {"value": "黄码", "aliases": ["绿"]}]},
     "template.fields[0].options[1].aliases", "already an alias"),
    ({"key": "code", "label": "码", "type": "enum", "options": [{"value": "绿码"}, {"value": "绿码"}]},
     "template.fields[0].options[1].value", "duplicate option"),
    ({"key": "n", "label": "人数", "type": "int", "options": [{"value": "1"}]}, "template.fields[0].options",
     "only enum and symptoms"),
    ({"key": "n", "label": "人数", "type": "integer"}, "template.fields[0].type", "symptoms, enum"),
    ({"key": "n", "label": "人数", "type": "int", "alias": ["人"]}, "template.fields[0].alias", "unknown key"),
])
def test_bad_enum_entries_are_clear_config_errors(entry: dict[str, Any], where: str, says: str) -> None:
    with pytest.raises(ConfigError) as e:
        template_from_config([entry], 37.3)
    assert where in str(e.value) and says in str(e.value), str(e.value)


def test_a_symptoms_field_without_options_knows_the_common_symptoms() -> None:
    tpl = template_from_config([{"key": "s", "label": "症状", "type": "symptoms"}], 37.3)
    f = tpl.get("s")
    assert f is not None and f.anomaly and "咳嗽" in [o.value for o in f.options]
    assert f.options == TEMPLATE.get("symptoms").options  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------- gridbot parse
def _cli(text: str, *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bot.cli", "parse", "--roster", "bot/sample/roster.csv",
                          "--sender", "刘志宇", *args], input=text, capture_output=True, text=True, cwd=ROOT,
                         check=True)
    return json.loads(out.stdout)


def test_gridbot_parse_reads_the_template_of_a_config_file() -> None:
    got = _cli("王建国家核酸阴性，健康码绿码，儿子咳嗽", "--config", "bot/sample/campaign.toml")
    [h] = got["reports"][0]["households"]
    assert h["test"] == "阴性" and h["health_code"] == "绿码" and h["symptoms"] == ["咳嗽"]
    assert h["antigen"] is None and h["risk_travel"] is None
    got = _cli("王建国家儿子咳嗽")  # the default template: symptoms, and no campaign keys
    [h] = got["reports"][0]["households"]
    assert h["symptoms"] == ["咳嗽"] and "test" not in h


def test_the_example_config_shows_the_campaign_template() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    block = text.split("# --- A second example: a testing campaign", 1)[1].split("\n[ocr]", 1)[0]
    lines = [ln[2:] if ln.startswith("# ") else "" for ln in block.split("\n")[2:]]
    fields = tomllib.loads("\n".join(lines))["template"]["fields"]
    assert template_from_config(fields, 37.3) == CAMPAIGN


# ------------------------------------------------------------------------------------------- form-like reports
def test_a_threshold_in_a_label_states_nothing() -> None:
    check("王建国家：发热(体温≥37.3℃)：无，咳嗽：无", {"王建国": {"fever": False, "symptoms": [], "temperature": None}})


@pytest.mark.parametrize(("text", "want"), [
    ("王建国家咳嗽好了", []),
    ("王建国家老人咳嗽已经痊愈", []),
    ("王建国家咳嗽好转，还有点乏力", ["咳嗽", "乏力"]),  # better is not gone
    ("王建国家儿子嗓子有点疼", ["咽痛"]),
])
def test_gone_and_lingering_symptoms(text: str, want: list[str]) -> None:
    check(text, {"王建国": {"symptoms": want}})
