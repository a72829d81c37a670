"""The explorer in a real browser (#27): Voilà serves notebooks/06_explorer.ipynb, headless Chromium (Selenium with
Debian's chromium-driver) moves "Every agency's pace ×" to 1.50 with the keyboard, and the headline must show what
``forecast scenario`` gives for that lever with the same params (its own process, the CLI); then "Save as scenario"
writes a file that ``forecast scenario --check`` accepts, holding that lever. The server is stopped by its PID."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from forecast import paths

pytestmark = pytest.mark.browser

SIMS = 2000  # the page and the CLI alike (the notebook's parameters cell and --sims)
BIN = Path(sys.executable).parent
LEVER = {"lever": "rate_multiplier", "agency": "all", "multiplier": 1.5}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail(
            "the explorer's browser test needs chromium and chromedriver (make test installs them with apt-get where "
            "it can: apt-get install -y chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1300,1300",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


@pytest.fixture
def voila(tmp_path):
    """Voilà serving a copy of the explorer notebook with SIMS runs, saving into tmp_path/saved; stopped by PID."""
    nb = nbformat.read(paths.NOTEBOOKS_DIR / "06_explorer.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source, n = re.subn(
        r"^overrides: dict = \{\}", f'overrides: dict = {{"sims": {SIMS}}}', cell.source, flags=re.M
    )
    assert n == 1
    folder = tmp_path / "nb"
    folder.mkdir()
    nbformat.write(nb, folder / "06_explorer.ipynb")
    port = _free_port()
    env = {**os.environ, "FORECAST_EXPLORER_SAVE_TO": str(tmp_path / "saved")}
    log = (tmp_path / "voila.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "voila"), "06_explorer.ipynb", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(150):  # the server listens within seconds
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"voila exited: {(tmp_path / 'voila.log').read_text()[-2000:]}")
                time.sleep(0.2)
        yield url, tmp_path / "saved"
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def _expected(tmp_path) -> subprocess.Popen:
    """``forecast scenario`` for the lever, same params and runs, in its own process (started first: it runs while
    the page loads)."""
    file = tmp_path / "expected.yaml"
    file.write_text(yaml.safe_dump({"name": "every agency 1.5", "levers": [LEVER]}), encoding="utf-8")
    return subprocess.Popen(
        [str(BIN / "forecast"), "scenario", str(file), "--params", str(paths.PARAMS_DIR / "baseline.yaml"),
         "--sims", str(SIMS), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def test_moving_a_slider_shows_what_forecast_scenario_gives_and_save_writes_it(voila, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    url, saved = voila
    cli = _expected(tmp_path)
    browser = _driver()
    try:
        browser.get(url)
        headline = WebDriverWait(browser, 120).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".explorer-headline"))[
            0
        ]
        assert headline.get_attribute("data-difference") == "0.0"  # the baseline first
        baseline_mean = headline.get_attribute("data-mean")
        pace = next(
            s for s in browser.find_elements(By.CSS_SELECTOR, ".widget-slider") if "Every agency's pace" in s.text
        )
        handle = pace.find_element(By.CSS_SELECTOR, ".noUi-handle")
        handle.click()
        for _ in range(10):  # 10 steps of 0.05: 1.00 -> 1.50
            handle.send_keys(Keys.ARROW_RIGHT)
        WebDriverWait(browser, 20).until(lambda d: pace.find_element(By.CSS_SELECTOR, ".widget-readout").text == "1.50")

        def answers_the_slider(_) -> bool:
            setting = browser.find_element(By.CSS_SELECTOR, ".explorer-headline").get_attribute("data-setting")
            return "×1.5 as fast" in setting

        # the widgets' frontend sends a quick series of changes one at a time and, once in a while, never sends the
        # last (seen once in six runs under load: the page kept answering 1.45 while the slider read 1.50); one key
        # press back and forth sends it again, so the numbers below are checked against the slider's value
        for attempt in range(3):
            try:
                WebDriverWait(browser, 10).until(answers_the_slider)
                break
            except Exception:
                if attempt == 2:
                    pytest.fail("the page never answered the slider's last value (1.50)")
                handle.send_keys(Keys.ARROW_LEFT)
                handle.send_keys(Keys.ARROW_RIGHT)

        out, err = cli.communicate(timeout=120)
        assert cli.returncode == 0, err[-2000:]
        want = json.loads(out)["scenarios"][0]
        assert json.loads(out)["baseline"]["slip"]["mean"] == float(baseline_mean)  # the same baseline

        def shown() -> dict:
            h = browser.find_element(By.CSS_SELECTOR, ".explorer-headline")
            keys = ("mean", "p10", "p90", "difference", "difference-p10", "difference-p90")
            return {k: h.get_attribute(f"data-{k}") for k in keys} | {"text": h.text}

        expected = {
            "mean": str(want["slip"]["mean"]),
            "p10": str(want["slip"]["p10"]),
            "p90": str(want["slip"]["p90"]),
            "difference": str(want["difference"]["mean"]),
            "difference-p10": str(want["difference"]["p10"]),
            "difference-p90": str(want["difference"]["p90"]),
        }
        try:  # the last key press's numbers arrive within seconds
            WebDriverWait(browser, 30).until(lambda _: {k: v for k, v in shown().items() if k != "text"} == expected)
        except Exception:
            pytest.fail(f"the headline shows {shown()}, forecast scenario gives {expected}")
        text = shown()["text"]
        assert f"{want['slip']['mean']:.1f}" in text and f"{want['slip']['p10']} to {want['slip']['p90']}" in text
        assert want["difference"]["mean"] < 0  # faster work, fewer slips: the page moved, not only the number

        name = browser.find_element(By.CSS_SELECTOR, "input[placeholder^='e.g. Finance']")
        name.send_keys("Every agency half as fast again", Keys.ENTER)  # the name is sent on Enter
        next(b for b in browser.find_elements(By.TAG_NAME, "button") if b.text == "Save as scenario").click()
        note = WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".explorer-saved"))[0]
        path = Path(note.get_attribute("data-path"))
    finally:
        browser.quit()
        if cli.poll() is None:
            cli.kill()

    assert path.parent == saved and path.name == "every_agency_half_as_fast_again.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data == {"name": "Every agency half as fast again", "levers": [LEVER]}  # the lever forecast scenario ran
    check = subprocess.run(
        [str(BIN / "forecast"), "scenario", "--check", str(path)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr
    assert "every agency works ×1.5 as fast" in check.stdout
