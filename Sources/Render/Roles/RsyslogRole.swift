import Spec

/// rsyslog: every host forwards to the log sink — over TCP by default, with a disk-assisted
/// queue and infinite retry, so nothing is lost while the sink is down (UDP only when the spec
/// asks, and it drops silently). The sink writes one folder per host, names made safe with
/// `secpath-replace` (a host cannot write outside /var/log/hosts by naming itself `../..`).
struct RsyslogRole: AnsibleRole {
    let name = "rsyslog"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Install rsyslog
              ansible.builtin.apt:
                name: rsyslog
                state: present
                update_cache: true
                cache_valid_time: 3600
              when: "'rsyslog' not in ansible_facts.packages | default({})"

            - name: Receive the cluster's logs, one folder per host
              ansible.builtin.template:
                src: 10-gpucluster-sink.conf.j2
                dest: /etc/rsyslog.d/10-gpucluster-sink.conf
                owner: root
                group: root
                mode: "0644"
                validate: /usr/sbin/rsyslogd -N1 -f %s
              when: inventory_hostname in groups['log_sinks']
              notify: Restart rsyslog

            - name: Forward every log to the sink
              ansible.builtin.template:
                src: 60-gpucluster-forward.conf.j2
                dest: /etc/rsyslog.d/60-gpucluster-forward.conf
                owner: root
                group: root
                mode: "0644"
                validate: /usr/sbin/rsyslogd -N1 -f %s
              when: inventory_hostname not in groups['log_sinks']
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

            """,
             templates: [
                ("10-gpucluster-sink.conf.j2", """
                # {{ ansible_managed }}
                # The cluster's log sink: one file per host and program under /var/log/hosts.
                template(name="GpuclusterPerHost" type="string"
                         string="/var/log/hosts/%HOSTNAME:::secpath-replace%/%PROGRAMNAME:::secpath-replace%.log")
                ruleset(name="gpucluster-remote") {
                  action(type="omfile" dynaFile="GpuclusterPerHost" createDirs="on" dirCreateMode="0750" fileCreateMode="0640")
                  stop
                }
                {% if gpucluster_log_sink.protocol == 'udp' %}
                module(load="imudp")
                input(type="imudp" port="{{ gpucluster_log_sink.port }}" ruleset="gpucluster-remote")
                {% else %}
                module(load="imtcp")
                input(type="imtcp" port="{{ gpucluster_log_sink.port }}" ruleset="gpucluster-remote")
                {% endif %}

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
