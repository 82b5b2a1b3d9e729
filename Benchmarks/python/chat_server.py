"""The chat example's join and say on python-socketio (aiohttp), for the benchmark to hold
our server against: the same events, the same answers."""

import argparse

import socketio
from aiohttp import web

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--name", default="python-1")
args = parser.parse_args()

sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
app = web.Application()
sio.attach(app)


@sio.event
async def join(sid, room):
    await sio.enter_room(sid, room)
    return sorted(sio.rooms(sid))


@sio.event
async def say(sid, data):
    message = {"text": data["text"], "room": data.get("room"), "from": sid, "node": args.name}
    await sio.emit("message", message, room=data.get("room"))
    return True


web.run_app(app, host="127.0.0.1", port=args.port, print=lambda *_: None)
