import Spec

/// The kernel baseline (CIS Debian 12 Level 1 and dev-sec's linux baseline, adapted): sysctl
/// settings, network protocols nobody uses here and USB storage kept from loading, and no core
/// dumps from setuid programs. A container can set only its network namespace's values (the
/// host's kernel owns the rest), so there the kernel file is left out.
struct KernelHardeningRole: AnsibleRole {
    let name = "kernel_hardening"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Network settings (sysctl)
              ansible.builtin.template:
                src: 60-gpucluster-net.conf.j2
                dest: /etc/sysctl.d/60-gpucluster-net.conf
                owner: root
                group: root
                mode: "0644"
              notify: Apply the network settings

            # ufw applies its own sysctl file whenever it starts, and that file turns martian
            # logging off again (found by `gpucluster audit`'s kernel check after a re-apply).
            - name: Keep ufw from turning martian logging off when it starts
              ansible.builtin.lineinfile:
                path: /etc/ufw/sysctl.conf
                regexp: '^#?\\s*net/ipv4/conf/all/log_martians\\s*='
                line: net/ipv4/conf/all/log_martians=1

            - name: Kernel settings (sysctl), not in a container
              ansible.builtin.template:
                src: 60-gpucluster-kernel.conf.j2
                dest: /etc/sysctl.d/60-gpucluster-kernel.conf
                owner: root
                group: root
                mode: "0644"
              when: ansible_virtualization_role != 'guest' or ansible_virtualization_type not in kernel_hardening_container_types
              notify: Apply the kernel settings

            - name: Create /etc/modprobe.d (a minimal Debian has no kmod yet)
              ansible.builtin.file:
                path: /etc/modprobe.d
                state: directory
                owner: root
                group: root
                mode: "0755"

            - name: Keep unused network protocols and USB storage from loading
              ansible.builtin.template:
                src: gpucluster-hardening.modprobe.j2
                dest: /etc/modprobe.d/gpucluster-hardening.conf
                owner: root
                group: root
                mode: "0644"

            """,
             handlers: """
            - name: Apply the network settings
              ansible.builtin.command:
                cmd: /sbin/sysctl -q -p /etc/sysctl.d/60-gpucluster-net.conf
              changed_when: true

            - name: Apply the kernel settings
              ansible.builtin.command:
                cmd: /sbin/sysctl -q -p /etc/sysctl.d/60-gpucluster-kernel.conf
              changed_when: true

            """,
             defaults: """
            # Container kinds (Ansible's virtualization facts) where only net.* can be set.
            kernel_hardening_container_types: \(Roles.containerTypes)
            # No kernel addresses or log for users, ptrace only of one's own children, no
            # tricks with links and FIFOs in shared folders, no core dumps of setuid programs.
            kernel_hardening_kernel_sysctl:
            \(Self.yamlMap(KernelBaseline.kernel))
            # No ICMP redirects or source routes, reverse-path filtering, SYN cookies.
            kernel_hardening_net_sysctl:
            \(Self.yamlMap(KernelBaseline.net))
            # Modules that may not load: network protocols a research cluster does not use.
            kernel_hardening_blocked_modules: [\(KernelBaseline.blockedModules.joined(separator: ", "))]
            # USB sticks: off by default (data comes over the network, and leaves it the same way).
            kernel_hardening_usb_storage: false

            """,
             templates: [("60-gpucluster-net.conf.j2", Self.sysctlFile("kernel_hardening_net_sysctl")),
                         ("60-gpucluster-kernel.conf.j2", Self.sysctlFile("kernel_hardening_kernel_sysctl")),
                         ("gpucluster-hardening.modprobe.j2", """
            # {{ ansible_managed }}
            {% for module in kernel_hardening_blocked_modules %}
            install {{ module }} /bin/false
            blacklist {{ module }}
            {% endfor %}
            {% if not kernel_hardening_usb_storage %}
            install usb-storage /bin/false
            blacklist usb-storage
            {% endif %}

            """)])
    }

    /// `  key: value` lines (the defaults' sysctl maps).
    static func yamlMap(_ pairs: [(String, Int)]) -> String {
        pairs.map { "  \($0.0): \($0.1)" }.joined(separator: "\n")
    }

    static func sysctlFile(_ variable: String) -> String {
        """
        # {{ ansible_managed }}
        {% for key, value in \(variable) | dictsort %}
        {{ key }} = {{ value }}
        {% endfor %}

        """
    }
}
