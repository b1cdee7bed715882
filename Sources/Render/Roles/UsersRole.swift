import Spec

/// Every user on every host with the same uid/gid (NFS homes), logins by key only (the
/// password is locked); service accounts only on their hosts. Homes are private (0700, or
/// 0750 for the user's own group), users' umask is the spec's (027), and project groups
/// (`projects:`) have the same gid everywhere, with exactly their members.
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

            - name: Create each project's group, same gid everywhere
              ansible.builtin.group:
                name: "{{ item.name }}"
                gid: "{{ item.gid }}"
              loop: "{{ gpucluster_projects }}"
              loop_control:
                label: "{{ item.name }}"

            # New homes private (useradd reads HOME_MODE), files private to their owner's group.
            - name: Make new homes and files private (login.defs)
              ansible.builtin.lineinfile:
                path: /etc/login.defs
                regexp: '^#?\\s*{{ item.key }}\\s'
                line: "{{ item.key }} {{ item.value }}"
              loop: "{{ {'UMASK': gpucluster_umask, 'HOME_MODE': gpucluster_home_mode} | dict2items }}"
              loop_control:
                label: "{{ item.key }} {{ item.value }}"

            # pam_umask applies login.defs' UMASK to every session (ssh, su, cron); nousergroups
            # keeps it as written (Debian would turn 027 into 007 for users with their own group).
            - name: Give every session the users' umask
              ansible.builtin.lineinfile:
                path: /etc/pam.d/common-session
                regexp: 'pam_umask\\.so'
                line: session optional pam_umask.so nousergroups
                insertafter: EOF

            - name: Create the users, same uid everywhere, password locked
              ansible.builtin.user:
                name: "{{ item.name }}"
                uid: "{{ item.uid }}"
                group: "{{ item.name }}"
                groups: "{{ item.groups | join(',') }}"
                append: false
                shell: "{{ item.shell }}"
                password: "!"
                update_password: on_create
              loop: "{{ gpucluster_users }}"
              loop_control:
                label: "{{ item.name }}"

            # Homes are the users' own: root never writes there. One pass per host, each user's
            # part in a child that has become the user (a task per user with become_user costs
            # a new session per user, three times per run). A link where a key file goes
            # (alice: ~/.ssh/authorized_keys -> /etc/shadow) is reported, never written
            # through; no link, hard link or swapped folder can lend root's rights, and NFS
            # homes with root_squash work.
            - name: Install the tool that keeps homes private and writes users' keys
              ansible.builtin.copy:
                src: gpucluster-user-homes
                dest: /usr/local/sbin/gpucluster-user-homes
                owner: root
                group: root
                mode: "0755"

            - name: Keep each home private and install each user's SSH keys (only these), as the user
              ansible.builtin.command:
                argv: [/usr/local/sbin/gpucluster-user-homes, "{{ '--check' if ansible_check_mode else '--apply' }}"]
                stdin: >-
                  {"home_mode": {{ gpucluster_home_mode | to_json }}, "users": [{% for u in gpucluster_users %}
                  {"name": {{ u.name | to_json }}, "keys": {{ lookup('ansible.builtin.file', playbook_dir ~ '/keys/' ~ u.name ~ '.pub') | to_json }}}
                  {{- ',' if not loop.last }}{% endfor %}]}
              check_mode: false
              register: users_homes
              changed_when: (users_homes.stdout | from_json).changed | length > 0 or (users_homes.stdout | from_json).links | length > 0
              notify: Report links in homes

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

            """,
             handlers: """
            # At the end of the play, so the rest of the host is still configured.
            - name: Report links in homes
              ansible.builtin.fail:
                msg: >-
                  Not written through a link (a user's link may aim at a system file; remove it and apply again):
                  {{ (users_homes.stdout | from_json).links | join('; ') }}
              when: (users_homes.stdout | from_json).links | length > 0

            """,
             files: [("gpucluster-user-homes", Self.userHomes)])
    }

    /// Run as root, works as each user (see its header).
    static let userHomes = #"""
    #!/usr/bin/python3
    # Keep each user's home private and write their SSH keys (only these), in one pass for
    # every user of this host (gpucluster users role). Run as root with JSON on stdin:
    #   {"home_mode": "0700", "users": [{"name": "alice", "keys": "ssh-ed25519 AAAA… alice@laptop"}]}
    # Homes belong to their users: each user's part runs in a child that has become that user
    # (groups, gid, uid) before it touches anything, so no link, hard link or swapped folder
    # there can lend root's rights, and NFS homes with root_squash work. A link where a key
    # file goes is reported, never written through. Prints one JSON object:
    #   {"changed": ["alice: …"], "links": ["/home/alice/.ssh/authorized_keys -> /etc/shadow"],
    #    "problems": ["…"]}
    # --check says what would change and changes nothing; --home-root=DIR (tests) for /home.
    import errno, json, os, pwd, stat, sys

    MAX_KEYS_FILE = 1 << 20   # a user's authorized_keys larger than this is not read, it is replaced


    def as_user(user, check):
        """The user's part; runs in the child, already that user. Returns (changed, links, problems)."""
        name, want_mode, want = user["name"], user["mode"], user["keys"]
        changed, links, problems = [], [], []
        home = user["home"]
        try:
            hfd = os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.ENOTDIR):
                links.append(f"{home} -> {readlink(home)}")
            else:
                problems.append(f"{home}: {e.strerror}")
            return changed, links, problems
        try:
            mode = stat.S_IMODE(os.fstat(hfd).st_mode)
            if mode != want_mode:
                changed.append(f"{name}: home mode {mode:04o} -> {want_mode:04o}")
                if not check:
                    os.fchmod(hfd, want_mode)
            try:
                st = os.lstat(".ssh", dir_fd=hfd)
            except FileNotFoundError:
                st = None
            if st is not None and stat.S_ISLNK(st.st_mode):
                links.append(f"{home}/.ssh -> {readlink('.ssh', hfd)}")
                return changed, links, problems
            if st is not None and not stat.S_ISDIR(st.st_mode):
                problems.append(f"{home}/.ssh is not a folder")
                return changed, links, problems
            if st is None:
                changed.append(f"{name}: ~/.ssh created")
                if check:
                    changed.append(f"{name}: ~/.ssh/authorized_keys written")
                    return changed, links, problems
                os.mkdir(".ssh", 0o700, dir_fd=hfd)
            sfd = os.open(".ssh", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=hfd)
            try:
                write_keys(name, home, sfd, want, check, changed, links, problems)
            finally:
                os.close(sfd)
        finally:
            os.close(hfd)
        return changed, links, problems


    def write_keys(name, home, sfd, want, check, changed, links, problems):
        path = f"{home}/.ssh/authorized_keys"
        try:
            st = os.lstat("authorized_keys", dir_fd=sfd)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISLNK(st.st_mode):
            links.append(f"{path} -> {readlink('authorized_keys', sfd)}")
            return
        if st is not None and not stat.S_ISREG(st.st_mode):
            problems.append(f"{path} is not a file")
            return
        if st is not None and st.st_size <= MAX_KEYS_FILE:
            # O_NONBLOCK: the lstat above and this open are two steps; a FIFO swapped in between
            # must not hang the run (fstat below refuses it).
            fd = os.open("authorized_keys", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=sfd)
            with os.fdopen(fd, "rb") as f:
                if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                    problems.append(f"{path} is not a file")
                    return
                if f.read(MAX_KEYS_FILE + 1) == want:
                    return
        changed.append(f"{name}: ~/.ssh/authorized_keys written")
        if check:
            return
        tmp = ".authorized_keys.gpucluster"
        try:
            os.unlink(tmp, dir_fd=sfd)
        except FileNotFoundError:
            pass
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=sfd)
        with os.fdopen(fd, "wb") as f:
            f.write(want)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, "authorized_keys", src_dir_fd=sfd, dst_dir_fd=sfd)


    def readlink(path, dir_fd=None):
        try:
            target = os.readlink(path, dir_fd=dir_fd)
        except OSError:
            return "?"
        return "".join(c if c.isprintable() else "?" for c in target)[:200]


    def run_as(user, check):
        try:
            pw = pwd.getpwnam(user["name"])
        except (KeyError, ValueError):
            return [], [], [f"{user['name']}: no such user"]
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                os.initgroups(pw.pw_name, pw.pw_gid)
                os.setgid(pw.pw_gid)
                os.setuid(pw.pw_uid)
                os.umask(0o077)
                result = as_user(user, check)
            except Exception as e:   # the child reports, the parent goes on with the next user
                result = ([], [], [f"{user['name']}: {e}"])
            os.write(w, json.dumps(result).encode())
            os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as f:
            out = f.read()
        os.waitpid(pid, 0)
        try:
            return json.loads(out)
        except ValueError:
            return [], [], [f"{user['name']}: the check as the user did not finish"]


    def main():
        check = "--check" in sys.argv[1:]
        home_root = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--home-root=")), "/home")
        spec = json.loads(sys.stdin.read(1 << 24))
        want_mode = int(str(spec["home_mode"]), 8) & 0o7777
        result = {"changed": [], "links": [], "problems": []}
        for u in spec["users"]:
            name = str(u["name"])
            if not name or "/" in name or name.startswith("."):
                result["problems"].append(f"{name!r}: not a user name")
                continue
            keys = [line.strip() for line in str(u["keys"]).splitlines() if line.strip()]
            user = {"name": name, "mode": want_mode, "keys": "".join(k + "\n" for k in keys).encode(),
                    "home": os.path.join(home_root, name)}
            changed, links, problems = run_as(user, check)
            result["changed"] += changed
            result["links"] += links
            result["problems"] += problems
        print(json.dumps(result))
        if result["problems"]:
            print("; ".join(result["problems"]), file=sys.stderr)
            return 1
        return 0


    if __name__ == "__main__":
        sys.exit(main())

    """#
}
