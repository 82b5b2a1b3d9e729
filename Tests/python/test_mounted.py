"""python-socketio clients against Socket.IO mounted in a web framework's app (the Vapor
example at MOUNTED_URL): its own route, and events with acks and broadcasts over websocket,
polling with upgrade, and polling."""

import os
import queue
import unittest
import urllib.request

import socketio

URL = os.environ["MOUNTED_URL"]
WAIT = 5


class MountedCases(unittest.TestCase):
    def test_the_apps_own_route(self):
        with urllib.request.urlopen(f"{URL}/health", timeout=WAIT) as response:
            self.assertEqual(response.read(), b"ok")

    def test_chat_over_each_transport(self):
        for transports in (["websocket"], ["polling", "websocket"], ["polling"]):
            with self.subTest(transports=transports):
                listener, sender = socketio.Client(reconnection=False), socketio.Client(reconnection=False)
                heard = queue.Queue()
                listener.on("chat", lambda *args: heard.put(args))
                listener.connect(URL, transports=transports, wait_timeout=WAIT)
                sender.connect(URL, transports=transports, wait_timeout=WAIT)
                self.assertIs(sender.call("chat", ("hi", {"n": 1}), timeout=WAIT), True)
                self.assertEqual(heard.get(timeout=WAIT), ("hi", {"n": 1}))
                listener.disconnect()
                sender.disconnect()


if __name__ == "__main__":
    unittest.main()
