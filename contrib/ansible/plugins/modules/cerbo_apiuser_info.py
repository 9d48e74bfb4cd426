#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 The pam_cerbo authors
# ISC licence (see LICENSE at the top of the pam_cerbo tree)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cerbo_apiuser_info
short_description: The API users of a pam_cerbo store, with when each key was last used on this host
description:
  - Reads C(cerbo-apiuser list --json) on the managed host; changes nothing.
  - When the store names a usage file (module M(cerbo.pam.cerbo_usage_file)),
    each user has C(last_used), the time its key was last used on this
    host.  Each host has its own figures; gather them from every host to
    find keys unused everywhere (see the collection's README).
version_added: "0.1.0"
author: The pam_cerbo authors
options:
  unused_for:
    description:
      - Only the users whose key has not been used on this host for this
        long (C(30d), C(12h)); a key never used counts from the user's
        creation.  The task fails when the store names no usage file or it
        cannot be read.
    type: str
  store:
    description: The store file.  Default C($CERBO_STORE), else C(/etc/cerbo/apiusers.yaml).
    type: path
notes:
  - Requires C(cerbo-apiuser) on the managed host (package libpam-cerbo).
"""

EXAMPLES = r"""
- name: Keys not used on this host for 90 days
  cerbo.pam.cerbo_apiuser_info:
    unused_for: 90d
  register: idle
"""

RETURN = r"""
users:
  description:
    - The users as C(cerbo-apiuser list --json) gives them (C(username),
      C(nickname), C(profile), C(email), C(description), C(disabled),
      C(expires), C(expired), C(old_secret_valid), C(last_used) as RFC 3339
      UTC or null).  Never a secret or a hash.
  returned: always
  type: list
  elements: dict
usernames:
  description: The usernames of I(users), for comparing hosts.
  returned: always
  type: list
  elements: str
generation:
  description: The store's generation.
  returned: always
  type: int
"""

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cerbo.pam.plugins.module_utils.cerbo import Cerbo


def main():
    module = AnsibleModule(
        argument_spec=dict(
            unused_for=dict(type="str"),
            store=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    cerbo = Cerbo(module, p["store"])
    args = ["list", "--json"]
    if p["unused_for"]:
        args += ["--unused-for", p["unused_for"]]
    rc, out, err = module.run_command(cerbo._cmd(cerbo.apiuser, args))
    if rc != 0:
        module.fail_json(msg="cerbo-apiuser list: %s" % (err or out).strip(),
                         rc=rc)
    try:
        doc = json.loads(out)
    except ValueError:
        module.fail_json(msg="cerbo-apiuser list: output is not JSON")
    users = doc.get("users", [])
    module.exit_json(changed=False, users=users,
                     usernames=[u["username"] for u in users],
                     generation=doc.get("generation"))


if __name__ == "__main__":
    main()
