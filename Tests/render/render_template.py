#!/usr/bin/env python3
"""Render one template of a generated project for one host, as Ansible's template module
would (Jinja2 from ansible-core; variables from group_vars/all.yml, the role's defaults and
host_vars/HOST.yml). The tests then check the result with the config's own tool.

  render_template.py PROJECT HOST roles/ROLE/templates/NAME.j2
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
variables.update(inventory_hostname=host, ansible_managed="Ansible managed: do not edit")
env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True)
env.filters["to_json"] = json.dumps   # Ansible's filter of that name
# Ansible templates a variable's value when it is used: a default like "{{ 'a' if x else 'b' }}"
# reaches the template as its result. Values that need facts (unknown here) stay as written.
for _ in range(4):
    for k, v in list(variables.items()):
        if isinstance(v, str) and ("{{" in v or "{%" in v):
            try:
                variables[k] = env.from_string(v).render(**variables)
            except Exception:  # facts, Ansible-only filters: as written
                pass
sys.stdout.write(env.from_string((project / template).read_text()).render(**variables))
