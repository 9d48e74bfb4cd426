/*
 * profiles.js - the Profiles view: the list, add, edit the allow and deny
 * rules, delete (the tool refuses while users use a profile and names
 * them), and "may this user call this endpoint?" answered by explain.
 */
"use strict";

const profilesView = (function () {
    const { $, el } = ui;
    let shared = null; /* usersView.state: generation, users, profiles */
    let editing = null; /* null: adding; else the profile as listed */
    let reload = async () => {};

    function rules(list) {
        if (!list.length)
            return el("span", { class: "cerbo-none", text: "none" });
        return el("ul", { class: "cerbo-rules" }, ...list.map(r => el("li", { class: "cerbo-mono", text: r })));
    }

    function render(state) {
        shared = state;
        const body = $("profiles-body");
        body.textContent = "";
        state.profiles.forEach(p => {
            body.appendChild(el("tr", { "data-profile": p.name },
                el("td", { "data-label": "Profile" },
                    el("div", { class: "cerbo-nick", text: p.name }),
                    el("div", { class: "cerbo-user", text: p.description })),
                el("td", { "data-label": "Allow" }, rules(p.allow)),
                el("td", { "data-label": "Deny" }, rules(p.deny)),
                el("td", { "data-label": "Users", text: String(p.users) }),
                el("td", { class: "pf-c-table__action" }, el("div", { class: "cerbo-actions" },
                    el("button", {
                        class: "pf-c-button pf-m-plain", type: "button", "aria-label": "Edit profile " + p.name,
                        title: "Edit", onclick: () => openEdit(p)
                    }, ui.icon("pencil")),
                    el("button", {
                        class: "pf-c-button pf-m-plain", type: "button", "aria-label": "Delete profile " + p.name,
                        title: "Delete", onclick: () => remove(p)
                    }, ui.icon("trash"))))));
        });
        const sel = $("test-user");
        const was = sel.value;
        sel.textContent = "";
        state.users.forEach(u => sel.appendChild(el("option", { value: u.username, text: u.username })));
        if (was)
            sel.value = was;
        $("add-profile").disabled = !state.loaded;
    }

    function lines(id) {
        return $(id).value.split("\n").map(s => s.trim()).filter(s => s);
    }

    function openAdd() {
        editing = null;
        $("profile-title").textContent = "Add a profile";
        $("p-name").value = "";
        $("p-name").readOnly = false;
        $("p-description").value = "";
        $("p-allow").value = "";
        $("p-deny").value = "";
        ui.alert("profile-alert", null);
        ui.openDialog($("profile-dialog"), $("p-name"));
    }

    function openEdit(p) {
        ui.alert("page-alert", null);
        editing = p;
        $("profile-title").textContent = "Edit profile " + p.name;
        $("p-name").value = p.name;
        $("p-name").readOnly = true;
        $("p-description").value = p.description;
        $("p-allow").value = p.allow.join("\n");
        $("p-deny").value = p.deny.join("\n");
        ui.alert("profile-alert", null);
        ui.openDialog($("profile-dialog"), $("p-description"));
    }

    /* Edit sends only what differs from the profile as listed. */
    function diffArgs(old, now, addFlag, removeFlag) {
        const args = [];
        old.filter(r => !now.includes(r)).forEach(r => args.push(removeFlag, r));
        now.filter(r => !old.includes(r)).forEach(r => args.push(addFlag, r));
        return args;
    }

    async function save() {
        const name = $("p-name").value.trim();
        const gen = ["--json", "--expect-generation", String(shared.generation)];
        let args;
        if (editing === null) {
            args = ["add", "--description", $("p-description").value];
            lines("p-allow").forEach(r => args.push("--allow", r));
            lines("p-deny").forEach(r => args.push("--deny", r));
        } else {
            args = ["edit"];
            if ($("p-description").value !== editing.description)
                args.push("--description", $("p-description").value);
            args = args.concat(diffArgs(editing.allow, lines("p-allow"), "--allow", "--remove-allow"),
                diffArgs(editing.deny, lines("p-deny"), "--deny", "--remove-deny"));
            if (args.length === 1) {
                ui.closeDialog($("profile-dialog"));
                return;
            }
        }
        const r = await cerboTools.run("cerbo-profile", args.concat(gen),
            [editing === null ? name : editing.name]);
        if (r.rc === cerboTools.EXIT.CONFLICT) {
            ui.closeDialog($("profile-dialog"));
            await reload();
            ui.alert("page-alert", "warning", "Not saved: the API users were changed elsewhere",
                cerboTools.explain(r));
            return;
        }
        if (r.rc !== 0) {
            ui.alert("profile-alert", "danger", "Not saved", cerboTools.explain(r));
            return;
        }
        ui.closeDialog($("profile-dialog"));
        await reload();
        ui.alert("page-alert", "success", (editing ? "Saved profile " : "Added profile ") + name);
    }

    async function remove(p) {
        ui.alert("page-alert", null);
        const r = await cerboTools.run("cerbo-profile", ["delete", "--json",
            "--expect-generation", String(shared.generation)], [p.name]);
        if (r.rc === cerboTools.EXIT.CONFLICT) {
            await reload();
            ui.alert("page-alert", "warning", "Not deleted: the API users were changed elsewhere",
                cerboTools.explain(r));
            return;
        }
        if (r.rc !== 0) {
            ui.alert("page-alert", "danger", "Profile " + p.name + " was not deleted", cerboTools.explain(r));
            return;
        }
        await reload();
        ui.alert("page-alert", "success", "Deleted profile " + p.name);
    }

    async function ask(e) {
        e.preventDefault();
        const user = $("test-user").value;
        const method = $("test-method").value;
        const path = $("test-path").value.trim();
        if (!user) {
            ui.alert("test-answer", "info", "Add an API user first.");
            return;
        }
        const r = await cerboTools.run("cerbo-apiuser", ["explain", "--json"], [user, method, path]);
        if (!r.json || (r.rc !== 0 && r.rc !== cerboTools.EXIT.REFUSED)) {
            ui.alert("test-answer", "danger", cerboTools.explain(r));
            return;
        }
        const j = r.json;
        ui.alert("test-answer", j.allowed ? "success" : "danger",
            (j.allowed ? "Allowed: " : "Refused: ") + user + " may " + (j.allowed ? "" : "not ") +
            "call " + method + " " + path, j.note ? j.reason + ". Note: " + j.note : j.reason);
    }

    function init(reloadAll) {
        reload = reloadAll;
        $("add-profile").addEventListener("click", openAdd);
        $("profile-save").addEventListener("click", save);
        $("profile-form").addEventListener("submit", e => e.preventDefault());
        $("tester").addEventListener("submit", ask);
    }

    return { init, render };
}());
