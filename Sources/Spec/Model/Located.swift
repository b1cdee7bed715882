/// A value from the spec together with where it was written, so rules can point at it.
public struct Located<T: Sendable>: Sendable {
    public var value: T
    public var at: SourceLocation
    public init(_ value: T, at: SourceLocation) { self.value = value; self.at = at }
}
extension Located: Equatable where T: Equatable {}
extension Located: Hashable where T: Hashable {}
