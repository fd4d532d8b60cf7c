"""`--ws websockets` (uvicorn's older WebSocket implementation, deprecated upstream)
closing with 1001 on shutdown, like `server.going_away.GoingAwayWebSockets`. A module
of its own because importing it warns that `websockets.legacy` is deprecated."""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_impl import WebSocketProtocol

from server.going_away import GOING_AWAY, GOING_AWAY_REASON


class GoingAwayLegacyWebSockets(WebSocketProtocol):
    def shutdown(self) -> None:
        if self.handshake_completed_event.is_set():
            # Sends the close frame; uvicorn's own 1012 then finds the socket closing.
            self.fail_connection(GOING_AWAY, GOING_AWAY_REASON)
        super().shutdown()
