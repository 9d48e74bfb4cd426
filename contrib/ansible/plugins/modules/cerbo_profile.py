#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 The pam_cerbo authors
# ISC licence (see LICENSE at the top of the pam_cerbo tree)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cerbo_profile
short_description: Manage a pam_cerbo permission profile
description:
  - Creates, changes and removes one permission profile in a pam_cerbo
    store, through C(cerbo-apiuser apply), one transaction under the
    store's lock per task.
  - I(allow) and I(deny), when given, are the whole lists of rules; left
    out, the current rules are kept (a new profile has none, so it
    allows nothing).
  - A profile still used by API users cannot be removed; the task fails and
    names them.
  - Supports check mode and diff mode.
version_added: "0.1.0"
author: The pam_cerbo authors
options:
  name:
    description: The profile's name (lowercase letters, digits, C(_) and C(-)).
    type: str
    required: true
  description:
    description: What the profile is for.
    type: str
  allow:
    description:
      - Endpoint rules C(METHOD PATH) the profile allows (C(*) one path
        segment, C(**) any number of segments; see cerbo-store(5)).
    type: list
    elements: str
  deny:
    description: Endpoint rules the profile refuses; deny wins over allow.
    type: list
    elements: str
  state:
    description: Whether the profile should exist.
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
  - Requires C(cerbo-apiuser) and C(cerbo-profile) on the managed host
    (package libpam-cerbo).
"""

EXAMPLES = r"""
- name: The scheduling integration may read and create appointments
  cerbo.pam.cerbo_profile:
    name: scheduling
    description: Scheduling integration
    allow:
      - GET /api/v1/appointments/**
      - POST /api/v1/appointments
    deny:
      - DELETE /**

- name: Remove a profile nobody uses any more
  cerbo.pam.cerbo_profile:
    name: legacy
    state: absent
"""

RETURN = r"""
changes:
  description:
    - What changed, one line each, as C(cerbo-apiuser apply --diff) prints
      it (C(+ profile p), C(- profile p), ...).
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
profile:
  description: The profile as C(cerbo-profile show --json) prints it after the task.
  returned: when state is present and not in check mode
  type: dict
generation:
  description: The store's generation after the task.
  returned: when the store exists
  type: int
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cerbo.pam.plugins.module_utils.cerbo import (
    Cerbo, CerboError, run, yaml_text)


def rules(value):
    """A rule list from show --json: a list, or absent."""
    return list(value) if value else []


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            description=dict(type="str"),
            allow=dict(type="list", elements="str"),
            deny=dict(type="list", elements="str"),
            state=dict(type="str", default="present",
                       choices=["present", "absent"]),
            store=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    name = p["name"]
    cerbo = Cerbo(module, p["store"])

    def build(current):
        if p["state"] == "absent":
            if current is None:
                return None, {}
            return {"profiles": [{"name": name, "state": "absent"}]}, {}
        cur = current or {}
        entry = {"name": name}
        desc = p["description"]
        if desc is None:
            desc = cur.get("description")
        if desc:
            entry["description"] = desc
        entry["allow"] = (p["allow"] if p["allow"] is not None
                          else rules(cur.get("allow")))
        entry["deny"] = (p["deny"] if p["deny"] is not None
                         else rules(cur.get("deny")))
        return {"profiles": [entry]}, {"desired": entry}

    try:
        out, current, extra = run(module, cerbo, "profile", name, build)
    except CerboError as e:
        module.fail_json(msg=str(e))

    result = dict(changed=False, changes=[], change_records=[])
    if out is not None:
        result["change_records"] = out.get("change_records", [])
        result["changed"] = bool(out.get("changed"))
        result["changes"] = out.get("changes", [])
        result["generation"] = out.get("generation")

    keys = ("name", "description", "allow", "deny")
    if module._diff:
        after = ("" if p["state"] == "absent"
                 else yaml_text(extra.get("desired", current), keys))
        result["diff"] = dict(before=yaml_text(current, keys), after=after,
                              before_header="%s (before)" % name,
                              after_header="%s (after)" % name)

    if p["state"] == "present" and not module.check_mode:
        try:
            profile, generation = cerbo.show("profile", name)
        except CerboError as e:
            module.fail_json(msg=str(e), **result)
        if profile is not None:
            profile.pop("changed", None)
        result["profile"] = profile
        result["generation"] = generation
    module.exit_json(**result)


if __name__ == "__main__":
    main()
