"""The guard in conftest.py really keeps tests on this machine."""

import socket

import pytest


def test_connections_beyond_loopback_are_refused_before_any_packet() -> None:
    with pytest.raises(AssertionError, match="tests talk only to local fakes"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # TEST-NET-1: never routed
