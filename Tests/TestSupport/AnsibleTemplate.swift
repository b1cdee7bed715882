import Foundation

/// Fills a rendered template with Ansible's own template module, variables layered as Ansible
/// layers them here (the files in `vars`, then `overrides` as extra vars), so tests run the
/// files `render` writes, not a copy of what they should say.
public enum AnsibleTemplate {
    public struct Failure: Error, CustomStringConvertible { public let description: String }

    public static func fill(_ src: String, into dest: String, vars: [String], overrides: [String: Any], work: String) throws {
        guard let ansible = Tools.find("ansible") else { throw Failure(description: "ansible is not installed (scripts/test puts it in .venv)") }
        let extra = work + "/overrides-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: overrides).write(to: URL(fileURLWithPath: extra))
        var args = ["localhost", "-i", "localhost,", "-c", "local", "-m", "ansible.builtin.template", "-a", "src=\(src) dest=\(dest)",
                    "-e", "ansible_python_interpreter=\(Repo.path(".venv/bin/python"))"]
        for v in vars + [extra] { args += ["-e", "@" + v] }
        let r = try Tools.run(ansible, args, environment: ["ANSIBLE_HOME": work + "/ansible", "ANSIBLE_LOCAL_TEMP": work + "/ansible/tmp",
                                                          "ANSIBLE_LOCALHOST_WARNING": "False", "ANSIBLE_NOCOLOR": "1"], timeout: 120)
        guard r.status == 0 else { throw Failure(description: "ansible template \(src): \(r.output) \(r.error)") }
    }
}
