// One `import SocketIO` gives an application the adapter interface (rooms, socket ids, the
// `Adapter` a cluster plugs in) and the value type of events.
@_exported public import RealtimeAdapter

@_exported public import enum SocketIOProtocol.SocketValue
