import Spec

/// sudo: admins without a password, users none, service accounts only their exact command
/// lines. Checked with `visudo -c` before it is installed.
struct SudoRole: AnsibleRole {
    let name = "sudo"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Admins and service accounts in sudoers.d
              ansible.builtin.template:
                src: gpucluster.sudoers.j2
                dest: /etc/sudoers.d/gpucluster
                owner: root
                group: root
                mode: "0440"
                validate: /usr/sbin/visudo -c -q -f %s

            """,
             templates: [("gpucluster.sudoers.j2", """
            # {{ ansible_managed }}
            # Admins: passwordless sudo. Other users: none.
            {% for admin in gpucluster_admins %}
            {{ admin }} ALL=(ALL:ALL) NOPASSWD: ALL
            {% endfor %}
            # Service accounts: these exact command lines, nothing else.
            {% for account in gpucluster_service_accounts %}
            {% for command in account.sudo %}
            {{ account.name }} ALL=(root) NOPASSWD: {{ command }}
            {% endfor %}
            {% endfor %}

            """)])
    }
}
