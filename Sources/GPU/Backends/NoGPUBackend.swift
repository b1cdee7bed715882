import NodeReport
/// Used when neither NVML nor nvidia-smi is available: the agent still serves, and says so.
public struct NoGPUBackend: GPUBackend {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var name: String { "none" }
    public func collect() -> GPUCollection {
        GPUCollection(backend: name, backendUp: false, error: reason)
    }
}
