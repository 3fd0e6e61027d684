"""axe-core in the browser tests: run the vendored copy (vendor/README.md) against the page as it is now.

The site's policy is `script-src 'self'`, so a <script> tag with axe's source would be refused, and the
policy must stay on for the CSP check. `page.evaluate` is not subject to the page's policy (Playwright runs
it through the DevTools protocol), so the source is evaluated that way, once per document.
"""

import json
from functools import cache
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"

# WCAG 2.0 and 2.1, levels A and AA, plus axe's best practices (landmarks, one main, heading order...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}


@cache
def _axe_source() -> str:
    # A trailing expression keeps Playwright from taking the whole file for a function to call.
    return AXE.read_text(encoding="utf-8") + "\n;true"


def run_axe(page, context: str | dict = "document") -> list[dict]:
    """All axe violations on the page (every impact), as axe reports them."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        """async ([context, tags]) => {
            const target = context === 'document' ? document : context;
            const results = await axe.run(target, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
            }));
        }""",
        [context, TAGS],
    )
    return results


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    at {json.dumps(node['target'], ensure_ascii=False)}")
            lines.append(f"       {node['html'][:300]}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"       {summary_line}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def assert_accessible(page, name: str = "") -> list[dict]:
    """Fail on any serious or critical violation, listing each with its elements; return the milder ones."""
    violations = run_axe(page)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    where = f"{name or 'page'} ({page.url}, {page.viewport_size['width']}px wide)"
    assert not failing, f"axe-core found serious/critical violations on {where}:\n{describe(failing)}"
    return [v for v in violations if v["impact"] not in FAILING_IMPACTS]
