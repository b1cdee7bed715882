import NodeReport
import CNVML
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads GPUs through NVML, bound at run time with dlopen/dlsym so the binary runs (and
/// reports "no GPU backend") on machines without a driver. Every NVML call happens under
/// one lock: NVML calls are serialized, and a collection is one consistent pass.
public final class NVMLBackend: GPUBackend, @unchecked Sendable {
    public var name: String { "nvml" }

    private let api: NVMLAPI
    private let state = Mutex(State())

    struct State {
        var initialized = false
        var eventSet: nvmlEventSet_t?
        var registered = Set<String>()
        var xidCounts: [XIDKey: UInt64] = [:]
        /// GPUs seen before: one that disappears from the count is reported down, not forgotten.
        var known: [String: (index: Int, name: String)] = [:]
    }

    /// Loads the library (default `libnvidia-ml.so.1` from the loader path); nil with the reason.
    public static func load(path: String = "libnvidia-ml.so.1") -> Result<NVMLBackend, LoadError> {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            return .failure(LoadError(message: "cannot load \(path): \(why)"))
        }
        guard let api = NVMLAPI(handle: handle) else {
            dlclose(handle)
            return .failure(LoadError(message: "\(path) lacks the NVML functions the agent needs"))
        }
        return .success(NVMLBackend(api: api))
    }

    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    init(api: NVMLAPI) { self.api = api }

    deinit {
        state.withLock { s in
            if let set = s.eventSet { _ = api.eventSetFree?(set) }
            if s.initialized { _ = api.shutdown() }
        }
    }

    public func collect() -> GPUCollection {
        state.withLock { s in collectLocked(&s) }
    }

    private func collectLocked(_ s: inout State) -> GPUCollection {
        if !s.initialized {
            let rc = api.initialize()
            guard rc == NVML_SUCCESS else {
                var c = GPUCollection(backend: name, backendUp: false, error: "nvmlInit: \(api.errorString(rc))")
                c.driver = driverProblem(initError: rc)
                return c
            }
            s.initialized = true
            var set: nvmlEventSet_t?
            if let create = api.eventSetCreate, create(&set) == NVML_SUCCESS { s.eventSet = set }
        }
        var c = GPUCollection(backend: name, backendUp: true)
        c.driverVersion = api.string { api.systemGetDriverVersion($0, $1) }
        if let cuda = api.systemGetCudaDriverVersion {
            var v: Int32 = 0
            if cuda(&v) == NVML_SUCCESS { c.cudaVersion = "\(v / 1000).\((v % 1000) / 10)" }
        }
        var count: UInt32 = 0
        let rc = api.deviceGetCount(&count)
        guard rc == NVML_SUCCESS else {
            c.backendUp = false
            c.error = "nvmlDeviceGetCount: \(api.errorString(rc))"
            return c
        }
        var seen = Set<String>()
        for i in 0..<Int(count) {
            var reading = readDevice(index: i, &s)
            if reading.up { s.known[reading.uuid] = (i, reading.name) }
            if reading.uuid.isEmpty, let old = s.known.first(where: { $0.value.index == i }) {
                reading.uuid = old.key
                reading.name = old.value.name
            }
            if reading.uuid.isEmpty { reading.uuid = "unknown-index-\(i)" }
            seen.insert(reading.uuid)
            c.gpus.append(reading)
        }
        for (uuid, info) in s.known.sorted(by: { $0.value.index < $1.value.index }) where !seen.contains(uuid) {
            var gone = GPUReading(index: info.index, uuid: uuid, name: info.name, up: false)
            gone.error = "no longer listed by NVML"
            c.gpus.append(gone)
        }
        drainEvents(&s)
        c.xidCounts = s.xidCounts
        return c
    }

    /// What a failed init says about the driver. On a mismatch the library still names its own
    /// version (NVML's version string), which is the installed driver.
    private func driverProblem(initError rc: nvmlReturn_t) -> DriverHealth? {
        switch rc {
        case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
            let v = api.systemGetNVMLVersion.flatMap { f in api.string { f($0, $1) } }
            return DriverHealth(problems: [.versionMismatch], libraryVersion: v.flatMap(DriverHealth.libraryVersion(fromNVMLVersion:)))
        case NVML_ERROR_DRIVER_NOT_LOADED:
            return DriverHealth(problems: [.moduleNotLoaded])
        default:
            return nil
        }
    }

    private func readDevice(index: Int, _ s: inout State) -> GPUReading {
        var dev: nvmlDevice_t?
        var r = GPUReading(index: index, uuid: "", name: "")
        let hrc = api.deviceGetHandleByIndex(UInt32(index), &dev)
        guard hrc == NVML_SUCCESS, let dev else {
            r.up = false
            r.error = "nvmlDeviceGetHandleByIndex: \(api.errorString(hrc))"
            return r
        }
        var lost = false
        func check(_ rc: nvmlReturn_t) -> Bool {
            if rc == NVML_ERROR_GPU_IS_LOST { lost = true }
            return rc == NVML_SUCCESS
        }
        let uuid = api.stringAndCode { api.deviceGetUUID(dev, $0, $1) }
        let name = api.stringAndCode { api.deviceGetName(dev, $0, $1) }
        r.uuid = uuid.value ?? ""
        r.name = name.value ?? ""
        lost = uuid.code == NVML_ERROR_GPU_IS_LOST || name.code == NVML_ERROR_GPU_IS_LOST
        if lost {
            r.up = false
            r.error = "GPU is lost (NVML_ERROR_GPU_IS_LOST)"
            return r
        }
        var mem = nvmlMemory_t()
        if check(api.deviceGetMemoryInfo(dev, &mem)) {
            r.memoryTotalBytes = mem.total
            r.memoryUsedBytes = mem.used
        }
        if let v2 = api.deviceGetMemoryInfoV2 {
            var m2 = nvmlMemory_v2_t()
            m2.version = UInt32(MemoryLayout<nvmlMemory_v2_t>.size) | (2 << 24)
            if check(v2(dev, &m2)) { r.memoryReservedBytes = m2.reserved }
        }
        if let f = api.deviceGetPersistenceMode {
            var mode: Int32 = 0
            if check(f(dev, &mode)) { r.persistenceMode = mode != 0 }
        }
        var util = nvmlUtilization_t()
        if check(api.deviceGetUtilizationRates(dev, &util)) {
            r.utilizationGPU = Double(util.gpu)
            r.utilizationMemory = Double(util.memory)
        }
        var u32: UInt32 = 0
        if let f = api.deviceGetTemperature, check(f(dev, NVML_TEMPERATURE_GPU, &u32)) { r.temperatureCelsius = Double(u32) }
        if let f = api.deviceGetFanSpeed, check(f(dev, &u32)) { r.fanPercent = Double(u32) }
        if let f = api.deviceGetPowerUsage, check(f(dev, &u32)) { r.powerWatts = Double(u32) / 1000 }
        if let f = api.deviceGetEnforcedPowerLimit, check(f(dev, &u32)) { r.powerLimitWatts = Double(u32) / 1000 }
        for (type, label) in [(NVML_CLOCK_GRAPHICS, "graphics"), (NVML_CLOCK_SM, "sm"), (NVML_CLOCK_MEM, "memory"), (NVML_CLOCK_VIDEO, "video")] {
            if let f = api.deviceGetClockInfo, check(f(dev, type, &u32)) { r.clocksMHz[label] = Double(u32) }
            if let f = api.deviceGetMaxClockInfo, check(f(dev, type, &u32)) { r.maxClocksMHz[label] = Double(u32) }
        }
        var u64: UInt64 = 0
        if let f = api.deviceGetTotalEccErrors {
            if check(f(dev, NVML_MEMORY_ERROR_TYPE_CORRECTED, NVML_AGGREGATE_ECC, &u64)) { r.eccCorrected = u64 }
            if check(f(dev, NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_AGGREGATE_ECC, &u64)) { r.eccUncorrected = u64 }
        }
        if let f = api.deviceGetRemappedRows {
            var a: UInt32 = 0, b: UInt32 = 0, p: UInt32 = 0, fl: UInt32 = 0
            if check(f(dev, &a, &b, &p, &fl)) {
                r.remappedRows = RemappedRows(correctable: Int(a), uncorrectable: Int(b), pending: p != 0, failed: fl != 0)
            }
        }
        if let f = api.deviceGetThrottleReasons, check(f(dev, &u64)) { r.throttleReasons = u64 }
        var ps: Int32 = 0
        if let f = api.deviceGetPerformanceState, check(f(dev, &ps)) { r.performanceState = Int(ps) }
        if let f = api.deviceGetMigMode {
            var cur: UInt32 = 0, pend: UInt32 = 0
            if check(f(dev, &cur, &pend)) {
                r.migEnabled = cur == UInt32(NVML_DEVICE_MIG_ENABLE)
                if r.migEnabled == true { r.migDevices = readMIG(dev) }
            }
        }
        r.processes = processes(dev, kind: .compute, v3: api.computeProcsV3, v2: api.computeProcsV2, lost: &lost)
            + processes(dev, kind: .graphics, v3: api.graphicsProcsV3, v2: api.graphicsProcsV2, lost: &lost)
        if lost {
            r.up = false
            r.error = "GPU is lost (NVML_ERROR_GPU_IS_LOST)"
        }
        registerEvents(dev, uuid: r.uuid, &s)
        return r
    }

    private func readMIG(_ dev: nvmlDevice_t) -> [MIGDevice] {
        guard let maxCount = api.deviceGetMaxMigDeviceCount, let byIndex = api.deviceGetMigDeviceHandleByIndex else { return [] }
        var n: UInt32 = 0
        guard maxCount(dev, &n) == NVML_SUCCESS else { return [] }
        var out: [MIGDevice] = []
        for i in 0..<n {
            var mig: nvmlDevice_t?
            guard byIndex(dev, i, &mig) == NVML_SUCCESS, let mig else { continue }
            var m = MIGDevice(index: Int(i), uuid: api.string({ api.deviceGetUUID(mig, $0, $1) }) ?? "",
                              name: api.string({ api.deviceGetName(mig, $0, $1) }) ?? "")
            var mem = nvmlMemory_t()
            if api.deviceGetMemoryInfo(mig, &mem) == NVML_SUCCESS {
                m.memoryTotalBytes = mem.total
                m.memoryUsedBytes = mem.used
            }
            var id: UInt32 = 0
            if let f = api.deviceGetGpuInstanceId, f(mig, &id) == NVML_SUCCESS { m.gpuInstanceID = Int(id) }
            if let f = api.deviceGetComputeInstanceId, f(mig, &id) == NVML_SUCCESS { m.computeInstanceID = Int(id) }
            out.append(m)
        }
        return out
    }

    /// Asks for the count first (INSUFFICIENT_SIZE tells it), then fetches; `_v3`, else `_v2`.
    private func processes(_ dev: nvmlDevice_t, kind: GPUProcess.Kind, v3: NVMLAPI.ProcFn?, v2: NVMLAPI.ProcFn?,
                           lost: inout Bool) -> [GPUProcess] {
        for fn in [v3, v2].compactMap({ $0 }) {
            var count: UInt32 = 0
            var rc = fn(dev, &count, nil)
            if rc == NVML_ERROR_FUNCTION_NOT_FOUND || rc == NVML_ERROR_NOT_SUPPORTED { continue }
            if rc == NVML_ERROR_GPU_IS_LOST { lost = true; return [] }
            if rc == NVML_SUCCESS && count == 0 { return [] }
            guard rc == NVML_ERROR_INSUFFICIENT_SIZE || rc == NVML_SUCCESS else { return [] }
            // Processes can start between the two calls: allow some slack and retry. A driver
            // claiming more than 4,096 processes on one GPU is not believed (and would not fit).
            guard count <= 4096 else { return [] }
            for _ in 0..<3 {
                var cap = count + 8
                var infos = [nvmlProcessInfo_t](repeating: nvmlProcessInfo_t(), count: Int(cap))
                rc = infos.withUnsafeMutableBufferPointer { fn(dev, &cap, $0.baseAddress) }
                if rc == NVML_SUCCESS {
                    return infos.prefix(min(Int(cap), infos.count)).map { info in
                        var p = GPUProcess(pid: Int32(bitPattern: info.pid),
                                           usedMemoryBytes: info.usedGpuMemory == NVML_VALUE_NOT_AVAILABLE_ULL ? nil : info.usedGpuMemory,
                                           kind: kind)
                        if info.gpuInstanceId != UInt32.max { p.gpuInstanceID = Int(info.gpuInstanceId) }
                        if info.computeInstanceId != UInt32.max { p.computeInstanceID = Int(info.computeInstanceId) }
                        return p
                    }
                }
                if rc != NVML_ERROR_INSUFFICIENT_SIZE || cap > 4096 { break }
                count = cap
            }
            return []
        }
        return []
    }

    private func registerEvents(_ dev: nvmlDevice_t, uuid: String, _ s: inout State) {
        guard let set = s.eventSet, let register = api.deviceRegisterEvents, !s.registered.contains(uuid) else { return }
        if register(dev, NVML_EVENT_TYPE_XID_CRITICAL_ERROR, set) == NVML_SUCCESS { s.registered.insert(uuid) }
    }

    /// Takes every queued XID event without waiting; counts accumulate for the agent's lifetime.
    private func drainEvents(_ s: inout State) {
        guard let set = s.eventSet, let wait = api.eventSetWait else { return }
        for _ in 0..<1000 {
            var data = nvmlEventData_t()
            guard wait(set, &data, 0) == NVML_SUCCESS else { return }
            guard data.eventType & NVML_EVENT_TYPE_XID_CRITICAL_ERROR != 0, let dev = data.device else { continue }
            let uuid = api.string({ api.deviceGetUUID(dev, $0, $1) }) ?? "unknown"
            var idx: UInt32 = 0
            _ = api.deviceGetIndex?(dev, &idx)
            s.xidCounts[XIDKey(uuid: uuid, index: Int(idx), xid: data.eventData), default: 0] += 1
        }
    }
}

/// The NVML entry points, looked up by name. Required ones fail the load; optional ones are
/// nil on older drivers and the readings they give are simply absent.
struct NVMLAPI: @unchecked Sendable {
    typealias ProcFn = @convention(c) (nvmlDevice_t?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<nvmlProcessInfo_t>?) -> nvmlReturn_t
    typealias StrFn = @convention(c) (UnsafeMutablePointer<CChar>?, UInt32) -> nvmlReturn_t
    typealias DevStrFn = @convention(c) (nvmlDevice_t?, UnsafeMutablePointer<CChar>?, UInt32) -> nvmlReturn_t
    typealias DevU32Fn = @convention(c) (nvmlDevice_t?, UnsafeMutablePointer<UInt32>?) -> nvmlReturn_t
    typealias DevU64Fn = @convention(c) (nvmlDevice_t?, UnsafeMutablePointer<UInt64>?) -> nvmlReturn_t
    typealias DevTypeU32Fn = @convention(c) (nvmlDevice_t?, Int32, UnsafeMutablePointer<UInt32>?) -> nvmlReturn_t

    let handle: UnsafeMutableRawPointer
    let initialize: @convention(c) () -> nvmlReturn_t
    let shutdown: @convention(c) () -> nvmlReturn_t
    let errorStringFn: (@convention(c) (nvmlReturn_t) -> UnsafePointer<CChar>?)?
    let systemGetDriverVersion: StrFn
    let systemGetCudaDriverVersion: (@convention(c) (UnsafeMutablePointer<Int32>?) -> nvmlReturn_t)?
    let systemGetNVMLVersion: StrFn?
    let deviceGetPersistenceMode: (@convention(c) (nvmlDevice_t?, UnsafeMutablePointer<Int32>?) -> nvmlReturn_t)?
    let deviceGetCount: @convention(c) (UnsafeMutablePointer<UInt32>?) -> nvmlReturn_t
    let deviceGetHandleByIndex: @convention(c) (UInt32, UnsafeMutablePointer<nvmlDevice_t?>?) -> nvmlReturn_t
    let deviceGetIndex: DevU32Fn?
    let deviceGetUUID: DevStrFn
    let deviceGetName: DevStrFn
    let deviceGetMemoryInfo: @convention(c) (nvmlDevice_t?, UnsafeMutablePointer<nvmlMemory_t>?) -> nvmlReturn_t
    let deviceGetMemoryInfoV2: (@convention(c) (nvmlDevice_t?, UnsafeMutablePointer<nvmlMemory_v2_t>?) -> nvmlReturn_t)?
    let deviceGetUtilizationRates: @convention(c) (nvmlDevice_t?, UnsafeMutablePointer<nvmlUtilization_t>?) -> nvmlReturn_t
    let deviceGetTemperature: DevTypeU32Fn?
    let deviceGetFanSpeed: DevU32Fn?
    let deviceGetPowerUsage: DevU32Fn?
    let deviceGetEnforcedPowerLimit: DevU32Fn?
    let deviceGetClockInfo: DevTypeU32Fn?
    let deviceGetMaxClockInfo: DevTypeU32Fn?
    let deviceGetTotalEccErrors: (@convention(c) (nvmlDevice_t?, Int32, Int32, UnsafeMutablePointer<UInt64>?) -> nvmlReturn_t)?
    let deviceGetRemappedRows: (@convention(c) (nvmlDevice_t?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?,
                                                UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?) -> nvmlReturn_t)?
    let deviceGetThrottleReasons: DevU64Fn?
    let deviceGetPerformanceState: (@convention(c) (nvmlDevice_t?, UnsafeMutablePointer<Int32>?) -> nvmlReturn_t)?
    let deviceGetMigMode: (@convention(c) (nvmlDevice_t?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?) -> nvmlReturn_t)?
    let deviceGetMaxMigDeviceCount: DevU32Fn?
    let deviceGetMigDeviceHandleByIndex: (@convention(c) (nvmlDevice_t?, UInt32, UnsafeMutablePointer<nvmlDevice_t?>?) -> nvmlReturn_t)?
    let deviceGetGpuInstanceId: DevU32Fn?
    let deviceGetComputeInstanceId: DevU32Fn?
    let computeProcsV3: ProcFn?
    let computeProcsV2: ProcFn?
    let graphicsProcsV3: ProcFn?
    let graphicsProcsV2: ProcFn?
    let eventSetCreate: (@convention(c) (UnsafeMutablePointer<nvmlEventSet_t?>?) -> nvmlReturn_t)?
    let eventSetFree: (@convention(c) (nvmlEventSet_t?) -> nvmlReturn_t)?
    let deviceRegisterEvents: (@convention(c) (nvmlDevice_t?, UInt64, nvmlEventSet_t?) -> nvmlReturn_t)?
    let eventSetWait: (@convention(c) (nvmlEventSet_t?, UnsafeMutablePointer<nvmlEventData_t>?, UInt32) -> nvmlReturn_t)?

    init?(handle: UnsafeMutableRawPointer) {
        self.handle = handle
        func sym<T>(_ names: String..., as: T.Type = T.self) -> T? {
            for n in names { if let p = dlsym(handle, n) { return unsafeBitCast(p, to: T.self) } }
            return nil
        }
        guard let initialize: @convention(c) () -> nvmlReturn_t = sym("nvmlInit_v2", "nvmlInit"),
              let shutdown: @convention(c) () -> nvmlReturn_t = sym("nvmlShutdown"),
              let driver: StrFn = sym("nvmlSystemGetDriverVersion"),
              let count: @convention(c) (UnsafeMutablePointer<UInt32>?) -> nvmlReturn_t = sym("nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"),
              let byIndex: @convention(c) (UInt32, UnsafeMutablePointer<nvmlDevice_t?>?) -> nvmlReturn_t
                = sym("nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"),
              let uuid: DevStrFn = sym("nvmlDeviceGetUUID"),
              let name: DevStrFn = sym("nvmlDeviceGetName"),
              let mem: @convention(c) (nvmlDevice_t?, UnsafeMutablePointer<nvmlMemory_t>?) -> nvmlReturn_t = sym("nvmlDeviceGetMemoryInfo"),
              let util: @convention(c) (nvmlDevice_t?, UnsafeMutablePointer<nvmlUtilization_t>?) -> nvmlReturn_t
                = sym("nvmlDeviceGetUtilizationRates")
        else { return nil }
        self.initialize = initialize
        self.shutdown = shutdown
        errorStringFn = sym("nvmlErrorString")
        systemGetDriverVersion = driver
        systemGetCudaDriverVersion = sym("nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion")
        systemGetNVMLVersion = sym("nvmlSystemGetNVMLVersion")
        deviceGetPersistenceMode = sym("nvmlDeviceGetPersistenceMode")
        deviceGetCount = count
        deviceGetHandleByIndex = byIndex
        deviceGetIndex = sym("nvmlDeviceGetIndex")
        deviceGetUUID = uuid
        deviceGetName = name
        deviceGetMemoryInfo = mem
        deviceGetMemoryInfoV2 = sym("nvmlDeviceGetMemoryInfo_v2")
        deviceGetUtilizationRates = util
        deviceGetTemperature = sym("nvmlDeviceGetTemperature")
        deviceGetFanSpeed = sym("nvmlDeviceGetFanSpeed")
        deviceGetPowerUsage = sym("nvmlDeviceGetPowerUsage")
        deviceGetEnforcedPowerLimit = sym("nvmlDeviceGetEnforcedPowerLimit")
        deviceGetClockInfo = sym("nvmlDeviceGetClockInfo")
        deviceGetMaxClockInfo = sym("nvmlDeviceGetMaxClockInfo")
        deviceGetTotalEccErrors = sym("nvmlDeviceGetTotalEccErrors")
        deviceGetRemappedRows = sym("nvmlDeviceGetRemappedRows")
        deviceGetThrottleReasons = sym("nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons")
        deviceGetPerformanceState = sym("nvmlDeviceGetPerformanceState")
        deviceGetMigMode = sym("nvmlDeviceGetMigMode")
        deviceGetMaxMigDeviceCount = sym("nvmlDeviceGetMaxMigDeviceCount")
        deviceGetMigDeviceHandleByIndex = sym("nvmlDeviceGetMigDeviceHandleByIndex")
        deviceGetGpuInstanceId = sym("nvmlDeviceGetGpuInstanceId")
        deviceGetComputeInstanceId = sym("nvmlDeviceGetComputeInstanceId")
        computeProcsV3 = sym("nvmlDeviceGetComputeRunningProcesses_v3")
        computeProcsV2 = sym("nvmlDeviceGetComputeRunningProcesses_v2")
        graphicsProcsV3 = sym("nvmlDeviceGetGraphicsRunningProcesses_v3")
        graphicsProcsV2 = sym("nvmlDeviceGetGraphicsRunningProcesses_v2")
        eventSetCreate = sym("nvmlEventSetCreate")
        eventSetFree = sym("nvmlEventSetFree")
        deviceRegisterEvents = sym("nvmlDeviceRegisterEvents")
        eventSetWait = sym("nvmlEventSetWait_v2", "nvmlEventSetWait")
    }

    func errorString(_ rc: nvmlReturn_t) -> String {
        if let f = errorStringFn, let s = f(rc) { return "\(String(cString: s)) (\(rc))" }
        return "NVML error \(rc)"
    }

    /// Calls an NVML function that fills a char buffer.
    func string(_ call: (UnsafeMutablePointer<CChar>, UInt32) -> nvmlReturn_t) -> String? {
        stringAndCode(call).value
    }

    /// The same, with NVML's return code (callers tell GPU_IS_LOST from other failures).
    func stringAndCode(_ call: (UnsafeMutablePointer<CChar>, UInt32) -> nvmlReturn_t) -> (value: String?, code: nvmlReturn_t) {
        var buf = [CChar](repeating: 0, count: 256)
        let rc = buf.withUnsafeMutableBufferPointer { p -> nvmlReturn_t in
            guard let base = p.baseAddress else { return NVML_ERROR_UNKNOWN }
            return call(base, UInt32(p.count))
        }
        guard rc == NVML_SUCCESS else { return (nil, rc) }
        return (String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), rc)
    }
}
