"""The review section of the console in Chromium (old /review/ links land there): sign in, see the three sources
side by side, decide, filter, reload, English."""
import pytest

pytestmark = pytest.mark.e2e


def member_status(server, code):
    headers = server.api_as("admin")
    member_id = server.ids["members"][code]
    status, body, _ = server.request("GET", f"/api/v1/review/members/{member_id}", headers=headers)
    assert status == 200, body
    return body


def test_admin_reviews_and_decides_in_the_browser(review_server, browser, shots):
    collected = review_server.submit_as_officer("M1", identity_source="qr", full_name="NGUYỄN VĂN AN",
                                                hometown="Hải Phòng")
    assert collected["status"] == "needs_review"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15000)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)

    # Sign in (Vietnamese by default).
    page.goto(f"{review_server.url}/review/")
    assert page.url.endswith("/console/#review")
    page.locator("#login-form input[name=username]").fill("admin")
    page.locator("#login-form input[name=password]").fill("review-e2e-pass")
    page.screenshot(path=str(shots / "01-login.png"))
    page.locator("[data-action=login]").click()
    items = page.locator("#items .item")
    items.first.wait_for()
    assert page.locator("#list-title").inner_text().startswith("Cần xem xét")
    assert items.count() == 4  # the collected record for M1, and M3 (mismatch), M4 (not found), M5 (ambiguous)

    # The collected record: party record, collected and registry side by side, a minor difference marked as such.
    page.locator(f".item[data-kind=submission][data-id='{collected['submission_id']}']").click()
    # Read from the ID card's QR code, not typed: the reviewer sees which.
    assert page.locator("#detail-title [data-identity-source=qr]").text_content() == "Quét QR"
    hometown = page.locator("#compare-rows tr[data-field=hometown]")
    assert hometown.locator("td").nth(1).get_attribute("class") == "result-mismatch"
    assert hometown.locator("td").nth(1).locator(".value").text_content() == "Hải Phòng"
    assert hometown.locator("td").nth(1).locator(".tag").text_content() == "khác"
    assert hometown.locator("td").nth(0).inner_text() == "Hà Nội"
    assert hometown.locator("td").nth(2).inner_text().startswith("Hà Nội")
    name = page.locator("#compare-rows tr[data-field=full_name]")
    assert name.locator("td").nth(1).get_attribute("class") == "result-minor"
    assert name.locator("td").nth(1).locator(".tag").text_content() == "khác nhỏ"
    portrait = page.locator("#detail-portrait")  # the portrait and its quality report, for the reviewer
    assert portrait.locator("img").get_attribute("src") == f"/api/v1/photos/{review_server.ids['photo']}"
    assert portrait.locator(".portrait-verdict").inner_text() == "Chưa có đánh giá chất lượng ảnh"
    page.screenshot(path=str(shots / "02-submission.png"), full_page=True)
    for button in page.locator("button:visible").all():
        box = button.bounding_box()
        assert box["height"] >= 44, (button.inner_text(), box)

    # Accept it: the member record takes the collected values and the member is verified.
    page.locator("textarea[name=note]").fill("Đã xem CCCD")
    page.locator("[data-decision=accept_submitted]").click()
    page.wait_for_function("() => document.querySelectorAll('#items .item').length === 3")
    assert "Đã ghi quyết định" in page.locator("#status-line").inner_text()
    m1 = member_status(review_server, "M1")
    assert m1["member_status"] == "verified"
    assert next(f for f in m1["fields"] if f["name"] == "hometown")["party"] == "Hải Phòng"

    # Ambiguous: filter by class, pick the second namesake, take the registry values.
    page.locator("select[name=class]").select_option("ambiguous")
    page.locator("[data-action=filter]").click()
    page.wait_for_function("() => document.querySelectorAll('#items .item').length === 1")
    page.locator("#items .item").first.click()
    assert page.locator("#candidate-list input[type=radio]").count() == 2
    page.screenshot(path=str(shots / "03-ambiguous.png"), full_page=True)
    page.locator("#candidate-list input[value='001080000002']").check()
    page.locator("[data-decision=accept_registry]").click()
    page.locator("#empty").wait_for(state="visible")
    assert member_status(review_server, "M5")["fields"][3]["party"] == "001080000002"

    # A note is required to send a record back; the error says so and nothing is recorded.
    page.locator("select[name=class]").select_option("")
    page.locator("[data-action=filter]").click()
    page.wait_for_function("() => document.querySelectorAll('#items .item').length === 2")
    page.locator(".item[data-kind=member]").first.click()
    page.locator("[data-decision=send_back]").click()
    error = page.locator("#decision-form .error")
    error.wait_for(state="visible")
    assert error.inner_text() == "Cần nhập ghi chú."

    # A reload keeps the session (cookie + this tab's CSRF token): no sign-in, decisions still work.
    page.reload()
    page.locator("#items .item").first.wait_for()
    assert page.locator("[data-section=login]").is_hidden()
    page.locator(".item[data-kind=member]").first.click()
    page.locator("textarea[name=note]").fill("Hỏi lại số CCCD")
    page.locator("[data-decision=send_back]").click()
    page.wait_for_function("() => document.querySelectorAll('#items .item').length === 1")

    # English on request.
    page.goto(f"{review_server.url}/review/?lang=en")
    page.locator("#items .item").first.wait_for()
    assert page.locator("#list-title").inner_text().startswith("To review")
    page.locator("#items .item").first.click()
    assert page.locator("#detail thead th").nth(3).inner_text() == "Registry"
    page.screenshot(path=str(shots / "04-english.png"), full_page=True)
    page.set_viewport_size({"width": 800, "height": 1280})
    page.screenshot(path=str(shots / "05-portrait.png"), full_page=True)
    assert not problems, problems
    context.close()


def test_other_roles_do_not_see_the_review_section(review_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{review_server.url}/review/?lang=vi")
    page.locator("#login-form input[name=username]").fill("officer")
    page.locator("#login-form input[name=password]").fill("review-e2e-pass")
    page.locator("[data-action=login]").click()
    page.locator("[data-section=progress]:not([hidden])").wait_for()
    assert page.locator("[data-section=review]").is_hidden()
    assert page.locator("[data-nav=review]").is_hidden()
    context.close()
