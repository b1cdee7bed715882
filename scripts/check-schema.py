#!/usr/bin/env python3
"""Checks docs/cluster.schema.json with a real JSON Schema validator (the `jsonschema` package):
the example must pass, and specs broken at the type level must fail."""
import json, pathlib, sys
import jsonschema, yaml

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "docs/cluster.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail and not ok else ""))
    if ok: passed += 1
    else: failed += 1

class Yaml12Loader(yaml.SafeLoader):
    """gpucluster reads YAML 1.2: only true/false are booleans, so `on:` stays a key
    (PyYAML's YAML 1.1 would read it as True)."""
Yaml12Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in rs if tag != "tag:yaml.org,2002:bool"]
    for ch, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", __import__("re").compile(r"^(?:true|false)$"), list("tf"))
def load(path): return yaml.load(path.read_text(), Loader=Yaml12Loader)

example = load(root / "examples/cluster.yaml")
errors = [e.message for e in validator.iter_errors(example)]
check("examples/cluster.yaml conforms to the schema", not errors, "; ".join(errors))

should_fail = ["01-unknown-key", "29-yes-is-not-a-bool", "02-unknown-role", "11-system-uid", "19-inline-secret", "20-sudo-wildcard",
               "28-wrong-type", "30-port-out-of-range", "32-scalar-instead-of-list"]
for stem in should_fail:
    doc = load(root / f"examples/invalid/{stem}.yaml")
    check(f"examples/invalid/{stem}.yaml is rejected by the schema", any(True for _ in validator.iter_errors(doc)))

print(f"schema: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
