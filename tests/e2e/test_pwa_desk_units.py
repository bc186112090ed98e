"""Unit tests of the station desk's pure JavaScript, run in Chromium (no Node): the ID card's QR text parser
(every variant the cards and readers produce, and the QR codes that are not ID cards), the card-versus-registry
verdict the form shows after a scan, and whether a card read at a card hand-over is the member's own."""
import unicodedata

import pytest

pytestmark = pytest.mark.e2e

NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
ADDRESS = "Số 4 đường Nguyễn Trãi, phường Hạc Thành, tỉnh Thanh Hóa"
FULL = f"038162008001|172456789|Hoàng Thị Hòa|01051962|Nữ|{ADDRESS}|20042021"
PARSED = {"ok": True, "citizen_id": "038162008001", "old_id": "172456789", "full_name": "Hoàng Thị Hòa",
          "date_of_birth": "1962-05-01", "gender": "female", "permanent_address": ADDRESS, "issued_on": "2021-04-20",
          "extra": []}

CASES = [
    ("seven fields", FULL, PARSED),
    ("decomposed text from the reader", NFD(FULL), PARSED),
    ("never had an old ID", FULL.replace("|172456789|", "||"), {**PARSED, "old_id": ""}),
    ("a reader that drops the old ID field", FULL.replace("|172456789|", "|"), {**PARSED, "old_id": ""}),
    ("newer cards add fields", FULL + "|Nguyễn Văn Cha|Trần Thị Mẹ|",
     {**PARSED, "extra": ["Nguyễn Văn Cha", "Trần Thị Mẹ", ""]}),
    ("byte-order mark and line end", "\ufeff" + FULL + "\r\n", PARSED),
    ("gender in capitals, male", FULL.replace("|Nữ|", "|NAM|").replace("038162", "038062"),
     {**PARSED, "gender": "male", "citizen_id": "038062008001"}),
    ("gender before the birth date", FULL.replace("|01051962|Nữ|", "|Nữ|01051962|"), PARSED),
    ("spaces around parts", FULL.replace("|Hoàng Thị Hòa|", "|  Hoàng  Thị Hòa |"), PARSED),
    ("no issue date", FULL.rsplit("|", 1)[0], {**PARSED, "issued_on": None}),
]
REFUSED = [
    ("https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", "url"),
    ("00020101021238570010A000000727012700069704220113123456789012340208QRIBFTTA53037045802VN6304ABCD", "payment"),
    ("hello world", "other"),
    ("", "empty"),
    (FULL.replace("038162008001", "03816200800"), "other"),    # 11 digits is no citizen ID
    (FULL.replace("01051962", "31021962"), "other"),           # 31 February
    (FULL.replace("|Nữ|", "|X|"), "other"),                    # no gender
    (FULL.replace("Hoàng Thị Hòa", "Hoàng 123"), "other"),     # digits are no name
    (FULL.replace("20042021", "2004202"), "other"),            # a broken issue date
]


@pytest.fixture()
def app_page(server, page):
    page.goto(server.url + "/?lang=en")
    page.locator("[data-action=login]").wait_for()
    return page


def test_card_qr_text_is_parsed_by_what_each_part_is(app_page):
    texts = [text for _, text, _ in CASES] + [text for text, _ in REFUSED]
    got = app_page.evaluate("""async (texts) => {
      const {parseCccd, looksLikeCardText} = await import('/js/cccd-qr.js');
      return texts.map((text) => ({...parseCccd(text), wedge: looksLikeCardText(text)}));
    }""", texts)
    for (label, text, expected), result in zip(CASES, got[:len(CASES)]):
        assert {key: result[key] for key in expected} == expected, label
        assert result["wedge"] is True, label
        assert result["raw"] == unicodedata.normalize("NFC", text).lstrip("\ufeff").rstrip("\r\n"), label
        assert result["full_name"] == unicodedata.normalize("NFC", result["full_name"]), label
    for (text, kind), result in zip(REFUSED, got[len(CASES):]):
        assert (result["ok"], result["kind"]) == (False, kind), text
        assert "citizen_id" not in result, text


def test_card_against_the_registry_pre_check(app_page):
    card = {"citizen_id": "038162008001", "full_name": "Hoàng Thị Hòa", "date_of_birth": "1962-05-01",
            "gender": "female"}
    party = {**card, "full_name": "Hoàng Thị Hoà", "date_of_birth": "1962-01-05"}
    members = {
        "no pre-check": {**party},
        "mismatch the card settles": {**party, "reconcile": {"class": "mismatch", "fields": {
            "date_of_birth": {"result": "mismatch", "record": "1962-01-05", "registry": "1962-05-01"}}}},
        "name differs only by tone-mark placement": {**party, "date_of_birth": "1962-05-01", "reconcile": {"class": "matched_minor", "fields": {
            "full_name": {"result": "minor", "record": "Hoàng Thị Hoà", "registry": "Hoàng Thị Hòa"}}}},
        "registry still differs": {**party, "reconcile": {"class": "mismatch", "fields": {
            "full_name": {"result": "mismatch", "record": "Hoàng Thị Hoà", "registry": "Hoàng Thị Hoa"},
            "date_of_birth": {"result": "mismatch", "record": "1962-01-05", "registry": "1962-05-01"}}}},
        "year-only registry date": {**party, "date_of_birth": "1962", "reconcile": {"class": "matched", "fields": {}}},
        "not in the registry": {**party, "reconcile": {"class": "not_found", "fields": {}}},
        "ambiguous": {**party, "reconcile": {"class": "ambiguous", "fields": {}}},
    }
    got = app_page.evaluate("""async ([members, card]) => {
      const {registryVerdict} = await import('/js/id-card-fill.js');
      return Object.fromEntries(Object.entries(members).map(([k, m]) => [k, registryVerdict(m, card)]));
    }""", [members, card])
    assert got == {
        "no pre-check": None,
        "mismatch the card settles": {"state": "agrees", "fields": []},
        "name differs only by tone-mark placement": {"state": "agrees", "fields": []},
        "registry still differs": {"state": "differs", "fields": ["full_name"]},
        "year-only registry date": {"state": "agrees", "fields": []},
        "not in the registry": {"state": "unknown", "fields": []},
        "ambiguous": None,
    }


def test_a_card_hand_over_takes_the_qr_check_only_from_the_members_own_id_card(app_page):
    """handover-id.js: the 12-digit citizen ID decides, never the name; no citizen ID on the tablet, no QR check."""
    own = FULL.replace("Hoàng Thị Hòa", NFD("Hoàng Thị Hoà"))
    other = FULL.replace("038162008001", "038162008002")  # the same name and birth date: a namesake's card
    members = {
        "own card": ({"citizen_id": "038162008001"}, own),
        "roster value with spaces and full-width digits": ({"citizen_id": " ０３８１６２００８００１ "}, own),
        "a namesake's card": ({"citizen_id": "038162008001"}, other),
        "no citizen ID on the tablet": ({"full_name": "Hoàng Thị Hoà"}, own),
        "only the old 9-digit ID": ({"citizen_id": "172456789"}, own),
        "member not on the roster": (None, own),
    }
    got = app_page.evaluate("""async (members) => {
      const {parseCccd} = await import('/js/cccd-qr.js');
      const {canCheckByQr, idCheckVerdict} = await import('/js/handover-id.js');
      return Object.fromEntries(Object.entries(members).map(([k, [member, text]]) =>
        [k, {...idCheckVerdict(member, parseCccd(text)), possible: canCheckByQr(member)}]));
    }""", members)
    name = unicodedata.normalize("NFC", "Hoàng Thị Hoà")
    assert got == {
        "own card": {"state": "match", "citizenId": "038162008001", "name": name, "possible": True},
        "roster value with spaces and full-width digits": {"state": "match", "citizenId": "038162008001",
                                                           "name": name, "possible": True},
        "a namesake's card": {"state": "other", "citizenId": "038162008002", "name": "Hoàng Thị Hòa",
                              "possible": True},
        "no citizen ID on the tablet": {"state": "unknown", "citizenId": "038162008001", "name": name,
                                        "possible": False},
        "only the old 9-digit ID": {"state": "unknown", "citizenId": "038162008001", "name": name,
                                    "possible": False},
        "member not on the roster": {"state": "unknown", "citizenId": "038162008001", "name": name,
                                     "possible": False},
    }
