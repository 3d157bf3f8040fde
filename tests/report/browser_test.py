"""`prism report` in a real browser (headless chromium over the DevTools protocol): the page of a
golden analysis has its cells, colours, explanations with source lines and removal plan, clicking
a cell shows its explanation, a screenshot is not blank; a 500-handler report becomes interactive.
PRISM_REPORT_SCREENSHOT=FILE keeps the screenshot (docs/ pictures are taken this way)."""
import contextlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from devtools import Browser  # noqa: E402

PRISM = os.environ.get("PRISM", "cli/prism")
GOLDEN = "tests/analyzer/cases/override/expected.json"
# Generous bound on waiting for a page: a page that never gets there fails; no timing is asserted.
PAGE_LIMIT_SECONDS = 120


SORT_BY = ("(() => {{ const s = document.getElementById('sort'); s.value = '{}';"
           " s.dispatchEvent(new Event('change')); }})()")


def make_report(analysis, html, *extra):
    subprocess.run([PRISM, "report", analysis, "-o", html, *extra], check=True)


@contextlib.contextmanager
def loaded_page(html):
    """A browser on the report at `html`, once its script has run to the end."""
    browser = Browser("file://" + html)
    try:
        browser.wait_for("!!document.body && document.body.dataset.ready === 'true'",
                         PAGE_LIMIT_SECONDS)
        yield browser
    finally:
        browser.close()


def cell_centre(browser, row, col):
    return browser.evaluate(f"""(() => {{
        const c = document.getElementById('heatmap'); const r = c.getBoundingClientRect();
        const o = Number(c.dataset.offset), s = Number(c.dataset.cellSize);
        c.scrollIntoView();
        const r2 = c.getBoundingClientRect();
        return [r2.left + o + s * {col} + s / 2, r2.top + o + s * {row} + s / 2];
    }})()""")


def png_distinct_colours(png):
    """Distinct pixel values of an 8-bit RGB(A) PNG, decoded with zlib (no imaging library)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
            assert depth == 8, depth
            channels = {2: 3, 6: 4}[colour_type]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    colours, previous, offset = set(), bytearray(stride), 0
    for _ in range(height):
        filter_type, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, upper_left = previous[i], previous[i - channels] if i >= channels else 0
            if filter_type == 1:
                line[i] = (line[i] + left) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + up) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif filter_type == 4:
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                      else upper_left)) & 0xFF
        for x in range(0, stride, channels * 7):  # a sample of pixels is enough
            colours.add(bytes(line[x:x + 3]))
        previous = line
    return len(colours)


def test_golden_report(work):
    html = os.path.join(work, "override.html")
    make_report(GOLDEN, html)
    with loaded_page(html) as browser:
        cells = browser.evaluate("document.getElementById('heatmap').dataset.cells")
        assert cells == "4", f"cells: {cells}"
        summary = browser.evaluate("document.getElementById('summary').textContent")
        assert summary.startswith("2 handlers, 3 pairs, 2 pairs free of global conflicts, "
                                  "2 pairs fully free; analysis complete"), summary
        notice = browser.evaluate("document.getElementById('sources-notice').textContent")
        assert "embeds source lines" in notice, notice
        notice = browser.evaluate("document.getElementById('telemetry-notice').textContent")
        assert notice.startswith("No runtime telemetry was given"), notice
        # Sorted by name: row/column 1 is on_b; on_b x on_b conflicts globally on g_other.
        x, y = cell_centre(browser, 1, 1)
        browser.click(x, y)
        browser.wait_for("document.getElementById('details').dataset.cell === '1,1'", 30)
        detail_class = browser.evaluate("document.getElementById('details').className")
        assert detail_class == "cell-global", detail_class
        detail = browser.evaluate("document.getElementById('details').textContent")
        assert "global conflict on g_other" in detail, detail
        assert "override.c:24:3" in detail, detail
        assert "g_other = 1;" in detail, detail  # the embedded source line of the site
        x, y = cell_centre(browser, 0, 0)  # on_a x on_a: only removed conflicts
        browser.click(x, y)
        browser.wait_for("document.getElementById('details').dataset.cell === '0,0'", 30)
        assert browser.evaluate("document.getElementById('details').className") == "cell-removed"
        detail = browser.evaluate("document.getElementById('details').textContent")
        assert "removed by the programmer: approximate byte counter" in detail, detail
        first_step = browser.evaluate("document.querySelector('#plan tr.plan-step').textContent")
        assert first_step.startswith("1g_other111"), first_step
        assert "g_other: <why this is safe>" in first_step, first_step
        assert browser.evaluate("document.querySelectorAll('#hue-graph .hue-node').length") == 2
        # on_b holds the only conflict not removed: sorted by conflict count it comes first.
        assert browser.evaluate("document.getElementById('heatmap').dataset.order") == "0,1"
        browser.evaluate(SORT_BY.format("conflicts"))
        order = browser.evaluate("document.getElementById('heatmap').dataset.order")
        assert order == "1,0", order
        browser.evaluate(SORT_BY.format("name"))
        png = browser.screenshot()
        assert png_distinct_colours(png) >= 5, "the screenshot is blank"
        if os.environ.get("PRISM_REPORT_SCREENSHOT"):
            with open(os.environ["PRISM_REPORT_SCREENSHOT"], "wb") as out:
                out.write(png)


def test_no_source(work):
    html = os.path.join(work, "no_source.html")
    make_report(GOLDEN, html, "--no-source")
    with open(html) as page:
        text = page.read()
    assert "g_other = 1;" not in text, "--no-source embedded a source line"
    assert '"sources_embedded": false' in text


def test_incomplete_report(work):
    html = os.path.join(work, "incomplete.html")
    make_report("tests/analyzer/cases/parse_failure/expected.json", html)
    with loaded_page(html) as browser:
        summary = browser.evaluate("document.getElementById('summary').textContent")
        assert summary.endswith("analysis INCOMPLETE"), summary
        why = browser.evaluate("document.getElementById('incomplete').textContent")
        assert "translation unit failed to parse" in why, why


def test_telemetry_report(work):
    telemetry = os.path.join(work, "telemetry.json")
    with open(telemetry, "w") as out:
        json.dump({"mode": "exact", "windowNanos": "2000000000", "waits": [
            {"waiting": 1, "running": 1, "kind": "CONFLICT_KIND_GLOBAL", "waits": "42",
             "waitNanos": "7000000"}]}, out)
    html = os.path.join(work, "telemetry.html")
    make_report(GOLDEN, html, "--telemetry", telemetry)
    with loaded_page(html) as browser:
        notice = browser.evaluate("document.getElementById('telemetry-notice').textContent")
        assert notice.startswith("Measured costs from runtime telemetry (exact scheduler"), notice
        browser.click(*cell_centre(browser, 1, 1))
        browser.wait_for("document.getElementById('details').dataset.cell === '1,1'", 30)
        measured = browser.evaluate("document.querySelector('#details .measured').textContent")
        assert measured == ("Measured: on_b waited for on_b (global conflict) 42 times, "
                            "7.0 ms in all"), measured
        costliest = browser.evaluate("document.querySelector('#costs li').textContent")
        assert costliest.startswith("on_b waited for on_b"), costliest


def synthetic_analysis(handlers):
    """Handlers in groups of 10 sharing one global each, every one touching its context."""
    names = [{"name": f"on_event_{k:03d}", "file": "synthetic.c", "line": k + 1}
             for k in range(handlers)]
    matrix = [[0] * handlers for _ in range(handlers)]
    conflicts = []
    site = lambda k, line: {"file": "synthetic.c", "line": line, "column": 3,
                            "access": "write", "via": [names[k]["name"]]}
    for a in range(handlers):
        for b in range(a, handlers):
            same_group = a // 10 == b // 10
            value = (1 if same_group else 0) | (2 if (a + b) % 7 == 0 else 0)
            matrix[a][b] = matrix[b][a] = value
            if value & 1:
                conflicts.append({"a": a, "b": b, "kind": "global",
                                  "resource": f"g_group_{a // 10}",
                                  "a_site": site(a, a + 1), "b_site": site(b, b + 1)})
            if value & 2:
                conflicts.append({"a": a, "b": b, "kind": "context",
                                  "resource": "conn->state",
                                  "a_site": site(a, a + 1), "b_site": site(b, b + 1)})
    return {"handlers": names, "matrix": matrix, "conflicts": conflicts, "complete": True,
            "diagnostics": []}


def test_large_report(work):
    analysis = os.path.join(work, "large.json")
    with open(analysis, "w") as out:
        json.dump(synthetic_analysis(500), out)
    html = os.path.join(work, "large.html")
    make_report(analysis, html)
    # The page holds the set cells and conflicts once, not handlers² cells of data.
    assert os.path.getsize(html) < os.path.getsize(analysis), (
        os.path.getsize(html), os.path.getsize(analysis))
    with loaded_page(html) as browser:
        assert browser.evaluate("document.getElementById('heatmap').dataset.cells") == "250000"
        x, y = cell_centre(browser, 3, 4)  # on_event_003 x on_event_004: the same group
        browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        tooltip = browser.evaluate("document.getElementById('heatmap').title")
        assert tooltip == "on_event_003 × on_event_004: both (11)", tooltip  # 3 + 4 = 7: context too
        browser.click(x, y)
        browser.wait_for("document.getElementById('details').dataset.cell === '3,4'",
                         PAGE_LIMIT_SECONDS)
        detail = browser.evaluate("document.getElementById('details').textContent")
        assert "global conflict on g_group_0" in detail, detail
        browser.evaluate(SORT_BY.format("hue"))  # hue k is group k: handlers 10k..10k+9
        order = browser.evaluate("document.getElementById('heatmap').dataset.order").split(",")
        assert order[:11] == [str(k) for k in range(11)], order[:11]
        assert browser.evaluate("document.getElementById('heatmap').dataset.cells") == "250000"


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as work:
        tests = [test_golden_report, test_no_source, test_incomplete_report, test_telemetry_report,
                 test_large_report]
        failed = 0
        for test in tests:
            try:
                test(work)
                print(f"PASS {test.__name__}")
            except Exception as error:  # report every test, then fail
                failed += 1
                print(f"FAIL {test.__name__}: {error!r}")
        print(f"{len(tests) - failed} passed, {failed} failed")
        sys.exit(1 if failed else 0)
