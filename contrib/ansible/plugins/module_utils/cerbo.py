# -*- coding: utf-8 -*-
# Copyright (c) 2026 The pam_cerbo authors
# ISC licence (see LICENSE at the top of the pam_cerbo tree)
"""What the cerbo_* modules share: running cerbo-apiuser, reading one entry
of the store with `show --json`, and changing it with `apply` (one
transaction per task, guarded by --expect-generation so a store changed by
someone else between the read and the write is read again, never
overwritten)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# cerbo-apiuser exit codes (cerbo-apiuser(8), EXIT STATUS).
EXIT_NOTFOUND = 4
EXIT_CONFLICT = 10
RETRIES = 3


class CerboError(Exception):
    pass


class Cerbo(object):
    def __init__(self, module, store=None):
        self.module = module
        self.store = store
        self.apiuser = module.get_bin_path(
            "cerbo-apiuser", required=True,
            opt_dirs=["/usr/sbin", "/usr/local/sbin"])
        self.profile = module.get_bin_path(
            "cerbo-profile", required=True,
            opt_dirs=["/usr/sbin", "/usr/local/sbin"])

    def _cmd(self, tool, args, operands=()):
        """tool, args, --store, then the operands after "--" (a name is
        never read as an option)."""
        cmd = [tool] + list(args)
        if self.store:
            cmd += ["--store", self.store]
        if operands:
            cmd += ["--"] + list(operands)
        return cmd

    def show(self, kind, name):
        """The entry as `show --json` prints it, or None when the store or
        the entry does not exist; the store's generation either way."""
        tool = self.apiuser if kind == "user" else self.profile
        rc, out, err = self.module.run_command(
            self._cmd(tool, ["show", "--json"], [name]))
        if rc == EXIT_NOTFOUND:
            return None, self._generation()
        if rc != 0:
            raise CerboError("%s show %s: %s" % (
                tool, name, (err or out).strip()))
        doc = self._json(out, "show")
        return doc, doc.get("generation")

    def _generation(self):
        """The generation of an existing store, None when there is none."""
        rc, out, err = self.module.run_command(
            self._cmd(self.apiuser, ["list", "--json"]))
        if rc == EXIT_NOTFOUND:
            return None
        if rc != 0:
            raise CerboError("cerbo-apiuser list: %s" % (err or out).strip())
        return self._json(out, "list").get("generation")

    def apply(self, doc, check, generation):
        """Run `cerbo-apiuser apply --json -` with doc on stdin.  Returns
        the parsed output, or None when the store moved on since it was
        read (the caller reads it again)."""
        args = ["apply", "--json"]
        if check:
            args.append("--check")
        if generation is not None:
            args += ["--expect-generation", str(generation)]
        rc, out, err = self.module.run_command(
            self._cmd(self.apiuser, args, ["-"]), data=json.dumps(doc),
            binary_data=True)
        if rc == EXIT_CONFLICT:
            return None
        if rc != 0:
            raise CerboError("cerbo-apiuser apply: %s" % (
                (err or out).strip()))
        return self._json(out, "apply")

    @staticmethod
    def _json(text, what):
        try:
            return json.loads(text)
        except ValueError:
            raise CerboError("cerbo-apiuser %s: output is not JSON" % what)


def run(module, cerbo, kind, name, build):
    """Read, decide, apply; read again when another writer got in between.
    build(current) returns (document, or None when nothing is to be done;
    a dict of extra result fields).  Returns (apply output or None,
    current entry or None, extra)."""
    for _ in range(RETRIES):
        current, generation = cerbo.show(kind, name)
        doc, extra = build(current)
        if doc is None:
            return None, current, extra
        out = cerbo.apply(doc, module.check_mode, generation)
        if out is not None:
            for warning in out.get("warnings", []):
                module.warn(warning)
            return out, current, extra
    raise CerboError("the store kept changing while this task ran "
                     "(%d attempts)" % RETRIES)


def yaml_text(entry, keys):
    """A stable, readable text of one entry for --diff."""
    if entry is None:
        return ""
    lines = []
    for k in keys:
        v = entry.get(k)
        if v is None or v == [] or v == "":
            continue
        if isinstance(v, list):
            lines.append("%s:" % k)
            lines.extend("  - %s" % x for x in v)
        elif isinstance(v, bool):
            lines.append("%s: %s" % (k, "true" if v else "false"))
        else:
            lines.append("%s: %s" % (k, v))
    return "\n".join(lines) + "\n"
