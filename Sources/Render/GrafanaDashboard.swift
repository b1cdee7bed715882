import Foundation
import Spec

/// A Grafana dashboard (JSON model) over the agents' metrics, for labs that run Grafana.
/// Queries are fixed; the Prometheus data source is chosen on import (`${DS_PROMETHEUS}`).
enum GrafanaDashboard {
    static let panels: [(title: String, expr: String, unit: String, kind: String)] = [
        ("Free GPUs", "count((gpucluster_gpu_processes == 0) and on(node, uuid) (gpucluster_gpu_memory_used_bytes < 1073741824) and on(node, uuid) (gpucluster_gpu_up == 1)) or vector(0)", "none", "stat"),
        ("GPUs down or missing", "sum(gpucluster_gpus_missing) + count(gpucluster_gpu_up == 0) or vector(0)", "none", "stat"),
        ("Agents answering", "sum(up{job=\"gpucluster-agent\"})", "none", "stat"),
        ("GPU utilization per node", "avg by (node) (gpucluster_gpu_utilization_ratio)", "percentunit", "timeseries"),
        ("GPU memory used per node", "sum by (node) (gpucluster_gpu_memory_used_bytes)", "bytes", "timeseries"),
        ("GPUs per user", "count by (user) (gpucluster_gpu_user_processes > 0)", "none", "timeseries"),
        ("GPU temperature", "max by (node) (gpucluster_gpu_temperature_celsius)", "celsius", "timeseries"),
        ("XID errors (10 min)", "sum by (node, xid) (increase(gpucluster_gpu_xid_errors_total[10m]))", "none", "timeseries"),
    ]

    static func json(_ spec: ClusterSpec) -> String {
        var list: [[String: Any]] = []
        for (i, p) in panels.enumerated() {
            let stat = p.kind == "stat"
            list.append([
                "id": i + 1, "type": p.kind, "title": p.title,
                "datasource": ["type": "prometheus", "uid": "${DS_PROMETHEUS}"],
                "gridPos": ["h": stat ? 4 : 8, "w": stat ? 8 : 12, "x": stat ? (i % 3) * 8 : ((i - 3) % 2) * 12, "y": stat ? 0 : 4 + ((i - 3) / 2) * 8],
                "fieldConfig": ["defaults": ["unit": p.unit], "overrides": [Any]()],
                "targets": [["refId": "A", "expr": p.expr, "legendFormat": stat ? "" : "{{node}}{{user}}{{xid}}"]],
            ])
        }
        let model: [String: Any] = [
            "__inputs": [["name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus"]],
            "title": "GPU cluster \(spec.cluster.name.value)", "uid": "gpucluster-\(spec.cluster.name.value)",
            "schemaVersion": 39, "version": 1, "editable": true, "refresh": "30s",
            "time": ["from": "now-24h", "to": "now"], "tags": ["gpucluster"], "panels": list,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: model, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
