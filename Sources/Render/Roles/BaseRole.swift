import Spec

/// Host name, /etc/hosts with every cluster host, base packages, time zone and time sync.
struct BaseRole: AnsibleRole {
    let name = "base"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            # Before anything is written: the host runs the release cluster.yaml says (cluster.os,
            # or its own os:), whose packages and paths the roles expect.
            - name: Check that the host runs the Debian release cluster.yaml says
              ansible.builtin.assert:
                that:
                  - ansible_distribution == 'Debian'
                  - gpucluster_os == 'debian-' ~ ansible_distribution_major_version
                fail_msg: >-
                  {{ inventory_hostname }} runs {{ ansible_distribution }} {{ ansible_distribution_version }}
                  ({{ ansible_distribution_release }}), but cluster.yaml says {{ gpucluster_os }}:
                  correct its os: in cluster.yaml, or upgrade the host first (gpucluster upgrade --limit {{ inventory_hostname }})
                quiet: true

            # Debian's way (/etc/hostname and `hostname`), not the hostname module: on a systemd
            # host it always asks systemd-hostnamed over D-Bus, which can take 25 s to answer (or
            # time out) on a busy host even when nothing changes (seen in the lab).
            - name: Set the host name
              ansible.builtin.shell: |
                set -e
                changed=
                if [ "$(cat /etc/hostname 2>/dev/null)" != "$NAME" ]; then
                  changed=yes
                  [ "$CHECK" = True ] || printf '%s\\n' "$NAME" > /etc/hostname
                fi
                if [ "$(hostname)" != "$NAME" ]; then
                  changed=yes
                  [ "$CHECK" = True ] || hostname "$NAME"
                fi
                echo "${changed:-same}"
              environment:
                NAME: "{{ inventory_hostname }}"
                CHECK: "{{ ansible_check_mode }}"
              register: base_hostname
              changed_when: base_hostname.stdout == 'yes'
              check_mode: false

            - name: Write /etc/hosts with every cluster host
              ansible.builtin.template:
                src: hosts.j2
                dest: /etc/hosts
                owner: root
                group: root
                mode: "0644"

            # apt's own reading (package_facts) loads the whole package cache: seconds per host
            # once the driver's pins are in place. dpkg's database says the same in milliseconds,
            # as `gpucluster_installed` (name → version). Every role's install task runs only
            # when one of its packages is missing.
            - name: Read which packages are installed
              ansible.builtin.shell:
                executable: /bin/bash
                cmd: >-
                  set -o pipefail;
                  dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\\n'
                  | awk 'BEGIN {printf "{"} $1 ~ /^.i/ {printf "%s\\"%s\\": \\"%s\\"", sep, $2, $3; sep = ", "} END {print "}"}'
              register: base_installed
              changed_when: false
              check_mode: false

            # What every role of the main play needs here, in one apt run (`base_packages`,
            # host vars): a task per role cost a round trip per host on every run.
            - name: Install the packages this host's roles need
              ansible.builtin.apt:
                name: "{{ base_packages }}"
                state: present
                update_cache: true
                cache_valid_time: 3600
              when: base_packages | reject('in', gpucluster_installed) | list | length > 0

            # The time zone as Debian's tzdata keeps it (two files), not through timedatectl:
            # its D-Bus call can time out on a busy host and then reads as a change.
            - name: Set the time zone
              ansible.builtin.file:
                src: /usr/share/zoneinfo/{{ gpucluster_timezone }}
                dest: /etc/localtime
                state: link
                force: true
                owner: root
                group: root

            - name: Name the time zone in /etc/timezone
              ansible.builtin.copy:
                content: "{{ gpucluster_timezone }}\n"
                dest: /etc/timezone
                owner: root
                group: root
                mode: "0644"

            - name: Keep the clock in sync (a container's clock is its host's)
              ansible.builtin.service:
                name: chrony
                state: started
                enabled: true
              when: ansible_virtualization_role != 'guest' or ansible_virtualization_type not in base_container_types

            """,
             defaults: """
            # Container kinds (Ansible's virtualization facts) that share the host's clock:
            # chrony cannot set it there (systemd skips it), so it is not asked to run.
            base_container_types: \(Roles.containerTypes)

            """,
             templates: [("hosts.j2", """
            # {{ ansible_managed }}
            127.0.0.1 localhost
            ::1 localhost ip6-localhost ip6-loopback
            {% for h in gpucluster_hosts %}
            {{ h.address }} {{ h.name }}{% if gpucluster_domain %}.{{ gpucluster_domain }}{% endif %} {{ h.name }}
            {% endfor %}

            """)])
    }
}
