"""python-socketio clients against our Socket.IO server.

Every case runs over three transports: websocket only, polling that upgrades to websocket
(python-socketio's default), and polling only. Servers: socketio-conformance at
CONFORMANCE_URL (the protocol suites' handlers) and chat-node at CHAT_URL.

A polling case sometimes takes 25 s: python-engineio's client can drop its own CLOSE packet
when it disconnects (its write loop stops once its state leaves "connected", even with the
packet queued), so the server, never told, ends the session at its next ping (chat-node's
pingInterval is 25 s) and the client's last poll returns only then. Seen in the server's
trace: the client's last POST carries "41" and no "1".
"""

import os
import threading
import time
import unittest

import socketio

from Tests.python.support import TRANSPORTS, WAIT, Inbox

CONFORMANCE_URL = os.environ["CONFORMANCE_URL"]
CHAT_URL = os.environ["CHAT_URL"]


class Base:
    transports = None

    def client(self, url, events=(), namespaces=None, auth=None, **handlers):
        client = socketio.Client(reconnection=False)
        inbox = Inbox(client, events)
        for event, handler in handlers.items():
            client.on(event, handler)
        client.connect(url, transports=self.transports, namespaces=namespaces, auth=auth, wait_timeout=WAIT)
        self.addCleanup(client.disconnect)
        return client, inbox


class ConformanceCases(Base):
    def test_auth_is_emitted_back_on_connection(self):
        _, inbox = self.client(CONFORMANCE_URL, events=["auth"], auth={"token": "abc", "n": 1})
        self.assertEqual(inbox.next("auth"), ({"token": "abc", "n": 1},))

    def test_events_come_back_with_the_same_arguments(self):
        client, inbox = self.client(CONFORMANCE_URL, events=["message-back"])
        client.emit("message", (1, "2", {"3": [True]}, None, 4.5))
        self.assertEqual(inbox.next("message-back"), (1, "2", {"3": [True]}, None, 4.5))

    def test_binary_anywhere_in_the_arguments(self):
        client, inbox = self.client(CONFORMANCE_URL, events=["message-back"])
        blob = bytes(range(256))
        client.emit("message", (b"\x01\x02\x03", {"nested": [blob, {"deeper": b""}]}))
        self.assertEqual(inbox.next("message-back"), (b"\x01\x02\x03", {"nested": [blob, {"deeper": b""}]}))

    def test_client_acks_are_answered_with_the_arguments(self):
        client, _ = self.client(CONFORMANCE_URL)
        self.assertEqual(client.call("message-with-ack", (1, "two", [3]), timeout=WAIT), (1, "two", [3]))
        self.assertEqual(client.call("message-with-ack", b"\xff\x00", timeout=WAIT), b"\xff\x00")

    def test_custom_namespace_connects_beside_the_main_one(self):
        client = socketio.Client(reconnection=False)
        inbox = Inbox(client, ["auth"], namespace="/custom")
        client.connect(
            CONFORMANCE_URL, transports=self.transports, namespaces=["/", "/custom"], auth={"k": "v"},
            wait_timeout=WAIT)
        self.addCleanup(client.disconnect)
        self.assertEqual(inbox.next("auth"), ({"k": "v"},))
        self.assertEqual(client.call("message-with-ack", "main", timeout=WAIT), "main")

    def test_unknown_namespace_is_refused(self):
        client = socketio.Client(reconnection=False)
        inbox = Inbox(client, ["connect_error"], namespace="/random")
        with self.assertRaises(socketio.exceptions.ConnectionError):
            client.connect(CONFORMANCE_URL, transports=self.transports, namespaces=["/random"], wait_timeout=WAIT)
        client.disconnect()
        self.assertEqual(inbox.next("connect_error"), ({"message": "Invalid namespace"},))


class ChatCases(Base):
    def chat(self, events=("message",), **handlers):
        return self.client(CHAT_URL, events=events, **handlers)

    def test_join_and_leave_answer_with_the_rooms(self):
        client, _ = self.chat()
        self.assertEqual(client.call("join", "lobby", timeout=WAIT), sorted(["lobby", client.get_sid()]))
        self.assertEqual(client.call("leave", "lobby", timeout=WAIT), [client.get_sid()])

    def test_say_reaches_the_room_and_no_one_else(self):
        alice, alice_inbox = self.chat()
        bob, bob_inbox = self.chat()
        carol, carol_inbox = self.chat()
        room = f"room-{time.monotonic_ns()}"
        alice.call("join", room, timeout=WAIT)
        bob.call("join", room, timeout=WAIT)
        self.assertIs(carol.call("say", {"room": room, "text": "hi"}, timeout=WAIT), True)
        for inbox in (alice_inbox, bob_inbox):
            (message,) = inbox.next("message")
            self.assertEqual(message, {"text": "hi", "room": room, "from": carol.get_sid(), "node": "chat-1"})
        self.assertTrue(carol_inbox.empty("message"))

    def test_say_except_leaves_out_that_room(self):
        alice, alice_inbox = self.chat()
        bob, bob_inbox = self.chat()
        room, quiet = f"room-{time.monotonic_ns()}", f"quiet-{time.monotonic_ns()}"
        alice.call("join", room, timeout=WAIT)
        bob.call("join", room, timeout=WAIT)
        bob.call("join", quiet, timeout=WAIT)
        alice.call("say", {"room": room, "except": quiet, "text": "not for bob"}, timeout=WAIT)
        self.assertEqual(alice_inbox.next("message")[0]["text"], "not for bob")
        self.assertTrue(bob_inbox.empty("message"))

    def test_volatile_say_is_delivered_to_a_reader_keeping_up(self):
        alice, alice_inbox = self.chat()
        room = f"room-{time.monotonic_ns()}"
        alice.call("join", room, timeout=WAIT)
        alice.call("say", {"room": room, "text": "maybe", "volatile": True}, timeout=WAIT)
        self.assertEqual(alice_inbox.next("message")[0]["text"], "maybe")

    def test_who_lists_the_members(self):
        alice, _ = self.chat()
        bob, _ = self.chat()
        room = f"room-{time.monotonic_ns()}"
        alice.call("join", room, timeout=WAIT)
        bob.call("join", room, timeout=WAIT)
        members = alice.call("who", room, timeout=WAIT)
        self.assertEqual(
            members,
            sorted(
                [
                    {"id": alice.get_sid(), "node": "chat-1", "rooms": sorted([room, alice.get_sid()])},
                    {"id": bob.get_sid(), "node": "chat-1", "rooms": sorted([room, bob.get_sid()])},
                ],
                key=lambda member: member["id"]))

    def test_bad_arguments_are_acknowledged_with_an_error(self):
        client, _ = self.chat()
        self.assertIn("error", client.call("say", "not an object", timeout=WAIT))
        self.assertIn("error", client.call("join", 42, timeout=WAIT))

    def test_server_acks_come_back_from_the_client(self):
        client, _ = self.chat(question=lambda *args: ("answer", *args))
        self.assertEqual(
            client.call("ask", {"event": "question", "arguments": [1, "x"]}, timeout=WAIT),
            {"answer": ["answer", 1, "x"]})

    def test_server_ack_times_out_when_the_client_does_not_answer(self):
        answered = threading.Event()

        def slow(*args):
            answered.wait(2)
            return "late"

        client, _ = self.chat(slow=slow)
        started = time.monotonic()
        reply = client.call("ask", {"event": "slow", "timeoutMs": 300}, timeout=WAIT)
        self.assertEqual(reply, {"error": "timeout"})
        self.assertGreaterEqual(time.monotonic() - started, 0.25)


def cases(base, transport):
    return type(f"{base.__name__}_{transport}", (base, unittest.TestCase), {"transports": TRANSPORTS[transport]})


for _transport in TRANSPORTS:
    for _base in (ConformanceCases, ChatCases):
        _case = cases(_base, _transport)
        globals()[_case.__name__] = _case


class UpgradeCase(Base, unittest.TestCase):
    transports = TRANSPORTS["upgrade"]

    def test_a_polling_client_moves_to_websocket(self):
        client, _ = self.client(CONFORMANCE_URL)
        deadline = time.monotonic() + WAIT
        while client.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(client.transport(), "websocket")
        self.assertEqual(client.call("message-with-ack", "after upgrade", timeout=WAIT), "after upgrade")


if __name__ == "__main__":
    unittest.main()
