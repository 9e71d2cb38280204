"""The README's screenshot: ask a question in a running docqa UI, click its first citation, save
a PNG of the chat and its sources panel.

    python -m ui.screenshot URL OUT.png [--question Q]

Needs Playwright and Debian's Chromium (make browser).
"""

from __future__ import annotations

import argparse

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("url")
    ap.add_argument("out")
    ap.add_argument("--question", action="append")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    questions = args.question or [
        "MiniMax 2025年全年总收入是多少？",
        "What was MiniMax's net loss in 2025?",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.set_default_timeout(180_000)
        page.goto(args.url)
        page.wait_for_selector("#docqa-question textarea")
        for n, q in enumerate(questions, 1):
            page.fill("#docqa-question textarea", q)
            page.click("#docqa-ask")
            page.wait_for_function(
                "n => document.querySelectorAll('#docqa-chat sub').length >= n", arg=n
            )
        page.locator("#docqa-chat a[href*='docqa-src-']").last.click()
        page.wait_for_timeout(300)
        page.screenshot(path=args.out)
        browser.close()


if __name__ == "__main__":
    main()
