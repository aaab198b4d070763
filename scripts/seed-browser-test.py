#!/usr/bin/env python3
"""The seed study from nothing, in the pages, as its people would run it: headless Chromium on an empty database
(no demo), on SQLite and, with --postgres, on PostgreSQL.

Usage: scripts/seed-browser-test.py PATHWAYS_BINARY [--postgres postgres://…/empty_database]

The operator's only steps are the command line's (`pathways migrate`, `pathways create-admin`, `pathways serve`).
Then, in the browser: an administrator creates the catalog (a provider, a program with skills, a course, a credit
agreement), the researcher's and the employer's accounts and the employer partner, and imports learners,
enrollments and completions as CSV files; the researcher creates the study, uploads the three instruments (XLSForm
workbooks saved from the spreadsheets shipped with Pathways, written here with openpyxl as a spreadsheet program
writes them), previews one, imports wave 1's responses from another tool's CSV export, creates waves 2 and 3 with
the seed's frame rule (answered wave 1 or 2, completed at least 12 months before wave 3 opens), previews the frame
and the message, sends the message to themself and launches wave 3; the server mails the invitations; a learner
takes the survey from the emailed link, answers the screening question against their record and the record wins;
the wave page, its AAPOR rates and its report show the result; the employer creates an interview day and invites
its audience; an invited learner with no account creates it from the emailed link and takes a place.
"""
import csv
import datetime
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile

from browser_support import (By, Server, accessible, body_text, check, desktop, fail, fill, find_program, no_sideways_scroll, page_position, phone, press,
                             report_failure, sign_in, submit, wait_for_message)

try:
    import openpyxl
except ImportError:
    sys.exit("seed-browser-test: openpyxl is not installed (pip install openpyxl); .ci/run installs it")

HERE = os.path.dirname(os.path.abspath(__file__))
INSTRUMENTS = os.path.join(HERE, "..", "Sources", "PathwaysCore", "Demo", "Instruments")
ADMIN = "admin@initiative.test"
ADMIN_PASSWORD = "the operator's own passphrase"
RULE = "(answered wave 1 or answered wave 2) and completed a program at least 12 months before this wave opens"


def day(months=0, days=0):
    today = datetime.date.today()
    month = today.month - 1 + months
    year, month = today.year + month // 12, month % 12 + 1
    return (datetime.date(year, month, min(today.day, 28)) + datetime.timedelta(days=days)).isoformat()


def workbook(wave, folder):
    """The wave's XLSForm as a spreadsheet program saves it: its three sheets in one .xlsx."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in ("survey", "choices", "settings"):
        page = book.create_sheet(sheet)
        with open(os.path.join(INSTRUMENTS, f"{wave}-{sheet}.csv"), newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                page.append(row)
    path = os.path.join(folder, f"{wave}.xlsx")
    book.save(path)
    return path


def write_csv(folder, name, header, rows):
    path = os.path.join(folder, name)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def files(folder):
    """The initiative's own files: six learners in one program, L1–L4 completed 18 months ago, L5 last month, L6
    not yet; and wave 1's responses from L1–L5 as another survey tool exports them (select_multiple as codes)."""
    learners = write_csv(folder, "learners.csv", ["learner_id", "name", "email", "country"],
                         [[f"L{n}", f"Learner {n}", f"l{n}@initiative.test", "US"] for n in range(1, 7)])
    enrollments = write_csv(folder, "enrollments.csv", ["learner_id", "program_id", "enrolled_on"],
                            [[f"L{n}", "mm-scm", day(months=-30)] for n in range(1, 7)])
    completions = write_csv(folder, "completions.csv", ["learner_id", "program_id", "completed_on"],
                            [[f"L{n}", "mm-scm", day(months=-18)] for n in range(1, 5)] + [["L5", "mm-scm", day(months=-1)]])
    wave1 = write_csv(folder, "wave1-export.csv",
                      ["learner_id", "submitted_at", "motivations", "employment", "sector", "education", "birth_year", "country"],
                      [[f"L{n}", day(months=-28) + f"T10:1{n}:00Z", "career_change advance", "full_time", "Logistics", "some_college",
                        str(1980 + n), "US"] for n in range(1, 6)])
    return learners, enrollments, completions, wave1


ON_PHONE = False


def fits(driver, what):
    """On the phone every page the flow meets is no wider than its screen; on the desktop (where JavaScript runs,
    which axe-core needs) it passes axe-core."""
    if ON_PHONE:
        no_sideways_scroll(driver, what)
    else:
        accessible(driver, what)


def save_form(driver, what):
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form.stack button[type='submit']"))
    errors = driver.find_elements(By.CSS_SELECTOR, ".errors, .error-summary, [role='alert']")
    if errors and errors[0].text.strip():
        fail(f"{what} was refused: {errors[0].text[:500]}")


def choose(driver, name, label):
    """Picks the option of the list `name` whose text contains `label`."""
    select = driver.find_element(By.NAME, name)
    for option in select.find_elements(By.TAG_NAME, "option"):
        if label in option.text:
            option.click()
            return option.get_attribute("value")
    fail(f"the list {name} offers nothing like '{label}'")


def facts(driver):
    found = {}
    for term in driver.find_elements(By.CSS_SELECTOR, "dl.facts dt"):
        found[term.text] = term.find_element(By.XPATH, "following-sibling::dd[1]").text
    return found


def administrator(driver, base, learners, enrollments, completions):
    print("the administrator: catalog, accounts, employer partner and imports, in the pages")
    sign_in(driver, base, ADMIN, ADMIN_PASSWORD)
    for kind, fields, saved in [
        ("providers", {"provider_id": "mitx", "name": "MITx", "kind": "university", "country": "US"}, "mitx"),
        ("programs", {"program_id": "mm-scm", "provider_id": "mitx", "title": "Supply Chain Management", "kind": "micromasters",
                      "duration_months": "18", "cost_usd": "1500", "skills": "Supply Chain Management; Logistics; Data Analysis"}, "mm-scm"),
        ("courses", {"course_id": "scm-1", "program_id": "mm-scm", "title": "Supply Chain Fundamentals", "position": "1", "credit_value": "3"}, "scm-1"),
        ("credit_agreements", {"program_id": "mm-scm", "institution": "State University", "credits": "30",
                               "degree": "Master of Supply Chain Management", "valid_from": day(months=-36)}, "State University"),
    ]:
        driver.get(f"{base}/admin/catalog/{kind}/new")
        fits(driver, f"the new {kind} form")
        fill(driver, fields)
        save_form(driver, f"the new {kind} record")
        check(saved in body_text(driver), f"the catalog lists the new {kind} record ({saved})")
        fits(driver, "the catalog")

    passwords = {}
    for who, role in [("researcher", "researcher"), ("employer", "employer")]:
        driver.get(base + "/admin/accounts")
        fits(driver, "the accounts page")
        fill(driver, {"email": f"{who}@initiative.test", "role": role}, within="form[action='/admin/accounts']")
        submit(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Create with a generated password']"))
        secret = driver.find_elements(By.CSS_SELECTOR, "code.secret")
        check(len(secret) == 1, f"the {role}'s account is made with a password shown once")
        passwords[who] = secret[0].text
    driver.get(base + "/admin/catalog/employers/new")
    fill(driver, {"employer_id": "acme", "name": "Acme Logistics", "programs": "mm-scm", "accounts": "employer@initiative.test"})
    save_form(driver, "the new employer partner")
    check("Acme Logistics" in body_text(driver), "the employer partner is listed, acting through the employer's account")

    for kind, path, rows in [("learners", learners, 6), ("enrollments", enrollments, 6), ("completions", completions, 5)]:
        driver.get(base + "/imports")
        fits(driver, "the imports page")
        fill(driver, {"kind": kind, "file": path})
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/imports'] button[type='submit']"))
        text = body_text(driver)
        check(f"Imported {rows} {kind} rows" in text, f"{os.path.basename(path)} is imported ({rows} rows)" + ("" if f"Imported {rows}" in text else ": " + text[:600]))
    return passwords


def researcher(driver, base, password, folder, wave1):
    print("the researcher: the study, its instruments, wave 1 brought in, waves 2 and 3, the frame and the launch")
    sign_in(driver, base, "researcher@initiative.test", password)
    driver.get(base + "/studies/new")
    fits(driver, "the new-study form")
    fill(driver, {"key": "outcomes", "title": "Credential outcomes", "description": "What the credential does for careers, and what it costs.",
                  "eligibility_source": ["record"]})
    save_form(driver, "the new study")
    check(driver.current_url.endswith("/studies/outcomes"), f"the new study's page ({driver.current_url})")
    fits(driver, "the study page")

    for wave in ("start", "end", "followup"):
        path = workbook(wave, folder)
        driver.get(base + "/studies/outcomes")
        fill(driver, {"instrument": wave, "file": path})
        submit(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Store the new version']"))
        check(driver.find_elements(By.CSS_SELECTOR, f"a[href$='/preview']") and wave in body_text(driver), f"{wave}.xlsx is stored as an instrument version")
    previews = driver.find_elements(By.XPATH, "//li[contains(., '(followup)')]//a[normalize-space()='Preview']")
    check(len(previews) == 1, "the follow-up instrument offers a preview")
    submit(driver, previews[0])
    check("exactly as respondents see it" in body_text(driver), "the preview says it is the respondents' view and stores nothing")
    fits(driver, "the preview")
    position, pages = page_position(driver)
    check(position == 1 and pages >= 5, f"the preview opens on page 1 of {pages}")
    press(driver, "next")
    press(driver, "next")
    check("Please check" in body_text(driver), "the preview's logic is live: an empty required answer is refused")

    def new_wave(fields, instrument):
        driver.get(base + "/studies/outcomes/waves/new")
        fits(driver, "the new-wave form")
        choose(driver, "instrument", instrument)
        fill(driver, fields)
        save_form(driver, f"wave {fields['number']}")
        check(driver.current_url.endswith(f"/studies/outcomes/waves/{fields['number']}"), f"wave {fields['number']}'s page ({driver.current_url})")

    body = "Dear {{first_name}},\n\nTake the survey: {{survey_link}}\n\nTo stop these messages: {{opt_out_link}}"
    new_wave({"number": "1", "title": "Beginning of program", "opens": day(months=-29), "closes": day(months=-27), "frame": "enrolled in a program",
              "message_subject": "Your program: a short survey", "message_body": body}, "start")
    fill(driver, {"file": wave1})
    submit(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Check and store the responses']"))
    text = body_text(driver)
    check("5 complete interviews stored from the file." in text, "wave 1's export is checked and stored as five complete interviews"
          + ("" if "5 complete interviews" in text else ": " + text[-1500:]))
    new_wave({"number": "2", "title": "End of program", "opens": day(months=-20), "closes": day(months=-19), "frame": "answered wave 1",
              "message_subject": "The end of {{program}}", "message_body": body}, "end")
    new_wave({"number": "3", "title": "A year on", "opens": day(days=-1), "closes": day(months=2), "frame": RULE, "reminders": "7, 14",
              "screen_item": "eligible", "eligibility_months": "12", "message_subject": "A year on: has {{program}} made a difference?",
              "message_body": body}, "followup")
    press(driver, "frame")
    text = body_text(driver)
    check(re.search(r"\b4 cases \(computed", text) is not None, "the frame is L1–L4: answered wave 1 and completed at least 12 months before")
    check("A year on: has Supply Chain Management made a difference?" in text, "the message is previewed for a real case")
    fits(driver, "the wave page with its frame and message")
    submit(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Send this message to myself as a test']"))
    check("A test message is in the outbox for researcher@initiative.test" in body_text(driver), "a test message goes to the researcher")
    press(driver, "launch")
    check(not driver.find_elements(By.CSS_SELECTOR, "button[value='launch']"), "wave 3 is launched")


def learner_takes_the_survey(driver, link):
    print("a learner takes wave 3 from the emailed link; the record decides their screening")
    driver.delete_all_cookies()
    driver.get(link)
    press(driver, "next")
    fill(driver, {"completed_program": ["no"]})
    press(driver, "next")
    check(driver.find_elements(By.NAME, "gender") != [], "the record (completed 18 months ago) wins over the answer 'no'")
    answers = {"gender": ["female"], "birth_year": "1984", "hispanic": ["no"], "race": ["white"], "country": "US", "english": ["fluent"],
               "education": ["some_college"], "student": ["not_student"], "employment": ["full_time"], "business_owner": ["no"],
               "sector": "Logistics", "income": "61000", "knowledge": ["advanced"], "benefits": ["raise"], "enrolled_degree": ["no"],
               "other_credentials": ["no"], "comments": "The credential got me a planner's job."}
    for _ in range(12):
        if driver.find_elements(By.CSS_SELECTOR, ".survey-message"):
            break
        fits(driver, "a survey page")
        fill(driver, answers)
        press(driver, "next")
        if driver.find_elements(By.CSS_SELECTOR, ".errors"):
            fail("a page was refused: " + body_text(driver)[:500])
    check("Your answers are saved" in driver.page_source, "the done page thanks the respondent")


def results(driver, base, password):
    print("the researcher sees the result: the wave page, its AAPOR rates and the report")
    sign_in(driver, base, "researcher@initiative.test", password)
    driver.get(base + "/studies/outcomes/waves/3")
    seen = facts(driver)
    check(seen.get("Submitted") == "1", f"one submitted ({seen.get('Submitted')})")
    check(seen.get("Answer and record disagreed") == "1", f"the disagreement with the record is counted ({seen.get('Answer and record disagreed')})")
    rates = {row.find_element(By.TAG_NAME, "th").text: row.find_element(By.TAG_NAME, "td").text
             for row in driver.find_elements(By.XPATH, "//h2[normalize-space()='Outcome rates']/following::table[1]//tbody/tr")}
    fits(driver, "the wave page with its results")
    check(rates.get("RR1") == "25.0%", f"RR1 is one complete of four eligible cases ({rates.get('RR1')})")
    driver.get(base + "/studies/outcomes/waves/3/report?min_cell=0")
    fits(driver, "the report")
    text = body_text(driver)
    check("The credential got me a planner's job." not in text and re.search(r"\b1 respondent", text) is not None,
          "the report counts the one respondent" + ("" if re.search(r"\b1 respondent", text) else ": " + text[:600]))


def employer(driver, base, password):
    print("the employer: an interview day for the program's learners, invited from the page")
    sign_in(driver, base, "employer@initiative.test", password)
    driver.get(base + "/careers/organise/new")
    fits(driver, "the new-event form")
    start = day(days=14)
    fill(driver, {"kind": ["interview_day"], "title": "Planner interviews", "description": "Twenty-minute interviews for planner roles.",
                  "starts": f"{start}T10:00", "ends": f"{start}T13:00", "time_zone": "America/Chicago", "location": "Online (video call)",
                  "capacity": "10", "programs": "mm-scm"})
    save_form(driver, "the interview day")
    event = driver.current_url
    check("Planner interviews" in body_text(driver), f"the interview day's page ({event})")
    press(driver, "invite")
    fits(driver, "the event's page for its organiser")
    invited = facts(driver).get("Invited")
    check(invited == "6", f"the program's six learners are invited ({invited})")
    return event


def invited_learner(driver, link, mail_subject):
    print("an invited learner with no account makes one from the emailed link and takes a place")
    driver.delete_all_cookies()
    check("Planner interviews" in mail_subject, f"the invitation names the event ({mail_subject})")
    driver.get(link)
    fits(driver, "the account invitation's page")
    fill(driver, {"password": "l2 chooses a long passphrase", "repeat": "l2 chooses a long passphrase"})
    save_form(driver, "the new account")
    check("/careers/events/" in driver.current_url and "Planner interviews" in body_text(driver), f"the new account lands on the event ({driver.current_url})")
    fits(driver, "the event's page for a learner")
    press(driver, "rsvp")
    check("You have a place." in body_text(driver), "the learner has a place")


def run(binary, database, label, chromium, chromedriver, on_phone):
    global ON_PHONE
    ON_PHONE = on_phone
    print(f"seed-browser-test on {label}, " + ("on a 390 px phone without JavaScript" if on_phone else "on a desktop with JavaScript"))
    work = tempfile.mkdtemp(prefix="pathways-seed-")
    mail = os.path.join(work, "mail")
    server = None
    driver = None
    try:
        env = dict(os.environ, PATHWAYS_CREDENTIAL_KEY_FILE=os.path.join(work, "credential.key"))
        subprocess.run([binary, "migrate", "--database", database], capture_output=True, text=True, check=True, env=env)
        subprocess.run([binary, "create-admin", "--database", database, "--email", ADMIN, "--password-stdin"], input=ADMIN_PASSWORD + "\n",
                       capture_output=True, text=True, check=True, env=env)
        server = Server(binary, database, work, mail, extra=("--fieldwork-interval", "1", "--credential-key-file", env["PATHWAYS_CREDENTIAL_KEY_FILE"]))
        learners, enrollments, completions, wave1 = files(work)
        driver = phone(chromium, chromedriver) if on_phone else desktop(chromium, chromedriver)
        passwords = administrator(driver, server.base, learners, enrollments, completions)
        researcher(driver, server.base, passwords["researcher"], work, wave1)
        _, test_link = wait_for_message(mail, "researcher@initiative.test", re.escape(server.base) + r"/try/[A-Za-z0-9_-]{20,}")
        check(test_link is not None, "the researcher's test message carries a test link")
        _, link = wait_for_message(mail, "l1@initiative.test", re.escape(server.base) + r"/s/[A-Za-z0-9_-]{20,}")
        learner_takes_the_survey(driver, link)
        results(driver, server.base, passwords["researcher"])
        event = employer(driver, server.base, passwords["employer"])
        subject, welcome = wait_for_message(mail, "l2@initiative.test", re.escape(server.base) + r"/welcome/[A-Za-z0-9_-]{20,}")
        invited_learner(driver, welcome, subject)
        sign_in(driver, server.base, "employer@initiative.test", passwords["employer"])
        driver.get(event)
        places = facts(driver).get("Places", "")
        check(places.startswith("1 going of 10"), f"the employer sees the learner's place ({places})")
        print(f"seed-browser-test on {label}: all checks passed")
    except subprocess.CalledProcessError as e:
        fail(f"{' '.join(e.cmd[:2])} failed: {e.stderr}")
    except SystemExit:
        if server:
            print("the server's log, last lines:\n" + "".join(open(server.log.name).readlines()[-15:]), file=sys.stderr)
        raise
    except Exception as e:
        report_failure(driver, e)
    finally:
        if driver:
            driver.quit()
        if server:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    binary = os.path.abspath(args[0])
    postgres = None
    if len(args) == 3 and args[1] == "--postgres":
        postgres = args[2]
    elif len(args) != 1:
        sys.exit(__doc__)
    chromium = find_program("chromium", "chromium-browser", "google-chrome")
    chromedriver = find_program("chromedriver")
    sqlite_folder = tempfile.mkdtemp(prefix="pathways-seed-db-")
    try:
        run(binary, os.path.join(sqlite_folder, "initiative.sqlite"), "SQLite", chromium, chromedriver, on_phone=True)
    finally:
        shutil.rmtree(sqlite_folder, ignore_errors=True)
    if postgres:
        run(binary, postgres, "PostgreSQL", chromium, chromedriver, on_phone=False)


if __name__ == "__main__":
    main()
