import Spec

/// Each user's own Python (the spec's `python:` per user: conda via Miniforge, pyenv, or a
/// venv), installed as that user into their home; no global pip installs (Debian's
/// EXTERNALLY-MANAGED marker stays). Homes live on the NFS server when /home is exported,
/// so toolchains are installed once, on the hosts that hold the homes (`python_holds_homes`).
struct PythonRole: AnsibleRole {
    let name = "python"

    /// Only what the spec's toolchains need: pyenv compiles Python, a venv needs python3-venv.
    static func packages(_ spec: ClusterSpec) -> [String] {
        let kinds = Set(spec.users.map(\.python))
        var p: [String] = []
        if kinds.contains(.venv) { p.append("python3-venv") }
        if kinds.contains(.conda) || kinds.contains(.pyenv) { p.append("curl") }
        if kinds.contains(.pyenv) {
            p += ["git", "build-essential", "libssl-dev", "zlib1g-dev", "libbz2-dev", "libreadline-dev", "libsqlite3-dev",
                  "libffi-dev", "liblzma-dev", "tk-dev"]
        }
        return p
    }

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        // Only the toolchains some user has: a task skipped on every host still costs a round trip per host.
        let kinds = Set(spec.users.map(\.python))
        let used = [(Spec.PythonToolchain.conda, Self.condaTasks), (.pyenv, Self.pyenvTasks), (.venv, Self.venvTasks)].filter { kinds.contains($0.0) }
        let toolchains = used.isEmpty ? "" : "\n" + used.map(\.1).joined(separator: "\n")
        return role(tasks: """
            - name: Keep pip away from the system Python
              ansible.builtin.stat:
                path: "{{ python_system_marker }}"
              register: python_marker
              check_mode: false

            - name: Say so when the system Python accepts global pip installs
              ansible.builtin.assert:
                that: python_marker.stat.exists
                fail_msg: "{{ python_system_marker }} is missing: global pip installs would be possible"
            \(toolchains)
            """,
             defaults: """
            # The system Python of each Debian release, and Debian's marker that keeps pip out of it.
            python_system_versions: {\(OSRelease.allCases.map { "\"\($0.major)\": \"\($0.systemPython)\"" }.joined(separator: ", "))}
            python_system_marker: /usr/lib/python{{ python_system_versions[ansible_distribution_major_version] }}/EXTERNALLY-MANAGED
            # Hosts that hold the homes get the toolchains (host_vars set it from the spec).
            python_holds_homes: false
            # What the spec's toolchains need (from the users' `python:`).
            python_miniforge_url: https://github.com/conda-forge/miniforge/releases/download/24.11.3-2/Miniforge3-24.11.3-2-Linux-x86_64.sh
            # Set to the installer's sha256 (e.g. "sha256:…") before applying; get_url checks it.
            python_miniforge_checksum: ""
            python_pyenv_repo: https://github.com/pyenv/pyenv.git
            python_pyenv_version: v2.5.3

            """)
    }

    static let condaTasks = """
    - name: Conda users need a pinned installer checksum
      ansible.builtin.assert:
        that: python_miniforge_checksum | length > 0
        fail_msg: "Set python_miniforge_checksum (sha256:… of {{ python_miniforge_url }}): downloads are never unchecked"
      when: python_holds_homes and (gpucluster_users | selectattr('python', 'equalto', 'conda') | list | length > 0)

    - name: Fetch the Miniforge installer (checksum pinned)
      ansible.builtin.get_url:
        url: "{{ python_miniforge_url }}"
        dest: /opt/gpucluster-miniforge.sh
        checksum: "{{ python_miniforge_checksum }}"
        mode: "0755"
      when: python_holds_homes and (gpucluster_users | selectattr('python', 'equalto', 'conda') | list | length > 0)

    - name: Conda (Miniforge) in the home of each conda user
      ansible.builtin.command:
        cmd: /opt/gpucluster-miniforge.sh -b -p /home/{{ item.name }}/miniforge3
        creates: /home/{{ item.name }}/miniforge3/bin/conda
      become: true
      become_user: "{{ item.name }}"
      loop: "{{ gpucluster_users | selectattr('python', 'equalto', 'conda') | list }}"
      loop_control:
        label: "{{ item.name }}"
      when: python_holds_homes

    """

    static let pyenvTasks = """
    - name: Pyenv in the home of each pyenv user
      ansible.builtin.git:
        repo: "{{ python_pyenv_repo }}"
        dest: /home/{{ item.name }}/.pyenv
        version: "{{ python_pyenv_version }}"
        update: false
      become: true
      become_user: "{{ item.name }}"
      loop: "{{ gpucluster_users | selectattr('python', 'equalto', 'pyenv') | list }}"
      loop_control:
        label: "{{ item.name }}"
      when: python_holds_homes

    # As the user, like everything in a home: a ~/.bashrc linked to a system file is
    # then written with the user's rights only (and a dotfiles link works as meant).
    - name: Put pyenv on the PATH of its users
      ansible.builtin.blockinfile:
        path: /home/{{ item.name }}/.bashrc
        create: true
        mode: "0644"
        marker: "# {mark} gpucluster pyenv"
        block: |
          export PYENV_ROOT="$HOME/.pyenv"
          export PATH="$PYENV_ROOT/bin:$PATH"
          eval "$(pyenv init -)"
      become: true
      become_user: "{{ item.name }}"
      loop: "{{ gpucluster_users | selectattr('python', 'equalto', 'pyenv') | list }}"
      loop_control:
        label: "{{ item.name }}"
      when: python_holds_homes

    """

    static let venvTasks = """
    - name: A venv in the home of each venv user
      ansible.builtin.command:
        cmd: python3 -m venv /home/{{ item.name }}/.venv
        creates: /home/{{ item.name }}/.venv/bin/python
      become: true
      become_user: "{{ item.name }}"
      loop: "{{ gpucluster_users | selectattr('python', 'equalto', 'venv') | list }}"
      loop_control:
        label: "{{ item.name }}"
      when: python_holds_homes

    """
}
