"""Takes a screenshot of a `prism report` page in headless chromium, optionally after clicking the
cell at ROW COL of its heatmap (how docs/report-httpd.png was made).
usage: screenshot.py REPORT.html OUT.png [ROW COL]"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_test import PAGE_LIMIT_SECONDS, cell_centre  # noqa: E402
from devtools import Browser  # noqa: E402


def main(argv):
    if len(argv) not in (3, 5):
        sys.exit(__doc__)
    browser = Browser("file://" + os.path.abspath(argv[1]), width=1100, height=1500)
    try:
        browser.wait_for("!!document.body && document.body.dataset.ready === 'true'",
                         PAGE_LIMIT_SECONDS)
        if len(argv) == 5:
            row, col = int(argv[3]), int(argv[4])
            browser.click(*cell_centre(browser, row, col))
            browser.wait_for("document.getElementById('details').dataset.cell !== undefined", 30)
        browser.evaluate("window.scrollTo(0, 0)")
        with open(argv[2], "wb") as out:
            out.write(browser.screenshot())
    finally:
        browser.close()


if __name__ == "__main__":
    main(sys.argv)
