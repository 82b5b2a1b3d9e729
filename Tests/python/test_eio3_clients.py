"""python-socketio 4 (Engine.IO v3, Socket.IO protocol 4: what socket.io-client 2.x speaks)
against socketio-conformance started with --allow-eio3, at CONFORMANCE_URL.

Every case runs over websocket only, polling that upgrades, and polling only. python-engineio 3
sends binary polling bodies and reads both forms. A v3 client pings the server, every
pingInterval (300 ms here): one that stopped would be closed within half a second.
"""

import os
import time
import unittest

import socketio

from Tests.python.support import TRANSPORTS, WAIT, Inbox

CONFORMANCE_URL = os.environ["CONFORMANCE_URL"]


class Cases:
    transports = None

    def client(self, events=(), namespaces=None, namespace_events=()):
        """A connected client: its namespaces joined (v3 joins "/" at once, unasked)."""
        client = socketio.Client(reconnection=False)
        inbox = Inbox(client, ("connect",) + tuple(events))
        joined = {n: Inbox(client, ("connect",) + tuple(namespace_events), namespace=n) for n in namespaces or []}
        client.connect(CONFORMANCE_URL, transports=self.transports, namespaces=namespaces)
        self.addCleanup(client.disconnect)
        inbox.next("connect")
        for namespace_inbox in joined.values():
            namespace_inbox.next("connect")
        return client, inbox, joined

    def test_the_main_namespace_is_joined_with_an_empty_auth(self):
        _, inbox, _ = self.client(events=["auth"])
        self.assertEqual(inbox.next("auth"), ({},))

    def test_events_come_back_with_the_same_arguments(self):
        client, inbox, _ = self.client(events=["message-back"])
        client.emit("message", (1, "2", {"3": [True]}, None, 4.5, "é😀"))
        self.assertEqual(inbox.next("message-back"), (1, "2", {"3": [True]}, None, 4.5, "é😀"))

    def test_binary_anywhere_in_the_arguments(self):
        client, inbox, _ = self.client(events=["message-back"])
        blob = bytes(range(256))
        # Not b"": python-engineio 3 reads an empty binary message (its type byte alone) as None.
        client.emit("message", (b"\x01\x02\x03", {"nested": [blob, {"deeper": b"\x00"}]}))
        self.assertEqual(inbox.next("message-back"), (b"\x01\x02\x03", {"nested": [blob, {"deeper": b"\x00"}]}))

    def test_client_acks_are_answered_with_the_arguments(self):
        client, _, _ = self.client()
        self.assertEqual(client.call("message-with-ack", (1, "two", [3]), timeout=WAIT), (1, "two", [3]))
        self.assertEqual(client.call("message-with-ack", b"\xff\x00", timeout=WAIT), b"\xff\x00")

    def test_custom_namespace_connects_beside_the_main_one(self):
        client, _, joined = self.client(namespaces=["/custom"], namespace_events=["auth"])
        self.assertEqual(joined["/custom"].next("auth"), ({},))
        self.assertEqual(client.call("message-with-ack", "main", timeout=WAIT), "main")

    def test_unknown_namespace_is_refused(self):
        client = socketio.Client(reconnection=False)
        main = Inbox(client, ["connect"])
        refused = Inbox(client, ["connect_error"], namespace="/random")
        client.connect(CONFORMANCE_URL, transports=self.transports, namespaces=["/random"])
        self.addCleanup(client.disconnect)
        main.next("connect")
        self.assertEqual(refused.next("connect_error"), ({"message": "Invalid namespace"},))

    def test_the_clients_pings_keep_it_connected(self):
        client, inbox, _ = self.client(events=["message-back"])
        time.sleep(1.5)  # five of the server's 300 ms ping intervals
        client.emit("message", "still here")
        self.assertEqual(inbox.next("message-back"), ("still here",))


class WebSocketCases(Cases, unittest.TestCase):
    transports = TRANSPORTS["websocket"]


class UpgradeCases(Cases, unittest.TestCase):
    transports = TRANSPORTS["upgrade"]


class PollingCases(Cases, unittest.TestCase):
    transports = TRANSPORTS["polling"]


if __name__ == "__main__":
    unittest.main()
