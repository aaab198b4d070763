"""What the browser tests share: checks that fail loudly, a served Pathways on a free loopback port, Chromium as a
desktop or as a 390 px phone without JavaScript, forms filled and submitted as a person does it, and messages read
out of the file mail transport as a mail client reads them. Any missing piece (Chromium, chromedriver, Selenium)
is an error, never a skip.
"""
import base64
import email
import email.policy
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    sys.exit("browser test: Selenium is not installed (pip install selenium); .ci/run installs it")

NAME = os.path.basename(sys.argv[0]).removesuffix(".py")


def fail(message):
    sys.exit(f"{NAME}: FAILED: {message}")


def check(condition, message):
    if not condition:
        fail(message)
    print(f"  ok  {message}")


def find_program(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    fail(f"none of {', '.join(names)} is installed (Debian: apt-get install chromium chromium-driver)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`pathways serve` on a free loopback port, stopped with SIGINT as an operator stops it."""

    def __init__(self, binary, database, work, mail, port=None, extra=()):
        self.port = port or free_port()
        self.base = f"http://localhost:{self.port}"
        self.log = open(os.path.join(work, f"server-{self.port}.log"), "w")
        self.process = subprocess.Popen([binary, "serve", "--database", database, "--port", str(self.port), "--mail", f"file:{mail}",
                                         "--public-url", self.base, *extra], stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    fail("the server exited; see " + self.log.name + ":\n" + open(self.log.name).read()[-2000:])
                time.sleep(0.2)
        fail("the server did not answer /health")

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def chromium_options(chromium, width, height, javascript=True, downloads=None):
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}"):
        options.add_argument(argument)
    prefs = {}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    if downloads:
        prefs.update({"download.default_directory": downloads, "download.prompt_for_download": False})
    if prefs:
        options.add_experimental_option("prefs", prefs)
    return options


def desktop(chromium, chromedriver, downloads=None, width=1280, height=900):
    """A window with JavaScript on (a desktop's unless told otherwise)."""
    driver = webdriver.Chrome(service=Service(chromedriver), options=chromium_options(chromium, width, height, downloads=downloads))
    if downloads:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    driver.set_page_load_timeout(30)
    return driver


def phone(chromium, chromedriver):
    """A 390 px phone with JavaScript turned off."""
    driver = webdriver.Chrome(service=Service(chromedriver), options=chromium_options(chromium, 390, 844, javascript=False))
    # A headless window is at least 500 px wide; the phone's 390 px is emulated.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    driver.set_page_load_timeout(30)
    return driver


def sign_in(driver, base, email_address, password):
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.ID, "email").send_keys(email_address)
    driver.find_element(By.ID, "password").send_keys(password)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form button[type='submit']"))
    check("/login" not in driver.current_url, f"{email_address} is signed in")


def phone_signed_in(chromium, chromedriver, base, email_address, password):
    driver = phone(chromium, chromedriver)
    sign_in(driver, base, email_address, password)
    return driver


def body_text(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def page_position(driver):
    text = driver.find_element(By.CSS_SELECTOR, ".progress-text").text
    match = re.match(r"Page (\d+) of (\d+)", text)
    check(match is not None, f"the progress indicator reads '{text}'")
    return int(match.group(1)), int(match.group(2))


def fill(driver, answers, within=None):
    """Answers every field of the page (or of the part `within` selects) that `answers` names, as a person would:
    click choices, type text, pick from a list."""
    scope = driver.find_element(By.CSS_SELECTOR, within) if within else driver
    for name, value in answers.items():
        fields = scope.find_elements(By.NAME, name)
        if not fields:
            continue
        kind = fields[0].get_attribute("type")
        if fields[0].find_elements(By.XPATH, "ancestor::*[@hidden]"):
            # A follow-up the page hides until it applies: a person does not see it, so does not answer it.
            continue
        if kind in ("radio", "checkbox"):
            for field in fields:
                if (field.get_attribute("value") in value) != field.is_selected():
                    # A person clicks the label: one that names the field, or the one the field sits in.
                    ident = field.get_attribute("id")
                    label = driver.find_elements(By.CSS_SELECTOR, f"label[for='{ident}']") if ident else []
                    (label[0] if label else field.find_element(By.XPATH, "ancestor::label[1]")).click()
        elif fields[0].tag_name == "select":
            for option in fields[0].find_elements(By.TAG_NAME, "option"):
                if option.get_attribute("value") == value:
                    option.click()
                    break
            else:
                fail(f"the list {name} offers no {value}")
        elif kind in ("date", "datetime-local", "month"):
            # A date field's typing order follows the browser's locale; set the value the way the picker does.
            driver.execute_script("arguments[0].value = arguments[1]", fields[0], value)
        elif kind == "file":
            fields[0].send_keys(value)
        else:
            fields[0].clear()
            fields[0].send_keys(value)


def submit(driver, button):
    """Clicks a button or link and waits until the browser has the page the server answered with."""
    old = driver.find_element(By.TAG_NAME, "html")
    button.click()

    def replaced(_):
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            # Chromium sometimes reports a node from the replaced page as an inspector error, not as stale.
            if "does not belong to the document" in str(e) or "No node with given id" in str(e):
                return True
            raise

    WebDriverWait(driver, 30).until(replaced)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def press(driver, action):
    # The page's hidden default button (what Enter sends) is not one a person clicks.
    submit(driver, driver.find_element(By.CSS_SELECTOR, f"button[name='action'][value='{action}']:not(.default-action)"))


def no_sideways_scroll(driver, what):
    width = driver.execute_script("return document.documentElement.scrollWidth")
    # A phone's layout viewport grows to fit a page wider than the screen, so the screen's width is the measure.
    viewport = driver.execute_script("return Math.min(window.innerWidth, screen.width)")
    culprits = ""
    if width > viewport:
        # What sticks out, innermost first, so the message names the element to fix.
        culprits = driver.execute_script("""
            const out = [];
            for (const e of document.querySelectorAll('body *')) {
              const r = e.getBoundingClientRect();
              if (r.right > arguments[0] + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > arguments[0] + 1))
                out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
                         + ' (' + Math.round(r.right) + ' px: ' + (e.textContent || '').trim().slice(0, 40) + ')');
            }
            return out.slice(0, 5).join('; ');""", viewport)
    check(width <= viewport, f"{what} fits a {viewport} px screen (it is {width} px wide{': ' + culprits if culprits else ''})")


def screenshot(driver, what, size):
    """The whole page as a PNG in $PATHWAYS_SCREENSHOTS (default ./screenshots), for people to look at."""
    folder = os.environ.get("PATHWAYS_SCREENSHOTS", "screenshots")
    os.makedirs(folder, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9]+", "-", what).strip("-")[:120] + f"-{size}.png"
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    with open(os.path.join(folder, name), "wb") as f:
        f.write(base64.b64decode(shot["data"]))


def accessible(driver, what):
    """axe-core finds nothing serious or critical on the page (axe-selenium-python carries axe-core)."""
    try:
        from axe_selenium_python import Axe
    except ImportError:
        fail("axe-selenium-python is not installed (pip install axe-selenium-python); .ci/run installs it")
    axe = Axe(driver)
    axe.inject()
    # Run synchronously (chromedriver awaits the promise): an asynchronous script's callback never comes back on a
    # page with JavaScript turned off.
    driver.set_script_timeout(60)
    found = driver.execute_script("return axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in found["violations"] if v.get("impact") in ("serious", "critical")]
    detail = "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target'][0]) for n in v['nodes'][:3])}" for v in bad)
    check(not bad, f"{what}: axe-core finds nothing serious" + (f" — found: {detail}" if bad else ""))


def messages(mail_folder):
    """Every message the server wrote, read as a mail client would: (to, subject, plain body)."""
    found = []
    if not os.path.isdir(mail_folder):
        return found
    for name in sorted(os.listdir(mail_folder)):
        path = os.path.join(mail_folder, name)
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        found.append((str(message["To"] or ""), str(message["Subject"] or ""), part.get_content() if part else ""))
    return found


def wait_for_message(mail_folder, to, pattern, seconds=60):
    """The first link matching `pattern` in a message to `to`, waiting while the server's sender delivers it."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        for recipient, subject, body in messages(mail_folder):
            if to in recipient:
                link = re.search(pattern, body)
                if link:
                    return subject, link.group(0)
        time.sleep(0.5)
    fail(f"no message to {to} with a link like {pattern} arrived in {seconds} s ({len(messages(mail_folder))} messages in all)")


def report_failure(driver, e):
    page = ""
    if driver:
        try:
            page = f" on {driver.current_url}:\n" + body_text(driver)[:1500]
        except Exception:
            pass
    fail(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}{page}")
