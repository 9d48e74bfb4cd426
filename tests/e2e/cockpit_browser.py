#!/usr/bin/python3
"""The "API users" Cockpit page driven in headless Chromium (run by
tests/e2e/cockpit.sh, which starts cockpit-ws and makes the account).

Prints TAP lines.  Every answer the page gives is compared with what the
tools say from the shell, and the store is compared byte for byte before
and after every action the page must refuse."""

import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException,
                                        StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["CERBO_URL"]
ACCOUNT = os.environ["CERBO_ACCOUNT"]
PASSWORD = os.environ["CERBO_PASSWORD"]
STORE = os.environ["CERBO_STORE_PATH"]
SHOTS = os.environ["CERBO_SHOTS"]
APIUSER = os.environ["APIUSER"]
PROFILE = os.environ["PROFILE"]

n = 0
failed = 0
step = 0


def ok(desc):
    global n
    n += 1
    print("ok %d - %s" % (n, desc), flush=True)


def not_ok(desc, *why):
    global n, failed
    n += 1
    failed += 1
    print("not ok %d - %s" % (n, desc), flush=True)
    for line in why:
        for part in str(line).splitlines()[:8]:
            print("# " + part, flush=True)


def check(desc, cond, *why):
    if cond:
        ok(desc)
    else:
        not_ok(desc, *why)
    return cond


def check_eq(desc, got, want):
    return check(desc, got == want, "got:  %r" % (got,), "want: %r" % (want,))


def tool(prog, *args, stdin=""):
    """Run a tool on the test's store: (exit code, stdout, stderr).  The
    store option goes right after the command, before any "--"."""
    p = subprocess.run([prog, args[0], "--store", STORE] + list(args[1:]),
                       input=stdin, capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def apiuser(*args, stdin=""):
    return tool(APIUSER, *args, stdin=stdin)


def store_bytes():
    try:
        with open(STORE, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def verify(user, key):
    return apiuser("verify", user, "--rhost", "127.0.0.1",
                   stdin=key + "\n")[0]


# ---- the browser ----------------------------------------------------------

opts = webdriver.ChromeOptions()
for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
          "--disable-dev-shm-usage", "--window-size=1280,1100",
          "--user-data-dir=" + os.path.join(SHOTS, "profile")):
    opts.add_argument(a)
opts.binary_location = "/usr/bin/chromium"
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
d.set_page_load_timeout(60)


def wait(cond, timeout=30, what="the page"):
    try:
        # The page replaces elements as it renders: look again.
        return WebDriverWait(
            d, timeout, poll_frequency=0.2,
            ignored_exceptions=(NoSuchElementException,
                                StaleElementReferenceException)).until(
            lambda _: cond())
    except WebDriverException as e:
        raise AssertionError("timed out waiting for %s" % what) from e


def shot(name):
    global step
    step += 1
    path = os.path.join(SHOTS, "%02d-%s.png" % (step, name))
    d.save_screenshot(path)
    return path


def by_id(i):
    return d.find_element(By.ID, i)


def text(i):
    return by_id(i).text.strip()


def visible(i):
    els = d.find_elements(By.ID, i)
    return bool(els) and els[0].is_displayed()


def dialog_open(i):
    """A <dialog> shown with showModal (is_displayed is no proof: a
    closed dialog's content may count as displayed)."""
    return by_id(i).get_attribute("open") is not None


def page_frame():
    d.switch_to.default_content()
    frame = wait(lambda: d.find_elements(
        By.CSS_SELECTOR, "iframe[name='cockpit1:localhost/cerbo']"),
        what="the page's frame")[0]
    d.switch_to.frame(frame)


def type_into(i, value):
    el = by_id(i)
    el.clear()
    el.send_keys(value)
    # clear() alone fires no input event: make sure the page sees "".
    if value == "":
        d.execute_script(
            "arguments[0].dispatchEvent(new Event('input'))", el)


def field_msg(name):
    return text("m-" + name)


def settled():
    """The dry run for the last keystroke has answered."""
    time.sleep(0.4)
    wait(lambda: d.execute_script(
        "return usersView.state.form === null || "
        "!usersView.state.form.pending"), what="the dry run")


def save_enabled():
    return by_id("user-save").is_enabled()


def row(username):
    rows = d.find_elements(By.CSS_SELECTOR,
                           "tr[data-username='%s']" % username)
    return rows[0] if rows else None


def row_text(username):
    """The row's text, read at once: the list may be rendered again
    between finding a row and reading it (wait() then looks again)."""
    r = row(username)
    return r.text if r is not None else None


def row_action(username, action):
    """Click a row's pencil or trash can, looking again if the list was
    rendered again in between."""
    wait(lambda: row(username).find_element(
        By.CSS_SELECTOR, "[data-action='%s']" % action).click() is None,
        what="the %s button of %s" % (action, username))


def page_alert():
    return text("page-alert")


def click(i):
    by_id(i).click()


def tool_field_message(field, **fields):
    """What add --check says about one field, from the shell."""
    import json
    args = ["add", "--check", "--json"]
    for k, v in fields.items():
        args += ["--" + k.replace("_", "-"), v]
    rc, out, _ = apiuser(*args)
    return json.loads(out)["fields"].get(field)


def secret_gone(secret):
    """Nothing on the page holds secret: not the DOM (attributes, text,
    the value of any field) and not the page's state."""
    return d.execute_script("""
        const s = arguments[0];
        if (document.documentElement.outerHTML.includes(s))
            return false;
        for (const e of document.querySelectorAll("input, textarea"))
            if (e.value.includes(s))
                return false;
        return !JSON.stringify(usersView.state).includes(s);""", secret)


def check_secret_gone(desc, secret):
    try:
        wait(lambda: secret_gone(secret), timeout=5, what="the key to go")
        ok(desc)
    except AssertionError:
        not_ok(desc, "the key is still on the page")


def main():
    import json

    # -- log in; no administrative access yet -------------------------------
    d.get(URL + "/")
    wait(lambda: d.find_elements(By.ID, "login-user-input"),
         what="the login page")
    by_id("login-user-input").send_keys(ACCOUNT)
    by_id("login-password-input").send_keys(PASSWORD)
    click("login-button")
    wait(lambda: d.find_elements(By.CSS_SELECTOR, "iframe"),
         what="the shell")
    ok("logs in to Cockpit with the account's password")

    d.get(URL + "/cerbo#/?store=" + STORE)
    menu = wait(lambda: d.find_elements(
        By.XPATH, "//nav//a[normalize-space()='API users']"),
        what="the menu entry")
    check("the menu has an \"API users\" entry", bool(menu))
    page_frame()
    wait(lambda: d.find_element(By.TAG_NAME, "body").get_attribute(
        "data-loaded") == "true", what="the first load")
    check("without administrative access the page says so",
          "administrative access" in text("users-empty-body"),
          text("users-empty-body"))
    check("without administrative access Add is disabled",
          not by_id("add-user").is_enabled())
    shot("limited-access")

    # -- turn administrative access on (sudo, no password) ------------------
    d.switch_to.default_content()
    d.find_element(By.XPATH, "//button[contains(., 'Limited access')]").click()
    wait(lambda: d.find_elements(
        By.XPATH, "//*[contains(., 'You now have administrative access')]"),
        what="administrative access")
    for b in d.find_elements(By.CSS_SELECTOR, ".pf-c-modal-box__footer button"):
        if b.is_displayed():
            b.click()
            break
    page_frame()
    wait(lambda: by_id("add-user").is_enabled(), what="the reload as admin")
    check("with administrative access the store (still missing) lists no "
          "users", text("users-empty-title") == "No API users yet",
          text("users-empty-title"))
    check("the page names the store it manages",
          text("store-note") == "Store: " + STORE, text("store-note"))

    # -- profiles: add one, an invalid rule refused -------------------------
    click("tab-profiles")
    click("add-profile")
    wait(lambda: dialog_open("profile-dialog"))
    type_into("p-name", "scheduling")
    type_into("p-description", "Scheduling integration")
    type_into("p-allow", "GET /api/v1/appointments/**\nGET api/v1/x")
    before = store_bytes()
    click("profile-save")
    wait(lambda: text("profile-alert"), what="the refusal")
    rc, _, err = tool(PROFILE, "add", "x", "--description", "x",
                      "--allow", "GET api/v1/x")
    check("an invalid rule: the tool's message in the dialog",
          err.strip().split(": ", 1)[-1] in text("profile-alert"),
          text("profile-alert"), err)
    check("an invalid rule: the store is unchanged", store_bytes() == before)
    shot("profile-invalid-rule")
    type_into("p-allow", "GET /api/v1/appointments/**")
    type_into("p-deny", "DELETE /**")
    click("profile-save")
    wait(lambda: "Added profile scheduling" in page_alert(),
         what="the profile")
    rc, out, _ = tool(PROFILE, "show", "scheduling", "--json")
    prof = json.loads(out) if rc == 0 else {}
    check_eq("the profile is in the store with its rules",
             (prof.get("allow"), prof.get("deny")),
             (["GET /api/v1/appointments/**"], ["DELETE /**"]))
    wait(lambda: d.find_elements(By.CSS_SELECTOR,
                                 "tr[data-profile='scheduling']"))
    shot("profiles")

    # -- add: the acknowledgement -------------------------------------------
    click("tab-users")
    click("add-user")
    wait(lambda: dialog_open("ack-dialog") and
         d.find_elements(By.CSS_SELECTOR, "#ack-facts li"),
         what="the acknowledgement")
    ack = json.loads(apiuser("add", "--check", "--json")[1]).get(
        "acknowledgement", {})
    items = [li.text for li in d.find_elements(By.CSS_SELECTOR,
                                               "#ack-facts li")]
    check_eq("the acknowledgement lists the tool's items, as it gives them",
             items, ack.get("items"))
    check_eq("the acknowledgement's intro is the tool's",
             text("ack-intro"), ack.get("intro"))
    check("Continue is disabled until the facts are acknowledged",
          not by_id("ack-continue").is_enabled())
    shot("acknowledge")
    click("ack-check")
    check("Continue is enabled once acknowledged",
          by_id("ack-continue").is_enabled())
    click("ack-continue")
    wait(lambda: dialog_open("user-dialog"), what="the form")
    settled()
    check("the form opens with Save disabled", not save_enabled())
    check("the username's pk_ prefix is shown fixed",
          text("pk-prefix") == "pk_")

    # -- every kind of invalid field: the tool's message, Save disabled ----
    before = store_bytes()
    good = {"nickname": "Scheduling integration", "username": "sched_sync",
            "profile": "scheduling", "email": "ops@example.com",
            "description": "Syncs appointments with the clinic calendar"}
    invalid = [
        ("nickname", "", "an empty nickname"),
        ("username", "", "nothing after pk_"),
        ("username", "sched sync", "a username with a space"),
        ("username", "sched/sync", "a username with a slash"),
        ("email", "nobody", "an email without @"),
        ("email", "a@b@c", "an email with two @"),
        ("description", "", "an empty description"),
        ("expires", "2027-13-01", "an expiry that is not a time"),
        ("allow_from", "10.0.0.0/33", "a network with a bad prefix"),
        ("allow_from", "not-a-network", "a network that is no address"),
    ]
    for field, bad, what in invalid:
        for k, v in good.items():
            if k != "profile":
                type_into("f-" + k, v)
        Select(by_id("f-profile")).select_by_value("scheduling")
        type_into("f-expires", "")
        type_into("f-allow_from", "")
        type_into("f-" + field, bad)
        settled()
        want = dict(good, username="pk_" + good["username"])
        want[field] = "pk_" + bad if field == "username" else bad
        expect = tool_field_message(field, **want)
        got = field_msg(field)
        check("%s: the tool's message under the field" % what,
              expect is not None and got == expect,
              "page: %r" % got, "tool: %r" % expect)
        check("%s: Save is disabled" % what, not save_enabled())
        check("%s: aria-invalid is set" % what,
              by_id("f-" + field).get_attribute("aria-invalid") == "true")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                     by_id("m-allow_from"))
    shot("add-invalid")
    Select(by_id("f-profile")).select_by_value("")
    settled()
    expect = tool_field_message("profile", profile="")
    check("no profile chosen: the tool's message",
          expect is not None and field_msg("profile") == expect,
          field_msg("profile"), expect)
    check("the store is unchanged after every dry run",
          store_bytes() == before)

    # -- a valid form, then the key -----------------------------------------
    for k, v in good.items():
        if k != "profile":
            type_into("f-" + k, v)
    Select(by_id("f-profile")).select_by_value("scheduling")
    type_into("f-expires", "")
    type_into("f-allow_from", "127.0.0.0/8, ::1/128")
    settled()
    check("all fields valid: no message left",
          all(field_msg(f) == "" for f in
              ("nickname", "username", "profile", "email", "description",
               "expires", "allow_from")))
    check("all valid but no key yet: Save is still disabled",
          not save_enabled())
    click("generate")
    wait(lambda: visible("secret-value"), what="the key")
    key = by_id("secret-value").get_attribute("value")
    check("Generate secret key shows a key", key.startswith("cerbo_sk_"), key)
    check("the key comes with the warning that it is shown once",
          "will not be shown again" in text("secret-warning"),
          text("secret-warning"))
    click("secret-copy")
    wait(lambda: text("secret-copied"), what="the copy")
    check("Copy secret key copies it", text("secret-copied") == "Copied",
          text("secret-copied"))
    settled()
    check("all valid with a key: Save is enabled", save_enabled())
    shot("add-form")
    check("the store is still unchanged before Save", store_bytes() == before)
    click("user-save")
    wait(lambda: "Added pk_sched_sync" in page_alert(), what="the new user")
    check_secret_gone("Save: the generated key is gone from the page", key)
    t = wait(lambda: row_text("pk_sched_sync"), what="the new row")
    check("the list shows the nickname with the username underneath",
          t.startswith("Scheduling integration\npk_sched_sync"), t)
    check("no empty-list message beside a listed user",
          not visible("users-empty"))
    shot("list")
    check_eq("verify: the key copied from the page works",
             verify("pk_sched_sync", key), 0)
    check_eq("verify: a different key does not",
             verify("pk_sched_sync", key[:-1] + ("A" if key[-1] != "A"
                                                  else "B")), 1)
    u = json.loads(apiuser("show", "pk_sched_sync", "--json")[1])
    check_eq("every field was saved as typed",
             (u["nickname"], u["profile"], u["email"], u["description"],
              u["allow_from"]),
             (good["nickname"], "scheduling", good["email"],
              good["description"], "127.0.0.0/8,::1/128"))

    # -- search ---------------------------------------------------------------
    type_into("search", "no such thing")
    check("search: a query nothing matches hides the row",
          row("pk_sched_sync") is None)
    type_into("search", "SCHED")
    check("search: the row matches by username, any case",
          row("pk_sched_sync") is not None)
    type_into("search", "")

    # -- the username is taken now -------------------------------------------
    click("add-user")
    wait(lambda: dialog_open("ack-dialog"))
    click("ack-check")
    click("ack-continue")
    wait(lambda: dialog_open("user-dialog"))
    type_into("f-username", "sched_sync")
    settled()
    check_eq("a username in use: the tool's message", field_msg("username"),
             "pk_sched_sync exists already")
    check("a username in use: Save is disabled", not save_enabled())
    click("generate")
    wait(lambda: visible("secret-value"), what="the key")
    unsaved = by_id("secret-value").get_attribute("value")
    by_id("secret-value").send_keys(Keys.ESCAPE)
    wait(lambda: not dialog_open("user-dialog"), what="Escape")
    check_secret_gone("Escape: a generated key is gone from the page",
                      unsaved)

    # -- edit -----------------------------------------------------------------
    row_action("pk_sched_sync", "edit")
    wait(lambda: dialog_open("user-dialog") and
         by_id("f-nickname").get_attribute("value"), what="the edit form")
    check("edit shows no secret", not visible("secret-value"))
    check("edit keeps the username fixed",
          by_id("f-username").get_attribute("readonly") is not None)
    type_into("f-email", "nobody")
    settled()
    before = store_bytes()
    check("edit: an invalid email is refused by the tools' rules",
          field_msg("email") == "email must hold exactly one '@'" and
          not save_enabled(), field_msg("email"))
    type_into("f-nickname", "Calendar sync")
    type_into("f-email", "calendar@example.com")
    settled()
    check("the store is unchanged by the edit form's dry runs",
          store_bytes() == before)
    shot("edit")
    click("user-save")
    wait(lambda: "Saved pk_sched_sync" in page_alert(), what="the edit")
    u = json.loads(apiuser("show", "pk_sched_sync", "--json")[1])
    check_eq("edit saved the new nickname and email",
             (u["nickname"], u["email"]),
             ("Calendar sync", "calendar@example.com"))

    # -- rotate: the old key refused, the new one works ----------------------
    row_action("pk_sched_sync", "edit")
    wait(lambda: dialog_open("user-dialog") and by_id("rotate").is_enabled())
    click("rotate")
    wait(lambda: visible("rotated-value"), what="the new key")
    new_key = by_id("rotated-value").get_attribute("value")
    check("rotate shows a new key once, with Copy and the warning",
          new_key.startswith("cerbo_sk_") and new_key != key and
          visible("rotated-copy") and
          "will not be shown again" in text("rotated-warning"))
    shot("rotated")
    check_eq("after rotate the old key is refused",
             verify("pk_sched_sync", key), 1)
    check_eq("after rotate the new key works",
             verify("pk_sched_sync", new_key), 0)

    # -- rotate with a grace period: the badge ------------------------------
    wait(lambda: by_id("rotate").is_enabled(), what="the reload")
    Select(by_id("f-grace")).select_by_value("1h")
    click("rotate")
    wait(lambda: by_id("rotated-value").get_attribute("value") != new_key,
         what="the second key")
    third = by_id("rotated-value").get_attribute("value")
    check_eq("with a grace period the previous key still works",
             verify("pk_sched_sync", new_key), 0)
    check_eq("and the newest key works", verify("pk_sched_sync", third), 0)

    # -- last used: the column, and the rotation dialog ---------------------
    recent = ("less than a minute ago", "1 minute ago")
    headers = [h.text for h in d.find_elements(By.CSS_SELECTOR,
                                               "#users-table th")]
    check("the list has a \"Last used\" column", "Last used" in headers,
          headers)
    usage = os.path.join(os.path.dirname(STORE), "usage")
    check_eq("(use recording turned on from the shell)",
             apiuser("usage-file", usage, "--quiet")[0], 0)
    check_eq("(the old key used, during its grace period)",
             verify("pk_sched_sync", new_key), 0)
    click("user-cancel")
    d.refresh()
    page_frame()
    wait(lambda: d.find_element(By.TAG_NAME, "body").get_attribute(
        "data-loaded") == "true" and row("pk_sched_sync"),
        what="the reload")

    def last_used_cell():
        c = row("pk_sched_sync").find_element(By.CSS_SELECTOR,
                                              ".cerbo-last-used")
        return c.text.strip(), c.get_attribute("title")

    cell = wait(last_used_cell, what="the Last used cell")
    check_eq("a key never used since recording began: \"never\"", cell[0],
             "never")
    check_eq("(the newest key used)", verify("pk_sched_sync", third), 0)
    d.refresh()
    page_frame()
    wait(lambda: d.find_element(By.TAG_NAME, "body").get_attribute(
        "data-loaded") == "true" and row("pk_sched_sync"),
        what="the reload")
    u = json.loads(apiuser("show", "pk_sched_sync", "--json")[1])
    cell = wait(last_used_cell, what="the Last used cell")
    check("a key just used: how long ago", cell[0] in recent, cell)
    check_eq("... and the exact time on hover, as the tools say it",
             cell[1], u["last_used"])
    shot("last-used")
    row_action("pk_sched_sync", "edit")
    wait(lambda: dialog_open("user-dialog") and text("key-usage"),
         what="the key's last use in the dialog")
    check("the rotation part says when the key was last used",
          any("Key last used: %s." % r in text("key-usage") for r in recent),
          text("key-usage"))
    check("... and when the old key was, during the grace period",
          any("Old key last used: %s." % r in text("key-usage")
              for r in recent), text("key-usage"))
    check_eq("... with the exact time on hover",
             by_id("old-key-last-used").get_attribute("title"),
             u["old_key_last_used"])
    shot("rotation-last-used")

    # -- disable -------------------------------------------------------------
    wait(lambda: by_id("toggle-disabled").is_enabled(), what="the reload")
    click("toggle-disabled")
    wait(lambda: "is disabled" in text("user-alert"), what="disable")
    u = json.loads(apiuser("show", "pk_sched_sync", "--json")[1])
    check("disable: the store says disabled", u["disabled"] is True)
    check_eq("disable: the key is refused", verify("pk_sched_sync", third), 1)
    click("user-cancel")
    check_secret_gone("Cancel: the rotated keys are gone from the page",
                      new_key)
    check_secret_gone("Cancel: the last rotated key too", third)
    t = wait(lambda: row_text("pk_sched_sync"))
    check("the list shows the Disabled and Rotation grace badges",
          "Disabled" in t and "Rotation grace" in t, t)
    shot("list-badges")

    # -- a change from the shell mid-edit: conflict, nothing overwritten ----
    row_action("pk_sched_sync", "edit")
    wait(lambda: dialog_open("user-dialog") and
         by_id("f-nickname").get_attribute("value"))
    type_into("f-nickname", "Overwritten by the page")
    settled()
    rc, _, _ = apiuser("edit", "pk_sched_sync", "--description",
                       "Changed from the shell")
    check_eq("(a change from the shell)", rc, 0)
    before = store_bytes()
    click("user-save")
    wait(lambda: "changed elsewhere" in page_alert(), what="the conflict")
    check("the page says the store changed and nothing was saved",
          "nothing was saved" in page_alert(), page_alert())
    check("the conflict left the store byte for byte as the shell made it",
          store_bytes() == before)
    u = json.loads(apiuser("show", "pk_sched_sync", "--json")[1])
    check_eq("the shell's change is kept",
             (u["nickname"], u["description"]),
             ("Calendar sync", "Changed from the shell"))
    shot("conflict")

    # -- profiles: delete refused while in use; the tester -----------------
    click("tab-profiles")
    before = store_bytes()
    d.find_element(By.CSS_SELECTOR,
                   "tr[data-profile='scheduling'] button[aria-label="
                   "'Delete profile scheduling']").click()
    wait(lambda: "was not deleted" in page_alert(), what="the refusal")
    check("deleting a profile in use: refused, naming the user",
          "pk_sched_sync" in page_alert(), page_alert())
    check("the refused delete left the store unchanged",
          store_bytes() == before)
    Select(by_id("test-user")).select_by_value("pk_sched_sync")
    Select(by_id("test-method")).select_by_value("GET")
    type_into("test-path", "/api/v1/appointments/42")
    click("test-run")
    wait(lambda: text("test-answer"), what="the answer")
    rc, out, _ = apiuser("explain", "pk_sched_sync", "GET",
                         "/api/v1/appointments/42", "--json")
    ans = json.loads(out)
    check("tester: the tool's verdict, reason and note (disabled)",
          ("Allowed:" if rc == 0 else "Refused:") in text("test-answer")
          and ans["reason"] in text("test-answer")
          and ans.get("note", "") in text("test-answer")
          and "disabled" in ans.get("note", ""),
          text("test-answer"), out)
    Select(by_id("test-method")).select_by_value("DELETE")
    click("test-run")
    wait(lambda: "deny rule" in text("test-answer"), what="a refusal")
    check("tester: DELETE is refused by the deny rule",
          "DELETE /**" in text("test-answer"), text("test-answer"))
    shot("tester")

    # -- edit a profile's rules ---------------------------------------------
    d.find_element(By.CSS_SELECTOR,
                   "button[aria-label='Edit profile scheduling']").click()
    wait(lambda: dialog_open("profile-dialog"))
    type_into("p-allow", "GET /api/v1/appointments/**\nPOST /api/v1/appointments")
    click("profile-save")
    wait(lambda: "Saved profile scheduling" in page_alert())
    prof = json.loads(tool(PROFILE, "show", "scheduling", "--json")[1])
    check_eq("editing the rules adds the new one", prof["allow"],
             ["GET /api/v1/appointments/**", "POST /api/v1/appointments"])

    # -- enable again --------------------------------------------------------
    click("tab-users")
    row_action("pk_sched_sync", "edit")
    wait(lambda: text("toggle-disabled") == "Enable", what="the edit form")
    click("toggle-disabled")
    wait(lambda: "enabled again" in text("user-alert"), what="enable")
    u = json.loads(apiuser("show", "pk_sched_sync", "--json")[1])
    check("enable: the store says enabled", u["disabled"] is False)
    check_eq("enable: the newest key works again",
             verify("pk_sched_sync", third), 0)
    click("user-cancel")

    # -- an expired user, made from the shell: the badge after a reload ---
    rc, _, err = apiuser("add", "--username", "pk_old_job", "--nickname",
                         "Old job", "--profile", "scheduling", "--email",
                         "ops@example.com", "--description", "Ended",
                         "--expires", "2000-01-01T00:00:00Z", "--acknowledge",
                         "--quiet")
    check_eq("(an expired user added from the shell)", rc, 0)
    d.refresh()
    page_frame()
    wait(lambda: d.find_element(By.TAG_NAME, "body").get_attribute(
        "data-loaded") == "true", what="the reload")
    t = wait(lambda: row_text("pk_old_job"), what="the expired user")
    check("an expired user has the Expired badge", "Expired" in t, t)
    check_eq("(the expired user removed from the shell)",
             apiuser("delete", "pk_old_job", "--yes")[0], 0)
    d.refresh()
    page_frame()
    wait(lambda: d.find_element(By.TAG_NAME, "body").get_attribute(
        "data-loaded") == "true" and row("pk_sched_sync"),
        what="the reload")

    # -- leaving the page with a generated key shown: the key goes ---------
    click("tab-users")
    click("add-user")
    wait(lambda: dialog_open("ack-dialog"))
    click("ack-check")
    click("ack-continue")
    wait(lambda: dialog_open("user-dialog"))
    click("generate")
    wait(lambda: visible("secret-value"), what="the key")
    left = by_id("secret-value").get_attribute("value")
    d.switch_to.default_content()
    wait(lambda: d.find_elements(
        By.XPATH, "//nav//a[normalize-space()='Overview']"),
        what="the Overview entry")[0].click()
    wait(lambda: "/system" in d.current_url, what="the Overview page")
    d.find_element(By.XPATH, "//nav//a[normalize-space()='API users']").click()
    page_frame()
    check_secret_gone("navigating away: the generated key is gone from the page",
                      left)
    check("navigating away closed the dialog", not dialog_open("user-dialog"))

    # -- delete the user -------------------------------------------------------
    row_action("pk_sched_sync", "delete")
    wait(lambda: dialog_open("delete-dialog"))
    t = text("delete-text")
    check("the confirmation names the user and says it is permanent",
          "Calendar sync" in t and "pk_sched_sync" in t and "permanent" in t,
          t)
    shot("delete")
    click("delete-confirm")
    wait(lambda: "Deleted pk_sched_sync" in page_alert())
    check("the row is gone", row("pk_sched_sync") is None)
    check_eq("the user is gone from the store",
             apiuser("show", "pk_sched_sync")[0], 4)
    check_eq("its key no longer works", verify("pk_sched_sync", third), 1)

    # -- a profile named "-legacy" (from a store older than the rule): the
    # page passes "--" before names, so it still edits and deletes it -----
    with open(STORE) as f:
        doc = f.read()
    with open(STORE, "w") as f:
        f.write(doc.replace("profiles:\n", "profiles:\n  -legacy:\n"
                            "    description: Old\n"
                            "    allow: [GET /old]\n", 1))
    check_eq("(a profile named -legacy, written from the shell)",
             tool(PROFILE, "show", "--", "-legacy")[0], 0)
    d.refresh()
    page_frame()
    wait(lambda: d.find_element(By.TAG_NAME, "body").get_attribute(
        "data-loaded") == "true", what="the reload")
    click("tab-profiles")
    wait(lambda: d.find_elements(By.CSS_SELECTOR,
                                 "tr[data-profile='-legacy']"))
    d.find_element(By.CSS_SELECTOR,
                   "button[aria-label='Edit profile -legacy']").click()
    wait(lambda: dialog_open("profile-dialog"))
    type_into("p-description", "Old, renamed soon")
    click("profile-save")
    wait(lambda: "profile -legacy" in page_alert() or text("profile-alert"),
         what="the save")
    rc, out, err = tool(PROFILE, "show", "--json", "--", "-legacy")
    check_eq("the page edits a profile whose name starts with '-'",
             json.loads(out).get("description") if rc == 0 else err,
             "Old, renamed soon")
    d.find_element(By.CSS_SELECTOR,
                   "button[aria-label='Delete profile -legacy']").click()
    wait(lambda: "Deleted profile -legacy" in page_alert() or
         "not deleted" in page_alert(), what="the delete")
    names = [p["name"] for p in
             json.loads(tool(PROFILE, "list", "--json")[1])["profiles"]]
    check_eq("the page deletes a profile whose name starts with '-'",
             names, ["scheduling"])

    # -- the profile can go now ------------------------------------------------
    click("tab-profiles")
    d.find_element(By.CSS_SELECTOR,
                   "button[aria-label='Delete profile scheduling']").click()
    wait(lambda: "Deleted profile scheduling" in page_alert())
    check_eq("an unused profile is deleted",
             tool(PROFILE, "show", "scheduling")[0], 4)
    shot("end")


try:
    main()
except Exception as e:  # a step that could not run is a failure
    said = []
    for i in ("page-alert", "user-alert", "profile-alert", "delete-alert"):
        try:
            said.append("%s: %s" % (i, text(i)))
        except WebDriverException:
            pass
    not_ok("the browser test ran to its end",
           "%s: %s" % (type(e).__name__, e), *said)
    try:
        shot("failure")
    except WebDriverException:
        pass
finally:
    d.quit()
print("# screenshots in " + SHOTS)
sys.exit(1 if failed else 0)
