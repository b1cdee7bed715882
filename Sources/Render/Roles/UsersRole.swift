import Spec

/// Every user on every host with the same uid/gid (NFS homes), logins by key only (the
/// password is locked); service accounts only on their hosts. Homes are private (0700, or
/// 0750 for the user's own group), users' umask is the spec's (027), and project groups
/// (`projects:`) have the same gid everywhere, with exactly their members.
struct UsersRole: AnsibleRole {
    let name = "users"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Create each user's group, same gid everywhere
              ansible.builtin.group:
                name: "{{ item.name }}"
                gid: "{{ item.gid }}"
              loop: "{{ gpucluster_users }}"
              loop_control:
                label: "{{ item.name }}"

            - name: Create each project's group, same gid everywhere
              ansible.builtin.group:
                name: "{{ item.name }}"
                gid: "{{ item.gid }}"
              loop: "{{ gpucluster_projects }}"
              loop_control:
                label: "{{ item.name }}"

            # New homes private (useradd reads HOME_MODE), files private to their owner's group.
            - name: Make new homes and files private (login.defs)
              ansible.builtin.lineinfile:
                path: /etc/login.defs
                regexp: '^#?\\s*{{ item.key }}\\s'
                line: "{{ item.key }} {{ item.value }}"
              loop: "{{ {'UMASK': gpucluster_umask, 'HOME_MODE': gpucluster_home_mode} | dict2items }}"
              loop_control:
                label: "{{ item.key }} {{ item.value }}"

            # pam_umask applies login.defs' UMASK to every session (ssh, su, cron); nousergroups
            # keeps it as written (Debian would turn 027 into 007 for users with their own group).
            - name: Give every session the users' umask
              ansible.builtin.lineinfile:
                path: /etc/pam.d/common-session
                regexp: 'pam_umask\\.so'
                line: session optional pam_umask.so nousergroups
                insertafter: EOF

            - name: Create the users, same uid everywhere, password locked
              ansible.builtin.user:
                name: "{{ item.name }}"
                uid: "{{ item.uid }}"
                group: "{{ item.name }}"
                groups: "{{ item.groups | join(',') }}"
                append: false
                shell: "{{ item.shell }}"
                password: "!"
                update_password: on_create
              loop: "{{ gpucluster_users }}"
              loop_control:
                label: "{{ item.name }}"

            # As the user (like the keys below): on an NFS home root is squashed, and the user
            # owns the folder anyway.
            - name: Keep each home private
              ansible.builtin.file:
                path: "/home/{{ item.name }}"
                mode: "{{ gpucluster_home_mode }}"
                follow: false
              become: true
              become_user: "{{ item.name }}"
              loop: "{{ gpucluster_users }}"
              loop_control:
                label: "{{ item.name }}"

            # Homes are the users' own: root never writes there. A link where a key file goes
            # (alice: ~/.ssh/authorized_keys -> /etc/shadow) is looked for and reported, and
            # the keys are written as the user, so no link, hard link or swapped folder can
            # lend root's rights; that also works on NFS homes with root_squash.
            - name: Look for links where each user's SSH keys go (never written through)
              ansible.builtin.stat:
                path: "/home/{{ item.0.name }}/{{ item.1 }}"
                follow: false
                get_checksum: false
                get_mime: false
                get_attributes: false
              become: true
              become_user: "{{ item.0.name }}"
              loop: "{{ gpucluster_users | product(['.ssh', '.ssh/authorized_keys']) | list }}"
              loop_control:
                label: "{{ item.0.name }} ~/{{ item.1 }}"
              register: users_ssh_paths
              changed_when: users_ssh_paths.stat.islnk | default(false)
              notify: Report links in homes

            - name: Install each user's SSH keys (only these), as the user
              ansible.posix.authorized_key:
                user: "{{ item.name }}"
                key: "{{ lookup('ansible.builtin.file', playbook_dir + '/keys/' + item.name + '.pub') }}"
                exclusive: true
              become: true
              become_user: "{{ item.name }}"
              loop: "{{ gpucluster_users }}"
              loop_control:
                label: "{{ item.name }}"
              when: item.name not in (users_ssh_paths.results | selectattr('stat.islnk', 'defined') | selectattr('stat.islnk')
                    | map(attribute='item.0.name') | list)

            - name: Create the service accounts that live on this host
              ansible.builtin.user:
                name: "{{ item.name }}"
                uid: "{{ item.uid }}"
                system: true
                shell: /bin/sh
                password: "!"
                update_password: on_create
              loop: "{{ gpucluster_service_accounts }}"
              loop_control:
                label: "{{ item.name }}"

            """,
             handlers: """
            # At the end of the play, so the rest of the host is still configured.
            - name: Report links in homes
              ansible.builtin.fail:
                msg: >-
                  Not written through a link (a user's link may aim at a system file; remove it and apply again):
                  {% for r in users_ssh_paths.results if r.stat.islnk | default(false) %}
                  {{ r.stat.path }} -> {{ r.stat.lnk_target | default('?') }}{{ ';' if not loop.last }}
                  {% endfor %}

            """)
    }
}
