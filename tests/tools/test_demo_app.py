"""tools/demo_app.py in a real browser: headless Debian Chromium driven by Selenium + chromedriver.

The app runs as its own process on a free local port with the tiny CLIP-RPN (random weights)
without its CLIP router (``NoRouter``, the "w/o RPN" row): a random-init CLIP computes its
prompt features when built, not from the checkpoint, so two processes would route apart.
The test uploads a synthetic rainy image through the page's file input, waits for the
derained image, decodes the file the page offers for download and the image it shows, and
compares them with ``derain()`` of the same model on the same image; then uploads a corrupt
file and waits for the page's message. A screenshot is saved to
``$DERAIN_DEMO_SCREENSHOT`` (default: the test's temporary folder).
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

from derain_toolkit import build_model
from derain_toolkit.datasets.synthetic_rain import load_clean_image, render_rain, sample_rain_params
from derain_toolkit.inference import derain
from derain_toolkit.utils.image_io import read_image, write_image

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / '_base_' / 'models' / 'clip_rpn_tiny.py'  # 4 levels: three rain masks
CHROMIUM, CHROMEDRIVER = shutil.which('chromium'), shutil.which('chromedriver')
pytestmark = pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                                reason='needs Debian chromium + chromium-driver (scripts/setup_env.sh installs them)')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _wait_for_server(url: str, app: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise AssertionError(f'the demo app exited with {app.returncode}: {app.stderr.read()}')
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f'the demo app did not answer on {url} within {seconds} s')


def _chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
                 '--window-size=1280,1400'):
        options.add_argument(flag)
    options.add_argument(f'--user-data-dir={Path(os.environ.get("TMPDIR", "/tmp")) / f"chromium-{os.getpid()}"}')
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def _fetch_png(url: str, tmp: Path) -> np.ndarray:
    target = tmp / f'fetched_{len(list(tmp.iterdir()))}.png'
    with urllib.request.urlopen(url, timeout=10) as response:
        target.write_bytes(response.read())
    return read_image(target)


@pytest.fixture
def demo_app(tmp_path):
    """(URL, model) of the app serving the tiny CLIP-RPN with a saved random checkpoint."""
    config = tmp_path / 'tiny_no_router.py'
    config.write_text(f"_base_ = ['{CONFIG}']\nmodel = dict(backbone=dict(router=dict(_delete_=True, type='NoRouter')))\n")
    torch.manual_seed(0)
    model = build_model(str(config)).eval()
    checkpoint = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    port = _free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED='False', OMP_NUM_THREADS='1', PYTHONPATH=str(REPO))
    app = subprocess.Popen([sys.executable, str(REPO / 'tools' / 'demo_app.py'), str(config), str(checkpoint),
                            '--port', str(port), '--device', 'cpu', '--precision', 'fp32'],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f'http://127.0.0.1:{port}/'
    try:
        _wait_for_server(url, app)
        yield url, model
    finally:
        app.terminate()
        app.wait(timeout=20)


def test_upload_derain_download_and_corrupt_file_in_chromium(demo_app, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait
    url, model = demo_app
    rng = np.random.default_rng(1)
    clean = np.ascontiguousarray(load_clean_image('chelsea')[100:260:4, 150:374:4])  # (40, 56, 3)
    rainy = render_rain(clean, sample_rain_params('heavy', rng), rng)
    write_image(tmp_path / 'rainy.png', rainy)
    expected = derain(model, rainy, precision='fp32').image
    corrupt = tmp_path / 'corrupt.png'
    corrupt.write_bytes(b'\x89PNG\r\n\x1a\n this is not an image')
    fetched = tmp_path / 'fetched'
    fetched.mkdir()
    screenshot = Path(os.environ.get('DERAIN_DEMO_SCREENSHOT', tmp_path / 'demo_app.png'))

    browser = _chromium()
    try:
        browser.get(url)
        wait = WebDriverWait(browser, 40)
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, '#upload input[type=file]')))
        browser.find_element(By.CSS_SELECTOR, '#upload input[type=file]').send_keys(str(tmp_path / 'rainy.png'))
        link = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, '#download a[href]')))
        downloaded = _fetch_png(link.get_attribute('href'), fetched)
        shown = _fetch_png(browser.find_element(By.CSS_SELECTOR, '#derained img').get_attribute('src'), fetched)
        masks = browser.find_elements(By.CSS_SELECTOR, '#masks img')
        assert 'Derained rainy.png (56 x 40, uint8)' in browser.find_element(By.ID, 'status').text
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(screenshot))

        browser.find_element(By.CSS_SELECTOR, '#upload button[aria-label=Clear]').click()
        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, '#upload input[type=file]')))
        browser.find_element(By.CSS_SELECTOR, '#upload input[type=file]').send_keys(str(corrupt))
        wait.until(ready.text_to_be_present_in_element((By.ID, 'status'), 'Could not derain corrupt.png'))
        message = browser.find_element(By.ID, 'status').text
    finally:
        browser.quit()
    np.testing.assert_array_equal(downloaded, expected)
    np.testing.assert_array_equal(shown, expected)
    assert np.abs(expected.astype(int) - rainy).max() > 0  # the model changed the image
    assert len(masks) == 3  # one rain mask per MGCA level of the tiny 4-level U-Net
    assert 'Traceback' not in message and ('truncated' in message or 'not' in message)
    print(f'screenshot: {screenshot}')
