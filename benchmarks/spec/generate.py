#!/usr/bin/env python3
"""Writes a large valid cluster.yaml: 1 bastion, 1 backup server, N-2 compute hosts, U users."""
import sys
hosts = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
users = int(sys.argv[2]) if len(sys.argv) > 2 else 500
out = ["cluster: { name: big-lab, domain: lab.internal }",
       "networks:", "  public: { cidr: 203.0.113.0/24 }", "  internal: { cidr: 10.20.0.0/16 }",
       "hosts:",
       "  - { name: bastion, roles: [bastion, nfs-server, log-sink, monitor, dashboard], addresses: { public: 203.0.113.5, internal: 10.20.0.1 } }",
       "  - { name: backup, roles: [backup], addresses: { internal: 10.20.0.2 } }"]
for i in range(hosts - 2):
    out.append(f"  - {{ name: gpu{i:04d}, roles: [compute], addresses: {{ internal: 10.20.{10 + i // 250}.{1 + i % 250} }}, gpus: 8, tags: [a100] }}")
out.append("admins: [user0000]")
out.append("users:")
key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPoVCYbDZcHw7JoWHKjVp5exez1SKGkJakXa1umNHwcH"
for u in range(users):
    out.append(f"  - {{ name: user{u:04d}, uid: {3000 + u}, github: user{u:04d}, keys: [\"{key} user{u:04d}@laptop\"] }}")
out += ["serviceAccounts:",
        "  - name: backup-reader",
        "    uid: 990",
        "    on: [bastion]",
        "    sudo:",
        "      - /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc",
        "      - /usr/bin/rsync --server --sender -nlHogDtpAXrcRe.iLsfxCIvu --numeric-ids . /home /etc",
        "      - /usr/bin/rsync --server --sender -nlogDtprRe.iLsfxCIvu --numeric-ids . /home /etc",
        "services:",
        "  ssh: { tcp: [22], from: [public, internal] }",
        "  nfs: { tcp: [2049], on: [nfs-server], from: [internal], insideOnly: true }",
        "  syslog: { tcp: [514], on: [log-sink], from: [internal], insideOnly: true }",
        "  agent: { tcp: [9855], on: [compute, bastion], from: [monitor], insideOnly: true }",
        "  dashboard: { tcp: [8080], on: [dashboard], from: [public, internal] }",
        "nfs: { exports: [ { path: /home } ] }",
        "backup: { server: backup, from: bastion, paths: [/home, /etc] }"]
print("\n".join(out))
