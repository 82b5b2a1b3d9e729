// One `import MeshAdapter` gives a server everything it needs to run a node and use its
// adapters: the adapter interface (`Adapter`, `SocketHost`, `BroadcastOptions`, ...) comes
// along, and the four protocol types `MeshNode`'s API names (`NodeID`, `MeshSettings`,
// `MeshCounters`, `PeerDownReason`); the rest of MeshCore is SPI, the package's internals.
// NIOCore too: packets are `ByteBuffer`s, and a node runs on an `EventLoop`.
@_exported public import MeshCore
@_exported public import NIOCore
@_exported public import RealtimeAdapter
