import Spec

/// ufw from the spec's services policy (`acceptRules(for:)`): refused sources first, then SSH,
/// then the other services, then default deny. A rollback is armed before any change and
/// disarmed only after a *new* SSH connection succeeds through the new rules, so a rule
/// that locks the admins out is undone by itself.
struct FirewallRole: AnsibleRole {
    let name = "firewall"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Install the rollback script
              ansible.builtin.copy:
                src: gpucluster-firewall-revert
                dest: /usr/local/sbin/gpucluster-firewall-revert
                owner: root
                group: root
                mode: "0755"

            # One read decides: with ufw on, denying by default, and exactly the spec's rules of
            # ours in place (`ufw show added`), nothing below runs: a no-change apply costs
            # this one command instead of a ufw call per rule and a confirmed reconnect.
            - name: Read the firewall in place
              ansible.builtin.shell: ufw status verbose && ufw show added
              register: firewall_now
              changed_when: false
              check_mode: false

            - name: Change the firewall to the spec's rules, confirmed by a new SSH connection
              when: not firewall_in_place
              block:
                - name: Track open connections before any rule can drop packets
                  # A kernel with no rules tracks no connections; enabling ufw would then see the
                  # packets of SSH sessions opened before (Ansible's own, from the bastion) as new
                  # and drop them. With tracking on, the next packet of each session registers it,
                  # and the firewall's "established" rule keeps it open.
                  ansible.builtin.iptables:
                    chain: INPUT
                    ctstate: [ESTABLISHED, RELATED]
                    jump: ACCEPT
                    action: insert
                    comment: gpucluster keeps open sessions across firewall changes

                - name: Save the current rules and arm the rollback
                  ansible.builtin.shell: |
                    set -eo pipefail
                    mkdir -p /var/lib/gpucluster/ufw-previous
                    rm -f /var/lib/gpucluster/ufw-previous/rolled-back
                    cp /etc/ufw/user.rules /etc/ufw/user6.rules /var/lib/gpucluster/ufw-previous/
                    ufw status | head -n 1 > /var/lib/gpucluster/ufw-previous/status
                    systemctl stop gpucluster-firewall-rollback.timer 2>/dev/null || true
                    systemd-run --collect --unit=gpucluster-firewall-rollback --timer-property=AccuracySec=1s \\
                      --on-active={{ firewall_rollback_seconds }} /usr/local/sbin/gpucluster-firewall-revert
                  args:
                    executable: /bin/bash
                  changed_when: false
                  when: not ansible_check_mode

                - name: Refuse the sources the spec excludes, before any allow
                  community.general.ufw:
                    rule: deny
                    from_ip: "{{ item.src }}"
                    comment: "{{ item.comment }}"
                    # First, also on a host that already has allow rules (ufw appends otherwise).
                    insert: 1
                  loop: "{{ firewall_deny }}"
                  loop_control:
                    label: "{{ item.src }}"

                - name: Allow SSH first, from where the spec allows it
                  community.general.ufw:
                    rule: allow
                    proto: "{{ item.proto }}"
                    to_port: "{{ item.port }}"
                    from_ip: "{{ item.src }}"
                    comment: "{{ item.comment }}"
                  loop: "{{ firewall_allow | selectattr('service', 'equalto', 'ssh') | list }}"
                  loop_control:
                    label: "{{ item.comment }}"

                - name: Allow the other services
                  community.general.ufw:
                    rule: allow
                    proto: "{{ item.proto }}"
                    to_port: "{{ item.port }}"
                    from_ip: "{{ item.src }}"
                    comment: "{{ item.comment }}"
                  loop: "{{ firewall_allow | rejectattr('service', 'equalto', 'ssh') | list }}"
                  loop_control:
                    label: "{{ item.comment }}"

                # A service taken out of the spec must not stay open: rules with gpucluster's
                # comments that the spec no longer has go. Rules added by hand are left alone.
                - name: Remove the rules the spec no longer has
                  community.general.ufw:
                    # `ufw ACTION from SRC [to any port PORT proto PROTO] comment '…'`
                    rule: "{{ item.split(' ')[1] }}"
                    from_ip: "{{ item.split(' ')[3] }}"
                    to_port: "{{ item.split(' comment ')[0].split(' port ')[1].split(' ')[0] if ' port ' in item.split(' comment ')[0] else omit }}"
                    proto: "{{ item.split(' comment ')[0].split(' proto ')[1].split(' ')[0] if ' proto ' in item.split(' comment ')[0] else omit }}"
                    delete: true
                  loop: "{{ firewall_now.stdout_lines | select('match', firewall_managed_pattern) | reject('in', firewall_rules) | list }}"

                - name: Deny everything else and turn the firewall on
                  community.general.ufw:
                    state: enabled
                    policy: deny
                    direction: incoming

            # Outside the blocks: meta tasks take no condition. A no-change apply pays one
            # reconnect per host for it.
            - name: Open a new SSH connection through the new rules
              ansible.builtin.meta: reset_connection

            - name: Confirm the new rules by that connection, then disarm the rollback
              when: not firewall_in_place
              block:
                - name: Wait until the new connection works
                  ansible.builtin.wait_for_connection:
                    timeout: 30

                # A fresh TCP connection from the machine running Ansible, whatever the strategy:
                # Mitogen keeps its connection across reset_connection, and an established
                # connection survives a rule that refuses new ones.
                - name: Reach SSH through the new rules from the machine running Ansible
                  ansible.builtin.wait_for:
                    host: "{{ ansible_host | default(inventory_hostname) }}"
                    port: "{{ ansible_port | default(22) }}"
                    timeout: "{{ firewall_rollback_seconds | int + 30 }}"
                  delegate_to: localhost
                  become: false
                  when: not ansible_check_mode

                - name: Disarm the rollback (fails if it already ran, the new rules having cut SSH off)
                  ansible.builtin.shell: |
                    set -e
                    if [ -e /var/lib/gpucluster/ufw-previous/rolled-back ]; then
                      echo "the rollback already ran: the new rules cut SSH off and were undone" >&2
                      exit 1
                    fi
                    systemctl stop gpucluster-firewall-rollback.timer
                  changed_when: false
                  when: not ansible_check_mode

            """,
             defaults: """
            # Seconds after which new rules are undone unless a new SSH connection confirmed them.
            firewall_rollback_seconds: 300
            firewall_deny: []
            firewall_allow: []
            # The same rules as `ufw show added` prints them, built from the two lists above (so
            # an override of either, e.g. `-e firewall_deny=…`, is what gets compared), and what
            # marks a rule as gpucluster's: its comment.
            firewall_rules: >-
              {{ (firewall_deny | map(attribute='src') | map('regex_replace', '^', 'ufw deny from ')
                  | zip(firewall_deny | map(attribute='comment') | map('regex_replace', '^', " comment '") | map('regex_replace', '$', "'"))
                  | map('join') | list)
                 + (firewall_allow | map(attribute='src') | map('regex_replace', '^', 'ufw allow from ')
                  | zip(firewall_allow | map(attribute='port') | map('regex_replace', '^', ' to any port '),
                        firewall_allow | map(attribute='proto') | map('regex_replace', '^', ' proto '),
                        firewall_allow | map(attribute='comment') | map('regex_replace', '^', " comment '") | map('regex_replace', '$', "'"))
                  | map('join') | list) }}
            firewall_managed_pattern: "^ufw (allow|deny) .* comment '([a-z0-9-]+|never) from .*'$"
            # On, default deny, every rule of the spec's in place, and no rule of ours it lacks.
            firewall_in_place: >-
              {{ 'Status: active' in firewall_now.stdout_lines
                 and 'Default: deny (incoming)' in firewall_now.stdout
                 and (firewall_rules | difference(firewall_now.stdout_lines) | length) == 0
                 and (firewall_now.stdout_lines | select('match', firewall_managed_pattern)
                      | difference(firewall_rules) | length) == 0 }}

            """,
             files: [("gpucluster-firewall-revert", """
            #!/bin/sh
            # Undo the last firewall change: the apply that made it never confirmed a new SSH
            # connection through it (gpucluster firewall role).
            set -e
            saved=/var/lib/gpucluster/ufw-previous
            # The marker first: an SSH connection that works again thanks to this revert must
            # already find it (the apply that armed the rollback then fails, as it should).
            date -u +%FT%TZ > "$saved/rolled-back"
            if [ -f "$saved/user.rules" ]; then
              cp "$saved/user.rules" /etc/ufw/user.rules
              [ -f "$saved/user6.rules" ] && cp "$saved/user6.rules" /etc/ufw/user6.rules
            fi
            if grep -q inactive "$saved/status" 2>/dev/null; then
              ufw --force disable
            else
              ufw reload
            fi
            logger -t gpucluster "firewall rolled back: the new rules were not confirmed by a new SSH connection"

            """)])
    }
}
