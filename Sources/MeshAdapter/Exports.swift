// One `import MeshAdapter` gives a server everything it needs to run a node and use its
// adapters: the adapter interface (`Adapter`, `SocketHost`, `BroadcastOptions`, ...) comes along.
@_exported public import RealtimeAdapter
// The four protocol types `MeshNode`'s API names (`NodeID`, `MeshSettings`, `MeshCounters`,
// `PeerDownReason`) come along too; the rest of MeshCore is the project's internals.
@_exported public import MeshCore
