/// The commented example `gpucluster init` writes; identical to examples/cluster.yaml
/// (a test keeps the two the same: edit both, or run scripts/sync-example).
public enum ExampleSpec {
    public static let text = #"""
# cluster.yaml: one file that describes the whole GPU cluster.
# Check it with `gpucluster validate`, see what each host gets with `gpucluster plan`.
# Editors can complete and check this file with docs/cluster.schema.json.

cluster:
  name: vision-lab            # lowercase letters, digits and '-'
  domain: lab.internal        # hosts are NAME.lab.internal in /etc/hosts
  os: debian-12               # debian-12 or debian-13; a host may say its own os: (while the cluster moves)
  timezone: Europe/Berlin

# Networks by name. `public` is where outside users (and the admins' laptops) are;
# every other network is internal unless it says `scope: public`.
networks:
  public:   { cidr: 203.0.113.0/28 }
  internal: { cidr: 10.10.0.0/24 }

# One entry per machine. Roles: bastion, compute, nfs-server, log-sink, monitor,
# dashboard, backup. Exactly one bastion: the hub admins log in to and Ansible runs from.
hosts:
  - name: bastion
    roles: [bastion, nfs-server, log-sink, monitor, dashboard]
    addresses: { public: 203.0.113.5, internal: 10.10.0.1 }
  - name: gpu01
    roles: [compute]
    addresses: { internal: 10.10.0.11 }
    gpus: 8                   # expected GPUs: fewer reported by the agent is an alert
    tags: [a100]
  - name: gpu02
    roles: [compute]
    addresses: { internal: 10.10.0.12 }
    gpus: 8
    tags: [a100]
  - name: gpu03
    roles: [compute]
    addresses: { internal: 10.10.0.13 }
    gpus: 4
    tags: [rtx3090]
  - name: backup              # pulls from the bastion; the bastion can never reach it
    roles: [backup]
    addresses: { internal: 10.10.0.2 }

# Admins get passwordless sudo; everyone else gets no sudo and their own Python.
admins: [alice]
adminAccess: { from: [public] }   # where admins log in from: SSH there is never closed

# People. uid is required and the same on every machine (NFS homes); gid defaults to uid.
# Logins are by SSH key only: `github: USER` fetches https://github.com/USER.keys when
# rendering (into a file you review); `keys:` lists public keys inline.
users:
  - { name: alice, uid: 2001, github: alice }
  - { name: bob,   uid: 2002, keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPoVCYbDZcHw7JoWHKjVp5exez1SKGkJakXa1umNHwcH bob@laptop"] }
  - { name: carol, uid: 2003, github: carol, python: pyenv }   # python: conda (default), pyenv, venv, none

# Accounts for programs. sudo lists exact command strings: never a trailing '*'.
serviceAccounts:
  - name: backup-reader       # the backup server logs in as this to pull /home and /etc
    uid: 990
    on: [bastion]
    sudo:
      - /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc
      - /usr/bin/rsync --server --sender -nlHogDtpAXrcRe.iLsfxCIvu --numeric-ids . /home /etc
      - /usr/bin/rsync --server --sender -nlogDtprRe.iLsfxCIvu --numeric-ids . /home /etc

# The firewall policy: who may reach what. `on:` roles or hosts (default: every host);
# `from:` networks, roles or hosts. `insideOnly` ports are never open to a public network.
services:
  ssh:       { tcp: [22], from: [public, internal] }
  nfs:       { tcp: [2049], on: [nfs-server], from: [internal], insideOnly: true }
  syslog:    { tcp: [514], on: [log-sink], from: [internal], insideOnly: true }
  agent:     { tcp: [9855], on: [compute, bastion], from: [monitor], insideOnly: true }
  node-exporter: { tcp: [9100], on: [compute, bastion], from: [monitor], insideOnly: true }   # CPU, memory, disks, network
  dashboard: { tcp: [8080], on: [dashboard], from: [public, internal] }

# to-bastion-only: compute hosts accept internal connections only from the bastion.
internal: { policy: to-bastion-only }

nfs:
  exports:
    - { path: /home, options: [rw, sync, root_squash, no_subtree_check] }
    - { path: /srv/projects, options: [rw, sync, root_squash, no_subtree_check] }

# Shared project folders on the NFS server: only members may enter (setgid, mode 2770).
# gid is the same on every machine; path defaults to /srv/projects/NAME.
projects:
  - { name: detection, gid: 3001, members: [alice, bob] }

# The hardening baseline. Every setting has a secure default (see docs/security.md);
# written out here are the ones labs most often change.
security:
  homeMode: "0700"                # or "0750": the user's own group may read
  ssh: { tcpForwarding: true, agentForwarding: false, x11Forwarding: false, maxSessions: 10 }
  updates: { securitySuite: true, automatic: true }   # security fixes daily, never a reboot
  bruteForce: { maxRetry: 5, findTime: 10m, banTime: 1h }   # fail2ban on public SSH; admin networks never banned

# The NVIDIA stack on compute hosts, pinned and held: apt and unattended upgrades never move
# it. Change the driver here, apply one host at a time (--limit), and each reboots once.
# `source: nvidia` takes it from NVIDIA's repository (needed for `nvswitch: true` hosts).
gpu: { source: debian, driver: "535", containers: false }

logging: { protocol: tcp }        # tcp queues on disk and retries; udp drops silently

smart: { short: "daily 02", long: "weekly sat 03" }   # smartd self-tests

monitoring:
  retention: 400d                 # keep a year of history, to compare semesters
  scrapeInterval: 15s
  agentPort: 9855
  notify:
    slack: { webhookFile: secrets/slack-webhook, channel: "#gpu-cluster" }   # a file, never the URL

dashboard: { port: 8080, freeMemoryMiB: 1024, idleUtilizationPercent: 5, idleMinutes: 30 }

backup:
  server: backup
  from: bastion
  paths: [/home, /etc]
  schedule: "daily 01:30"
  keep: { daily: 7, weekly: 4, monthly: 12 }

"""#
}
