import Planning
import Spec

/// rsyslog: every host forwards to the log sink — over TCP by default, with a disk-assisted
/// queue and infinite retry, so nothing is lost while the sink is down (UDP only when the spec
/// asks, and it drops silently). The sink files each message under the name the spec gives
/// the sender's address (a lookup table), never under the hostname the message claims: gpu01
/// cannot write into gpu02's logs. Unknown senders go to `_unknown`, program names are made
/// path-safe (`securepath`). What one sender can write is bounded: a file per known program
/// plus `other.log`, each with a size limit, then logrotate; not by a rate limit: rsyslog 8.2302's input rate limit is shared by all senders
/// of the input (one noisy host would silence the others) and leaves `programname` empty.
struct RsyslogRole: AnsibleRole {
    let name = "rsyslog"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Know each sender by its address, as the spec names it
              ansible.builtin.template:
                src: gpucluster-senders.json.j2
                dest: /etc/rsyslog.d/gpucluster-senders.json
                owner: root
                group: root
                mode: "0644"
              when: inventory_hostname in groups['\(Assignment.group(.logSink))']
              notify: Restart rsyslog

            - name: Receive the cluster's logs, one folder per host
              ansible.builtin.template:
                src: 10-gpucluster-sink.conf.j2
                dest: /etc/rsyslog.d/10-gpucluster-sink.conf
                owner: root
                group: root
                mode: "0644"
                validate: /usr/sbin/rsyslogd -N1 -f %s
              when: inventory_hostname in groups['\(Assignment.group(.logSink))']
              notify: Restart rsyslog

            - name: Rotate the cluster's logs at the sink
              ansible.builtin.template:
                src: gpucluster-hosts.logrotate.j2
                dest: /etc/logrotate.d/gpucluster-hosts
                owner: root
                group: root
                mode: "0644"
              when: inventory_hostname in groups['\(Assignment.group(.logSink))']

            - name: Forward every log to the sink
              ansible.builtin.template:
                src: 60-gpucluster-forward.conf.j2
                dest: /etc/rsyslog.d/60-gpucluster-forward.conf
                owner: root
                group: root
                mode: "0644"
                validate: /usr/sbin/rsyslogd -N1 -f %s
              when: inventory_hostname not in groups['\(Assignment.group(.logSink))']
              notify: Restart rsyslog

            """,
             handlers: """
            - name: Restart rsyslog
              ansible.builtin.service:
                name: rsyslog
                state: restarted

            """,
             defaults: """
            # Disk the forwarding queue may use while the sink is unreachable.
            rsyslog_queue_max_disk: 1g
            # At the sink: one file (sender and program) is never larger than this; logrotate
            # rotates past rsyslog_sink_rotate_size and keeps rsyslog_sink_keep days.
            rsyslog_sink_file_max: 1g
            rsyslog_sink_rotate_size: 256M
            rsyslog_sink_keep: 14
            # Programs with a file of their own at the sink (per sender); the rest go to other.log.
            rsyslog_sink_programs: [kernel, systemd, systemd-logind, sshd, sshd-session, sudo, su, login, cron, CRON, rsyslogd, smartd, chronyd,
                                    nfsd, rpc.mountd, rpc.idmapd, ufw, useradd, usermod, userdel, groupadd, passwd, dbus-daemon,
                                    polkitd, gpucluster, gpucluster-agent, prometheus, prometheus-alertmanager, ansible-ansible.builtin.command,
                                    audisp-syslog, fail2ban.actions, fail2ban.filter, fail2ban.server, unattended-upgrade]

            """,
             templates: [
                ("gpucluster-senders.json.j2", """
                {
                  "version": 1,
                  "nomatch": "_unknown",
                  "type": "string",
                  "table": [
                {% for s in gpucluster_log_senders %}
                    { "index": "{{ s.address }}", "value": "{{ s.name }}" }{{ "," if not loop.last }}
                {% endfor %}
                  ]
                }

                """),
                ("10-gpucluster-sink.conf.j2", """
                # {{ ansible_managed }}
                # The cluster's log sink: one file per host and program under /var/log/hosts,
                # the host named by the message's source address, not by what the message says.
                lookup_table(name="gpucluster_senders" file="/etc/rsyslog.d/gpucluster-senders.json")
                template(name="GpuclusterPerSender" type="list") {
                  constant(value="/var/log/hosts/")
                  property(name="$.sender" securepath="replace")
                  constant(value="/")
                  property(name="$.program" securepath="replace")
                  constant(value=".log")
                }
                ruleset(name="gpucluster-remote") {
                  set $.sender = lookup("gpucluster_senders", $fromhost-ip);
                  # The programs the cluster runs get a file each, everything else (users' own
                  # tags) goes to other.log: a sender cannot open files without end.
                  if $programname == {{ rsyslog_sink_programs | to_json }} then {
                    set $.program = $programname;
                  } else {
                    set $.program = "other";
                  }
                  # Each sender's file stops at the size limit until logrotate (daily, or past
                  # rsyslog_sink_rotate_size) moves it: one host cannot fill the sink's disk.
                  action(type="omfile" dynaFile="GpuclusterPerSender" createDirs="on" dirCreateMode="0750" fileCreateMode="0640"
                         rotation.sizeLimit="{{ rsyslog_sink_file_max }}" rotation.sizeLimitCommand="/bin/true")
                  stop
                }
                {% if gpucluster_log_sink.protocol == 'udp' %}
                module(load="imudp")
                input(type="imudp" address="{{ gpucluster_log_sink.address }}" port="{{ gpucluster_log_sink.port }}" ruleset="gpucluster-remote")
                {% else %}
                module(load="imtcp")
                input(type="imtcp" address="{{ gpucluster_log_sink.address }}" port="{{ gpucluster_log_sink.port }}" ruleset="gpucluster-remote")
                {% endif %}

                """),
                ("gpucluster-hosts.logrotate.j2", """
                # {{ ansible_managed }}
                # What the hosts send to the sink: daily, or sooner past the size (each file also
                # stops at rsyslog_sink_file_max until rotated).
                /var/log/hosts/*/*.log {
                    daily
                    maxsize {{ rsyslog_sink_rotate_size }}
                    rotate {{ rsyslog_sink_keep }}
                    compress
                    delaycompress
                    missingok
                    notifempty
                    sharedscripts
                    postrotate
                        /usr/lib/rsyslog/rsyslog-rotate
                    endscript
                }

                """),
                ("60-gpucluster-forward.conf.j2", """
                # {{ ansible_managed }}
                {% if gpucluster_log_sink.protocol == 'udp' %}
                # UDP, as the spec asks: messages sent while the sink is down are lost.
                *.* action(type="omfwd" target="{{ gpucluster_log_sink.address }}" port="{{ gpucluster_log_sink.port }}" protocol="udp")
                {% else %}
                # TCP with a disk-assisted queue and infinite retry: nothing is lost while the sink is down.
                *.* action(type="omfwd" target="{{ gpucluster_log_sink.address }}" port="{{ gpucluster_log_sink.port }}" protocol="tcp"
                           queue.type="LinkedList" queue.filename="gpucluster_forward" queue.maxDiskSpace="{{ rsyslog_queue_max_disk }}"
                           queue.saveOnShutdown="on" action.resumeRetryCount="-1" action.resumeInterval="10")
                {% endif %}

                """),
             ])
    }
}
