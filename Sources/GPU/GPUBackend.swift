@_exported import NodeReport

/// Reads the GPUs. Implementations serialize their own calls; `collect` never throws:
/// failures become `backendUp: false` or per-GPU `up: false`.
public protocol GPUBackend: Sendable {
    var name: String { get }
    func collect() -> GPUCollection
}
