"""What the python client suites share: the transports each case runs over, and an inbox."""

import queue

WAIT = 5  # seconds any single expected event may take

TRANSPORTS = {
    "websocket": ["websocket"],
    "upgrade": ["polling", "websocket"],
    "polling": ["polling"],
}


class Inbox:
    """Collects the events a client receives, to wait for them in order."""

    def __init__(self, client, events, namespace="/"):
        self.queues = {event: queue.Queue() for event in events}
        for event in events:
            client.on(event, self._handler(event), namespace=namespace)

    def _handler(self, event):
        def handle(*args):
            self.queues[event].put(args)

        return handle

    def next(self, event, timeout=WAIT):
        return self.queues[event].get(timeout=timeout)

    def empty(self, event, within=0.5):
        try:
            self.queues[event].get(timeout=within)
            return False
        except queue.Empty:
            return True
