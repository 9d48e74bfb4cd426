/*
 * dialogs.js - small DOM helpers the views share: building elements,
 * alerts that screen readers announce, modal dialogs on <dialog>, and the
 * box that shows a new secret key once with a Copy button.
 */
"use strict";

const ui = (function () {
    function $(id) {
        return document.getElementById(id);
    }

    /* el("td", {class: "x", "aria-label": "y"}, child, "text", ...) */
    function el(tag, attrs) {
        const node = document.createElement(tag);
        Object.keys(attrs || {}).forEach(k => {
            if (k === "text")
                node.textContent = attrs[k];
            else if (k.startsWith("on"))
                node.addEventListener(k.slice(2), attrs[k]);
            else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false)
                node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
        });
        for (let i = 2; i < arguments.length; i++) {
            const c = arguments[i];
            if (c === null || c === undefined)
                continue;
            node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
        }
        return node;
    }

    /* An alert in container (replacing what was there); kind is
     * success, danger, warning or info. */
    function alert(container, kind, title, detail) {
        const box = typeof container === "string" ? $(container) : container;
        box.textContent = "";
        if (!title)
            return;
        box.appendChild(el("div", { class: "pf-c-alert pf-m-inline pf-m-" + kind, "data-kind": kind },
            el("p", { class: "pf-c-alert__title" },
                el("span", { class: "cerbo-sr", text: kind === "danger" ? "Error: " : kind + ": " }),
                title),
            detail ? el("div", { class: "pf-c-alert__description", text: detail }) : null));
    }

    function openDialog(d, focus) {
        if (!d.open)
            d.showModal();
        if (focus)
            focus.focus();
    }

    function closeDialog(d) {
        if (d.open)
            d.close();
    }

    /* Every [data-close] button closes its dialog. */
    function wireCloseButtons() {
        document.querySelectorAll("dialog [data-close]").forEach(b =>
            b.addEventListener("click", () => closeDialog(b.closest("dialog"))));
    }

    function debounce(fn, ms) {
        let timer = null;
        return function () {
            clearTimeout(timer);
            timer = setTimeout(fn, ms);
        };
    }

    /* A new key, shown once: the key, "Copy secret key" and the warning. */
    function secretBox(container, key, idPrefix) {
        container.textContent = "";
        const input = el("input", {
            class: "pf-c-form-control cerbo-mono", id: idPrefix + "-value", type: "text",
            readonly: true, value: key, "aria-label": "Secret key", spellcheck: "false"
        });
        const status = el("span", { class: "cerbo-copied", id: idPrefix + "-copied", "aria-live": "polite" });
        const copy = el("button", {
            class: "pf-c-button pf-m-link pf-m-inline", type: "button", id: idPrefix + "-copy",
            onclick: () => copyText(input, status)
        }, "Copy secret key");
        container.appendChild(el("div", { class: "cerbo-secret" }, input,
            el("div", {}, copy, status),
            el("div", { class: "pf-c-alert pf-m-inline pf-m-warning", id: idPrefix + "-warning" },
                el("p", { class: "pf-c-alert__title" },
                    "Copy the secret key to secure storage now: it will not be shown again."))));
    }

    /* Empty and remove what secretBox() put in container: the key's
     * value first, so no detached node keeps it. */
    function forgetSecret(container) {
        container.querySelectorAll("input").forEach(i => {
            i.value = "";
            i.removeAttribute("value");
        });
        container.textContent = "";
    }

    function copyText(input, status) {
        const done = () => {
            status.textContent = "Copied";
        };
        if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(input.value).then(done, () => legacyCopy(input, done, status));
        } else {
            legacyCopy(input, done, status);
        }
    }

    /* Plain http (e.g. Cockpit on localhost without TLS) has no async
     * clipboard: select the text and copy it the old way. */
    function legacyCopy(input, done, status) {
        input.select();
        let ok = false;
        try {
            ok = document.execCommand("copy");
        } catch (e) {
            ok = false;
        }
        if (ok)
            done();
        else
            status.textContent = "Select the key and copy it (Ctrl+C)";
    }

    /* Icons drawn for the page (16x16). */
    function icon(kind) {
        const ns = "http://www.w3.org/2000/svg";
        const svg = document.createElementNS(ns, "svg");
        svg.setAttribute("viewBox", "0 0 16 16");
        svg.setAttribute("width", "16");
        svg.setAttribute("height", "16");
        svg.setAttribute("aria-hidden", "true");
        svg.setAttribute("fill", "currentColor");
        const path = document.createElementNS(ns, "path");
        if (kind === "pencil")
            path.setAttribute("d", "M11.5 1.5l3 3-8.5 8.5H3v-3zM2 14h12v1H2z");
        else
            path.setAttribute("d", "M5 1h6v1h4v2H1V2h4zM2.5 5h11l-1 10h-9zM6 7v6h1V7zm3 0v6h1V7z");
        svg.appendChild(path);
        return svg;
    }

    return { $, el, alert, openDialog, closeDialog, wireCloseButtons, debounce, secretBox, forgetSecret, icon };
}());
