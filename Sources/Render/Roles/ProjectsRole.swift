import Spec

/// Shared project folders (`projects:`) on the NFS server: owned by root and the project's
/// group, setgid so that what a member creates belongs to the group, and closed to everyone
/// else (2770). The groups and their members are the users role's, on every host.
struct ProjectsRole: AnsibleRole {
    let name = "projects"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Create the folders that hold the project folders
              ansible.builtin.file:
                path: "{{ item.path | dirname }}"
                state: directory
                owner: root
                group: root
                mode: "0755"
              loop: "{{ gpucluster_projects | unique(attribute='path') }}"
              loop_control:
                label: "{{ item.path | dirname }}"

            - name: Create each project's folder, for its members only
              ansible.builtin.file:
                path: "{{ item.path }}"
                state: directory
                owner: root
                group: "{{ item.name }}"
                mode: "2770"
              loop: "{{ gpucluster_projects }}"
              loop_control:
                label: "{{ item.name }} {{ item.path }}"

            """)
    }
}
