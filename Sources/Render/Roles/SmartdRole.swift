import Spec

/// smartd: every disk monitored, short and long self-tests on the spec's schedule, and an
/// exec hook that reports problems to syslog and, on the monitor host, to `gpucluster notify`.
struct SmartdRole: AnsibleRole {
    let name = "smartd"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Install the notification hook
              ansible.builtin.copy:
                src: gpucluster-smartd-notify
                dest: /usr/local/sbin/gpucluster-smartd-notify
                owner: root
                group: root
                mode: "0755"

            - name: Monitor every disk, self-tests on the spec's schedule
              ansible.builtin.template:
                src: smartd.conf.j2
                dest: /etc/smartd.conf
                owner: root
                group: root
                mode: "0644"
              notify: Restart smartd

            """,
             handlers: """
            - name: Restart smartd
              ansible.builtin.service:
                name: smartd
                state: restarted

            """,
             templates: [("smartd.conf.j2", """
            # {{ ansible_managed }}
            # Every disk: all attributes, offline data collection, standby disks left asleep,
            # self-tests short ({{ gpucluster_smart.short }}) and long ({{ gpucluster_smart.long }}),
            # temperature warnings at 45 °C / critical 55 °C; problems go to the hook.
            DEVICESCAN -a -o on -S on -n standby,q -s ({{ gpucluster_smart.short_pattern }}|{{ gpucluster_smart.long_pattern }}) -W 4,45,55 -m root -M exec /usr/local/sbin/gpucluster-smartd-notify

            """)],
             files: [("gpucluster-smartd-notify", """
            #!/bin/sh
            # smartd's -M exec hook (gpucluster smartd role): smartd sets SMARTD_DEVICE,
            # SMARTD_FAILTYPE and SMARTD_MESSAGE. Always to syslog (forwarded to the log sink);
            # to chat too on the host that runs notify. Elsewhere the agent's SMART metrics and
            # the alert rules (DiskFailing, DiskSelfTestFailed) carry it to chat.
            logger -t smartd-gpucluster -p daemon.crit "$SMARTD_DEVICE: $SMARTD_FAILTYPE: $SMARTD_MESSAGE"
            if systemctl is-active --quiet gpucluster-notify.service; then
              exec /usr/local/bin/gpucluster notify smartd --device "$SMARTD_DEVICE" --type "$SMARTD_FAILTYPE" --message "$SMARTD_MESSAGE"
            fi

            """)])
    }
}
