"""The search page at / driven in a real headless Chromium (Debian's chromium + chromium-driver, selenium).

Skips, saying why, where the browser, its driver or selenium is missing (`.ci/run` installs them).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_serve import LocalServer

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SHOTS = Path(os.environ.get("GAZETTEER_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("headless Chromium is not installed: apt-get install -y chromium chromium-driver")
    profile = tempfile.mkdtemp(prefix="gazetteer-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    from selenium.webdriver.chrome.service import Service

    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except Exception as exc:  # a broken browser install: say so instead of failing obscurely
        pytest.skip(f"headless Chromium did not start: {str(exc).splitlines()[0]}")
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(browser) -> Iterator[tuple[object, LocalServer]]:
    from gazetteer.serve import Settings

    with LocalServer(Settings(rate=0)) as srv:
        browser.get(srv.url + "/")
        yield browser, srv


def wait(driver, condition, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def ask(driver, text: str, status: str) -> None:
    """Type ``text`` in the search box (once the map is drawn) and wait for a status line starting ``status``."""
    from selenium.webdriver.common.by import By

    wait(driver, lambda d: d.find_element(By.ID, "map").get_attribute("data-ready") == "1")
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(text + "\n")
    wait(driver, lambda d: d.find_element(By.ID, "status").text.startswith(status))


def test_typing_an_ambiguous_name_shows_ranked_candidates_and_the_chosen_place(page) -> None:
    from selenium.webdriver.common.by import By

    driver, _ = page
    wait(driver, lambda d: d.find_element(By.ID, "map").get_attribute("data-ready") == "1")
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys("Радьківка\n")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results tbody tr")) == 3)
    rows = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    cells = [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]
    assert {c[3] for c in cells} == {"Сумська область", "Харківська область", "Чернігівська область"}
    assert all(c[4].endswith("район") and c[5].endswith("громада") for c in cells)
    scores = [float(c[8]) for c in cells]
    assert scores == sorted(scores, reverse=True)
    assert driver.find_element(By.ID, "status").text.startswith("ambiguous")
    chosen = driver.find_elements(By.CSS_SELECTOR, "#map circle.chosen")
    assert len(chosen) == 1 and chosen[0].get_attribute("data-katottg") == rows[0].get_attribute("data-katottg")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#map circle.candidate")) == 2
    rows[2].click()  # choosing another candidate moves the marker
    wait(
        driver,
        lambda d: (
            d.find_element(By.CSS_SELECTOR, "#map circle.chosen").get_attribute("data-katottg")
            == rows[2].get_attribute("data-katottg")
        ),
    )
    driver.save_screenshot(str(SHOTS / "gazetteer-page-search.png"))


def test_a_russian_spelling_resolves_and_the_oblast_is_highlighted(page) -> None:
    from selenium.webdriver.common.by import By

    driver, _ = page
    ask(driver, "Купянск", "resolved")
    first = driver.find_element(By.CSS_SELECTOR, "#results tbody tr")
    assert first.get_attribute("data-katottg") == "UA63080090010026457"
    assert "point" in first.text
    hit = driver.find_elements(By.CSS_SELECTOR, "#map path.oblast.hit")
    assert [h.get_attribute("data-id") for h in hit] == ["UA63000000000041885"]


def test_an_unknown_name_says_why(page) -> None:
    from selenium.webdriver.common.by import By

    driver, _ = page
    ask(driver, "Moscow", "not found")
    assert "not a Ukrainian settlement" in driver.find_element(By.ID, "status").text


def test_a_region_shows_its_oblast_record(page) -> None:
    from selenium.webdriver.common.by import By

    driver, _ = page
    ask(driver, "Kharkov oblast", "a region")
    rows = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert [r.get_attribute("data-katottg") for r in rows] == ["UA63000000000041885"]
    assert "oblast_centroid" in rows[0].text
    driver.save_screenshot(str(SHOTS / "gazetteer-page-region.png"))


def test_pasting_a_column_gives_a_table_and_a_csv_download(page) -> None:
    from selenium.webdriver.common.by import By

    driver, _ = page
    area = driver.find_element(By.ID, "batch-input")
    area.clear()
    area.send_keys("Kupyansk\nАртемовск\nBerlin\nНовоселівка")
    driver.find_element(By.ID, "batch-run").click()
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#batch-table tbody tr")) == 4)
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#batch-table tbody tr")]
    assert rows[0].startswith("Kupyansk resolved Куп’янськ") and "Бахмут" in rows[1]
    assert "not_found" in rows[2] and "ambiguous" in rows[3]
    link = driver.find_element(By.ID, "download")
    assert link.is_displayed() and link.get_attribute("href").startswith("blob:")
    csv_text = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.getElementById('download').href).then(r => r.text()).then(done);"
    )
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("query,gaz_id,gaz_name_uk") and len(lines) == 5
    assert lines[2].startswith("Артемовск,") and "Бахмут" in lines[2]
    driver.save_screenshot(str(SHOTS / "gazetteer-page-batch.png"))


def test_a_tile_url_puts_tiles_under_the_map(page) -> None:
    from selenium.webdriver.common.by import By

    driver, srv = page
    driver.find_element(By.CSS_SELECTOR, "#tiles-box summary").click()
    box = driver.find_element(By.ID, "tile-url")
    box.clear()
    box.send_keys(srv.url + "/tiles/{z}/{x}/{y}.png")  # nothing serves them: only the URLs are checked
    driver.find_element(By.ID, "tile-apply").click()
    images = driver.find_elements(By.CSS_SELECTOR, "#tiles image")
    hrefs = [i.get_attribute("href") for i in images]
    # the map (lon 21.9-40.4, lat 44.0-52.6) at zoom 6 spans tiles x 35..39, y 20..23 of the Web Mercator grid
    assert len(hrefs) == 20 and f"{srv.url}/tiles/6/35/20.png" in hrefs and f"{srv.url}/tiles/6/39/23.png" in hrefs
    driver.find_element(By.ID, "tile-url").clear()
    driver.find_element(By.ID, "tile-apply").click()
    assert driver.find_elements(By.CSS_SELECTOR, "#tiles image") == []


def test_a_page_of_another_origin_posts_a_column_to_batch(page) -> None:
    # before: the browser's preflight of the cross-origin POST was refused and fetch() rejected ("Failed to fetch")
    from gazetteer.serve import Settings

    driver, srv = page
    with LocalServer(Settings(rate=0)) as other:  # another port: another origin than the page's
        assert other.url != srv.url
        got = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0] + '/batch', {method: 'POST', headers: {'Content-Type': 'application/json'},"
            " body: JSON.stringify({names: ['Kupyansk', 'Berlin']})})"
            ".then(r => r.json()).then(j => done(j.rows.map(r => r.gaz_status)))"
            ".catch(e => done('failed: ' + e));",
            other.url,
        )
    assert got == ["resolved", "not_found"]
