"""`workbench web` driven by a real headless browser: Debian's chromium through Playwright. The
sign-in page renders, an agent signs in, a card number typed in the search opens the member's
profile, and what the browser was sent shows that member masked only. A screenshot of the
profile is kept in the test's folder (its path printed).

What the page shows is painted by xterm.js on a canvas, so the text checked is what the browser
received over the session's websocket: every byte the workbench sent it.

Chromium is required where WORKBENCH_REQUIRE_BROWSER=1 (CI: .ci/run installs it); elsewhere
its absence skips this test, saying so."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from tests.factories import password_hash
from tests.peers.fixtures import free_port
from workbench.members.models import MemberCard, Staff

CHROMIUM = os.environ.get("WORKBENCH_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "web-pass-1"
ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-_]")


def _browser_or_skip():
    missing = None
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        missing = f"no chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = missing or "the playwright package is not installed (pip install -e '.[test]')"
        sync_playwright = None
    if missing:
        if os.environ.get("WORKBENCH_REQUIRE_BROWSER") == "1":
            pytest.fail(missing + " (WORKBENCH_REQUIRE_BROWSER=1)")
        pytest.skip(missing)
    return sync_playwright


class Received:
    """The text of everything the browser received over its websockets, escapes removed."""

    def __init__(self) -> None:
        self.raw = bytearray()

    def add(self, payload: bytes | str) -> None:
        self.raw += payload.encode() if isinstance(payload, str) else payload

    @property
    def text(self) -> str:
        return ESCAPES.sub(b"", bytes(self.raw)).decode("utf-8", errors="replace")

    def wait_for(self, page, needle: str, timeout: float = 60.0, *, since: int = 0) -> bool:
        deadline = time.monotonic() + timeout
        while needle not in self.text_since(since):
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never reached the browser:\n{self.text[-3000:]}")
            page.wait_for_timeout(50)  # lets the browser process its websocket events
        return True

    def text_since(self, offset: int) -> str:
        return ESCAPES.sub(b"", bytes(self.raw[offset:])).decode("utf-8", errors="replace")

    def type_until_echoed(self, page, text: str, *, echo: str = "", attempts: int = 5) -> None:
        """Types into the focused field until the app echoes it. Keys that arrive before the
        first screen has focused its field are dropped by the app (nothing to take them), so
        the field is cleared (ctrl+u) and the text typed again until it shows."""
        for _ in range(attempts):
            mark = len(self.raw)
            page.keyboard.press("End")
            page.keyboard.press("Control+u")
            page.keyboard.type(text)
            try:
                self.wait_for(page, echo or text, timeout=5, since=mark)
                return
            except AssertionError:
                continue
        raise AssertionError(f"{text!r} typed {attempts} times, never echoed")


def _serve(wb, keyring, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": wb.settings.database_url,
        "WORKBENCH_KEYS_KEYRING": keyring.to_json(),
        "WORKBENCH_LOCALE_LANGUAGE": "zh-CN",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(f"workbench web exited: {process.stderr.read()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return process
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("workbench web did not answer within 60 s")
        time.sleep(0.1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the browser, not the backend
def test_sign_in_and_a_masked_profile_in_a_real_browser(wb, world, keyring, tmp_path):
    sync_playwright = _browser_or_skip()
    with wb.sessions() as session:
        session.scalar(
            select(Staff).where(Staff.username == "agent")
        ).password_hash = password_hash(PASSWORD)
        card_no = session.scalar(
            select(MemberCard.card_no).where(MemberCard.member_id == world.member_id)
        )
        session.commit()
    assert card_no, "the world's member has a card"
    phone = world.app.phone  # 13900000003
    masked_phone = f"{phone[:3]}****{phone[-4:]}"
    port = free_port()
    server = _serve(wb, keyring, port)
    screenshot = tmp_path / "web-profile.png"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                # Nothing but this server: anything else the page asks for is refused, noted.
                elsewhere: list[str] = []

                def only_this_server(route) -> None:
                    if route.request.url.startswith(f"http://127.0.0.1:{port}/"):
                        route.continue_()
                    else:
                        elsewhere.append(route.request.url)
                        route.abort()

                page.route("**/*", only_this_server)
                received = Received()
                page.on("websocket", lambda ws: ws.on("framereceived", received.add))
                page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")

                received.wait_for(page, "员工登录")  # the sign-in screen, in the browser
                page.locator("#terminal textarea").focus()  # xterm.js takes keys there
                received.type_until_echoed(page, "agent")  # the username field has it
                # Tab moves the focus as the key is handled (Enter would, a message later:
                # keys typed meanwhile would land in the username field).
                page.keyboard.press("Tab")
                received.type_until_echoed(page, PASSWORD, echo="•" * len(PASSWORD))
                page.keyboard.press("Enter")
                received.wait_for(page, "手机号或卡号")  # signed in: the home screen's search

                page.keyboard.type(card_no)
                page.keyboard.press("Enter")
                received.wait_for(page, masked_phone)  # the profile, masked
                page.wait_for_timeout(500)  # the canvas paints what the websocket brought
                page.screenshot(path=str(screenshot))
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"screenshot of the profile in the browser: {screenshot}")
    assert screenshot.stat().st_size > 10_000
    assert elsewhere == []  # the page loads nothing from anywhere but the workbench
    text = received.text
    assert phone not in text and phone[3:] not in text  # masked only: never the whole number
    assert world.app.name not in text  # 张伟: the name is masked too
    assert world.app.id_number not in text
