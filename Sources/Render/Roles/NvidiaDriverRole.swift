import Spec

/// The NVIDIA stack on compute hosts (`gpu:`): the driver from Debian's non-free or NVIDIA's
/// repository (its key pinned by fingerprint), pinned to the spec's version and held so that
/// neither apt nor unattended-upgrades moves it, the persistence daemon, the fabric manager on
/// NVSwitch systems, nouveau blacklisted, and optionally the container toolkit.
///
/// A driver change is a spec change: the role moves the packages to the new version and a
/// reboot follows, one host at a time (`throttle: 1`); until the reboot the old kernel module
/// answers the new library with "Driver/library version mismatch", which the agent reports.
/// In a container the kernel module belongs to the machine: the role sets up the repository,
/// pin and hold and resolves the package set with apt's simulation, and says it skips the rest.
struct NvidiaDriverRole: AnsibleRole {
    let name = "nvidia_driver"

    /// What a compute host on another release than the cluster's gets instead of the role's
    /// defaults: that release's branch, when the spec names none (empty otherwise).
    static func hostVars(_ h: Spec.Host, _ spec: ClusterSpec) -> [(String, YAMLValue)] {
        guard h.has(.compute) else { return [] }
        let mine = spec.gpu.on(spec.release(of: h))
        guard mine.driver.value != spec.gpu.on(spec.release).driver.value else { return [] }
        return [("nvidia_driver_version", .string(mine.driver.value)), ("nvidia_driver_pin_version", .string(mine.pinVersion)),
                ("nvidia_driver_version_regex", .string(mine.versionRegex)),
                ("nvidia_driver_fabric_manager", .string("nvidia-fabricmanager-\(mine.branch)"))]
    }

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        // The cluster's release here; a host on another one gets its own version (hostVars).
        let g = spec.gpu.on(spec.release)
        let main = g.source.value == .debian ? "nvidia-driver" : "cuda-drivers-\(g.branch)"
        var keys: [(name: String, url: String, fingerprint: String)] = []
        if g.source.value == .nvidia { keys.append(("cuda", GPUStack.cudaRepositoryKey.url, GPUStack.cudaRepositoryKey.fingerprint)) }
        if g.containers.value {
            keys.append(("nvidia-container-toolkit", GPUStack.containerToolkitKey.url, GPUStack.containerToolkitKey.fingerprint))
        }
        var repositories: [(key: String, url: String)] = []
        if g.source.value == .nvidia { repositories.append(("cuda", GPUStack.cudaRepository)) }
        if g.containers.value { repositories.append(("nvidia-container-toolkit", GPUStack.containerToolkitRepository)) }
        let keysYAML = keys.isEmpty ? " []" : "\n" + keys.map {
            "  - name: \($0.name)\n    url: \"\($0.url)\"\n    fingerprint: \($0.fingerprint)"
        }.joined(separator: "\n")
        let reposYAML = repositories.isEmpty ? " []" : "\n" + repositories.map { "  - { key: \($0.key), url: \"\($0.url)\" }" }.joined(separator: "\n")
        let debianSources = GPUStack.debianSources(mirror: "{{ nvidia_driver_mirror }}", release: "{{ ansible_distribution_release }}")
            .replacingOccurrences(of: "Components: \(GPUStack.debianComponents.joined(separator: " "))",
                                  with: "Components: {{ nvidia_driver_components | join(' ') }}")
        return role(tasks: """
            - name: Say what a container leaves to the machine
              ansible.builtin.debug:
                msg: >-
                  NVIDIA kernel module build and load skipped: this host is a container ({{ ansible_virtualization_type }}),
                  and the module belongs to the machine it runs on. The repository, the pin, the hold and the package set
                  (resolved by apt's simulation) are set up as on a GPU server.
              when: not nvidia_driver_on_metal

            - name: Blacklist nouveau (it would claim the GPUs before the NVIDIA driver)
              ansible.builtin.template:
                src: gpucluster-blacklist-nouveau.conf.j2
                dest: /etc/modprobe.d/gpucluster-blacklist-nouveau.conf
                owner: root
                group: root
                mode: "0644"
              notify: Rebuild the initramfs

            - name: Add Debian's contrib, non-free and non-free-firmware components
              ansible.builtin.template:
                src: gpucluster-nvidia-debian.sources.j2
                dest: /etc/apt/sources.list.d/gpucluster-nvidia-debian.sources
                owner: root
                group: root
                mode: "0644"
              when: nvidia_driver_source == 'debian'

            - name: Install gpg to check NVIDIA's signing keys
              ansible.builtin.apt:
                name: gpg
                state: present
                update_cache: true
                cache_valid_time: 3600
              when: nvidia_driver_keys | length > 0 and 'gpg' not in gpucluster_installed

            - name: Fetch NVIDIA's signing keys
              ansible.builtin.get_url:
                url: "{{ item.url }}"
                dest: "/var/lib/gpucluster/keys/{{ item.name }}.asc"
                owner: root
                group: root
                mode: "0644"
              loop: "{{ nvidia_driver_keys }}"

            - name: Refuse a signing key whose fingerprint is not the pinned one
              ansible.builtin.command:
                cmd: gpg --show-keys --with-colons /var/lib/gpucluster/keys/{{ item.name }}.asc
              register: nvidia_driver_key_check
              changed_when: false
              check_mode: false
              failed_when: >-
                nvidia_driver_key_check.rc != 0 or
                ('fpr:::::::::' ~ item.fingerprint ~ ':') not in nvidia_driver_key_check.stdout
              loop: "{{ nvidia_driver_keys }}"

            - name: Trust the checked keys for their repositories only
              ansible.builtin.copy:
                src: "/var/lib/gpucluster/keys/{{ item.name }}.asc"
                dest: "/etc/apt/keyrings/gpucluster-{{ item.name }}.asc"
                remote_src: true
                owner: root
                group: root
                mode: "0644"
              loop: "{{ nvidia_driver_keys }}"

            - name: Add NVIDIA's repositories
              ansible.builtin.template:
                src: gpucluster-nvidia.list.j2
                dest: /etc/apt/sources.list.d/gpucluster-nvidia.list
                owner: root
                group: root
                mode: "0644"
              when: nvidia_driver_repositories | length > 0

            - name: Pin the driver to the spec's version
              ansible.builtin.template:
                src: gpucluster-nvidia.pref.j2
                dest: /etc/apt/preferences.d/gpucluster-nvidia
                owner: root
                group: root
                mode: "0644"

            - name: Keep unattended-upgrades away from the driver
              ansible.builtin.template:
                src: 53gpucluster-nvidia.j2
                dest: /etc/apt/apt.conf.d/53gpucluster-nvidia
                owner: root
                group: root
                mode: "0644"

            # apt's policy and simulation take seconds on a host with the driver's pins (every
            # package is matched against them): their answer is kept until apt's lists, the pins,
            # dpkg's database or the question change. The lists are updated only when they do not
            # offer the pinned version yet (never in check mode). Holds are ignored while
            # resolving: the simulation asks what the set is (held packages not yet installed, as
            # in a container, would otherwise make it unresolvable), not what apt may move.
            - name: Resolve the driver's package set from apt's lists (updated when they lack the pinned version)
              ansible.builtin.shell:
                executable: /bin/bash
                cmd: |
                  set -eo pipefail
                  resolve() {
                    key=$( { echo {{ nvidia_driver_simulate | quote }}; cat /etc/apt/preferences.d/* 2>/dev/null || true
                             stat -c '%n %Y %s' /var/lib/apt/lists/*_Packages* /var/lib/dpkg/status 2>/dev/null || true; } | sha256sum | cut -c1-32)
                    cache=/var/lib/gpucluster/nvidia-driver-apt.$key
                    if [ -s "$cache" ]; then cat "$cache"; return; fi
                    answer=$(apt-cache policy {{ nvidia_driver_main_package | quote }} | awk '/Candidate:/ {print "candidate", $2}'
                             {{ nvidia_driver_simulate }})
                    if [ "$CHECK" != True ]; then
                      mkdir -p -m 0755 /var/lib/gpucluster
                      rm -f /var/lib/gpucluster/nvidia-driver-apt.*
                      printf '%s\\n' "$answer" > "$cache.new"
                      mv "$cache.new" "$cache"
                    fi
                    printf '%s\\n' "$answer"
                  }
                  out=$(resolve)
                  if ! grep -qE "^candidate ${VERSION_REGEX#^}" <<<"$out" && [ "$CHECK" != True ]; then
                    apt-get update -q >&2
                    echo "updated apt's lists"
                    out=$(resolve)
                  fi
                  printf '%s\\n' "$out"
              environment:
                VERSION_REGEX: "{{ nvidia_driver_version_regex }}"
                CHECK: "{{ ansible_check_mode }}"
              register: nvidia_driver_resolved
              changed_when: nvidia_driver_resolved.stdout_lines[:1] == ["updated apt's lists"]
              check_mode: false

            - name: Install the driver stack
              ansible.builtin.apt:
                name: "{{ nvidia_driver_install }}"
                state: present
                install_recommends: false
                allow_change_held_packages: true
              when: nvidia_driver_on_metal and nvidia_driver_install | reject('in', gpucluster_installed) | list | length > 0
              notify: Reboot for the new driver

            # `latest` under the pin is the spec's version: this runs only when gpu.driver changed.
            - name: Move the driver to the spec's version (a spec change; a reboot follows)
              ansible.builtin.apt:  # noqa: package-latest
                name: "{{ nvidia_driver_install }}"
                state: latest
                install_recommends: false
                allow_change_held_packages: true
              when: >-
                nvidia_driver_on_metal and nvidia_driver_main_package in gpucluster_installed and
                gpucluster_installed[nvidia_driver_main_package] is not match(nvidia_driver_version_regex)
              notify: Reboot for the new driver

            # What apt's simulation would install with the driver (nothing, once it is installed),
            # what is installed, and the role's own list: every NVIDIA package among them is held.
            - name: Hold the driver's packages (apt and unattended-upgrades leave them alone)
              ansible.builtin.shell:
                executable: /bin/bash
                cmd: >-
                  set -o pipefail;
                  wanted=$( { printf '%s\\n' {{ nvidia_driver_install | map('quote') | join(' ') }};
                  printf '%s\\n' "$RESOLVED" | awk '/^Inst / {print $2}';
                  dpkg-query -W -f '${db:Status-Abbrev} ${Package}\\n' | awk '$1 ~ /^.i/ {print $2}'; }
                  | grep -E '{{ nvidia_driver_held_pattern }}' | sort -u);
                  new=$(comm -23 <(printf '%s\\n' "$wanted") <(apt-mark showhold | sort -u) | sed '/^$/d');
                  if [ -z "$new" ]; then echo "all held"; else apt-mark hold $new; fi
              environment:
                # apt's simulation above (once per run), read as data: never part of the command.
                RESOLVED: "{{ nvidia_driver_resolved.stdout }}"
              register: nvidia_driver_hold
              changed_when: nvidia_driver_hold.stdout != 'all held'

            - name: Run the persistence daemon (GPUs stay initialised between jobs)
              ansible.builtin.systemd_service:
                name: nvidia-persistenced
                enabled: true
                state: started
              when: nvidia_driver_on_metal

            - name: Run the fabric manager (NVSwitch system)
              ansible.builtin.systemd_service:
                name: nvidia-fabricmanager
                enabled: true
                state: started
              when: nvidia_driver_on_metal and nvidia_driver_nvswitch

            - name: Describe the GPUs for container runtimes (CDI)
              ansible.builtin.command:
                cmd: nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml
                creates: /etc/cdi/nvidia.yaml
              when: nvidia_driver_on_metal and nvidia_driver_containers

            """,
             handlers: """
            - name: Rebuild the initramfs
              ansible.builtin.command:
                cmd: update-initramfs -u
              changed_when: true
              when: nvidia_driver_on_metal

            # One host at a time, and Ansible waits for it to come back before the next.
            - name: Reboot for the new driver
              ansible.builtin.reboot:
                msg: "gpucluster: rebooting for NVIDIA driver {{ nvidia_driver_version }}"
                reboot_timeout: 1800
              throttle: 1
              when: nvidia_driver_on_metal

            """,
             defaults: """
            # gpu: in cluster.yaml (a driver it does not name: the branch cluster.os packages).
            nvidia_driver_version: "\(g.driver.value)"
            nvidia_driver_source: \(g.source.value.rawValue)
            nvidia_driver_containers: \(g.containers.value)
            nvidia_driver_mirror: \(g.mirror.value)
            nvidia_driver_components: [\(GPUStack.debianComponents.joined(separator: ", "))]
            # Set per host (host_vars) on NVSwitch systems.
            nvidia_driver_nvswitch: false
            nvidia_driver_main_package: \(main)
            nvidia_driver_packages: [\(g.packages(nvswitch: false).joined(separator: ", "))]
            nvidia_driver_fabric_manager: nvidia-fabricmanager-\(g.branch)
            # DKMS builds the module against the running kernel's headers (in a container, the
            # machine's kernel: the simulation resolves Debian's metapackage instead).
            nvidia_driver_install: >-
              {{ nvidia_driver_packages + (nvidia_driver_nvswitch | ternary([nvidia_driver_fabric_manager], []))
              + [nvidia_driver_on_metal | ternary('linux-headers-' ~ ansible_kernel, 'linux-headers-amd64')] }}
            # What apt would install with the driver, holds ignored (see the task).
            nvidia_driver_simulate: "apt-get install --simulate --no-install-recommends -o APT::Ignore-Hold=true {{ nvidia_driver_install | map('quote') | join(' ') }}"
            # apt's version pattern for the pin, and the same as a regular expression.
            nvidia_driver_pin_version: "\(g.pinVersion)"
            nvidia_driver_version_regex: '\(g.versionRegex)'
            nvidia_driver_pin_packages: /nvidia/ /^cuda-drivers/ /^libcuda/
            nvidia_driver_held_pattern: '\(GPUStack.heldNamePattern)'
            nvidia_driver_blacklist: [\(GPUStack.unattendedBlacklist.map { "\"\($0)\"" }.joined(separator: ", "))]
            nvidia_driver_keys:\(keysYAML)
            nvidia_driver_repositories:\(reposYAML)
            nvidia_driver_container_types: \(Roles.containerTypes)
            nvidia_driver_on_metal: "{{ not (ansible_virtualization_role == 'guest' and ansible_virtualization_type in nvidia_driver_container_types) }}"

            """,
             templates: [
                ("gpucluster-blacklist-nouveau.conf.j2", """
                # {{ ansible_managed }}
                # The NVIDIA driver drives the GPUs; the kernel's nouveau must not claim them first.
                blacklist nouveau
                options nouveau modeset=0

                """),
                ("gpucluster-nvidia-debian.sources.j2", """
                # {{ ansible_managed }}
                # The NVIDIA driver (non-free), its persistence daemon (contrib) and GPU firmware.
                \(debianSources)
                """),
                ("gpucluster-nvidia.list.j2", """
                # {{ ansible_managed }}
                # NVIDIA's repositories, each trusted only with its own key (fingerprint checked).
                {% for r in nvidia_driver_repositories %}
                deb [signed-by=/etc/apt/keyrings/gpucluster-{{ r.key }}.asc] {{ r.url }} /
                {% endfor %}

                """),
                ("gpucluster-nvidia.pref.j2", """
                # {{ ansible_managed }}
                # The NVIDIA driver stays at gpu.driver ({{ nvidia_driver_version }}): changing it is a change of cluster.yaml.
                Package: {{ nvidia_driver_pin_packages }}
                Pin: version {{ nvidia_driver_pin_version }}
                Pin-Priority: 1001

                """),
                ("53gpucluster-nvidia.j2", """
                // {{ ansible_managed }}
                // The NVIDIA driver moves only with cluster.yaml: a library newer than the loaded
                // kernel module stops NVML ("Driver/library version mismatch") until a reboot.
                Unattended-Upgrade::Package-Blacklist {
                {% for p in nvidia_driver_blacklist %}
                    "{{ p }}";
                {% endfor %}
                };

                """),
             ])
    }
}
