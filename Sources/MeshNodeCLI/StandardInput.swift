#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard input as a service manager may leave it.
enum StandardInput {
    /// Opens `/dev/null` as descriptor 0 when the process was started with it closed
    /// (`mesh-node <&-`). Otherwise the next socket the node opens would become descriptor 0,
    /// and the command reader would read, and steal, that socket's bytes.
    static func ensureOpen() {
        guard fcntl(0, F_GETFD) == -1 else { return }
        let descriptor = open("/dev/null", O_RDONLY)
        if descriptor > 0 {
            dup2(descriptor, 0)
            close(descriptor)
        }
    }
}
