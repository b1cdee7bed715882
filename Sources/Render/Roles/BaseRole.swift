import Spec

/// Host name, /etc/hosts with every cluster host, base packages, time zone and time sync.
struct BaseRole: AnsibleRole {
    let name = "base"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Set the host name
              ansible.builtin.hostname:
                name: "{{ inventory_hostname }}"
              # hostnamectl asks systemd-hostnamed over D-Bus, which can time out on a busy host.
              register: base_hostname
              retries: 2
              delay: 5
              until: base_hostname is succeeded

            - name: Write /etc/hosts with every cluster host
              ansible.builtin.template:
                src: hosts.j2
                dest: /etc/hosts
                owner: root
                group: root
                mode: "0644"

            # apt is the slowest module to start (it loads the package cache): every role's
            # install task runs only when one of its packages is missing.
            - name: Read which packages are installed
              ansible.builtin.package_facts:
                manager: apt
              # Without python3-apt this fails; every install task then simply runs (and the
              # apt module installs python3-apt).
              failed_when: false

            - name: Install the base packages
              ansible.builtin.apt:
                name: "{{ base_packages }}"
                state: present
                update_cache: true
                cache_valid_time: 3600
              when: base_packages | reject('in', ansible_facts.packages | default({})) | list | length > 0

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
            base_packages:
              - chrony
              - python3
              - rsync
              - smartmontools
              - ufw

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
