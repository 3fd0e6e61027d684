"""The guard itself: a violation in any browser test is seen (and would fail that test at teardown)."""


def test_an_inline_script_the_policy_refuses_is_recorded(page, live_server, csp_violations, db):
    page.goto(f"{live_server.url}/")
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.append(script);
        document.body.insertAdjacentHTML('beforeend', '<p style="color: red">styled</p>');
    }""")
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 50))")
    assert page.evaluate("() => window.injected === undefined"), "the policy let an inline script run"
    assert any("script-src" in v for v in csp_violations), csp_violations
    assert any("style-src" in v for v in csp_violations), csp_violations
    csp_violations.clear()  # seen, and expected here: not a failure of this test
