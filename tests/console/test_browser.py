"""The review console in a real headless Chromium (Debian's chromium + chromedriver, through Selenium),
against ``rxtriage serve`` with its own database on the configured backend (SQLite, or a database of its
own on the configured PostgreSQL server, with the configured Redis).

Skipped when Chromium is not installed, unless ``RXTRIAGE_REQUIRE_BROWSER=1`` (CI sets it), which makes
a missing browser an error.  Screenshots of the queue and of a request at 1280 px and 360 px are saved
in a temporary folder and listed at the end of the test run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from devtools.appserver import AppServer, rxtriage_argv
from devtools.load import bearer, http_call
from drills.harness import run_command
from tests.console.payloads import BENIGN, DOCTOR, PASSWORD
from tests.console.shots import SCREENSHOTS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
REQUIRE = os.environ.get("RXTRIAGE_REQUIRE_BROWSER") == "1"

if not (CHROMIUM and CHROMEDRIVER):
    if REQUIRE:
        raise RuntimeError("RXTRIAGE_REQUIRE_BROWSER=1 but chromium and chromedriver are not installed")
    pytestmark = pytest.mark.skip(reason="chromium and chromedriver are not installed")
else:
    pytestmark = pytest.mark.slow

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@dataclass
class Site:
    server: AppServer
    env: dict[str, str]
    patient_token: str
    shots: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def send(self, payload: dict[str, Any]) -> int:
        status, body = http_call(
            self.server.port, "POST", "/api/prescriptions/requests/", payload, bearer(self.patient_token)
        )
        assert status == 201, body
        return int(body["id"])


def _database_url(workdir: Path) -> tuple[str | None, str | None]:
    """(the app's DATABASE_URL, the admin URL to drop it with) for the configured backend."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return None, None
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"rxtriage_browser_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(url._replace(path=f"/{name}")), admin


def _clinician(env: dict[str, str], username: str, role: str) -> None:
    run_command(env, "create_token", username, "--role", role)
    done = subprocess.run(
        [*rxtriage_argv(), "set_password", username],
        input=PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    workdir = Path(tempfile.mkdtemp(prefix="rxtriage-console-"))
    shots = Path(tempfile.mkdtemp(prefix="rxtriage-console-screenshots-"))
    database_url, admin = _database_url(workdir)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        RXTRIAGE_DATA_DIR=str(workdir / "data"),
        DJANGO_SETTINGS_MODULE="rxtriage.settings",
        DRUG_CACHE_PREFIX=f"rxbrowser:{uuid.uuid4().hex[:8]}:",
        RXTRIAGE_THROTTLE_RATE="100000/min",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
        run_command(env, "migrate", "--no-input")
        run_command(env, "load_formulary")
    if settings.REDIS_URL:
        env["REDIS_URL"] = str(settings.REDIS_URL)
    patient_token = run_command(env, "create_token", "amaka", "--role", "patient").strip()
    _clinician(env, "ngozi", "pharmacist")
    _clinician(env, "tunde", "doctor")
    server = AppServer(env, workdir=workdir, workers=2, name="console").start()
    try:
        yield Site(server=server, env=env, patient_token=patient_token, shots=shots)
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        if admin and database_url:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(database_url).path[1:]}" WITH (FORCE)')


@pytest.fixture
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def sign_in(driver: Any, site: Site, username: str) -> None:
    """Sign in with the keyboard alone: type, Tab, type, Enter."""
    driver.get(site.base + "/console/login/")
    field = driver.find_element(By.ID, "id_username")
    field.click()
    field.send_keys(username, Keys.TAB)
    driver.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)


def shoot(driver: Any, site: Site, name: str) -> None:
    for width in (1280, 360):
        driver.set_window_size(width, 900)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, max(900, min(int(height) + 120, 4000)))
        path = site.shots / f"{name}-{width}px.png"
        driver.save_screenshot(str(path))
        SCREENSHOTS.append(path)
        if width == 360:  # nothing wider than a phone's screen
            assert driver.execute_script("return document.documentElement.scrollWidth") <= 360
    driver.set_window_size(1280, 900)


def test_a_pharmacist_approves_a_request_and_sees_it_leave_the_queue(browser: Any, site: Site) -> None:
    request_id = site.send(BENIGN)
    sign_in(browser, site, "ngozi")
    WebDriverWait(browser, 10).until(ec.title_contains("Queue"))
    shoot(browser, site, "queue")
    link = browser.find_element(By.CSS_SELECTOR, f"a[href='/console/requests/{request_id}/']")
    link.click()
    WebDriverWait(browser, 10).until(ec.title_contains(f"#{request_id}"))
    shoot(browser, site, "request")
    browser.find_element(By.CSS_SELECTOR, "input[name=decision][value=approve]").click()
    browser.find_element(By.ID, "id_note").send_keys("Take after food.")
    browser.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    WebDriverWait(browser, 10).until(ec.title_contains("Queue"))
    assert f"Request {request_id}: approved." in browser.page_source
    assert not browser.find_elements(By.CSS_SELECTOR, f"a[href='/console/requests/{request_id}/']")


def test_a_doctor_escalates_a_request_to_urgent_care_with_the_keyboard(browser: Any, site: Site) -> None:
    request_id = site.send(DOCTOR)
    sign_in(browser, site, "tunde")
    WebDriverWait(browser, 10).until(ec.title_contains("Queue"))
    target = f"/console/requests/{request_id}/"
    for _ in range(60):  # Tab through the page until the request's link has the focus
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if (browser.switch_to.active_element.get_attribute("href") or "").endswith(target):
            break
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(ec.title_contains(f"#{request_id}"))
    browser.find_element(By.CSS_SELECTOR, "input[name=decision][value=escalate]").click()
    browser.find_element(By.ID, "id_clinician_note").send_keys("Needs a same-day review.")
    browser.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    WebDriverWait(browser, 10).until(ec.title_contains("Queue"))
    assert f"Request {request_id}: escalated." in browser.page_source
    row = browser.find_element(By.CSS_SELECTOR, f"a[href='{target}']").find_element(
        By.XPATH, "./ancestor::tr"
    )
    assert "Urgent" in row.text and "Escalated" in row.text


def test_a_patient_is_refused_at_sign_in(browser: Any, site: Site) -> None:
    run_command(site.env, "create_token", "bisi", "--role", "patient")
    sign_in(browser, site, "bisi")
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    assert "Sign in" in browser.title
    browser.get(site.base + "/console/")
    assert "/console/login/" in browser.current_url


def test_a_script_in_the_symptoms_is_shown_as_text_and_never_runs(browser: Any, site: Site) -> None:
    symptoms = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> crushing chest pain'
    request_id = site.send({**DOCTOR, "symptoms": symptoms})
    sign_in(browser, site, "tunde")
    WebDriverWait(browser, 10).until(ec.title_contains("Queue"))
    browser.get(f"{site.base}/console/requests/{request_id}/")
    text = browser.find_element(By.CSS_SELECTOR, ".symptoms").text
    assert "<script>window.pwned=2</script>" in text and "<img src=x" in text
    assert browser.execute_script("return window.pwned === undefined")
    assert not browser.find_elements(By.CSS_SELECTOR, ".symptoms img, .symptoms script")
