import Planning
import Spec

/// NFSv4 only (port 2049, no rpcbind/mountd ports to open), exports with root_squash (the
/// spec refuses no_root_squash); the other hosts mount them.
struct NFSRole: AnsibleRole {
    let name = "nfs"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: NFSv4 only
              ansible.builtin.copy:
                dest: /etc/nfs.conf.d/gpucluster.conf
                content: |
                  # Managed by gpucluster (nfs role): edit cluster.yaml, not this file.
                  [nfsd]
                  vers3=n
                owner: root
                group: root
                mode: "0644"
              when: inventory_hostname in groups['\(Assignment.group(.nfsServer))']
              notify: Restart the NFS server

            - name: Create /etc/exports.d
              ansible.builtin.file:
                path: /etc/exports.d
                state: directory
                owner: root
                group: root
                mode: "0755"
              when: inventory_hostname in groups['\(Assignment.group(.nfsServer))']

            - name: Export the spec's paths
              ansible.builtin.template:
                src: gpucluster.exports.j2
                dest: /etc/exports.d/gpucluster.exports
                owner: root
                group: root
                mode: "0644"
              when: inventory_hostname in groups['\(Assignment.group(.nfsServer))']
              notify: Re-export

            - name: NFSv4 needs neither rpcbind nor statd, so stop and mask them (nothing listens on 111)
              ansible.builtin.systemd:
                name: "{{ item }}"
                state: stopped
                masked: true
              loop:
                - rpcbind.socket
                - rpcbind.service
                - rpc-statd.service

            - name: Mount the exports
              ansible.posix.mount:
                src: "{{ gpucluster_nfs_server }}:{{ item.path }}"
                path: "{{ item.path }}"
                fstype: nfs4
                opts: defaults,_netdev
                state: "{{ 'mounted' if nfs_active else 'present' }}"
              loop: "{{ gpucluster_nfs_exports }}"
              loop_control:
                label: "{{ item.path }}"
              when: inventory_hostname not in groups['\(Assignment.group(.nfsServer))']

            """,
             handlers: """
            - name: Restart the NFS server
              ansible.builtin.service:
                name: nfs-server
                state: restarted
              when: nfs_active

            - name: Re-export
              ansible.builtin.command: exportfs -ra
              changed_when: true
              when: nfs_active

            """,
             defaults: """
            # false: write the server's and clients' configuration (exports, fstab) but neither
            # start the server nor mount, for kernels without NFS (the lab's containers).
            nfs_active: true

            """,
             templates: [("gpucluster.exports.j2", """
            # {{ ansible_managed }}
            {% for export in gpucluster_nfs_exports %}
            {{ export.path }} {% for net in export.to %}{{ net }}({{ export.options | join(',') }}){% if not loop.last %} {% endif %}{% endfor %}

            {% endfor %}

            """)])
    }
}
