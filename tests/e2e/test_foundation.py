import re

from playwright.sync_api import expect

from quizapp.accounts.models import User


def test_sign_up_log_in_switch_language_and_open_a_section(page, live_server, starter_bank):
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")

    page.locator("header a[href='/accounts/signup/']").click()
    page.locator("input[name=username]").fill("xiaohong")
    page.locator("input[name=password1]").fill("a-long-passphrase-42")
    page.locator("input[name=password2]").fill("a-long-passphrase-42")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".user-name")).to_have_text("xiaohong")
    assert User.objects.filter(username="xiaohong").exists()

    # Log out and back in through the form.
    page.locator("header form[action='/accounts/logout/'] button").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("main input[name=username]").fill("xiaohong")
    page.locator("main input[name=password]").fill("a-long-passphrase-42")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".user-name")).to_have_text("xiaohong")

    # Switch to English and back, using only the keyboard for the second switch.
    page.locator("header .lang-switch button").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1").first).to_have_text("Today")  # a learner's home is Today (issue 19)
    page.locator("header .lang-switch button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("main h1").first).to_have_text("今天")

    page.get_by_role("link", name="LoRA").last.click()  # in the course outline (Today lists it too)
    expect(page).to_have_url(re.compile(r"/sections/lora/$"))
    expect(page.locator("h1")).to_have_text("LoRA")
    expect(page.locator(".notes")).to_contain_text("冻结原权重")
