"""Unit tests of the tablet app's JavaScript, run in the same Chromium (no Node): name folding and search
checked against the server's own keys, the form rules against the server's item validation, and the
queue store, its database migrations and the key wrapping."""
import base64
import hashlib
import io
import re
from datetime import datetime, timezone

import pytest
from PIL import Image, ImageFilter
from playwright.sync_api import expect

from harness.app_driver import enter_pin, sign_in
from offline_queue.photos import normalise
from offline_queue.validation import validate_item
from server.text import name_key, search_key
from tests.test_photos import encode, portrait

pytestmark = pytest.mark.e2e

NAMES = ["Nguyễn Thị Hoà", "Nguyễn Thị Hòa", "Trần Văn Thuỷ", "Lê Thị Thủy", "Đặng Văn Lâm", "Phạm Qúy",
         "Phạm Quý", "Hoàng Hùng", "Hoàng Hưng", "  NGUYỄN   thị  hoà ", "Nguye\u0302\u0303n Thi\u0323 Hoa\u0300",
         "Ngô Thị Ngọc Ánh", "Vũ Đức Thắng"]


@pytest.fixture()
def app_page(server, page):
    page.goto(server.url + "/?lang=en")
    page.locator("[data-action=login]").wait_for()
    return page


def test_name_folding_matches_the_server_keys(app_page):
    got = app_page.evaluate("""async (names) => {
      const {fold, nameKey} = await import('/js/name-fold.js');
      return names.map((n) => [fold(n), nameKey(n)]);
    }""", NAMES)
    assert got == [[search_key(n), name_key(n)] for n in NAMES]
    assert name_key("Thuỷ") == name_key("Thủy") and name_key("Hùng") != name_key("Hưng")


def test_search_is_accent_and_tone_placement_insensitive_best_match_first(app_page):
    result = app_page.evaluate("""async () => {
      const {buildIndex, search} = await import('/js/roster-search.js');
      const members = [];
      const family = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi'];
      const middle = ['Văn', 'Thị', 'Hữu', 'Đức', 'Minh'];
      const given = ['An', 'Bình', 'Cường', 'Dũng', 'Giang', 'Hải', 'Khánh', 'Long', 'Mai', 'Nam'];
      for (let i = 0; members.length < 5000; i += 1) {
        members.push({id: 1000 + i, full_name: `${family[i % 8]} ${middle[(i >> 3) % 5]} ${given[(i >> 5) % 10]}`,
          citizen_id: String(38000000000 + i).padStart(12, '0'), member_code: `TH${i}`, date_of_birth: '1970'});
      }
      members.push({id: 1, full_name: 'Nguyễn Thị Hoà', citizen_id: '038168001234', member_code: 'E1'});
      members.push({id: 2, full_name: 'Trần Văn Thuỷ', citizen_id: '038055004321', member_code: 'E2'});
      members.push({id: 3, full_name: 'Lê Thị Thủy', citizen_id: '038172009876', member_code: 'E3'});
      members.push({id: 4, full_name: 'Nguyễn Thị Hoa', citizen_id: '038168001299', member_code: 'E4'});
      const index = buildIndex(members);
      const ids = (q) => search(index, q).map((m) => m.id);
      const started = performance.now();
      for (const q of ['n', 'ng', 'ngu', 'nguy', 'nguye', 'nguyen', 'nguyen t', 'nguyen thi']) search(index, q);
      return {
        thuy: ids('thuy'), hoaPlain: ids('nguyen thi hoa'), hoaAccent: ids('Nguyễn Thị Hòa'),
        byId: ids('038172009876'), byIdPart: ids('0381720'), nothing: ids('zzz'), empty: ids('  '),
        ms: (performance.now() - started) / 8,
      };
    }""")
    assert set(result["thuy"][:2]) == {2, 3}
    assert result["hoaPlain"][:2] in ([1, 4], [4, 1])  # both spellings found first
    assert result["hoaAccent"][0] == 1  # the accented query ranks the accent-exact name first (hòa = hoà)
    assert result["byId"] == [3] and result["byIdPart"][0] == 3
    assert result["nothing"] == [] and result["empty"] == []
    print(f"search over 5,004 members: {result['ms']:.2f} ms per keystroke")


ITEM = {"client_id": "0f6a2d1e-5b7c-4d8e-9f10-112233445566", "member_id": None, "visit_id": None,
        "captured_at": "2025-08-08T14:03:11+07:00", "location_kind": "station", "photo_sha256": "a" * 64,
        "consent": True,
        "fields": {"full_name": "Nguyễn Thị Hoà", "date_of_birth": "1968-05-12", "gender": "female",
                   "citizen_id": "038168001234", "hometown": "Xã Hoằng Phú", "permanent_address": "Số 5",
                   "party_join_date": "1990-03-02", "party_official_date": "1991-03-02"}}
CASES = [{}, {"date_of_birth": "1968"}, {"date_of_birth": "1968-02-30"}, {"date_of_birth": "2999"},
         {"party_join_date": "1960-01-01"}, {"party_official_date": "1989-01-01"}, {"gender": "x"},
         {"citizen_id": "12345"}, {"citizen_id": "999168001234"}, {"citizen_id": "038068001234"},
         {"citizen_id": "038170001234"}, {"full_name": ""}, {"hometown": "  "}, {"party_join_date": "02/03/1990"},
         {"date_of_birth": "1990", "party_join_date": "1990-01-01"}, {"party_official_date": "2999-01-01"},
         {"gender": "male", "citizen_id": "038268001234", "date_of_birth": "2068"},
         # lengths, hidden characters, the birth-year range and the phone rule (server/record_fields.py)
         {"full_name": "A" * 256}, {"full_name": "  " + "A" * 255 + "  "}, {"permanent_address": "x " * 300},
         {"phone": "0" * 33}, {"phone": "09x 123"}, {"phone": "+84 (0)912-345.678"},
         {"full_name": "Nguyễn\u200bThị Hoà"}, {"hometown": "Xã\x07 Hoằng Phú"}, {"ethnicity": "Kinh\u2028"},
         {"religion": "Phật \u202egiáo"}, {"old_card_number": "\ue000"},
         {"date_of_birth": "1899"}, {"date_of_birth": "1899-12-31", "party_join_date": "1930-01-01"},
         {"date_of_birth": "1900"}, {"date_of_birth": "0001"}]


def test_form_rules_give_the_same_codes_as_the_server(app_page):
    items = [{**ITEM, "fields": {**ITEM["fields"], **change}} for change in CASES]
    got = app_page.evaluate("""async (items) => {
      const {validateItem} = await import('/js/validate.js');
      return items.map((item) => validateItem(item).map((e) => [e.field, e.code]));
    }""", items)
    now = datetime.now(timezone.utc)
    expected = [sorted([e["field"], e["code"]] for e in validate_item(item, now=now, tolerance_seconds=600)[1])
                for item in items]
    assert [sorted(codes) for codes in got] == expected
    assert expected[0] == [] and ["citizen_id", "citizen_id_birth_year"] in expected[10]
    codes = {code for case in expected for _, code in case}
    assert {"too_long", "invalid_characters", "invalid_phone", "date_too_early"} <= codes


def test_the_generated_rules_and_texts_reach_the_app_and_no_raw_key_shows(app_page):
    """Error texts and lengths come from the server's catalogues; a clock-skew rejection reads as a sentence."""
    from server.error_codes import CLIENT_ONLY, CODES
    from server.record_fields import MAX_LENGTHS
    fields = ["captured_at", "client_id", "member_id", "visit_id", "location_kind", "photo_sha256", "consent",
              *(name for name in MAX_LENGTHS if name in ITEM["fields"] or name in ("phone", "ethnicity"))]
    got = app_page.evaluate("""async ([codes, fields]) => {
      const i18n = await import('/js/i18n.js');
      const out = {};
      for (const lang of ['vi', 'en']) {
        await i18n.setLanguage(lang);
        out[lang] = {texts: codes.map((c) => i18n.t(`err.${c}`, {max: 7, min: 1900, code: c})),
                     labels: fields.map((f) => i18n.fieldLabel(f)),
                     skew: `${i18n.fieldLabel('captured_at')}: ${i18n.t('err.captured_in_future')}`};
      }
      const form = document.querySelector('form [name=full_name]');
      return {out, maxLength: form && form.maxLength};
    }""", [list(CODES), fields])
    for lang in ("vi", "en"):
        texts = got["out"][lang]["texts"]
        # placeholders the call names are filled, any other is left empty (as i18n.t does)
        assert texts == [re.sub(r"\{(\w+)\}", lambda m: str({"max": 7, "min": 1900, "code": entry.code}.get(
            m.group(1), "")), getattr(entry, lang)) for entry in CODES.values()]
        assert all(label and not label.startswith("f.") for label in got["out"][lang]["labels"])
        skew = got["out"][lang]["skew"]
        assert "f." not in skew and "err." not in skew and "captured" not in skew.split(":")[1]
    assert got["out"]["vi"]["skew"].startswith("Thời điểm ghi: Giờ trên máy tính bảng sai")
    assert got["maxLength"] == MAX_LENGTHS["full_name"] and CLIENT_ONLY <= set(CODES)


def test_queue_store_verbs_keep_record_and_photo_together_and_partitioned(app_page):
    result = app_page.evaluate("""async () => {
      const {openQueueDb} = await import('/js/queue-db.js');
      const {QueueStore, countByState} = await import('/js/queue-store.js');
      const {Cipher, newDataKey} = await import('/js/vault.js');
      const db = await openQueueDb('fieldkit-unit-store');
      const mine = new QueueStore(db, 7, new Cipher(await newDataKey()));
      const theirs = new QueueStore(db, 8, new Cipher(await newDataKey()));
      const photo = (n) => ({bytes: new Uint8Array([n, n, n]).buffer, type: 'image/jpeg', sha256: 'f' + n});
      const item = (id) => ({client_id: id, member_id: 5, fields: {full_name: 'Lê Thị Thủy'}});
      await mine.push({clientId: 'a', item: item('a'), label: 'Lê Thị Thủy'}, photo(1));
      await mine.push({clientId: 'b', item: item('b'), label: 'B'}, photo(2));
      let duplicateRefused = false;
      try { await mine.push({clientId: 'a', item: item('a'), label: 'again'}, photo(9)); }
      catch { duplicateRefused = true; }
      const photoA = new Uint8Array((await mine.photo('a')).bytes)[0];
      await mine.setState(['b'], 'sending');
      await mine.markNeedsFix('a', [{field: 'citizen_id', code: 'citizen_id_format', params: {}}]);
      const a = await mine.get('a');
      const counts = countByState(await mine.metas());
      const theirsSee = [await theirs.size(), await theirs.get('a'), await theirs.photo('a')];
      await theirs.remove('a');
      const stillThere = await mine.size();
      await mine.remove('b');
      const left = [await mine.size(), await db.get('photos', 'b'), (await mine.metas()).map((m) => m.clientId)];
      db.close();
      return {duplicateRefused, photoA, label: a.label, errors: a.errors, state: a.state, counts,
              theirsSee, stillThere, left};
    }""")
    assert result["duplicateRefused"] and result["photoA"] == 1  # the failed push left the first photo alone
    assert result["label"] == "Lê Thị Thủy" and result["state"] == "needs_fix"
    assert result["errors"] == [{"field": "citizen_id", "code": "citizen_id_format", "params": {}}]
    assert result["counts"] == {"queued": 0, "sending": 1, "needs_fix": 1, "waiting": 0}
    assert result["theirsSee"] == [0, None, None] and result["stillThere"] == 2
    assert result["left"] == [1, None, ["a"]]


def test_schema_upgrade_migrates_queued_records_instead_of_dropping_them(app_page):
    result = app_page.evaluate("""async () => {
      const {openQueueDb, DB_VERSION} = await import('/js/queue-db.js');
      const old = await openQueueDb('fieldkit-unit-migrate', 1);
      await old.put('records', {clientId: 'kept', userId: 3, state: 'queued', createdAt: '2025-08-08T00:00:00Z'});
      await old.put('photos', {clientId: 'kept', userId: 3, sha256: 'x', type: 'image/jpeg'});
      old.close();
      const db = await openQueueDb('fieldkit-unit-migrate');
      const row = await db.get('records', 'kept');
      const byState = await db.getAllFromIndex('records', 'userState', [3, 'queued']);
      const out = {version: db.version, latest: DB_VERSION, stores: [...db.objectStoreNames].sort(),
                   attempts: row.attempts, byState: byState.length, photo: Boolean(await db.get('photos', 'kept'))};
      db.close();
      return out;
    }""")
    assert result["version"] == result["latest"] == 2
    assert result["stores"] == ["accounts", "meta", "photos", "records", "rosters"]
    assert result["attempts"] == 0 and result["byState"] == 1 and result["photo"]


def test_data_key_opens_only_with_the_right_secret_and_backoff_grows_with_jitter(app_page):
    result = app_page.evaluate("""async () => {
      const {Cipher, newDataKey, unwrapWithSecret, wrapWithSecret} = await import('/js/vault.js');
      const {backoffDelay} = await import('/js/sync-scheduler.js');
      const key = await newDataKey();
      const box = await wrapWithSecret(key, '123456');
      const sealed = await new Cipher(key).seal({name: 'Thủy'});
      const opened = await new Cipher(await unwrapWithSecret(box, '123456')).open(sealed);
      let wrongOpens = true;
      try { await unwrapWithSecret(box, '123457'); } catch { wrongOpens = false; }
      return {opened, wrongOpens, delays: [1, 2, 3, 10].map((n) => backoffDelay(n, () => 0.5)),
              jitter: [backoffDelay(2, () => 0), backoffDelay(2, () => 0.999)]};
    }""")
    assert result["opened"] == {"name": "Thủy"} and result["wrongOpens"] is False
    assert result["delays"] == [5000, 10000, 20000, 300000]
    assert result["jitter"][0] == 5000 and 14900 < result["jitter"][1] < 15000


def test_dates_are_written_and_read_in_one_module(app_page):
    got = app_page.evaluate("""async () => {
      const dates = await import('/js/dates.js');
      const i18n = await import('/js/i18n.js');
      const validate = await import('/js/validate.js');
      return {shown: [dates.formatDate('1968-05-12'), dates.formatDate('1955'), dates.formatDate(''),
                      dates.formatDate('', '')],
              typed: ['2/3/1990', '1990-03-02', '1955', ' 12.05.1968 '].map(dates.normaliseDate),
              iso: dates.localIso(new Date(2025, 7, 8, 14, 3, 11)), today: dates.localToday(new Date(2025, 0, 9)),
              same: i18n.formatDate === dates.formatDate && validate.normaliseDate === dates.normaliseDate};
    }""")
    assert got["shown"] == ["12/05/1968", "1955", "—", ""]
    assert got["typed"] == ["1990-03-02", "1990-03-02", "1955", "1968-05-12"]
    assert got["iso"].startswith("2025-08-08T14:03:11") and got["iso"][19] in "+-" and got["today"] == "2025-01-09"
    assert got["same"]
def test_english_plurals_and_storage_sizes_in_words(app_page):
    """Issue 15: "1 results" and "10240 MB" / "1.0 MB" confused a newcomer; Vietnamese has no plural."""
    got = app_page.evaluate("""async () => {
      const {t, setLanguage} = await import('/js/i18n.js');
      const {sizeInWords} = await import('/js/storage.js');
      const MB = 1048576;
      await setLanguage('en');
      const en = [t('search.count', {n: 1}), t('search.count', {n: 2}), sizeInWords(10240 * MB),
                  sizeInWords(1 * MB), sizeInWords(1536 * MB), sizeInWords(2000), sizeInWords(350.4 * MB)];
      await setLanguage('vi');
      const vi = [t('search.count', {n: 1}), sizeInWords(1536 * MB), sizeInWords(2000)];
      await setLanguage('en');
      return {en, vi};
    }""")
    assert got["en"] == ["1 result", "2 results", "10 GB", "1 MB", "1.5 GB", "under 1 MB", "350 MB"]
    assert got["vi"][1:] == ["1,5 GB", "dưới 1 MB"] and "1" in got["vi"][0]


def test_ready_to_work_offline_waits_for_the_first_sign_in(app_page):
    """Issue 15: the toast showed on the login screen, before anything was on the tablet to work with."""
    # `installed` (when the toast is due) comes before `active`: by now it would be on show.
    app_page.wait_for_function("async () => (await navigator.serviceWorker.ready).active !== null", timeout=20000)
    assert app_page.locator("[data-toast=offline-ready]").count() == 0
    sign_in(app_page, "officer")
    enter_pin(app_page)
    enter_pin(app_page)
    expect(app_page.locator("[data-toast=offline-ready]")).to_be_visible(timeout=20000)


def test_the_portrait_leaves_the_tablet_at_the_card_size(app_page):
    """A camera frame is cropped to 3:4 and brought down to 600×800 (never up), as a JPEG named by its SHA-256;
    the server decodes such a portrait without scaling it, and a 900×1200 one cost it ~4× the CPU."""
    got = app_page.evaluate("""async () => {
      const {encodePortrait} = await import('/js/photo.js');
      const frame = (w, h) => {
        const canvas = document.createElement('canvas');
        canvas.width = w; canvas.height = h;
        const context = canvas.getContext('2d');
        const image = context.createImageData(w, h);
        for (let i = 0; i < image.data.length; i += 4) {
          const v = (i * 2654435761) >>> 24;  // noise: a frame that does not compress to nothing
          image.data.set([v, 255 - v, (v * 7) & 255, 255], i);
        }
        context.putImageData(image, 0, 0);
        return canvas;
      };
      const out = [];
      for (const [w, h] of [[1200, 1600], [1920, 1080], [480, 640]]) {
        const p = await encodePortrait(frame(w, h), w, h);
        out.push({width: p.width, height: p.height, type: p.type, sha256: p.sha256,
                  bytes: Array.from(new Uint8Array(p.bytes))});
      }
      return out;
    }""")
    sizes = []
    for portrait in got:
        data = bytes(portrait["bytes"])
        assert portrait["type"] == "image/jpeg" and hashlib.sha256(data).hexdigest() == portrait["sha256"]
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "JPEG" and img.size == (portrait["width"], portrait["height"])
        sizes.append((portrait["width"], portrait["height"]))
    # a tall frame and a landscape one both give the card portrait; a small frame is cropped, not enlarged
    assert sizes == [(600, 800), (600, 800), (480, 640)]


def test_the_servers_blur_check_still_tells_sharp_from_blurred_portraits_made_on_the_tablet(app_page):
    """The sharpness threshold was set on portraits the server shrank itself; now the browser shrinks them. A
    sharp frame still passes and the same frame blurred (radius 2 at source size) still asks for a retake."""
    frame = portrait((1080, 1440))
    urls = ["data:image/jpeg;base64," + base64.b64encode(encode(img, quality=95)).decode()
            for img in (frame, frame.filter(ImageFilter.GaussianBlur(2)))]
    made = app_page.evaluate("""async (urls) => {
      const {encodePortrait} = await import('/js/photo.js');
      const out = [];
      for (const url of urls) {
        const img = new Image();
        img.src = url;
        await img.decode();
        const p = await encodePortrait(img, img.naturalWidth, img.naturalHeight);
        out.push(Array.from(new Uint8Array(p.bytes)));
      }
      return out;
    }""", urls)
    sharp, blurred = (normalise(bytes(data)).quality for data in made)
    assert sharp["sharpness"]["verdict"] == "pass" and sharp["verdict"] == "pass"
    assert blurred["sharpness"]["verdict"] == "warn" and blurred["brightness"]["verdict"] == "pass"
