"""Today's arrivals on the tablet (issue 11): after one online sync the home screen lists who is due at the station
in the current and next slot, still offline after a reload, and marks a member once their record is saved on
the tablet. The station and the plan are made through the real API as the demo admin of the affiliated unit."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from harness.app_driver import PASSWORD, first_sign_in, search, unlock, wait_offline_ready

pytestmark = pytest.mark.e2e

WEEK = [{"weekday": d, "start": "00:00", "end": "23:30"} for d in range(1, 8)]


@pytest.fixture()
def planned(server, playwright):
    """A station at the officer's grassroots unit, its first cell planned today and tomorrow: the due members."""
    from server.schedules.slots import vn_today
    ward, = server.query("SELECT u.code FROM units u JOIN users s ON s.unit_id = u.id WHERE s.username = 'officer'")[0]
    cell = server.query("SELECT c.code FROM units c, units g WHERE g.code = ? AND c.kind = 'cell' "
                        "AND c.path LIKE g.path || '%' ORDER BY c.code", ward)[0][0]
    api = playwright.request.new_context(base_url=server.url)
    token = api.post("/api/v1/auth/login", data={"username": "admin2", "password": PASSWORD}).json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    put = api.put("/api/v1/stations/E2E-ST", headers=headers, data={
        "name": "Công an phường thử", "unit_code": ward, "address": "1 Trần Phú", "desks": 2, "slot_minutes": 30,
        "week": WEEK, "closed": []})
    assert put.status in (200, 201), put.text()
    today = vn_today()
    plan = api.post("/api/v1/schedules/plan", headers=headers, data={
        "station": "E2E-ST", "cells": [cell], "from": today.isoformat(),
        "to": (today + timedelta(days=1)).isoformat(), "skip_public_holidays": False})
    assert plan.ok and plan.json()["booked"] + plan.json()["already_booked"] >= 2, plan.text()
    api.dispose()


def test_arrivals_show_offline_and_mark_a_saved_record(server, planned, context, page, portrait):
    first_sign_in(page, server.url)
    wait_offline_ready(page)
    due = page.locator("#arrivals [data-arrival-member]")
    expect(due.first).to_be_visible()
    ids = [int(x) for x in due.evaluate_all("els => els.map(e => e.dataset.arrivalMember)")]
    assert 1 <= len(ids) <= 4  # the current and next slot of a 2-desk station

    context.set_offline(True)
    page.reload()
    unlock(page)
    expect(due).to_have_count(len(ids))
    member = ids[0]
    name = page.locator(f"#arrivals [data-arrival-member='{member}'] button").inner_text()
    # search puts members due now first
    results = search(page, name.split()[-1])
    results.first.wait_for()
    assert results.first.get_attribute("data-member-id") == str(member) or \
        int(results.first.get_attribute("data-member-id")) in ids
    page.locator(f"#arrivals [data-arrival-member='{member}'] button").click()
    page.locator("input[name=full_name]").wait_for()
    page.locator("input[type=file][name=photo]").set_input_files(str(portrait))
    page.locator("#camera[data-mode=preview]").wait_for()
    page.locator("input[type=checkbox][name=consent]").check()
    page.locator("[data-action=save]").click()
    page.locator("section[data-screen=form]").wait_for(state="hidden")
    expect(page.locator(f"#arrivals [data-arrival-member='{member}']")).to_have_attribute("data-saved", "yes")
    page.screenshot(path=str(server.data_dir / "arrivals.png"))


def test_leads_board_shows_todays_station_load(server, planned, page):
    first_sign_in(page, server.url, username="lead")
    page.locator("#open-board").click()
    rows = page.locator("#stations-load [data-station='E2E-ST'] tr[data-slot]")
    expect(rows.first).to_be_visible()
    booked = rows.first.locator("[data-field=booked]").inner_text()
    assert booked.endswith("/2") and int(booked.split("/")[0]) >= 1
    assert rows.first.locator("[data-field=missed]").inner_text() == "0"
    notice = page.locator("#stations-load [data-action=cell-notice]").first
    assert notice.get_attribute("href").endswith(".pdf")
    assert page.request.get(server.url + notice.get_attribute("href")).headers["content-type"] == "application/pdf"
    page.locator("#stations-panel").screenshot(path=str(server.data_dir / "station-load.png"))
