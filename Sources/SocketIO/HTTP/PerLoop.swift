import NIOConcurrencyHelpers
import NIOCore

/// One object per event loop, made on first use and kept for the life of the process.
final class PerLoop<Value: AnyObject & Sendable>: Sendable {
    private let values = NIOLockedValueBox<[ObjectIdentifier: Value]>([:])
    private let make: @Sendable (any EventLoop) -> Value

    init(_ make: @escaping @Sendable (any EventLoop) -> Value) { self.make = make }

    func of(_ loop: any EventLoop) -> Value {
        values.withLockedValue { values in
            if let value = values[ObjectIdentifier(loop)] { return value }
            let value = make(loop)
            values[ObjectIdentifier(loop)] = value
            return value
        }
    }
}
