#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 The pam_cerbo authors
# ISC licence (see LICENSE at the top of the pam_cerbo tree)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cerbo_usage_file
short_description: Record when each pam_cerbo key is used on a host
description:
  - Names the usage file of a pam_cerbo store (its top-level C(usage_file),
    cerbo-store(5)), where the verifier records, per host and to the
    minute, when each key was last used; or, with I(state=absent), stops
    the recording.
  - Runs C(cerbo-apiuser usage-file), which also creates the file (mode
    0664, the group of its folder), or rebuilds it when it is damaged or
    too small, keeping its figures.  In check mode it runs
    C(cerbo-apiuser apply --check) with the setting alone.
  - The packages make C(/var/lib/cerbo) (root:cerbo 2770) for the file.
version_added: "0.1.0"
author: The pam_cerbo authors
options:
  path:
    description: The usage file, an absolute path.  Required with I(state=present).
    type: path
  state:
    description: Whether uses are recorded.
    type: str
    choices: [present, absent]
    default: present
  store:
    description: The store file.  Default C($CERBO_STORE), else C(/etc/cerbo/apiusers.yaml).
    type: path
notes:
  - Requires C(cerbo-apiuser) on the managed host (package libpam-cerbo).
"""

EXAMPLES = r"""
- name: Record when each key is used
  cerbo.pam.cerbo_usage_file:
    path: /var/lib/cerbo/usage
"""

RETURN = r"""
usage_file:
  description: The usage file the store names after the task, or null.
  returned: always
  type: str
generation:
  description: The store's generation after the task.
  returned: when the store exists
  type: int
"""

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cerbo.pam.plugins.module_utils.cerbo import (
    Cerbo, CerboError)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path"),
            state=dict(type="str", default="present",
                       choices=["present", "absent"]),
            store=dict(type="path"),
        ),
        required_if=[("state", "present", ["path"])],
        supports_check_mode=True,
    )
    p = module.params
    path = p["path"] if p["state"] == "present" else None
    cerbo = Cerbo(module, p["store"])
    result = dict(changed=False, usage_file=path)
    try:
        if module.check_mode:
            out = cerbo.apply({"usage_file": path}, True, None)
        else:
            args = ["usage-file", "--json"]
            args += [path] if path is not None else ["--off"]
            rc, text, err = module.run_command(
                cerbo._cmd(cerbo.apiuser, args))
            if rc != 0:
                raise CerboError("cerbo-apiuser usage-file: %s" %
                                 (err or text).strip())
            out = json.loads(text)
    except (CerboError, ValueError) as e:
        module.fail_json(msg=str(e), **result)
    result["changed"] = bool(out.get("changed"))
    if out.get("generation"):
        result["generation"] = out.get("generation")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
