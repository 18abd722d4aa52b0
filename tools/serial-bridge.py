#!/usr/bin/env python3
"""Connects this terminal to an emulator's serial port over a loopback TCP socket. It listens on
a free port of 127.0.0.1, starts the emulator command given after `--` with that port in the
environment variable BRIDGE_PORT (Bochs: `com1: mode=socket-client, dev=127.0.0.1:PORT`), and
then passes bytes both ways: what you type goes to the machine, what it sends appears here. The
terminal is in raw mode so control keys (Ctrl-C, Ctrl-], arrows) reach the hypervisor's console
rather than this process; Ctrl-\\ ends the session and the emulator. Used by `make run`."""
import os
import select
import signal
import socket
import subprocess
import sys
import termios
import tty

QUIT = b"\x1c"  # Ctrl-\


def main():
    args = sys.argv[1:]
    log = None
    if args[:1] == ["--log"]:
        log = open(args[1], "ab")
        args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    env = dict(os.environ, BRIDGE_PORT=str(listener.getsockname()[1]))
    child = subprocess.Popen(args, env=env, start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    fd = sys.stdin.fileno()
    interactive = os.isatty(fd)
    saved = termios.tcgetattr(fd) if interactive else None
    try:
        listener.settimeout(120)
        sock, _ = listener.accept()
        if interactive:
            tty.setraw(fd)
        readers = [sock, fd] if interactive else [sock]
        while True:
            ready, _, _ = select.select(readers, [], [])
            if sock in ready:
                data = sock.recv(4096)
                if not data:
                    break
                os.write(sys.stdout.fileno(), data)
                if log:
                    log.write(data)
                    log.flush()
            if fd in ready:
                data = os.read(fd, 1024)
                if not data or QUIT in data:
                    break
                sock.sendall(data)
    except socket.timeout:
        print("serial-bridge: the emulator never connected", file=sys.stderr)
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        child.wait()


if __name__ == "__main__":
    main()
