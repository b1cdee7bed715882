import Spec

/// Every user on every host with the same uid/gid (NFS homes), logins by key only (the
/// password is locked); service accounts only on their hosts.
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

            - name: Create the users, same uid everywhere, password locked
              ansible.builtin.user:
                name: "{{ item.name }}"
                uid: "{{ item.uid }}"
                group: "{{ item.name }}"
                shell: "{{ item.shell }}"
                password: "!"
                update_password: on_create
              loop: "{{ gpucluster_users }}"
              loop_control:
                label: "{{ item.name }}"

            - name: Install each user's SSH keys (only these)
              ansible.posix.authorized_key:
                user: "{{ item.name }}"
                key: "{{ lookup('ansible.builtin.file', playbook_dir + '/keys/' + item.name + '.pub') }}"
                exclusive: true
              loop: "{{ gpucluster_users }}"
              loop_control:
                label: "{{ item.name }}"

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

            """)
    }
}
