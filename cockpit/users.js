/*
 * users.js - the Users view: the list, the acknowledgement, the add and
 * edit form (each field judged as it is typed by "add --check" or
 * "edit --check"), rotate, disable/enable and delete.  Every change is
 * sent with --expect-generation of what the page shows.
 */
"use strict";

const usersView = (function () {
    const { $, el } = ui;
    const FIELDS = ["nickname", "username", "profile", "email", "description", "expires", "allow_from"];
    const state = {
        generation: 0, users: [], profiles: [], loaded: false,
        usage: { file: null, readable: false },
        form: null /* {mode, username, dirty, valid, seq, pending, hash, disabled} */
    };
    let onChanged = () => {};

    /* ---- the list ---------------------------------------------------- */

    async function load() {
        const [u, p] = await Promise.all([
            cerboTools.run("cerbo-apiuser", ["list", "--json"]),
            cerboTools.run("cerbo-profile", ["list", "--json"]),
            cerboTools.loadExitCodes()
        ]);
        /* No store yet: nothing to list (the first change creates it). */
        const missing = r => r.rc === cerboTools.EXIT.NOT_FOUND && r.json === null;
        if ((u.rc !== 0 && !missing(u)) || (p.rc !== 0 && !missing(p))) {
            state.loaded = false;
            state.users = [];
            state.profiles = [];
            showEmpty("Cannot show the API users", cerboTools.explain(u.rc !== 0 ? u : p));
            render();
            onChanged(state);
            return false;
        }
        state.users = u.json ? u.json.users : [];
        state.usage = {
            file: u.json ? u.json.usage_file : null,
            readable: u.json ? u.json.usage_readable : false
        };
        state.profiles = p.json ? p.json.profiles : [];
        state.generation = u.json ? u.json.generation : (p.json ? p.json.generation : 0);
        state.loaded = true;
        render();
        onChanged(state);
        return true;
    }

    function showEmpty(title, body) {
        $("users-empty-title").textContent = title;
        $("users-empty-body").textContent = body || "";
        $("users-empty").hidden = false;
    }

    function matches(u, q) {
        if (!q)
            return true;
        q = q.toLowerCase();
        return [u.nickname, u.username, u.profile, u.email, u.description].some(v =>
            String(v || "").toLowerCase().includes(q));
    }

    function badge(text, color, title) {
        return el("span", { class: "pf-c-label pf-m-compact pf-m-" + color, title: title || null },
            el("span", { class: "pf-c-label__content", text }));
    }

    /* "3 days ago" for an RFC 3339 time, as the tools say it. */
    function ago(iso) {
        const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
        const units = [[86400, "day"], [3600, "hour"], [60, "minute"]];
        for (const [secs, name] of units) {
            const n = Math.floor(s / secs);
            if (n >= 1)
                return n + " " + name + (n === 1 ? "" : "s") + " ago";
        }
        return "less than a minute ago";
    }

    /* When a key was last used, for a cell or a line: its text and the
     * exact time (or why it is not known) for the hover. */
    function lastUsed(iso) {
        if (!state.usage.file)
            return { text: "\u2014", title: "Not recorded: the store names no usage file" };
        if (!state.usage.readable)
            return { text: "unknown", title: "The usage file " + state.usage.file + " cannot be read" };
        if (!iso)
            return { text: "never", title: "Never used on this host" };
        return { text: ago(iso), title: iso };
    }

    function render() {
        const body = $("users-body");
        body.textContent = "";
        $("add-user").disabled = !state.loaded;
        if (!state.loaded)
            return;
        const q = $("search").value.trim();
        const shown = state.users.filter(u => matches(u, q));
        shown.forEach(u => {
            const states = [];
            if (u.disabled)
                states.push(badge("Disabled", "red"));
            if (u.expired)
                states.push(badge("Expired", "orange", "expired " + u.expires));
            if (u.old_secret_valid)
                states.push(badge("Rotation grace", "blue", "the old key still works for a while"));
            if (!states.length)
                states.push(badge("Active", "green"));
            body.appendChild(el("tr", { "data-username": u.username },
                el("td", { "data-label": "API user" },
                    el("div", { class: "cerbo-nick", text: u.nickname }),
                    el("div", { class: "cerbo-user", text: u.username })),
                el("td", { "data-label": "Profile" }, badge(u.profile, "grey")),
                el("td", { "data-label": "State", class: "cerbo-states" }, ...states),
                el("td", { "data-label": "Last used", class: "cerbo-last-used", ...lastUsed(u.last_used) }),
                el("td", { "data-label": "Contact", text: u.email }),
                el("td", { class: "pf-c-table__action" }, el("div", { class: "cerbo-actions" },
                    el("button", {
                        class: "pf-c-button pf-m-plain", type: "button", "aria-label": "Edit " + u.username,
                        title: "Edit", "data-action": "edit", onclick: () => openEdit(u.username)
                    }, ui.icon("pencil")),
                    el("button", {
                        class: "pf-c-button pf-m-plain", type: "button", "aria-label": "Delete " + u.username,
                        title: "Delete", "data-action": "delete", onclick: () => openDelete(u)
                    }, ui.icon("trash"))))));
        });
        if (shown.length === 0)
            showEmpty(state.users.length ? "No API user matches the search" : "No API users yet",
                state.users.length ? "" : "Add one with \"+ Add a new user\".");
        else
            $("users-empty").hidden = true;
    }

    /* After a change was refused because the store moved on. */
    async function conflict(dialog) {
        ui.closeDialog(dialog);
        await load();
        ui.alert("page-alert", "warning", "Not saved: the API users were changed elsewhere",
            cerboTools.explain({ rc: cerboTools.EXIT.CONFLICT }));
    }

    /* ---- add: the facts ------------------------------------------------ */

    /* The facts are the tool's: its items, each shown as it gives it. */
    async function openAck() {
        ui.alert("page-alert", null);
        const r = await cerboTools.run("cerbo-apiuser", ["add", "--check", "--json"]);
        const ack = r.json && r.json.acknowledgement;
        if (!ack || !Array.isArray(ack.items)) {
            ui.alert("page-alert", "danger", cerboTools.explain(r));
            return;
        }
        const list = $("ack-facts");
        list.textContent = "";
        $("ack-intro").textContent = ack.intro;
        ack.items.forEach(item => list.appendChild(el("li", { text: item })));
        $("ack-check").checked = false;
        $("ack-continue").disabled = true;
        ui.openDialog($("ack-dialog"), $("ack-check"));
    }

    /* ---- the form ------------------------------------------------------ */

    function value(name) {
        const v = $("f-" + name).value;
        return name === "username" ? "pk_" + v : v;
    }

    function fillProfiles(selected) {
        const sel = $("f-profile");
        sel.textContent = "";
        sel.appendChild(el("option", { value: "", text: "Choose a profile" }));
        state.profiles.forEach(p => sel.appendChild(el("option", {
            value: p.name, text: p.name + (p.description ? " - " + p.description : "")
        })));
        sel.value = selected || "";
    }

    function resetMessages() {
        FIELDS.forEach(f => {
            $("m-" + f).textContent = "";
            $("f-" + f).removeAttribute("aria-invalid");
        });
        ui.alert("user-alert", null);
    }

    function openAdd() {
        ui.closeDialog($("ack-dialog"));
        state.form = { mode: "add", dirty: {}, valid: false, seq: 0, pending: false, hash: null };
        $("user-title").textContent = "Add a new API user";
        FIELDS.forEach(f => {
            $("f-" + f).value = "";
        });
        $("f-username").readOnly = false;
        fillProfiles("");
        resetMessages();
        $("secret-group").hidden = false;
        renderSecretArea(null);
        $("edit-extra").hidden = true;
        $("user-save").textContent = "Save";
        updateSave();
        ui.openDialog($("user-dialog"), $("f-nickname"));
        check();
    }

    async function openEdit(username) {
        ui.alert("page-alert", null);
        const r = await cerboTools.run("cerbo-apiuser", ["show", "--json"], [username]);
        if (r.rc !== 0) {
            ui.alert("page-alert", "danger", cerboTools.explain(r));
            return;
        }
        const u = r.json;
        state.form = { mode: "edit", username, dirty: {}, valid: false, seq: 0, pending: false, disabled: u.disabled };
        FIELDS.forEach(f => {
            state.form.dirty[f] = true;
        });
        $("user-title").textContent = "Edit " + u.nickname;
        $("f-nickname").value = u.nickname;
        $("f-username").value = u.username.replace(/^pk_/, "");
        $("f-username").readOnly = true;
        fillProfiles(u.profile);
        $("f-email").value = u.email;
        $("f-description").value = u.description;
        $("f-expires").value = u.expires || "";
        $("f-allow_from").value = u.allow_from || "";
        resetMessages();
        $("secret-group").hidden = true;
        $("edit-extra").hidden = false;
        $("rotate-area").textContent = "";
        showKeyUsage(u);
        $("f-grace").value = "";
        $("toggle-disabled").textContent = u.disabled ? "Enable" : "Disable";
        $("user-save").textContent = "Save changes";
        updateSave();
        ui.openDialog($("user-dialog"), $("f-nickname"));
        check();
    }

    /* In the rotation part of the dialog: when the key, and during a
     * grace period the old key, was last used on this host. */
    function showKeyUsage(u) {
        const p = $("key-usage");
        p.textContent = "";
        if (!state.usage.file)
            return;
        const cur = lastUsed(u.last_used);
        p.appendChild(el("span", { id: "key-last-used", title: cur.title, text: "Key last used: " + cur.text + "." }));
        if (u.old_secret_valid) {
            const old = lastUsed(u.old_key_last_used);
            p.appendChild(document.createTextNode(" "));
            p.appendChild(el("span", { id: "old-key-last-used", title: old.title, text: "Old key last used: " + old.text + "." }));
        }
    }

    function renderSecretArea(secret) {
        const area = $("secret-area");
        area.textContent = "";
        area.appendChild(el("button", {
            class: "pf-c-button pf-m-secondary", type: "button", id: "generate", onclick: generate
        }, secret ? "Generate another secret key" : "Generate secret key"));
        const box = el("div", { id: "secret-box" });
        area.appendChild(box);
        if (secret)
            ui.secretBox(box, secret, "secret");
        else
            area.appendChild(el("p", {
                class: "pf-c-form__helper-text",
                text: "The key is made here and shown once; only its hash is saved."
            }));
    }

    async function generate() {
        const f = state.form;
        const r = await cerboTools.run("cerbo-apiuser", ["hash", "--generate", "--json"]);
        if (r.rc !== 0 || !r.json || !r.json.secret) {
            ui.alert("user-alert", "danger", cerboTools.explain(r));
            return;
        }
        if (state.form !== f) {
            delete r.json.secret; /* the dialog closed meanwhile */
            return;
        }
        f.hash = r.json.hash;
        renderSecretArea(r.json.secret);
        delete r.json.secret; /* the DOM holds it until the dialog closes */
        $("secret-value").focus();
        updateSave();
    }

    function fieldArgs() {
        const f = state.form;
        const args = [];
        if (f.mode === "add")
            args.push("--username", value("username"));
        args.push("--nickname", value("nickname"), "--profile", value("profile"),
            "--email", value("email"), "--description", value("description"));
        const exp = value("expires").trim();
        const nets = value("allow_from").trim();
        if (f.mode === "edit" || exp)
            args.push("--expires", exp || "never");
        if (f.mode === "edit" || nets)
            args.push("--allow-from", nets.replace(/\s+/g, "") || "any");
        return args;
    }

    /* The dry run: the tools judge every field; their words go under it. */
    async function check() {
        const f = state.form;
        if (!f)
            return;
        const seq = ++f.seq;
        f.pending = true;
        updateSave();
        const cmd = f.mode === "add" ? "add" : "edit";
        const r = await cerboTools.run("cerbo-apiuser", [cmd, "--check", "--json"].concat(fieldArgs()),
            f.mode === "add" ? [] : [f.username]);
        if (f !== state.form || seq !== f.seq)
            return; /* a newer check is on its way */
        f.pending = false;
        if (!r.json || !r.json.fields) {
            f.valid = false;
            ui.alert("user-alert", "danger", cerboTools.explain(r));
            updateSave();
            return;
        }
        ui.alert("user-alert", null);
        FIELDS.forEach(name => {
            const msg = r.json.fields[name] || "";
            const show = f.dirty[name] ? msg : "";
            $("m-" + name).textContent = show;
            if (show)
                $("f-" + name).setAttribute("aria-invalid", "true");
            else
                $("f-" + name).removeAttribute("aria-invalid");
        });
        f.valid = r.json.valid === true;
        updateSave();
    }

    const checkSoon = ui.debounce(check, 250);

    function updateSave() {
        const f = state.form;
        $("user-save").disabled = !f || f.pending || !f.valid || (f.mode === "add" && !f.hash);
    }

    async function save() {
        const f = state.form;
        $("user-save").disabled = true;
        let r;
        if (f.mode === "add") {
            const entry = {
                username: value("username"), nickname: value("nickname"), profile: value("profile"),
                email: value("email"), description: value("description"), secret_hash: f.hash
            };
            /* "never" and "any" are how the tools spell "unset". */
            const exp = value("expires").trim();
            const nets = value("allow_from").trim();
            if (exp && exp !== "never")
                entry.expires = exp;
            if (nets && nets !== "any")
                entry.allow_from = nets.split(",").map(s => s.trim()).filter(s => s);
            r = await cerboTools.run("cerbo-apiuser",
                ["apply", "--json", "--expect-generation", String(state.generation)], ["-"],
                JSON.stringify({ users: [entry] }));
        } else {
            r = await cerboTools.run("cerbo-apiuser", ["edit"].concat(fieldArgs(),
                ["--json", "--expect-generation", String(state.generation)]), [f.username]);
        }
        if (r.rc === cerboTools.EXIT.CONFLICT)
            return conflict($("user-dialog"));
        if (r.rc !== 0) {
            ui.alert("user-alert", "danger", "Not saved", cerboTools.explain(r));
            updateSave();
            return;
        }
        const who = f.mode === "add" ? value("username") : f.username;
        ui.closeDialog($("user-dialog"));
        state.form = null;
        await load();
        ui.alert("page-alert", "success", f.mode === "add" ? "Added " + who : "Saved " + who);
    }

    /* One action at a time in the edit dialog, until the list is reloaded
     * (and with it the generation the next change is sent with). */
    async function busy(fn) {
        const buttons = ["rotate", "toggle-disabled", "user-save"].map(i => $(i));
        buttons.forEach(b => {
            b.disabled = true;
        });
        try {
            await fn();
        } finally {
            $("rotate").disabled = false;
            $("toggle-disabled").disabled = false;
            updateSave();
        }
    }

    async function rotate() {
        const f = state.form;
        const args = ["rotate", "--json", "--expect-generation", String(state.generation)];
        if ($("f-grace").value)
            args.push("--grace", $("f-grace").value);
        const r = await cerboTools.run("cerbo-apiuser", args, [f.username]);
        if (r.rc === cerboTools.EXIT.CONFLICT)
            return conflict($("user-dialog"));
        if (r.rc !== 0 || !r.json || !r.json.secret) {
            ui.alert("user-alert", "danger", "The key was not rotated", cerboTools.explain(r));
            return;
        }
        if (state.form !== f) {
            delete r.json.secret; /* the dialog closed meanwhile */
            await load();
            return;
        }
        ui.secretBox($("rotate-area"), r.json.secret, "rotated");
        delete r.json.secret; /* the DOM holds it until the dialog closes */
        ui.alert("user-alert", "success", "New secret key for " + f.username +
            ($("f-grace").value ? "; the old key keeps working for " + $("f-grace").selectedOptions[0].text
                : "; the old key no longer works"));
        await load();
    }

    async function toggleDisabled() {
        const f = state.form;
        const r = await cerboTools.run("cerbo-apiuser", ["edit",
            f.disabled ? "--enable" : "--disable", "--json", "--expect-generation", String(state.generation)],
        [f.username]);
        if (r.rc === cerboTools.EXIT.CONFLICT)
            return conflict($("user-dialog"));
        if (r.rc !== 0) {
            ui.alert("user-alert", "danger", "Not changed", cerboTools.explain(r));
            return;
        }
        f.disabled = !f.disabled;
        $("toggle-disabled").textContent = f.disabled ? "Enable" : "Disable";
        ui.alert("user-alert", "success", f.username + (f.disabled ? " is disabled: every login is refused"
            : " is enabled again"));
        await load();
    }

    /* ---- delete -------------------------------------------------------- */

    let deleting = null;

    function openDelete(u) {
        ui.alert("page-alert", null);
        deleting = u.username;
        $("delete-title").textContent = "Delete " + u.nickname + "?";
        $("delete-text").textContent = "The API user " + u.nickname + " (" + u.username +
            ") will be deleted permanently: its secret key stops working at once. This cannot be undone.";
        ui.alert("delete-alert", null);
        ui.openDialog($("delete-dialog"), $("delete-dialog").querySelector("[data-close]"));
    }

    async function confirmDelete() {
        const r = await cerboTools.run("cerbo-apiuser", ["delete", "--yes", "--json",
            "--expect-generation", String(state.generation)], [deleting]);
        if (r.rc === cerboTools.EXIT.CONFLICT)
            return conflict($("delete-dialog"));
        if (r.rc !== 0) {
            ui.alert("delete-alert", "danger", "Not deleted", cerboTools.explain(r));
            return;
        }
        ui.closeDialog($("delete-dialog"));
        await load();
        ui.alert("page-alert", "success", "Deleted " + deleting);
    }

    /* A generated or rotated key lives in the dialog's DOM only: empty
     * and remove the boxes that show one. */
    function forgetSecrets() {
        ui.forgetSecret($("secret-area"));
        ui.forgetSecret($("rotate-area"));
    }

    /* ---- wiring -------------------------------------------------------- */

    function init(changed) {
        onChanged = changed;
        $("search").addEventListener("input", render);
        $("add-user").addEventListener("click", openAck);
        $("ack-check").addEventListener("change", () => {
            $("ack-continue").disabled = !$("ack-check").checked;
        });
        $("ack-continue").addEventListener("click", openAdd);
        FIELDS.forEach(name => {
            const input = $("f-" + name);
            const touched = () => {
                if (!state.form)
                    return;
                state.form.dirty[name] = true;
                state.form.pending = true;
                updateSave();
                checkSoon();
            };
            /* Not "change" on text fields: it fires on blur, and the
             * click on Save would then find Save disabled by a new check. */
            input.addEventListener(input.tagName === "SELECT" ? "change" : "input", touched);
        });
        $("user-form").addEventListener("submit", e => e.preventDefault());
        $("user-save").addEventListener("click", save);
        $("rotate").addEventListener("click", () => busy(rotate));
        $("toggle-disabled").addEventListener("click", () => busy(toggleDisabled));
        $("delete-confirm").addEventListener("click", confirmDelete);
        /* However the dialog closes (Save, Cancel, Escape, the page
         * hidden or left), a key it showed goes with it. */
        $("user-dialog").addEventListener("close", () => {
            state.form = null;
            forgetSecrets();
        });
    }

    return { init, load, state };
}());
