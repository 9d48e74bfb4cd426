/*
 * tools.js - runs cerbo-apiuser and cerbo-profile as root through
 * Cockpit's superuser bridge and turns their JSON and exit codes into
 * results.  The page never reads or writes the store itself: every rule
 * and every write stays in the tools.
 */
"use strict";

const cerboTools = (function () {
    /* The tools' exit codes by name (EXIT.CONFLICT, EXIT.NOT_FOUND, ...),
     * as "cerbo-apiuser exit-codes --json" gives them: the page keeps no
     * copy.  Empty until loadExitCodes() has answered. */
    const EXIT = {};

    /* An optional store path from the page's address (#/?store=PATH), for
     * hosts that keep more than one store; the tools' default otherwise. */
    function storeArgs() {
        const store = cockpit.location.options.store;
        return typeof store === "string" && store !== "" ? ["--store", store] : [];
    }

    /*
     * Run TOOL with args (the command and its options), then "--" and the
     * operands (names, paths: "--" keeps one that starts with '-' from
     * reading as an option); input (a secret, a document) goes on
     * standard input, never in argv.  Resolves (never rejects) to
     * {rc, json, message, problem}: rc is the exit code (-1 when the
     * process could not run), json the parsed standard output or null,
     * message the tool's own words from standard error.
     */
    function run(tool, args, operands, input) {
        return new Promise(resolve => {
            const argv = [tool].concat(args, storeArgs(), ["--"], operands || []);
            const proc = cockpit.spawn(argv, { superuser: "require", err: "message" });
            proc.done(out => resolve(result(0, out, "", null)))
                .fail((ex, out) => {
                    const rc = typeof ex.exit_status === "number" ? ex.exit_status : -1;
                    resolve(result(rc, out, ex.message || "", ex.problem || null));
                });
            proc.input(input === undefined ? "" : input);
        });
    }

    function result(rc, out, message, problem) {
        let json = null;
        if (out) {
            try {
                json = JSON.parse(out);
            } catch (e) {
                json = null;
            }
        }
        return { rc, json, message: cleanMessage(message), problem };
    }

    /* "cerbo-apiuser: edit: ..." -> "...": the tool's name is noise here. */
    function cleanMessage(text) {
        return String(text || "").trim().split("\n").map(line =>
            line.replace(/^cerbo-(apiuser|profile): /, "")).join("\n");
    }

    /* Learn the exit codes from the tools (once; again after a failure,
     * e.g. before administrative access was turned on). */
    let exitCodes = null;
    function loadExitCodes() {
        if (exitCodes === null) {
            exitCodes = run("cerbo-apiuser", ["exit-codes", "--json"]).then(r => {
                if (r.rc !== 0 || !r.json || !Array.isArray(r.json.exit_codes)) {
                    exitCodes = null;
                    return false;
                }
                r.json.exit_codes.forEach(e => {
                    EXIT[String(e.name).toUpperCase()] = e.code;
                });
                return true;
            });
        }
        return exitCodes;
    }

    /* Plain words for a failed run. */
    function explain(r) {
        if (r.problem === "access-denied" || r.problem === "not-authorized" ||
            r.problem === "authentication-failed")
            return "You need administrative access to manage API users. " +
                "Turn on administrative access (at the top of the console) and try again.";
        if (r.problem === "not-found" || r.rc === 127)
            return "The pam_cerbo tools (cerbo-apiuser, cerbo-profile) are not installed on this host.";
        if (r.rc === -1)
            return "The tool could not be run" + (r.message ? ": " + r.message : ".");
        switch (r.rc) {
        case EXIT.CONFLICT:
            return "Someone changed the API users since this page loaded them, so nothing was saved. " +
                "The page now shows the current state: check it and try again.";
        case EXIT.LOCK:
            return "Another change is being saved right now; nothing was saved. Try again in a moment.";
        case EXIT.STORE:
            return "The store of API users is damaged or too new for these tools: " + r.message;
        case EXIT.UNSAFE:
            return "The store of API users has unsafe permissions, so it was not used: " + r.message;
        case EXIT.IO:
            return "The store of API users could not be read or written: " + r.message;
        default:
            return r.message || ("The tool failed (exit " + r.rc + ").");
        }
    }

    return { run, explain, loadExitCodes, EXIT };
}());
