/// cluster.yaml is meant to be committed and shared; secrets live in files it points to.
struct InlineSecretsRule: ValidationRule {
    let name = "secrets"
    let summary = "no webhook URL, token, password or private key written inline"
    static let secretKeys = ["password", "passwd", "token", "secret", "webhook", "webhookurl", "apikey", "api_key"]
    static let secretValueMarks = ["hooks.slack.com/", "PRIVATE KEY-----", "xoxb-", "xoxp-", "discord.com/api/webhooks/"]

    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        if let f = c.spec.monitoring.slackWebhookFile, f.value.contains("://") {
            d.error(f.at, "monitoring.notify.slack.webhookFile holds a URL, not a file path",
                    hint: "write the webhook URL into a file (e.g. secrets/slack-webhook, mode 0600) and name that file here")
        }
        var budget = 200_000
        walk(c.root, key: nil, &d, &budget)
    }

    private func walk(_ n: YAMLNode, key: String?, _ d: inout Diagnostics, _ budget: inout Int) {
        budget -= 1
        guard budget > 0 else { return }
        switch n.kind {
        case .scalar(let s, _):
            if let key, Self.secretKeys.contains(key.lowercased()), !s.isEmpty {
                d.error(n.location, "'\(key)' is a secret written inline",
                        hint: "secrets go in a file referenced by path (e.g. webhookFile: secrets/slack-webhook)")
            } else if key != "webhookFile", Self.secretValueMarks.contains(where: { s.contains($0) }) {
                d.error(n.location, "this value looks like a secret (webhook URL, token or private key)",
                        hint: "keep secrets in files referenced by path, never in cluster.yaml")
            }
        case .mapping(let pairs):
            for (k, v) in pairs { walk(v, key: k.scalar, &d, &budget) }
        case .sequence(let items):
            for i in items { walk(i, key: nil, &d, &budget) }
        }
    }
}
