import ArgumentParser
import MeshNodeCLI

/// Runs an async command's `main` (a plain `NodeCommand.main()` here would pick the
/// synchronous overload).
func start<Command: AsyncParsableCommand>(_: Command.Type) async { await Command.main() }

await start(NodeCommand.self)
