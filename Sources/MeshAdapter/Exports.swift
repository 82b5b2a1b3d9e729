// One `import MeshAdapter` gives a server everything it needs to run a node and use its
// adapters: the adapter interface (`Adapter`, `SocketHost`, `BroadcastOptions`, ...) comes along.
@_exported public import RealtimeAdapter
