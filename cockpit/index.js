/*
 * index.js - starts the page: tabs, the store note, the first load.
 */
"use strict";

(function () {
    const { $ } = ui;

    function selectTab(name) {
        ["users", "profiles"].forEach(t => {
            const on = t === name;
            const tab = $("tab-" + t);
            tab.setAttribute("aria-selected", on ? "true" : "false");
            tab.tabIndex = on ? 0 : -1;
            tab.parentElement.classList.toggle("pf-m-current", on);
            $("view-" + t).hidden = !on;
        });
    }

    function initTabs() {
        const tabs = [$("tab-users"), $("tab-profiles")];
        tabs.forEach((tab, i) => {
            tab.addEventListener("click", () => selectTab(i === 0 ? "users" : "profiles"));
            /* Arrow keys move between tabs, as ARIA tabs do. */
            tab.addEventListener("keydown", e => {
                if (e.key !== "ArrowRight" && e.key !== "ArrowLeft")
                    return;
                const next = tabs[(i + 1) % tabs.length];
                next.focus();
                next.click();
            });
        });
    }

    function init() {
        ui.wireCloseButtons();
        initTabs();
        const store = cockpit.location.options.store;
        if (store) {
            $("store-note").textContent = "Store: " + store;
            $("store-note").hidden = false;
        }
        usersView.init(state => profilesView.render(state));
        profilesView.init(() => usersView.load());
        usersView.load().then(() => {
            document.body.setAttribute("data-loaded", "true");
        });
        /* Turning administrative access on or off changes what the
         * tools may do: load again. */
        const admin = cockpit.permission({ admin: true });
        admin.addEventListener("changed", () => usersView.load());
        /* Leaving the page (another Cockpit page, another host, a
         * closed tab) closes the user dialog, and with it any key it
         * shows. */
        cockpit.addEventListener("visibilitychange", () => {
            if (cockpit.hidden)
                ui.closeDialog($("user-dialog"));
            else
                usersView.load();
        });
        window.addEventListener("pagehide", () => ui.closeDialog($("user-dialog")));
    }

    document.addEventListener("DOMContentLoaded", init);
}());
