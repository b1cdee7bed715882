#!/usr/bin/env bash
# Loads a rendered host's firewall rules (its host_vars) with the same Ansible module and
# parameters as the firewall role (community.general.ufw), into a throw-away network
# namespace: /etc/ufw is a private copy (own mount namespace), nothing touches this machine's
# firewall. Then probes from a second namespace with the given source addresses.
#   ufw_in_netns.sh PROJECT HOST HOST_ADDR/PREFIX "SRC:PORT SRC:PORT …"
# Prints one line per probe: "SRC -> PORT: open|blocked".
set -euo pipefail
project=$1 host=$2 addr=$3 probes=$4
repo=$(cd "$(dirname "$0")/../.." && pwd)
py=$repo/.venv/bin/python ansible=$repo/.venv/bin/ansible
id=$$ srv=gpct-s$$ cli=gpct-c$$
cleanup() { ip netns del "$srv" 2>/dev/null || true; ip netns del "$cli" 2>/dev/null || true; }
trap cleanup EXIT
work=$(mktemp -d)
cp -a /etc/ufw "$work/ufw"
mount --bind "$work/ufw" /etc/ufw
ip netns add "$srv"; ip netns add "$cli"
ip link add "gpa$id" type veth peer name "gpb$id"
ip link set "gpa$id" netns "$srv"; ip link set "gpb$id" netns "$cli"
ip -n "$srv" addr add "$addr" dev "gpa$id"
prefix=${addr#*/}
for p in $probes; do ip -n "$cli" addr add "${p%%:*}/$prefix" dev "gpb$id" 2>/dev/null || true; done
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
ip -n "$srv" link set "gpa$id" up; ip -n "$cli" link set "gpb$id" up
ip netns exec "$srv" ufw --force reset >/dev/null

# The role's order: refused sources, SSH, the other services, default deny + enable.
"$py" - "$project/inventory/host_vars/$host.yml" > "$work/args" <<'PY'
import sys, yaml
v = yaml.safe_load(open(sys.argv[1]))
q = lambda s: "'" + str(s).replace("'", "") + "'"
for d in v.get("firewall_deny", []):
    print(f"rule=deny from_ip={q(d['src'])} comment={q(d['comment'])}")
allow = v.get("firewall_allow", [])
for a in [a for a in allow if a["service"] == "ssh"] + [a for a in allow if a["service"] != "ssh"]:
    print(f"rule=allow proto={a['proto']} to_port={a['port']} from_ip={q(a['src'])} comment={q(a['comment'])}")
print("state=enabled policy=deny direction=incoming")
PY
while read -r args; do
  ip netns exec "$srv" env ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False \
    "$ansible" localhost -c local -e "ansible_python_interpreter=$py" -m community.general.ufw -a "$args" > "$work/out" 2>&1 \
    || { cat "$work/out" >&2; exit 1; }
done < "$work/args"
ip netns exec "$srv" ufw status numbered >&2

# With IN_PLACE=1: the role's own read ("Read the firewall in place", from the rendered tasks)
# and its defaults decide `firewall_in_place` against this real ufw, as loaded and after changes.
if [ "${IN_PLACE:-}" = 1 ]; then
  mkdir -p "$work/roles/firewall/tasks"
  cp -r "$project/roles/firewall/defaults" "$work/roles/firewall/"
  "$py" - "$project/roles/firewall/tasks/main.yml" > "$work/roles/firewall/tasks/main.yml" <<'PY'
import sys, yaml
tasks = yaml.safe_load(open(sys.argv[1]))
read = [t for t in tasks if t.get("name") == "Read the firewall in place"]
assert len(read) == 1, "no task 'Read the firewall in place'"
print(yaml.safe_dump(read + [{"name": "verdict", "ansible.builtin.debug": {"msg": "in place: {{ firewall_in_place }}"}}]))
PY
  printf -- '- hosts: localhost\n  gather_facts: false\n  roles: [firewall]\n' > "$work/play.yml"
  verdict() {
    ip netns exec "$srv" env ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False ANSIBLE_ROLES_PATH="$work/roles" \
      "$repo/.venv/bin/ansible-playbook" -c local -e "ansible_python_interpreter=$py" \
      -e "@$project/inventory/host_vars/$host.yml" "$@" "$work/play.yml" 2>&1 \
      | sed -n 's/.*"msg": "in place: \(.*\)".*/\1/p'
  }
  echo "in place as loaded: $(verdict)"
  printf 'firewall_deny:\n  - { src: 192.0.2.1, comment: deliberate lock-out }\n' > "$work/deny.yml"
  echo "in place with a deny the host lacks: $(verdict -e "@$work/deny.yml")"
  ip netns exec "$srv" ufw allow 8000/tcp comment 'added by hand' >/dev/null
  echo "in place with a rule added by hand: $(verdict)"
  ip netns exec "$srv" ufw allow from 192.0.2.7 to any port 9999 proto tcp comment 'old from public' >/dev/null
  echo "in place with a rule of ours the spec dropped: $(verdict)"
  ip netns exec "$srv" ufw delete allow from 192.0.2.7 to any port 9999 proto tcp >/dev/null
  ip netns exec "$srv" ufw --force disable >/dev/null
  echo "in place with ufw off: $(verdict)"
  exit 0
fi

ports=$(for p in $probes; do echo "${p##*:}"; done | sort -u | tr '\n' ' ')
ip netns exec "$srv" "$py" -c "
import socket, time, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('${addr%/*}', port)); s.listen(16); s.settimeout(0.5)
    end = time.time() + 20
    while time.time() < end:
        try: c, _ = s.accept(); c.close()
        except OSError: pass
for p in '$ports'.split(): threading.Thread(target=serve, args=(int(p),), daemon=True).start()
time.sleep(20)
" &
server=$!
sleep 0.7
for p in $probes; do
  ip netns exec "$cli" "$py" -c "
import socket
s = socket.socket(); s.settimeout(1.5); s.bind(('${p%%:*}', 0))
try:
    s.connect(('${addr%/*}', ${p##*:})); print('${p%%:*} -> ${p##*:}: open')
except OSError:
    print('${p%%:*} -> ${p##*:}: blocked')
"
done
kill "$server" 2>/dev/null || true
