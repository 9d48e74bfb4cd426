#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 The pam_cerbo authors
# ISC licence (see LICENSE at the top of the pam_cerbo tree)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cerbo_apiuser
short_description: Manage a pam_cerbo API user
description:
  - Creates, changes and removes one API user in a pam_cerbo store, through
    C(cerbo-apiuser apply), one transaction under the store's lock per task.
  - Only the options given are managed; an option left out keeps the
    user's current value (a new user needs I(nickname), I(profile),
    I(email) and I(description)).
  - A new user without I(secret_hash) gets a generated secret key, returned
    once as C(secret) (put C(no_log=true) on the task) or written to
    I(secret_file).  The key of an existing user is changed only by
    I(secret_hash).
  - Supports check mode and diff mode.
version_added: "0.1.0"
author: The pam_cerbo authors
options:
  username:
    description: The API user's username, C(pk_) then letters, digits, C(_) or C(-).
    type: str
    required: true
    aliases: [name]
  nickname:
    description: What the credentials are for ("CRM sync").
    type: str
  profile:
    description: The permission profile; it must exist (see M(cerbo.pam.cerbo_profile)).
    type: str
  email:
    description: The primary contact.
    type: str
  description:
    description: The intended use, third parties involved.
    type: str
  disabled:
    description: Whether the user is disabled (refused, but kept).
    type: bool
  expires:
    description:
      - RFC 3339 UTC time (C(2027-01-31T00:00:00Z)) after which the user stops
        working; an empty string removes the expiry.
    type: str
  allow_from:
    description:
      - Client networks (CIDR) the user may come from; an empty list allows
        every address.
    type: list
    elements: str
  secret_hash:
    description:
      - The user's key as a hash string from C(cerbo-apiuser hash) (keep it in
        Ansible Vault), so every host of a fleet gets the same credential.
        Changing it rotates the key at once.
    type: str
  secret_file:
    description:
      - When a new user gets a generated key, write it to this path, a new
        file created with mode 0600 (never overwritten), instead of returning
        it.  The task fails before changing anything if the file exists.
    type: path
  state:
    description: Whether the user should exist.
    type: str
    choices: [present, absent]
    default: present
  store:
    description:
      - The store file.  Default C($CERBO_STORE), else
        C(/etc/cerbo/apiusers.yaml).  A missing store (and its folder) is
        created by the first change.
    type: path
notes:
  - Requires C(cerbo-apiuser) on the managed host (package libpam-cerbo).
  - ansible-core cannot hide a single return value, so a task that may
    create a user without I(secret_hash) or I(secret_file) should have
    C(no_log=true).
"""

EXAMPLES = r"""
- name: An integration with the same key on every host (hash from Vault)
  cerbo.pam.cerbo_apiuser:
    username: pk_scheduling_sync
    nickname: Scheduling integration
    profile: scheduling
    email: ops@example.com
    description: Syncs appointments with the booking site
    secret_hash: "{{ vault_pk_scheduling_sync_hash }}"

- name: A new user whose key is written to a 0600 file
  cerbo.pam.cerbo_apiuser:
    username: pk_crm
    nickname: CRM sync
    profile: crm
    email: crm@example.com
    description: Nightly export to the CRM
    secret_file: /root/pk_crm.key

- name: A new user whose key is returned once
  cerbo.pam.cerbo_apiuser:
    username: pk_report
    nickname: Reports
    profile: reports
    email: bi@example.com
    description: Monthly reports
  register: report_user
  no_log: true

- name: Disable a user
  cerbo.pam.cerbo_apiuser:
    username: pk_report
    disabled: true

- name: Remove a user
  cerbo.pam.cerbo_apiuser:
    username: pk_old
    state: absent
"""

RETURN = r"""
changes:
  description:
    - What changed, one line each, for example C(+ user pk_x) or
      C(~ user pk_x, email a -> b) as C(cerbo-apiuser apply --diff) prints
      it; never a secret or a hash.
  returned: always
  type: list
  elements: str
change_records:
  description:
    - The same changes as records, one each, as C(cerbo-apiuser apply --json)
      gives them - C(op) (added, updated or removed), C(object) (user or
      profile), C(name), and for an update C(field), C(old) and C(new)
      (null when unset); a new key is field C(secret) with neither value.
      Never a secret or a hash.
  returned: always
  type: list
  elements: dict
secret:
  description: The generated key of a new user, shown this once (not with secret_file or secret_hash).
  returned: when a new user got a generated key and secret_file is not set
  type: str
secret_file:
  description: Where the generated key was written.
  returned: when a new user got a generated key and secret_file is set
  type: str
user:
  description: The user as C(cerbo-apiuser show --json) prints it after the task (never the secret).
  returned: when state is present and not in check mode
  type: dict
generation:
  description: The store's generation after the task.
  returned: when the store exists
  type: int
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.cerbo.pam.plugins.module_utils.cerbo import (
    Cerbo, CerboError, run, yaml_text)

REQUIRED_NEW = ("nickname", "profile", "email", "description")
FIELDS = ("nickname", "profile", "email", "description", "disabled",
          "expires", "allow_from")


def desired_entry(params, current):
    """The whole desired state of the user for apply: the options given,
    the current values for the others."""
    cur = current or {}
    entry = {"username": params["username"]}
    for f in ("nickname", "profile", "email", "description"):
        entry[f] = params[f] if params[f] is not None else cur.get(f)
    disabled = params["disabled"]
    if disabled is None:
        disabled = bool(cur.get("disabled", False))
    entry["disabled"] = disabled
    expires = params["expires"]
    if expires is None:
        expires = cur.get("expires")
    if expires:
        entry["expires"] = expires
    allow_from = params["allow_from"]
    if allow_from is None:
        allow_from = cur.get("allow_from")
        if isinstance(allow_from, str):
            allow_from = [a for a in allow_from.split(",") if a]
    if allow_from:
        entry["allow_from"] = list(allow_from)
    if params["secret_hash"]:
        entry["secret_hash"] = params["secret_hash"]
    return entry


def write_secret_file(path, secret):
    """A new file, 0600, never through a symlink, never over a file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                 | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        os.write(fd, to_bytes(secret + "\n"))
        os.fsync(fd)
    finally:
        os.close(fd)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            username=dict(type="str", required=True, aliases=["name"]),
            nickname=dict(type="str"),
            profile=dict(type="str"),
            email=dict(type="str"),
            description=dict(type="str"),
            disabled=dict(type="bool"),
            expires=dict(type="str"),
            allow_from=dict(type="list", elements="str"),
            secret_hash=dict(type="str", no_log=True),
            secret_file=dict(type="path"),
            state=dict(type="str", default="present",
                       choices=["present", "absent"]),
            store=dict(type="path"),
        ),
        mutually_exclusive=[("secret_hash", "secret_file")],
        supports_check_mode=True,
    )
    p = module.params
    name = p["username"]
    cerbo = Cerbo(module, p["store"])

    def build(current):
        if p["state"] == "absent":
            if current is None:
                return None, {}
            return {"users": [{"username": name, "state": "absent"}]}, {}
        if current is None:
            missing = [f for f in REQUIRED_NEW if not p[f]]
            if missing:
                module.fail_json(msg="%s does not exist; to create it, give %s"
                                 % (name, ", ".join(missing)))
            sf = p["secret_file"]
            if sf and not p["secret_hash"] and os.path.lexists(sf):
                module.fail_json(msg="secret_file %s exists; it is never "
                                 "overwritten" % sf)
        entry = desired_entry(p, current)
        return {"users": [entry]}, {"desired": entry}

    try:
        out, current, extra = run(module, cerbo, "user", name, build)
    except CerboError as e:
        module.fail_json(msg=str(e))

    result = dict(changed=False, changes=[], change_records=[])
    if out is not None:
        result["changed"] = bool(out.get("changed"))
        result["changes"] = out.get("changes", [])
        result["change_records"] = out.get("change_records", [])
        result["generation"] = out.get("generation")
        secrets = out.get("secrets") or {}
        key = secrets.get(name)
        if key and not module.check_mode:
            if p["secret_file"]:
                try:
                    write_secret_file(p["secret_file"], key)
                except OSError as e:
                    module.fail_json(
                        msg="the user was created, but its key could not be "
                        "written to %s (%s): rotate it with cerbo-apiuser "
                        "rotate" % (p["secret_file"], e), changed=True)
                result["secret_file"] = p["secret_file"]
            else:
                result["secret"] = key

    keys = ("username",) + FIELDS
    before = yaml_text(current, keys)
    if p["state"] == "absent":
        after = ""
    else:
        after = yaml_text(extra.get("desired", current), keys)
        if any(r.get("op") == "updated" and r.get("object") == "user"
               and r.get("field") == "secret"
               for r in result["change_records"]):
            after += "secret: (a new key)\n"
    if module._diff:
        result["diff"] = dict(before=before, after=after,
                              before_header="%s (before)" % name,
                              after_header="%s (after)" % name)

    if p["state"] == "present" and not module.check_mode:
        try:
            user, generation = cerbo.show("user", name)
        except CerboError as e:
            module.fail_json(msg=str(e), **result)
        if user is not None:
            user.pop("changed", None)
        result["user"] = user
        result["generation"] = generation
    module.exit_json(**result)


if __name__ == "__main__":
    main()
