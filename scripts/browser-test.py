#!/usr/bin/env python3
"""Takes the demo's open follow-up wave in a real browser: headless Chromium driven by Selenium; then, as the demo's
learner, downloads their Open Badge, checks it on the verification page and shares it.

Usage: scripts/browser-test.py PATHWAYS_BINARY

It fills a new SQLite database with the demo, writes and delivers the wave's invitations to files, reads
survey links out of those messages, starts `pathways serve` on a free loopback port and then, in Chromium:
takes a survey from its link to the done page (a refused page, a page left and resumed from the link, Back
with the answers kept, a follow-up question on the same page), answers another against the record, opts a
third person out, and signs in as the researcher to see all three on the wave page. Last, every role's pages
pass axe-core on a desktop and fit a 390 px phone without JavaScript. Any missing piece (Chromium, chromedriver,
Selenium, axe-selenium-python) is an error, never a skip.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from browser_support import (By, Server, check, desktop, fail, fill, find_program, no_sideways_scroll, page_position, phone_signed_in,
                             press, report_failure, sign_in, submit, body_text)
from selenium.webdriver.common.keys import Keys
import browser_support


def survey_links(mail_folder, base):
    """Survey links of the wave-3 invitations, one per message, read as a mail client would."""
    links = []
    for _, _, body in browser_support.messages(mail_folder):
        found = re.findall(re.escape(base) + r"/s/[A-Za-z0-9_-]{20,}", body)
        if found:
            links.append(found[0])
    return links


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    chromium = find_program("chromium", "chromium-browser", "google-chrome")
    chromedriver = find_program("chromedriver")

    work = tempfile.mkdtemp(prefix="pathways-browser-")
    database = os.path.join(work, "pathways.sqlite")
    mail = os.path.join(work, "mail")
    port = browser_support.free_port()
    base = f"http://localhost:{port}"
    server = None
    driver = None
    try:
        demo = subprocess.run([binary, "demo", "--database", database], capture_output=True, text=True, check=True)
        researcher = re.search(r"Researcher\s+(\S+@\S+)\s+(\S+)", demo.stdout)
        check(researcher is not None, "the demo printed the researcher's sign-in")
        administrator = re.search(r"Administrator\s+(\S+@\S+)\s+(\S+)", demo.stdout)
        check(administrator is not None, "the demo printed the administrator's sign-in")
        learner = re.search(r"Learner\s+(\S+@\S+)\s+(\S+)", demo.stdout)
        check(learner is not None, "the demo printed the learner's sign-in")
        staff = re.search(r"Program staff\s+(\S+@\S+)\s+(\S+)", demo.stdout)
        employer = re.search(r"Employer partner\s+(\S+@\S+)\s+(\S+)", demo.stdout)
        check(staff is not None and employer is not None, "the demo printed the program staff's and the employer's sign-ins")
        subprocess.run([binary, "send", "--database", database, "--mail", f"file:{mail}", "--public-url", base],
                       capture_output=True, text=True, check=True)
        links = survey_links(mail, base)
        check(len(links) >= 3, f"invitations were delivered as messages with survey links ({len(links)})")
        server = Server(binary, database, work, mail, port=port)

        downloads = os.path.join(work, "downloads")
        os.makedirs(downloads)
        driver = desktop(chromium, chromedriver, downloads=downloads, width=412, height=915)
        take_a_survey(driver, links[0])
        answer_against_the_record(driver, links[1])
        opt_out(driver, links[2])
        wave_page(driver, base, researcher.group(1), researcher.group(2))
        set_up_a_study(chromium, chromedriver, base, researcher.group(1), researcher.group(2))
        cascading_choices_and_dates(chromium, chromedriver, base, researcher.group(1), researcher.group(2), work)
        repeats_in_a_survey(chromium, chromedriver, base, researcher.group(1), researcher.group(2), work)
        catalog_and_accounts(chromium, chromedriver, base, administrator.group(1), administrator.group(2))
        driver.delete_all_cookies()
        shared = credential(driver, base, learner.group(1), learner.group(2), downloads)
        every_page(chromium, chromedriver, base, {"admin": administrator.groups(), "researcher": researcher.groups(), "staff": staff.groups(),
                                                  "employer": employer.groups(), "learner": learner.groups()}, shared)
        refused_and_done(chromium, chromedriver, base, {"employer": employer.groups(), "learner": learner.groups()})
        print("browser-test: all checks passed")
    except subprocess.CalledProcessError as e:
        fail(f"{' '.join(e.cmd[:2])} failed: {e.stderr}")
    except Exception as e:
        report_failure(driver, e)
    finally:
        if driver:
            driver.quit()
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


# What a respondent who completed more than a year ago answers, by field name.
ANSWERS = {
    "completed_program": ["yes"], "completion_date": "2023-06-01", "gender": ["female"], "birth_year": "1990",
    "hispanic": ["no"], "race": ["white", "asian"], "country": "US", "english": ["fluent"], "education": ["some_college"],
    "student": ["not_student"], "employment": ["full_time"], "business_owner": ["no"], "sector": "Retail",
    "income": "52000", "knowledge": ["advanced"], "benefits": ["job_performance", "raise"], "ways": ["efficiency", "quality"],
    "enrolled_degree": ["no"], "other_credentials": ["no"], "comments": "It helped, and I got a raise.",
}


def take_a_survey(driver, link):
    print("a survey taken from its link to the end")
    driver.get(link)
    position, pages = page_position(driver)
    check(position == 1 and pages >= 6, f"it opens on page 1 of {pages}")
    scripts = [e.get_attribute("src") or "" for e in driver.find_elements(By.CSS_SELECTOR, "script")]
    check(len(scripts) == 1 and scripts[0].endswith("/static/survey.js"), f"the survey page's only script is its follow-up enhancement: {scripts}")
    press(driver, "next")

    # The screening page refuses an empty answer with the form's message and keeps the respondent there.
    press(driver, "next")
    alert = driver.find_element(By.CSS_SELECTOR, ".errors").text
    check("Please check" in alert, f"an empty required answer is refused: '{alert}'")
    check(driver.find_element(By.ID, "q-completed_program-block").get_attribute("class").endswith("has-error"), "the question is marked")
    fill(driver, ANSWERS)
    press(driver, "next")
    check("Gender" in driver.page_source or driver.find_elements(By.NAME, "gender"), "the screened-in respondent reaches the questions about them")
    fill(driver, ANSWERS)
    press(driver, "next")
    at_work, _ = page_position(driver)

    # Leave and come back from the same link: the survey resumes on the page it stopped at.
    driver.get("about:blank")
    driver.get(link)
    check(page_position(driver)[0] == at_work, f"the link resumes on page {at_work}")
    press(driver, "back")
    check(driver.find_element(By.NAME, "birth_year").get_attribute("value") == "1990", "Back shows the earlier page with its answers")
    check(driver.find_element(By.CSS_SELECTOR, "input[name='race'][value='asian']").is_selected(), "checked boxes stay checked")
    press(driver, "next")

    for _ in range(10):
        if driver.find_elements(By.CSS_SELECTOR, ".survey-message"):
            break
        # The ways question sits on the benefits page and applies when job performance is chosen: hidden until then,
        # shown once it is, hidden again when it is unticked (the script; without it the question is simply shown).
        if driver.find_elements(By.NAME, "benefits"):
            ways = driver.find_element(By.ID, "q-ways-block")
            check(not ways.is_displayed(), "the follow-up on ways waits for its answer")
            fill(driver, {"benefits": ["job_performance"]})
            check(ways.is_displayed(), "choosing job performance shows the follow-up on the same page")
            fill(driver, {"benefits": []})
            check(not ways.is_displayed(), "unticking it hides the follow-up again")
        fill(driver, ANSWERS)
        press(driver, "next")
        if driver.find_elements(By.CSS_SELECTOR, ".errors"):
            fail("a page was refused: " + driver.find_element(By.TAG_NAME, "body").text[:500])
    check("Your answers are saved" in driver.page_source, "the done page thanks the respondent")
    driver.get(link)
    check("Your answers are saved" in driver.page_source, "the link shows the done page afterwards")


def answer_against_the_record(driver, link):
    print("an answer that disagrees with the record")
    driver.get(link)
    press(driver, "next")
    fill(driver, {"completed_program": ["no"]})
    press(driver, "next")
    # The demo study lets the record decide: the learner completed more than a year ago, so they go on.
    check(driver.find_elements(By.NAME, "gender") != [], "the record says eligible and wins over the answer")


def opt_out(driver, link):
    print("an opt-out")
    driver.get(link)
    submit(driver, driver.find_element(By.LINK_TEXT, "Stop messages about this study"))
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form button[type='submit']"))
    check("no more messages" in driver.page_source.lower() or "opted out" in driver.page_source.lower(), "the opt-out is confirmed")


def wave_page(driver, base, email_address, password):
    print("the wave page, signed in as the researcher")
    sign_in(driver, base, email_address, password)
    driver.get(base + "/studies/credential-outcomes/waves/3")
    facts = {}
    for term in driver.find_elements(By.CSS_SELECTOR, "dl.facts dt"):
        facts[term.text] = term.find_element(By.XPATH, "following-sibling::dd[1]").text
    check(facts.get("Submitted") == "1", f"one submitted ({facts.get('Submitted')})")
    check(facts.get("Started") == "2", f"two started ({facts.get('Started')})")
    check(facts.get("Opted out") == "1", f"one opted out ({facts.get('Opted out')})")
    check(facts.get("Answer and record disagreed") == "1", f"one disagreement counted ({facts.get('Answer and record disagreed')})")
    check(int(facts.get("Opened", "0")) >= 3, f"three links opened ({facts.get('Opened')})")


def catalog_and_accounts(chromium, chromedriver, base, email_address, password):
    """The catalog and the account pages an administrator uses, on a 390 px phone without JavaScript."""
    print("the catalog and account pages, on a phone, without JavaScript")
    phone = phone_signed_in(chromium, chromedriver, base, email_address, password)
    try:
        phone.get(base + "/admin/catalog")
        check("Employer partners" in phone.find_element(By.TAG_NAME, "body").text, "the catalog lists employer partners")
        no_sideways_scroll(phone, "the catalog")
        phone.get(base + "/admin/catalog/providers/new")
        no_sideways_scroll(phone, "the new-provider form")
        fill(phone, {"provider_id": "phone-provider", "name": "Made on a phone", "country": "ca"})
        submit(phone, phone.find_element(By.CSS_SELECTOR, "form.stack button[type='submit']"))
        body = phone.find_element(By.TAG_NAME, "body").text
        check("The provider is saved." in body and "phone-provider" in body, "the provider is stored and listed")
        phone.get(base + "/admin/catalog/programs/new")
        no_sideways_scroll(phone, "the new-program form")
        phone.get(base + "/admin/catalog/credit_agreements/new")
        no_sideways_scroll(phone, "the new-agreement form")
        phone.get(base + "/admin/accounts")
        no_sideways_scroll(phone, "the accounts page with its learner invitations")
        phone.get(base + "/careers/organise/new")
        no_sideways_scroll(phone, "the new-event form")
        phone.delete_all_cookies()
        phone.get(base + "/password-reset")
        no_sideways_scroll(phone, "the forgotten-password page")
        fill(phone, {"email": "nobody@pathways.example"})
        submit(phone, phone.find_element(By.CSS_SELECTOR, "form.stack button[type='submit']"))
        check("Check your email" in phone.find_element(By.TAG_NAME, "h1").text, "a reset request is answered without saying whether the account exists")
        phone.get(base + "/welcome/not-a-link")
        check("cannot be used" in phone.find_element(By.TAG_NAME, "h1").text, "a bad invitation link says so")
        no_sideways_scroll(phone, "an invitation link's page")
    finally:
        phone.quit()


def set_up_a_study(chromium, chromedriver, base, email_address, password):
    """A study and a wave made in the pages by a researcher on a 390 px phone with JavaScript turned off."""
    print("a study and a wave set up in the pages, on a phone, without JavaScript")
    phone = phone_signed_in(chromium, chromedriver, base, email_address, password)
    try:
        phone.get(base + "/studies/new")
        no_sideways_scroll(phone, "the new-study form")
        fill(phone, {"key": "phone-study", "title": "A study made on a phone", "description": "Set up without JavaScript."})
        submit(phone, phone.find_element(By.CSS_SELECTOR, "form.stack button[type='submit']"))
        check(phone.current_url.endswith("/studies/phone-study"), f"the new study's page ({phone.current_url})")
        check("A study made on a phone" in phone.find_element(By.TAG_NAME, "h1").text, "the study page shows the new study")
        no_sideways_scroll(phone, "the new study's page")

        # A fourth wave of the demo study, with a rule in words, computed and previewed before launch.
        phone.get(base + "/studies/credential-outcomes/waves/new")
        no_sideways_scroll(phone, "the new-wave form")
        check(phone.find_element(By.ID, "number").get_attribute("value") == "4", "the next wave number is offered")
        fill(phone, {"title": "Two years on", "frame": "answered wave 3 or (answered wave 2 and completed a program at least 24 months before this wave opens)",
                     "message_subject": "Two years on: {{program}}"})
        submit(phone, phone.find_element(By.CSS_SELECTOR, "form.stack button[type='submit']"))
        check(phone.current_url.endswith("/studies/credential-outcomes/waves/4"), f"the new wave's page ({phone.current_url})")
        body = phone.find_element(By.TAG_NAME, "body").text
        check("Draft: frame not computed" in body, "the new wave is a draft")
        check(not phone.find_elements(By.CSS_SELECTOR, "button[value='launch']"), "a draft without a frame offers no launch")
        press(phone, "frame")
        body = phone.find_element(By.TAG_NAME, "body").text
        check(re.search(r"\d+ cases \(computed", body) is not None, "the frame's count is shown")
        check("Two years on: " in body and "Subject:" in body, "the message is previewed")
        check(phone.find_elements(By.CSS_SELECTOR, "button[value='launch']"), "a computed frame can be launched")
        no_sideways_scroll(phone, "the draft wave's page with its frame and message")
        phone.get(base + "/studies/credential-outcomes/waves/4/edit")
        no_sideways_scroll(phone, "the wave's edit form")
        check("answered wave 3 or (answered wave 2 and completed a program at least 24 months before this wave opens)"
              == phone.find_element(By.ID, "frame").get_attribute("value").strip(), "the rule reads back in the words it was written in")
    finally:
        phone.quit()


def credential(driver, base, email_address, password, downloads):
    print("a learner downloads their credential and verifies it")
    sign_in(driver, base, email_address, password)
    driver.get(base + "/me")
    links = driver.find_elements(By.PARTIAL_LINK_TEXT, ".jwt (EdDSA)")
    check(len(links) >= 1, "the learner's record offers their credential")
    links[0].click()
    path = None
    for _ in range(100):
        done = [f for f in os.listdir(downloads) if f.endswith(".jwt")]
        if done:
            path = os.path.join(downloads, done[0])
            break
        time.sleep(0.1)
    check(path is not None, "the credential downloaded as a .jwt file")
    token = open(path).read().strip()
    check(token.count(".") == 2, "the file holds a compact JWS")
    driver.get(base + "/verify")
    box = driver.find_element(By.ID, "credential")
    box.send_keys(token)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/verify'] button[type='submit']"))
    body = driver.find_element(By.TAG_NAME, "body").text
    check("Verified." in body, "the verification page says Verified." + ("" if "Verified." in body else " Page: " + body[:600]))
    results = [row.find_elements(By.TAG_NAME, "td")[1].text for row in driver.find_elements(By.CSS_SELECTOR, "table tbody tr")]
    check(results == ["passed"] * 6, f"six checks passed ({results})")
    # Sharing: the learner makes a link; anyone opening it sees the credential verified, with LinkedIn's data.
    driver.get(base + "/me")
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form[action$='/share'] button[value='share']"))
    link = driver.find_element(By.ID, "share-link").get_attribute("value")
    check("/c/" in link, f"a share link was shown ({link})")
    driver.delete_all_cookies()
    driver.get(base + link[link.index("/c/"):])
    body = driver.find_element(By.TAG_NAME, "body").text
    check("Verified: an Open Badges 3.0 credential" in body, "the shared page, signed out, says the credential is verified")
    linkedin = driver.find_element(By.LINK_TEXT, "Add to LinkedIn").get_attribute("href")
    check(linkedin.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME"), "the page offers Add to LinkedIn")
    return link[link.index("/c/"):]


# The pages each role reaches from its navigation, and the record pages behind their first links. A "first link
# under X" entry opens the first link whose address starts with X on the page before it.
PAGES = {
    "admin": ["/", "/programs", "/programs/mb-statistics-fundamentals", "/learners", "first link under /learners/", "/imports",
              "/admin/accounts", "/admin/audit", "/admin/catalog", "/admin/catalog/programs/new", "/account", "/careers/postings",
              "/careers/organise", "first link under /careers/organise/"],
    "researcher": ["/studies", "/studies/credential-outcomes", "/studies/credential-outcomes/waves/2", "/studies/credential-outcomes/waves/2/report",
                   "/studies/credential-outcomes/waves/2/report?by=program", "/studies/credential-outcomes/waves/3/report?by=program_kind",
                   "/studies/credential-outcomes/waves/2/invitations",
                   "first link under /studies/credential-outcomes/waves/2/cases/", "/studies/credential-outcomes/panel", "/studies/credential-outcomes/codebook",
                   "/studies/credential-outcomes/settings", "/studies/credential-outcomes/waves/3/edit", "/learners", "first link under /learners/"],
    "staff": ["/programs", "/learners", "first link under /learners/", "/imports"],
    "employer": ["/careers/postings", "first link under /careers/jobs/", "/careers/postings?q=developer", "first link under /careers/postings/",
                 "/careers/organise", "first link under /careers/organise/"],
    "learner": ["/me", "/careers", "first link under /careers/jobs/", "/careers", "first link under /careers/events/", "/verify", "/account"],
    "nobody": ["/login", "/password-reset", "/verify"],
}


def page_problems(driver, base, role, page, checked_links):
    """What a person would notice on a page: an error page (4xx/5xx), an empty notice or error box, a link within
    the site that leads to an error (each address tried once per role, with the role's session)."""
    heading = driver.execute_script("const h = document.querySelector('main h1'); return h ? h.textContent.trim() : ''")
    check(not re.match(r"^[45]\d\d ", heading), f"{role} {page} is not an error page ({heading[:60]})")
    empty = driver.execute_script("""
        return [...document.querySelectorAll('.notice, .error, .errors, .field-error, [role=alert], [role=status]')]
          .filter(e => !e.textContent.trim()).map(e => e.tagName.toLowerCase() + '.' + e.className).slice(0, 3).join('; ');""")
    check(not empty, f"{role} {page} has no empty notice or error box{': ' + empty if empty else ''}")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    links = driver.execute_script("return [...document.querySelectorAll('main a[href]')].map(a => a.href)")
    broken = []
    for link in links:
        if not link.startswith(base) or re.search(r"\.(csv|zip|jwt|json|ics|xlsx)(\?|$)", link) or "/logout" in link:
            continue
        path = link.split(base, 1)[-1].split("#")[0]
        # One address per shape: ids and page numbers aside, /learners/<id> is tried once.
        shape = re.sub(r"[0-9a-fA-F-]{36}|\d+", "N", path)
        if (role, shape) in checked_links:
            continue
        checked_links.add((role, shape))
        request = urllib.request.Request(base + path, headers={"Cookie": cookies})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status = answer.status
        except urllib.error.HTTPError as e:
            status = e.code
        if status >= 400:
            broken.append(f"{path} ({status})")
    check(not broken, f"{role} {page}: every link within the site works{': ' + ', '.join(broken[:5]) if broken else ''}")


def every_page(chromium, chromedriver, base, accounts, shared):
    """Every role's pages: axe-core on a desktop with JavaScript (which axe needs), and the same pages on a 390 px
    phone without JavaScript, where none may be wider than the screen."""
    print("every role's pages: axe-core on a desktop, the width on a phone")
    checked_links = set()
    for role, pages in PAGES.items():
        desk = browser_support.desktop(chromium, chromedriver)
        phone = browser_support.phone(chromium, chromedriver)
        try:
            if role != "nobody":
                sign_in(desk, base, *accounts[role])
                sign_in(phone, base, *accounts[role])
            for page in pages + ([shared] if role == "nobody" else []):
                if page.startswith("first link under "):
                    prefix = page.removeprefix("first link under ")
                    links = [a.get_attribute("href") for a in desk.find_elements(By.CSS_SELECTOR, f"main a[href*='{prefix}']")]
                    links = [l for l in links if l.split(base, 1)[-1].startswith(prefix) and not re.search(r"\.(csv|zip|jwt|json|ics|xlsx)$", l)]
                    check(links != [], f"{role}: a link under {prefix} to open")
                    page = links[0].split(base, 1)[-1]
                desk.get(base + page)
                browser_support.accessible(desk, f"{role} {page}")
                page_problems(desk, base, role, page, checked_links)
                width = desk.execute_script("return document.documentElement.scrollWidth")
                check(width <= 1280, f"{role} {page} fits a 1280 px desktop ({width} px)")
                browser_support.screenshot(desk, f"{role} {page}", "1280")
                phone.get(base + page)
                no_sideways_scroll(phone, f"{role} {page}")
                browser_support.screenshot(phone, f"{role} {page}", "390")
        finally:
            desk.quit()
            phone.quit()


def store_and_preview(phone, base, instrument, path, what):
    """Uploads a workbook as a new version of the phone study's `instrument`, opens its preview on the phone and
    returns the preview's address."""
    phone.get(base + "/studies/phone-study")
    fill(phone, {"instrument": instrument, "file": path})
    submit(phone, phone.find_element(By.XPATH, "//button[normalize-space()='Store the new version']"))
    previews = phone.find_elements(By.XPATH, f"//li[contains(., '({instrument})')]//a[normalize-space()='Preview']")
    check(len(previews) == 1, f"{what} is stored and offers a preview: {phone.find_element(By.TAG_NAME, 'main').text[:300]}")
    preview = previews[0].get_attribute("href")
    submit(phone, previews[0])
    return preview


def cascading_choices_and_dates(chromium, chromedriver, base, email_address, password, work):
    """An XLSForm of our own with a cascading select (regions filtered by the country picked on the same page) and an
    Excel date cell as a default, uploaded to the phone study and taken in its preview: on a phone without
    JavaScript the country's "Show the choices for this answer" brings the page back with its regions and what was
    typed; on a desktop with JavaScript the regions come as soon as the country is picked."""
    print("cascading choices and an Excel date in a preview, on a phone and a desktop")
    import datetime
    import openpyxl
    path = os.path.join(work, "cascade.xlsx")
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    for row in [["type", "name", "label", "choice_filter", "default", "required"],
                ["begin group", "place", "Where you work", None, None, None],
                ["select_one countries", "country", "Country", None, None, "yes"],
                ["select_one regions", "region", "Region", "country=${country}", None, "yes"],
                ["date", "started", "When did you start?", None, datetime.datetime(2024, 1, 15), None],
                ["end group", None, None, None, None, None],
                ["begin group", "more", "More", None, None, None],
                ["text", "employer", "Employer", None, None, None],
                ["end group", None, None, None, None, None]]:
        survey.append(row)
    survey["E5"].number_format = "yyyy-mm-dd"
    choices = book.create_sheet("choices")
    for row in [["list_name", "name", "label", "country"], ["countries", "us", "United States", None], ["countries", "ca", "Canada", None],
                ["regions", "ny", "New York", "us"], ["regions", "tx", "Texas", "us"], ["regions", "on", "Ontario", "ca"], ["regions", "qc", "Quebec", "ca"]]:
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Where you work", "cascade"])
    book.save(path)

    def region_labels(driver):
        return sorted(e.text for e in driver.find_elements(By.CSS_SELECTOR, "#q-region-block label[for^='q-region-']"))

    phone = phone_signed_in(chromium, chromedriver, base, email_address, password)
    try:
        preview = store_and_preview(phone, base, "cascade", path, "the cascading form")
        check(phone.find_element(By.ID, "q-started").get_attribute("value") == "2024-01-15", "an Excel date cell is a date, not a serial number")
        check(region_labels(phone) == [], "before a country is picked, no region is offered")
        fill(phone, {"country": ["ca"]})
        submit(phone, phone.find_element(By.CSS_SELECTOR, "button[value='refresh:country']"))
        check(phone.find_element(By.CSS_SELECTOR, "input[name='country'][value='ca']").is_selected(), "the country picked is kept")
        check(region_labels(phone) == ["Ontario", "Quebec"], f"the regions of Canada are offered, and only they: {region_labels(phone)}")
        no_sideways_scroll(phone, "a preview page with cascading choices")
        fill(phone, {"region": ["qc"]})
        press(phone, "next")
        position, _ = page_position(phone)
        check(position == 2, "the page with a country and its region is taken")
    finally:
        phone.quit()

    desk = desktop(chromium, chromedriver)
    try:
        sign_in(desk, base, email_address, password)
        desk.get(preview)
        refresh = desk.find_element(By.CSS_SELECTOR, "button[value='refresh:country']")
        check(not refresh.is_displayed(), "with JavaScript, the choices come without a button")
        desk.find_element(By.CSS_SELECTOR, "label[for='q-country-0']").click()
        browser_support.WebDriverWait(desk, 15, ignored_exceptions=[browser_support.StaleElementReferenceException]).until(
            lambda d: region_labels(d) == ["New York", "Texas"])
        check(desk.find_element(By.CSS_SELECTOR, "input[name='country'][value='us']").is_selected(), "the country picked is kept across the round trip")
        browser_support.accessible(desk, "a preview page with cascading choices")
    finally:
        desk.quit()


def repeats_in_a_survey(chromium, chromedriver, base, email_address, password, work):
    """An XLSForm of our own with two repeats, uploaded to the phone study and taken in its preview: household members
    the respondent adds and removes (on a phone without JavaScript, each "Add another" and "Remove" a round trip that
    keeps what was typed), a condition inside an instance that reads that instance's answer, and children counted
    by a `repeat_count` from an earlier page; Enter in a field sends the page on, never adds or removes."""
    print("repeats in a preview: added, removed and counted, on a phone and a desktop")
    import openpyxl
    path = os.path.join(work, "household.xlsx")
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    spanish = {"Household member": "Miembro del hogar", "Name": "Nombre", "Age": "Edad", "Is ${mname} in school?": "¿${mname} estudia?",
               "Children": "Hijos", "How many of them are your children?": "¿Cuántos son sus hijos?", "Child": "Hijo",
               "Child's first name": "Nombre del hijo", "You named ${people} people.": "Nombró a ${people} personas.",
               "A photo of your home, if you like": "Una foto de su casa, si quiere"}
    rows = [["begin_repeat", "member", "Household member", None, None, None, None],
            ["text", "mname", "Name", "yes", None, None, None],
            ["integer", "mage", "Age", "yes", None, None, None],
            ["select_one yn", "student", "Is ${mname} in school?", None, "${mage} < 25", None, None],
            ["end_repeat", None, None, None, None, None, None],
            ["begin_group", "kids_page", "Children", None, None, None, None],
            ["integer", "kids", "How many of them are your children?", "yes", None, None, None],
            ["end_group", None, None, None, None, None, None],
            ["begin_repeat", "child", "Child", None, None, "${kids}", None],
            ["text", "cname", "Child's first name", None, None, None, None],
            ["end_repeat", None, None, None, None, None, None],
            ["note", "summary", "You named ${people} people.", None, None, None, None],
            ["image", "photo", "A photo of your home, if you like", None, None, None, None],
            ["calculate", "people", None, None, None, None, "count(${member})"]]
    survey.append(["type", "name", "label::English (en)", "label::Español (es)", "required", "relevant", "repeat_count", "calculation"])
    for row in rows:
        row = row[:3] + [spanish.get(row[2])] + row[3:]
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in [["list_name", "name", "label::English (en)", "label::Español (es)"], ["yn", "yes", "Yes", "Sí"], ["yn", "no", "No", "No"]]:
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language"])
    settings.append(["Your household", "household", "English (en)"])
    book.save(path)

    def keys(driver):
        return [e.get_attribute("name") for e in driver.find_elements(By.CSS_SELECTOR, "form.survey-page input[type='text'], form.survey-page input[type='number']")]

    phone = phone_signed_in(chromium, chromedriver, base, email_address, password)
    try:
        preview = store_and_preview(phone, base, "household", path, "the form with repeats")
        check(keys(phone) == ["mname[1]", "mage[1]"], f"the repeat starts with one member: {keys(phone)}")
        fill(phone, {"mname[1]": "Ada", "mage[1]": "41"})
        # The form's other language, picked at the foot of the page: the page again in it, with what was typed.
        press(phone, "language:Español (es)")
        check([h.text for h in phone.find_elements(By.CSS_SELECTOR, ".repeat-head h2")] == ["Miembro del hogar 1"], "the page is in Spanish")
        check(phone.find_element(By.NAME, "mname[1]").get_attribute("value") == "Ada", "what was typed is kept across the change of language")
        check(phone.find_element(By.CSS_SELECTOR, ".survey-languages [aria-current='true']").text == "Español (es)", "the picker says which language is on")
        no_sideways_scroll(phone, "a survey page in its other language")
        browser_support.screenshot(phone, "a survey page in its other language", "390")
        press(phone, "language:English (en)")
        press(phone, "add:member")
        check(keys(phone) == ["mname[1]", "mage[1]", "mname[2]", "mage[2]"], f"another member is added: {keys(phone)}")
        check(phone.find_element(By.NAME, "mname[1]").get_attribute("value") == "Ada", "what was typed is kept across the round trip")
        fill(phone, {"mname[2]": "Ben", "mage[2]": "12"})
        press(phone, "add:member")
        fill(phone, {"mname[3]": "Cy", "mage[3]": "9"})
        press(phone, "remove:member:2")
        check([phone.find_element(By.NAME, k).get_attribute("value") for k in ["mname[1]", "mname[2]"]] == ["Ada", "Cy"],
              "removing the second member moves the third up")
        headings = [h.text for h in phone.find_elements(By.CSS_SELECTOR, ".repeat-head h2")]
        check(headings == ["Household member 1", "Household member 2"], f"each member has a heading: {headings}")
        no_sideways_scroll(phone, "a preview page with a repeat")
        browser_support.screenshot(phone, "a preview page with a repeat", "390")
        # Without JavaScript both are asked about school; the page decides, when sent, whom it applied to.
        fill(phone, {"student[1]": ["yes"], "student[2]": ["yes"]})
        # Enter in a field sends the page on: it neither adds nor removes a member.
        phone.find_element(By.NAME, "mage[2]").send_keys(Keys.ENTER)
        browser_support.WebDriverWait(phone, 15).until(lambda d: d.find_elements(By.NAME, "kids"))
        check(page_position(phone)[0] == 2, "Enter took the members' page")
        press(phone, "back")
        check(keys(phone) == ["mname[1]", "mage[1]", "mname[2]", "mage[2]"], f"Enter added or removed nothing: {keys(phone)}")
        check(not phone.find_element(By.CSS_SELECTOR, "input[name='student[1]'][value='yes']").is_selected(),
              "the 41-year-old's answer about school is dropped: it did not apply to them")
        check(phone.find_element(By.CSS_SELECTOR, "input[name='student[2]'][value='yes']").is_selected(), "the 9-year-old's is kept")
        press(phone, "next")
        fill(phone, {"kids": "2"})
        press(phone, "next")
        check(keys(phone) == ["cname[1]", "cname[2]"], f"as many children as were counted, without an Add button: {keys(phone)}")
        check(not phone.find_elements(By.CSS_SELECTOR, "button[value^='add:'], button[value^='remove:']"), "a counted repeat is not added to by hand")
        fill(phone, {"cname[1]": "Cy", "cname[2]": "Dee"})
        press(phone, "next")
        check("You named 2 people." in body_text(phone), f"count() over the repeat: {body_text(phone)[:300]}")
        # A file question: the phone's file picker, a photo chosen, the page sent as a multipart form.
        picture = os.path.join(work, "home.png")
        with open(picture, "wb") as out:
            out.write(bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + bytes(range(256)) * 8)
        check(phone.find_element(By.NAME, "photo").get_attribute("accept") == "image/*", "the photo field offers images")
        no_sideways_scroll(phone, "a preview page with a file question")
        fill(phone, {"photo": picture})
        press(phone, "next")
        given = [row.text for row in phone.find_elements(By.XPATH, "//*[contains(text(), 'photo-')]")]
        check(any(re.search(r"photo-[0-9a-f]{12}\.png", t) for t in given), f"the photo is taken under its generated name: {body_text(phone)[:400]}")
    finally:
        phone.quit()

    desk = desktop(chromium, chromedriver)
    try:
        sign_in(desk, base, email_address, password)
        desk.get(preview)
        press(desk, "add:member")
        check(keys(desk) == ["mname[1]", "mage[1]", "mname[2]", "mage[2]"], f"with JavaScript too, a member is added: {keys(desk)}")
        browser_support.accessible(desk, "a preview page with a repeat")
        press(desk, "language:Español (es)")
        browser_support.accessible(desk, "a survey page in its other language")
    finally:
        desk.quit()


def state_is_fit(driver, base, what, width):
    """A page reached by a form: axe-core where JavaScript runs, no error page or empty box, no sideways scroll."""
    if width == "1280":
        browser_support.accessible(driver, what)
    page_problems(driver, base, what, "", set())
    if width == "1280":
        wide = driver.execute_script("return document.documentElement.scrollWidth")
        check(wide <= 1280, f"{what} fits a 1280 px desktop ({wide} px)")
    else:
        no_sideways_scroll(driver, what)
    browser_support.screenshot(driver, what, width)


def refused_and_done(chromium, chromedriver, base, accounts):
    """What a person meets after a form: the posting form refused for a pay that is no number (what was typed kept,
    the message beside the field) and a withdrawal refused for a wrong confirmation, on a desktop and on a phone
    without JavaScript; then the page a learner sees once withdrawn from research, on a desktop and at 390 px."""
    print("refused forms and the withdrawn page")
    for make, width in ((browser_support.desktop, "1280"), (browser_support.phone, "390")):
        driver = make(chromium, chromedriver)
        try:
            sign_in(driver, base, *accounts["employer"])
            driver.get(base + "/careers/postings")
            driver.find_element(By.CSS_SELECTOR, "details summary").click()
            fill(driver, {"title": "Data analyst", "description": "Analyse the data of our stores.", "salary_min": "lots"},
                 within="form[action='/careers/postings/new']")
            submit(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/careers/postings/new'] button[type='submit']"))
            check(driver.find_element(By.ID, "p-title").get_attribute("value") == "Data analyst", f"the refused posting form keeps the title ({width} px)")
            check(driver.find_element(By.ID, "p-description").get_attribute("value") == "Analyse the data of our stores.",
                  f"the refused posting form keeps the description ({width} px)")
            invalid = driver.find_elements(By.CSS_SELECTOR, "form[action='/careers/postings/new'] [aria-invalid='true']")
            check(invalid != [] and invalid[0].get_attribute("name") == "salary_min", f"the refused posting form marks the pay it could not read ({width} px)")
            said = driver.find_element(By.ID, invalid[0].get_attribute("aria-describedby")).text
            check("salary_min" in said or "pay" in said.lower() or "number" in said.lower(), f"the message beside the field says what is wrong: {said}")
            state_is_fit(driver, base, "employer refused posting form", width)

            sign_in(driver, base, *accounts["learner"])
            driver.get(base + "/me")
            fill(driver, {"confirm": "not-my-id"}, within="#withdraw-research")
            submit(driver, driver.find_element(By.CSS_SELECTOR, "#withdraw-research button[type='submit']"))
            error = driver.find_elements(By.ID, "confirm-research-error")
            check(error != [] and "exactly to confirm" in error[0].text, f"a wrong confirmation is named beside the field ({width} px)")
            check(driver.find_element(By.ID, "confirm-research").get_attribute("value") == "not-my-id", f"what was typed is kept ({width} px)")
            state_is_fit(driver, base, "learner refused withdrawal", width)
        finally:
            driver.quit()

    driver = browser_support.desktop(chromium, chromedriver)
    try:
        sign_in(driver, base, *accounts["learner"])
        driver.get(base + "/me")
        key = driver.find_element(By.CSS_SELECTOR, "label[for='confirm-research'] strong").text
        fill(driver, {"confirm": key}, within="#withdraw-research")
        submit(driver, driver.find_element(By.CSS_SELECTOR, "#withdraw-research button[type='submit']"))
        heading = driver.find_element(By.CSS_SELECTOR, "main h1").text
        check(heading == "Withdrawn from research", f"the learner sees that they withdrew from research ({heading})")
        state_is_fit(driver, base, "learner withdrawn from research", "1280")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
        no_sideways_scroll(driver, "learner withdrawn from research at 390 px")
        browser_support.screenshot(driver, "learner withdrawn from research", "390")
        driver.get(base + "/me")
        check("Withdrew from research on" in driver.find_element(By.TAG_NAME, "main").text, "the record says when the learner withdrew from research")
        check(driver.find_elements(By.ID, "withdraw-research") == [], "the record no longer offers a withdrawal from research")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
