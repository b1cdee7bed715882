import Foundation
import NodeReport
import Spec

/// A Grafana dashboard (JSON model) over the agents' metrics, for labs that run Grafana.
/// Queries are fixed; the Prometheus data source is chosen on import (`${DS_PROMETHEUS}`).
enum GrafanaDashboard {
    /// Panels over the agents' metrics; "free" uses the spec's memory threshold, as the dashboard does.
    static func panels(_ spec: ClusterSpec) -> [(title: String, expr: String, unit: String, kind: String)] {
        let d = spec.dashboard
        let freeBytes = FreePolicy(freeMemoryMiB: d.freeMemoryMiB.value, idleUtilizationPercent: d.idleUtilizationPercent.value,
                                   idleMinutes: d.idleMinutes.value).freeMemoryBytes
        return [
        ("Free GPUs", "count((\(Metric.gpuProcesses.name) == 0) and on(node, uuid) (\(Metric.gpuMemoryUsedBytes.name) < \(freeBytes)) and on(node, uuid) (\(Metric.gpuUp.name) == 1)) or vector(0)", "none", "stat"),
        ("GPUs down or missing", "sum(\(Metric.gpusMissing.name)) + count(\(Metric.gpuUp.name) == 0) or vector(0)", "none", "stat"),
        ("Agents answering", "sum(up{job=\"gpucluster-agent\"})", "none", "stat"),
        ("GPU utilization per node", "avg by (node) (\(Metric.gpuUtilizationRatio.name))", "percentunit", "timeseries"),
        ("GPU memory used per node", "sum by (node) (\(Metric.gpuMemoryUsedBytes.name))", "bytes", "timeseries"),
        ("GPUs per user", "count by (user) (\(Metric.gpuUserProcesses.name) > 0)", "none", "timeseries"),
        ("GPU temperature", "max by (node) (\(Metric.gpuTemperatureCelsius.name))", "celsius", "timeseries"),
        ("XID errors (10 min)", "sum by (node, xid) (increase(\(Metric.gpuXidErrorsTotal.name)[10m]))", "none", "timeseries"),
        // The hosts themselves (node exporter): CPU, memory, the fullest filesystem, network.
        ("Host CPU busy", "1 - avg by (node) (rate(node_cpu_seconds_total{job=\"node\",mode=\"idle\"}[5m]))", "percentunit", "timeseries"),
        ("Host memory used", "1 - node_memory_MemAvailable_bytes{job=\"node\"} / node_memory_MemTotal_bytes{job=\"node\"}", "percentunit", "timeseries"),
        ("Fullest filesystem per host", "max by (node) (1 - node_filesystem_avail_bytes{job=\"node\",fstype!~\"tmpfs|overlay|squashfs\"} / node_filesystem_size_bytes{job=\"node\",fstype!~\"tmpfs|overlay|squashfs\"})", "percentunit", "timeseries"),
        ("Host network received", "sum by (node) (rate(node_network_receive_bytes_total{job=\"node\",device!=\"lo\"}[5m]))", "Bps", "timeseries"),
        ]
    }

    static func json(_ spec: ClusterSpec) -> String {
        var list: [[String: Any]] = []
        for (i, p) in panels(spec).enumerated() {
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
