"""slixmpp clients for the integration tests: connect, wait for an event, never hang
(every wait is bounded)."""
import asyncio
import logging
import ssl

import slixmpp

logging.basicConfig(level=logging.ERROR)
LOOP = asyncio.new_event_loop()
asyncio.set_event_loop(LOOP)


def run(coro, timeout=15):
    return LOOP.run_until_complete(asyncio.wait_for(coro, timeout))


class Client(slixmpp.ClientXMPP):
    """A slixmpp client that records messages and presences it receives."""

    def __init__(self, jid, password, mechanism=None, plugins=("xep_0030", "xep_0199")):
        super().__init__(jid, password)
        for p in plugins:
            self.register_plugin(p)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        if mechanism:
            self["feature_mechanisms"].use_mech = mechanism
        self.messages = asyncio.Queue()
        self.presences = asyncio.Queue()
        self.started = asyncio.Event()
        self.auth_failed = asyncio.Event()
        self.add_event_handler("session_start", self._on_start)
        self.add_event_handler("failed_all_auth", lambda _: self.auth_failed.set())
        self.add_event_handler("message", lambda m: self.messages.put_nowait(m))
        self.add_event_handler("presence", lambda p: self.presences.put_nowait(p))

    async def _on_start(self, _):
        self.started.set()

    async def login(self, port, host="127.0.0.1", send_presence=True, get_roster=False, direct_tls=False):
        self.connect((host, port), force_starttls=not direct_tls, disable_starttls=direct_tls,
                     use_ssl=direct_tls)
        done, _ = await asyncio.wait([asyncio.ensure_future(self.started.wait()),
                                      asyncio.ensure_future(self.auth_failed.wait())],
                                     timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if not self.started.is_set():
            raise AssertionError("login of %s failed" % self.boundjid.bare)
        if get_roster:
            await self.get_roster()
        if send_presence:
            self.send_presence()
        return self

    async def next_message(self, timeout=10):
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def next_presence(self, timeout=10):
        return await asyncio.wait_for(self.presences.get(), timeout)

    async def close(self):
        self.disconnect()
        try:
            await asyncio.wait_for(self.disconnected, 5)
        except asyncio.TimeoutError:
            pass
