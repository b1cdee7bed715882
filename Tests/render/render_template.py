#!/usr/bin/env python3
"""Render one template of a generated project for one host, as Ansible's template module
would (Jinja2 from ansible-core; variables from group_vars/all.yml, the role's defaults and
host_vars/HOST.yml). The tests then check the result with the config's own tool.

  render_template.py PROJECT HOST roles/ROLE/templates/NAME.j2 [RELEASE]

RELEASE (debian-12, the default, or debian-13) gives the facts a host of that release reports
(ansible_distribution_major_version, ansible_distribution_release).
"""
import json, pathlib, sys
import jinja2, yaml

project, host, template = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
role = template.split("/")[1]
variables = {}
for f in [project / "inventory/group_vars/all.yml", project / f"roles/{role}/defaults/main.yml",
          project / f"inventory/host_vars/{host}.yml"]:
    if f.exists():
        variables.update(yaml.safe_load(f.read_text()) or {})
release = sys.argv[4] if len(sys.argv) > 4 else "debian-12"
major = release.removeprefix("debian-")
variables.update(inventory_hostname=host, ansible_managed="Ansible managed: do not edit", ansible_distribution="Debian",
                 ansible_distribution_major_version=major,
                 ansible_distribution_release={"12": "bookworm", "13": "trixie"}[major])
env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True)
env.filters["to_json"] = json.dumps   # Ansible's filter of that name
# Ansible templates a variable's value when it is used: a default like "{{ 'a' if x else 'b' }}"
# reaches the template as its result. Values that need facts (unknown here) stay as written.
def templated(v):
    if isinstance(v, list):
        return [templated(x) for x in v]
    if isinstance(v, dict):
        return {k: templated(x) for k, x in v.items()}
    if isinstance(v, str) and ("{{" in v or "{%" in v):
        try:
            return env.from_string(v).render(**variables)
        except Exception:  # other facts, Ansible-only filters: as written
            return v
    return v
for _ in range(4):
    for k, v in list(variables.items()):
        variables[k] = templated(v)
sys.stdout.write(env.from_string((project / template).read_text()).render(**variables))
