import ArgumentParser
import MeshNodeCLI

/// `swift run mesh-demo`: a three-process cluster on loopback, watched live.
/// `mesh-demo node ...` is one node of it (the demo starts copies of itself that way).
@main
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh-demo",
        abstract: "Start a local MeshAdapter cluster and watch it work.",
        subcommands: [ClusterCommand.self, NodeCommand.self],
        defaultSubcommand: ClusterCommand.self)
}
