/// What a client holds per namespace it joined, in a list searched in order.
///
/// A client joins one namespace, sometimes a few, and a server holds its clients for hours:
/// a list of pairs costs a fraction of a dictionary's storage, and finding one of a few
/// names in it is as fast as hashing the name.
package struct NamespaceMap<Value> {
    private var entries: [(namespace: String, value: Value)] = []

    package init() {}

    package var values: [Value] { entries.map(\.value) }

    package subscript(namespace: String) -> Value? {
        get { entries.first { $0.namespace == namespace }?.value }
        set {
            let index = entries.firstIndex { $0.namespace == namespace }
            switch (index, newValue) {
            case (let index?, let value?): entries[index].value = value
            case (let index?, nil): entries.remove(at: index)
            case (nil, let value?): entries.append((namespace, value))
            case (nil, nil): break
            }
        }
    }

    @discardableResult
    package mutating func removeValue(forKey namespace: String) -> Value? {
        guard let index = entries.firstIndex(where: { $0.namespace == namespace }) else { return nil }
        return entries.remove(at: index).value
    }

    package mutating func removeAll() { entries.removeAll() }
}

extension NamespaceMap: Sendable where Value: Sendable {}
