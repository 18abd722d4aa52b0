#!/usr/bin/env python3
"""Connects this terminal to an emulator's serial port exposed on a TCP socket (Bochs COM1 in
socket mode): what you type goes to the machine, what it sends appears here. The terminal is put
in raw mode so control keys (Ctrl-C, Ctrl-], arrows) reach the hypervisor's console instead of
this process; Ctrl-\\ ends the bridge. Used by `make run` when Bochs is the emulator."""
import os
import select
import socket
import sys
import termios
import time
import tty

QUIT = b"\x1c"  # Ctrl-\


def connect(host, port, deadline):
    while True:
        try:
            return socket.create_connection((host, port), timeout=2)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    log = open(sys.argv[3], "ab") if len(sys.argv) > 3 else None
    sock = connect(host, port, time.time() + 60)
    sock.setblocking(False)
    fd = sys.stdin.fileno()
    interactive = os.isatty(fd)
    saved = termios.tcgetattr(fd) if interactive else None
    try:
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
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        sock.close()


if __name__ == "__main__":
    main()
