import NodeReport
import Spec

/// Debian's major upgrade, in place, for `gpucluster upgrade` (upgrade.yml, one host at a time;
/// no play of site.yml runs it). The host moves to the release cluster.yaml now says for it: the
/// admin changes `os:` first, renders, then upgrades. Debian's own steps (the release notes'):
/// no foreign holds, the codename switched in every source, the new lists read, `upgrade
/// --without-new-pkgs`, then `full-upgrade`, a reboot. Everything before the first package
/// changes is undone when it fails (sources, holds, the maintenance mark), so a broken source
/// stops the rollout with the host as it was. `finish.yml` takes the host out of maintenance
/// once `gpucluster upgrade` has applied site.yml to it and checked it.
struct ReleaseUpgradeRole: AnsibleRole {
    let name = "release_upgrade"

    /// What a full-upgrade may never remove: the way in, and what the roles run on.
    static let keepPackages = ["openssh-server", "sudo", "python3", "systemd", "ufw", "apt"]

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        let codenames = OSRelease.allCases.map { "\"\($0.major)\": \($0.codename)" }.joined(separator: ", ")
        return role(tasks: """
            - name: Read the release the host runs and the one cluster.yaml says
              ansible.builtin.set_fact:
                release_upgrade_from: "{{ ansible_distribution_major_version | int }}"
                release_upgrade_to: "{{ gpucluster_os | regex_replace('^debian-', '') | int }}"

            - name: Leave a host alone that already runs it
              ansible.builtin.meta: end_host
              when: release_upgrade_from | int == release_upgrade_to | int

            - name: Refuse what Debian does not support in place
              ansible.builtin.assert:
                that:
                  - ansible_distribution == 'Debian'
                  - release_upgrade_to | int == release_upgrade_from | int + 1
                  - (release_upgrade_from | string) in release_upgrade_codenames
                  - (release_upgrade_to | string) in release_upgrade_codenames
                fail_msg: >-
                  {{ inventory_hostname }} runs {{ ansible_distribution }} {{ ansible_distribution_version }} and cluster.yaml says
                  {{ gpucluster_os }}: Debian upgrades in place one release at a time and never downgrades; rebuild the host
                  from cluster.yaml instead (install the release, then gpucluster apply --limit {{ inventory_hostname }})
                quiet: true

            - name: Name the releases
              ansible.builtin.set_fact:
                release_upgrade_from_codename: "{{ release_upgrade_codenames[release_upgrade_from | string] }}"
                release_upgrade_to_codename: "{{ release_upgrade_codenames[release_upgrade_to | string] }}"

            - name: Read apt's holds and the free space under /var
              ansible.builtin.shell:
                executable: /bin/bash
                cmd: set -o pipefail; apt-mark showhold; df -Pm /var | awk 'NR == 2 {print "free-mib " $4}'
              register: release_upgrade_state
              changed_when: false
              check_mode: false

            - name: Refuse to upgrade past packages held by hand, or without room
              ansible.builtin.assert:
                that:
                  - release_upgrade_held_by_hand | length == 0
                  - release_upgrade_free_mib | int >= release_upgrade_min_free_mib
                fail_msg: >-
                  {{ inventory_hostname }}: {{ ('held by hand: ' ~ release_upgrade_held_by_hand | join(', ') ~ ' (apt would leave them
                  behind half-upgraded: apt-mark unhold them, or upgrade this host by hand); ') if release_upgrade_held_by_hand else '' }}{{
                  '%s MiB free under /var, the upgrade needs %s' | format(release_upgrade_free_mib, release_upgrade_min_free_mib)
                  if release_upgrade_free_mib | int < release_upgrade_min_free_mib else '' }}
                quiet: true
              vars:
                release_upgrade_holds: "{{ release_upgrade_state.stdout_lines | reject('match', '^free-mib ') | list }}"
                release_upgrade_held_by_hand: "{{ release_upgrade_holds | reject('search', release_upgrade_driver_pattern) | list }}"
                release_upgrade_free_mib: "{{ release_upgrade_state.stdout_lines | select('match', '^free-mib ') | first | default('free-mib 0') | split(' ') | last }}"

            # The agent reports it: the dashboard shows the host "upgrading", not down, through
            # the reboot, and the host-down alerts stay quiet. A resumed upgrade keeps its start.
            - name: Mark the host as in maintenance
              ansible.builtin.copy:
                dest: \(Maintenance.defaultPath)
                content: |
                  version 1
                  kind upgrade
                  since {{ now(utc=true).timestamp() | int }}
                  from {{ release_upgrade_from }}
                  to {{ release_upgrade_to }}
                force: false
                owner: root
                group: root
                mode: "0644"

            - name: Give the dashboard a round to see it
              ansible.builtin.wait_for:
                timeout: "{{ release_upgrade_settle_seconds }}"
              delegate_to: localhost
              become: false

            - name: Switch apt to the new release (undone if its lists cannot be read)
              block:
                - name: Keep apt's sources and the driver's pin as they are (once per upgrade)
                  ansible.builtin.shell: |
                    set -e
                    mkdir -p "$SAVED.partial/sources.list.d"
                    cp -a /etc/apt/sources.list.d/. "$SAVED.partial/sources.list.d/"
                    if [ -e /etc/apt/sources.list ]; then cp -a /etc/apt/sources.list "$SAVED.partial/"; fi
                    if [ -e /etc/apt/preferences.d/gpucluster-nvidia ]; then cp -a /etc/apt/preferences.d/gpucluster-nvidia "$SAVED.partial/"; fi
                    apt-mark showhold > "$SAVED.partial/holds"
                    grep -E "$DRIVER" "$SAVED.partial/holds" > "$SAVED.partial/driver-holds" || true
                    mv "$SAVED.partial" "$SAVED"
                  args:
                    creates: "{{ release_upgrade_saved }}"
                  environment:
                    SAVED: "{{ release_upgrade_saved }}"
                    DRIVER: "{{ release_upgrade_driver_pattern }}"

                - name: Find apt's sources
                  ansible.builtin.find:
                    paths: [/etc/apt, /etc/apt/sources.list.d]
                    patterns: "sources.list,*.list,*.sources"
                  register: release_upgrade_sources

                # Debian's way: the codename, with every suite of it (-security, -updates, …).
                - name: Point apt's sources at the new release
                  ansible.builtin.replace:
                    path: "{{ item }}"
                    regexp: '(?<![\\w.-]){{ release_upgrade_from_codename }}(?=(-security|-updates|-backports|-proposed-updates)?(?![\\w.-]))'
                    replace: "{{ release_upgrade_to_codename }}"
                  loop: "{{ release_upgrade_sources.files | map(attribute='path') | sort }}"

                - name: Point NVIDIA's repository at the new release (it names the major version)
                  ansible.builtin.replace:
                    path: /etc/apt/sources.list.d/gpucluster-nvidia.list
                    regexp: '/debian{{ release_upgrade_from }}/'
                    replace: '/debian{{ release_upgrade_to }}/'
                  when: "'/etc/apt/sources.list.d/gpucluster-nvidia.list' in release_upgrade_sources.files | map(attribute='path')"

                - name: Let go of the driver's holds and pin (the new release has its own branch; the next apply pins and holds it)
                  ansible.builtin.shell:
                    executable: /bin/bash
                    cmd: |
                      set -eo pipefail
                      # dpkg's selections, where holds live: apt-mark refuses a package its lists
                      # lack (held, never installed, as in a container), and the lists are in flux.
                      if [ -s "$SAVED/driver-holds" ]; then
                        xargs -r dpkg-query -W -f '${db:Status-Abbrev} ${Package}\\n' < "$SAVED/driver-holds" \\
                          | awk '{ print $2, (substr($1, 2, 1) == "n" ? "deinstall" : "install") }' | dpkg --set-selections
                      fi
                      rm -f /etc/apt/preferences.d/gpucluster-nvidia
                  environment:
                    SAVED: "{{ release_upgrade_saved }}"
                  changed_when: true

                - name: Read the new release's package lists (a source that fails stops the upgrade)
                  ansible.builtin.command:  # noqa: command-instead-of-module
                    cmd: apt-get update -q --error-on=any
                  changed_when: true

                - name: Simulate the upgrade
                  ansible.builtin.command:  # noqa: command-instead-of-module
                    cmd: apt-get -s -q full-upgrade
                  register: release_upgrade_simulation
                  changed_when: false

                - name: Refuse an upgrade that would remove what the cluster runs on
                  ansible.builtin.assert:
                    that: release_upgrade_removed | length == 0
                    fail_msg: "apt's full-upgrade would remove {{ release_upgrade_removed | join(', ') }}: upgrade {{ inventory_hostname }} by hand"
                    quiet: true
                  vars:
                    release_upgrade_removed: >-
                      {{ release_upgrade_simulation.stdout_lines | select('match', '^Remv ') | map('split', ' ')
                         | map(attribute=1) | select('in', release_upgrade_keep_packages) | list }}
              rescue:
                - name: Put apt's sources, the driver's pin and holds back
                  ansible.builtin.shell:
                    executable: /bin/bash
                    cmd: |
                      set -eo pipefail
                      [ -d "$SAVED/sources.list.d" ] || exit 0
                      find /etc/apt/sources.list.d -mindepth 1 -maxdepth 1 -delete
                      cp -a "$SAVED/sources.list.d/." /etc/apt/sources.list.d/
                      if [ -e "$SAVED/sources.list" ]; then cp -a "$SAVED/sources.list" /etc/apt/sources.list; fi
                      if [ -e "$SAVED/gpucluster-nvidia" ]; then cp -a "$SAVED/gpucluster-nvidia" /etc/apt/preferences.d/; fi
                      if [ -s "$SAVED/driver-holds" ]; then sed 's/$/ hold/' "$SAVED/driver-holds" | dpkg --set-selections; fi
                      rm -rf "$SAVED"
                  environment:
                    SAVED: "{{ release_upgrade_saved }}"
                  changed_when: true

                - name: Read the previous lists again (apt's cache matches the sources)
                  ansible.builtin.command:  # noqa: command-instead-of-module
                    cmd: apt-get update -q
                  changed_when: true
                  failed_when: false

                - name: Take the host out of maintenance (nothing was upgraded)
                  ansible.builtin.file:
                    path: \(Maintenance.defaultPath)
                    state: absent

                - name: Stop the rollout
                  ansible.builtin.fail:
                    msg: >-
                      {{ inventory_hostname }}: the upgrade stopped before any package changed, and apt's sources are as they were:
                      {{ (ansible_failed_result.stderr | default('', true) | trim) or (ansible_failed_result.msg | default('')) }}

            # The release notes' own commands (the apt module has no --without-new-pkgs).
            - name: Upgrade the installed packages without new ones (Debian's first step)
              ansible.builtin.command:  # noqa: command-instead-of-module
                cmd: >-
                  apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
                  upgrade --without-new-pkgs
              environment: "{{ release_upgrade_environment }}"
              changed_when: true

            - name: Upgrade the whole system
              ansible.builtin.command:  # noqa: command-instead-of-module
                cmd: >-
                  apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
                  full-upgrade
              environment: "{{ release_upgrade_environment }}"
              changed_when: true

            - name: Reboot into the new release
              ansible.builtin.reboot:
                msg: "gpucluster upgrade: rebooting into Debian {{ release_upgrade_to }}"
                reboot_timeout: "{{ release_upgrade_reboot_timeout }}"

            - name: Read the release the host runs now
              ansible.builtin.setup:
                gather_subset: ['!all', '!min', 'distribution']

            - name: Check the host runs the new release
              ansible.builtin.assert:
                that: ansible_distribution_major_version | int == release_upgrade_to | int
                fail_msg: "{{ inventory_hostname }} still runs {{ ansible_distribution_version }} after the upgrade and the reboot"
                quiet: true

            """, defaults: """
            # Debian's major versions and their codenames (the sources name the codename).
            release_upgrade_codenames: {\(codenames)}
            # Held packages matching this are the driver role's: let go for the upgrade, held again by apply.
            release_upgrade_driver_pattern: '\(GPUStack.heldNamePattern)'
            release_upgrade_keep_packages: [\(Self.keepPackages.joined(separator: ", "))]
            release_upgrade_min_free_mib: 2048
            # One collection of the agent and one round of the dashboard and Prometheus
            # (monitoring.scrapeInterval): the host is seen marked before it goes.
            release_upgrade_settle_seconds: \(AgentUnit.intervalSeconds + spec.monitoring.scrapeIntervalSeconds.value)
            release_upgrade_reboot_timeout: 900
            release_upgrade_saved: /var/backups/gpucluster-upgrade
            release_upgrade_environment:
              DEBIAN_FRONTEND: noninteractive
              APT_LISTCHANGES_FRONTEND: none
              NEEDRESTART_SUSPEND: "1"
              UCF_FORCE_CONFFOLD: "1"

            """, taskFiles: [("finish.yml", """
            # After `gpucluster upgrade` applied site.yml to the host and checked it.
            - name: Take the host out of maintenance
              ansible.builtin.file:
                path: \(Maintenance.defaultPath)
                state: absent

            - name: Drop the sources kept for the upgrade
              ansible.builtin.file:
                path: "{{ release_upgrade_saved }}"
                state: absent

            """)])
    }
}
