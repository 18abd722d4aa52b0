#!/usr/bin/env python3
"""
The management-shell session over Bochs's COM1 (tests/runners/shell-suite.sh starts both).

Transport: this script listens on 127.0.0.1 on a port the kernel picks (bind to port 0, so two
runs can never collide) and writes the number to --port-file; the suite then starts Bochs with
`com1: enabled=1, mode=socket-client, dev=127.0.0.1:PORT`, and Bochs connects once, while it
sets up its devices. Everything received is appended, byte for byte, to --log (the serial log
that lib.sh's check/check_absent judge afterwards); what is sent and every step go to
--log.steps.

Driving: expect-style, on the accumulated output with CRs removed. Every expect has a timeout
and the whole session a deadline (--deadline); a step that fails is recorded and the session
goes on with the next independent step, re-synchronising with the shell (escape byte, Ctrl-C,
prompt) when a step lost track of it. Each check prints `  PASS  what` or
`  FAIL  what  (detail)` as lib.sh does, and the tally goes to --counts as "P F".

Typing: bytes go out one at a time with --char-delay between them (Bochs feeds the UART from
the socket at the line rate and drops what its 16-byte FIFO cannot hold; the hypervisor polls
the UART on VM exits), except where a step says it sends a whole line at once.

Modes: the shell scenario (default), or --expect-only REGEX ... which only waits for each
regex in turn (used to prove the transport on a plain boot).

Python 3 standard library only.
"""
import argparse
import json
import os
import random
import re
import socket
import sys
import threading
import time

PROMPT = "bulkhead> "
LOGIN_PROMPT = "password: "
BANNER = "Bulkhead management shell (type 'help')"
ENTER = b"\r"              # what a terminal sends for the Enter key
ESCAPE = b"\x1d"           # Ctrl-]: the hypervisor takes the console back for the shell
CTRL_C = b"\x03"
CTRL_U = b"\x15"
BACKSPACE = b"\x7f"
UP = b"\x1b[A"
DOWN = b"\x1b[B"

COMMANDS = ["help", "list", "info", "stats", "host", "top", "log", "start", "stop", "restart",
            "destroy", "mem", "cpus", "set", "config", "save", "console", "logout"]
LIST_HEADER = ("ID  NAME          STATE      TYPE   MEM(MiB)  VCPUS  CPUS    CPU%    UPTIME"
               "       EXITS")
# printf("%-3u %-13s %-10s %-6s %8llu  %5u  %-6s %5llu.%llu  %-11s %llu")
LIST_ROW = re.compile(
    r"^(?P<id>\d+) +(?P<name>\S+) +(?P<state>running|halted|stopped|crashed|destroyed) +"
    r"(?P<type>\S+) +(?P<mem>\d+)  +(?P<vcpus>\d+)  +(?P<cpus>\S+) +(?P<cpu>\d+\.\d+)  +"
    r"(?P<uptime>\S+) +(?P<exits>\d+)$", re.M)
RUNNING = ("running", "halted")   # halted: running, with every vCPU in HLT
TICK = re.compile(r"^tick (\d+)$", re.M)


def tail(text, n=160):
    """The end of some output, printable, for a failure's detail."""
    t = text[-n:] if text else ""
    return repr(t)


class Session:
    def __init__(self, args):
        self.args = args
        self.start_time = time.monotonic()
        self.deadline = self.start_time + args.deadline
        self.buf = ""                 # everything received, CRs removed
        self.pos = 0                  # expect() searches from here
        self.cond = threading.Condition()
        self.eof = False
        self.sock = None
        self.relay = None             # a bulkhead-ctl connection that also gets Bochs's output
        self.passed = 0
        self.failed = 0
        self.lost = False             # a step lost the prompt: resync before the next command
        self.dead = ""                # why the shell is considered gone (resync failed)
        self.last_failure = ""
        self.log = open(args.log, "wb")
        self.steps = open(args.log + ".steps", "w", encoding="utf-8")
        self.password = b""
        if getattr(args, "password_file", None):
            with open(args.password_file, "rb") as f:
                self.password = f.readline().rstrip(b"\r\n")

    # ---- reporting --------------------------------------------------------------------
    def note(self, text):
        self.steps.write("%8.2f  %s\n" % (time.monotonic() - self.start_time, text))
        self.steps.flush()

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            line = "  PASS  %s" % what
        else:
            self.failed += 1
            line = "  FAIL  %s" % what + ("  (%s)" % detail if detail else "")
        print(line, flush=True)
        self.note(line.strip())
        return bool(ok)

    def write_counts(self):
        path = self.args.counts
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %d\n" % (self.passed, self.failed))
        os.replace(tmp, path)

    # ---- transport --------------------------------------------------------------------
    def listen(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        port = ls.getsockname()[1]
        if self.args.port_file:
            tmp = self.args.port_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % port)
            os.replace(tmp, self.args.port_file)
        self.note("listening on 127.0.0.1:%d" % port)
        return ls

    def accept(self, ls):
        ls.settimeout(max(0.1, min(self.args.accept_timeout, self.remaining())))
        try:
            self.sock, peer = ls.accept()
        except socket.timeout:
            self.eof = True               # nothing will ever arrive: waits end at once
            return False
        finally:
            ls.close()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.note("Bochs connected from %s:%d" % peer)
        threading.Thread(target=self._reader, daemon=True).start()
        return True

    def _reader(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                data = b""
            with self.cond:
                if data and not self.log.closed:
                    self.log.write(data)
                    self.log.flush()
                if data and self.relay:
                    try:
                        self.relay.sendall(data)
                    except OSError:
                        self.relay = None
                if not data:
                    self.eof = True
                else:
                    self.buf += data.decode("latin-1").replace("\r", "")
                self.cond.notify_all()
            if not data:
                return

    def remaining(self):
        return self.deadline - time.monotonic()

    def send(self, data, delay=None, secret=False):
        """Sends bytes one at a time with a delay between them (delay 0: in one send)."""
        if self.sock is None:
            return False
        delay = self.args.char_delay if delay is None else delay
        self.note("send (the password)" if secret else "send %r" % data)
        try:
            if delay <= 0:
                self.sock.sendall(data)
            else:
                for i in range(len(data)):
                    if self.remaining() <= 0:
                        return False
                    self.sock.sendall(data[i:i + 1])
                    time.sleep(delay)
        except OSError as e:
            self.note("send failed: %s" % e)
            return False
        return True

    # ---- expecting --------------------------------------------------------------------
    def mark(self):
        with self.cond:
            return len(self.buf)

    def text(self, start=0, end=None):
        with self.cond:
            return self.buf[start:end]

    def wait_until(self, pred, timeout):
        """Waits until pred(buf) is truthy (returned), EOF, the timeout or the deadline."""
        end = time.monotonic() + max(0.0, min(timeout, self.remaining()))
        with self.cond:
            while True:
                r = pred(self.buf)
                if r or self.eof:
                    return r
                left = end - time.monotonic()
                if left <= 0:
                    return r
                self.cond.wait(min(left, 0.5))

    def wait_for(self, regex, timeout, start):
        rx = re.compile(regex, re.M) if isinstance(regex, str) else regex
        return self.wait_until(lambda b: rx.search(b, start), timeout)

    def why_not(self, timeout, start):
        """The detail for a failed wait."""
        if self.dead:
            return self.dead
        if self.sock is None:
            return "Bochs never connected"
        if self.eof:
            return "connection closed; last output %s" % tail(self.text(start))
        if self.remaining() <= 0:
            return "session deadline (%d s) passed" % self.args.deadline
        return "nothing within %g s; got %s" % (timeout, tail(self.text(start)))

    def expect(self, regex, timeout, what):
        """Records PASS/FAIL for regex appearing after the current position; consumes it."""
        m = self.wait_for(regex, timeout, self.pos)
        if m:
            self.pos = m.end()
        detail = "" if m else "no match for %r: %s" % (regex, self.why_not(timeout, self.pos))
        self.check(m, what, detail)
        return m

    # ---- the shell --------------------------------------------------------------------
    def wait_prompt(self, start, timeout):
        """The next prompt at the start of a line after start (the match) or None."""
        return self.wait_for(r"(?:^|\n)" + re.escape(PROMPT), timeout, start)

    def wait_login_prompt(self, start, timeout):
        return self.wait_for(r"(?:^|\n)" + re.escape(LOGIN_PROMPT), timeout, start)

    def log_in(self, what, expect=r"^logged in"):
        """At the password prompt: types the password and waits for `logged in` and the
        prompt. Records a check named what; True when logged in."""
        start = self.mark()
        self.send(self.password + ENTER, secret=True)
        m = self.wait_for(expect + r".*\n" + re.escape(PROMPT), 60, start)
        if m:
            self.pos = m.end()
        else:
            self.lost = True
        return self.check(m, what, "" if m else self.why_not(60, start))

    def resync(self):
        """After a lost step: take the console back (the escape byte), drop the line (Ctrl-C)
        and wait for a prompt; three failures in a row mean the shell is gone, and later
        commands then fail at once instead of each waiting out its timeout."""
        if not self.lost or self.dead or self.sock is None or self.eof:
            return
        self.note("resync")
        for _ in range(3):
            if self.remaining() <= 0:
                return
            start = self.mark()
            self.send(ESCAPE + CTRL_C)
            if self.wait_prompt(start, 10):
                self.pos = self.mark()
                self.lost = False
                return
            if self.password and self.wait_login_prompt(start, 1):
                # Logged out meanwhile (idle, or a step's logout): log in again.
                self.lost = False
                if self.log_in("resync: logged in again after a lost step"):
                    return
                self.lost = True
        self.dead = "the shell stopped answering %.0f s into the session (no prompt after " \
            "Ctrl-] and Ctrl-C)" % (time.monotonic() - self.start_time)
        self.check(False, "the shell answers again after a lost step",
                   "%s; last output %s" % (self.dead, tail(self.text(), 300)))

    def command(self, line, timeout=None, burst=False):
        """Types line + Enter; returns the output between the echoed line and the next
        prompt, or None (and marks the session lost) when no prompt came back."""
        timeout = self.args.command_timeout if timeout is None else timeout
        self.resync()
        if self.dead:
            self.last_failure = self.dead
            return None
        start = self.mark()
        data = line.encode() if isinstance(line, str) else line
        self.send(data + ENTER, delay=0 if burst else None)
        m = self.wait_prompt(start, timeout)
        if not m:
            self.lost = True
            self.last_failure = self.why_not(timeout, start)
            return None
        out = self.text(start, m.start())
        self.pos = m.end()
        nl = out.find("\n")                 # the echoed command line ends at the first newline
        return out[nl + 1:] if nl >= 0 else ""

    def answer(self, out, regex, what):
        """PASS when out (a command's output) has a line matching regex."""
        if out is None:
            return self.check(False, what, "no prompt after the command: " + self.last_failure)
        ok = re.search(regex, out, re.M)
        return self.check(ok, what, "" if ok else "no line matching %r in %s" % (regex, tail(out, 300)))

    def list_rows(self, out):
        return {m.group("name"): m.groupdict() for m in LIST_ROW.finditer(out or "")}


# ---- the scenario ------------------------------------------------------------------------
def step_boot(s):
    s.expect(re.escape(BANNER), s.args.boot_timeout, "the management shell's banner appears")
    # With console_password set, the password prompt comes right after the banner.
    s.expect(r"^This console is locked: type the password \(console_password in "
             r"bulkhead\.cfg\)\.$", s.args.command_timeout, "the shell starts locked")
    m = s.wait_login_prompt(s.pos, s.args.command_timeout)
    if m:
        s.pos = m.end()
    else:
        s.lost = True
    s.check(m and PROMPT not in s.text(0, m.end()),
            "the first prompt is 'password: ', and no 'bulkhead> ' came before it",
            "" if m else s.why_not(20, s.pos))
    t = s.text()
    s.check(re.search(r"^\[hv\] starting 4 partition\(s\)", t, re.M),
            "the hypervisor started all four partitions before the shell took the console",
            "no '[hv] starting 4 partition(s)' line")


# A wrong password is logged at warn (it reaches the console whatever log_level says).
AUDIT = r"^\[hv\] (?:warning: )?audit \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: 'mgmt' "


def step_login(s):
    """Login at boot: a wrong password, then a command typed at the password prompt (also only
    a wrong password), then the right one. Each wrong one is delayed longer and logged by the
    hypervisor with the time; nothing typed is echoed."""
    wrong = b"not-the-" + s.password[:4]
    start = s.mark()
    t0 = time.monotonic()
    s.send(wrong + ENTER)
    m = s.wait_for(r"^wrong password\n" + re.escape(LOGIN_PROMPT), 60, start)
    s.check(m, "a wrong password: 'wrong password' and the password prompt again",
            "" if m else s.why_not(60, start))
    out = s.text(start)
    s.check("not-the-" not in out, "the typed password is not echoed", tail(out))
    s.check(re.search(AUDIT + r"login refused: wrong password \(1 in a row\)$", out, re.M),
            "the hypervisor logs the wrong password with the time", tail(out, 300))
    # A command at the password prompt is one more wrong password: not run, not echoed.
    start = s.mark()
    t1 = time.monotonic()
    s.send(b"list" + ENTER)
    m = s.wait_for(r"^wrong password\n" + re.escape(LOGIN_PROMPT), 60, start)
    t2 = time.monotonic()
    out = s.text(start)
    s.check(m and LIST_HEADER not in out and "list" not in out,
            "'list' typed at the password prompt is refused as a password, not run",
            tail(out, 300))
    s.check(re.search(AUDIT + r"login refused: wrong password \(2 in a row\)$", out, re.M),
            "the second wrong password is logged as 2 in a row", tail(out, 300))
    # The second delay is 4 s: the prompt cannot come back sooner.
    s.check(m and t2 - t1 >= 4.0, "the second wrong password is answered after the 4 s delay "
            "(took %.1f s; the first took %.1f s)" % (t2 - t1, t1 - t0), "took %.1f s" % (t2 - t1))
    start = s.mark()
    t3 = time.monotonic()
    ok = s.log_in("the right password: 'logged in; 2 wrong password(s) before this one were "
                  "logged' and the prompt",
                  expect=r"^logged in; 2 wrong password\(s\) before this one were logged$")
    out = s.text(start)
    s.note("the right password took %.1f s to check" % (time.monotonic() - t3))
    s.check(ok and re.search(AUDIT + r"login \(after 2 wrong password\(s\)\)$", out, re.M),
            "the login is logged with the wrong attempts before it", tail(out, 300))


def step_list_initial(s):
    out = s.command("list")
    s.answer(out, "^" + re.escape(LIST_HEADER) + "$", "list prints its header")
    rows = s.list_rows(out)
    want = {"mgmt": ("0", RUNNING, "16"), "ticker": ("1", RUNNING, "16"),
            "unpriv": ("2", ("stopped",), "8"), "busy": ("3", ("running",), "8")}
    for name, (pid, states, mem) in want.items():
        r = rows.get(name)
        ok = r and r["id"] == pid and r["state"] in states and r["mem"] == mem and \
            r["type"] == "elf" and r["vcpus"] == "1"
        s.check(ok, "list: %s is id %s, %s, elf, %s MiB, 1 vCPU" % (name, pid, "/".join(states), mem),
                "row %r" % (r,) if r else "no row for %s in %s" % (name, tail(out, 400)))
    r = rows.get("ticker")
    ok = r and int(r["exits"]) > 0 and re.match(r"^\d+:\d\d:\d\d$", r["uptime"]) and \
        re.match(r"^[0-9][0-9,-]*$", r["cpus"])
    s.check(ok, "list: ticker's CPU list, uptime (H:MM:SS) and exit count are plausible",
            "row %r" % (r,))
    r = rows.get("busy")
    s.check(r and r["cpus"] == "1", "list: busy runs on CPU 1, the CPU it owns", "row %r" % (r,))


def console_session(s, name, checks):
    """console NAME; checks(after) runs while attached; then the escape byte brings the
    shell back. Returns after the prompt (or marks the session lost)."""
    s.resync()
    if s.dead:
        s.check(False, "console %s: attached with the escape hint" % name, s.dead)
        return
    start = s.mark()
    s.send(("console %s" % name).encode() + ENTER)
    m = s.wait_for(r"^attached to '%s'; press Ctrl-\] to come back$" % re.escape(name),
                   s.args.command_timeout, start)
    s.check(m, "console %s: attached with the escape hint" % name,
            "" if m else s.why_not(s.args.command_timeout, start))
    if not m:
        s.lost = True
        return
    checks(m.end())
    start = s.mark()
    s.send(ESCAPE)
    m = s.wait_for(r"^back in the shell\n", s.args.command_timeout, start)
    s.check(m, "Ctrl-] leaves %s's console: 'back in the shell'" % name,
            "" if m else s.why_not(s.args.command_timeout, start))
    p = s.wait_prompt(m.end() if m else start, s.args.command_timeout)
    s.check(p, "the prompt is back after Ctrl-]", "" if p else s.why_not(20, start))
    if p:
        s.pos = p.end()
    else:
        s.lost = True


def console_shows(s, name, regex, what):
    """console NAME; while attached, a line of the partition's matching regex (within 20 s) is
    the check what; then back to the shell."""
    def during(after):
        m = s.wait_for(regex, 20, after)
        s.check(m, what, "" if m else s.why_not(20, after))
    console_session(s, name, during)


def step_console_replay(s):
    def during(after):
        # Replay: the ticker's first line was printed once, at its start, long before the
        # attach, so it can only come from the replayed console ring; a burst of tick lines
        # spanning more numbers than 3 s can produce live says the same.
        s.wait_until(lambda b: TICK.search(b, after), s.args.tick_timeout)
        time.sleep(3)
        burst = s.text(after)
        ticks = [int(n) for n in TICK.findall(burst)]
        first_line = re.search(r"^ticker: I have 16 MiB$", burst, re.M)
        ok = ticks and (first_line or max(ticks) - min(ticks) >= 10)
        s.check(ok, "console ticker replays earlier output (its first line, tick %s...)" %
                (min(ticks) if ticks else "?"),
                "ticks after attach: %s; output %s" % (ticks[:20], tail(burst, 300)))
        s.check(first_line and 1 in ticks, "the replay starts at ticker's beginning "
                "('ticker: I have 16 MiB', 'tick 1')", "output %s" % tail(burst[:400], 300))
        top = max(ticks) if ticks else 0
        m = s.wait_until(lambda b: [n for n in map(int, TICK.findall(b, after)) if n > top],
                         s.args.tick_timeout)
        s.check(m, "the console then goes live (tick %s after the replayed %d)" %
                (m[0] if m else "?", top),
                "no tick above %d: %s" % (top, s.why_not(s.args.tick_timeout, after)))
    console_session(s, "ticker", during)


def step_help(s):
    out = s.command("help")
    if out is None:
        s.check(False, "help lists every command", "no prompt: " + s.last_failure)
        return
    missing = [c for c in COMMANDS if not re.search(r"\b%s\b" % c, out)]
    s.check(not missing, "help lists every command (%s)" % " ".join(COMMANDS),
            "missing %s in %s" % (missing, tail(out, 400)))


def step_info_stats_host_log(s):
    out = s.command("info ticker")
    s.answer(out, r"^name: ticker$", "info ticker: name")
    s.answer(out, r"^state: (running|halted)$", "info ticker: state running")
    s.answer(out, r"^memory: 16 MiB$", "info ticker: memory 16 MiB")
    s.answer(out, r"^image: ticker\.elf$|ticker\.elf", "info ticker: its image")

    out = s.command("info unpriv")
    s.answer(out, r"^state: stopped$", "info unpriv: stopped")
    s.answer(out, r"exited with code 0", "unpriv ran its checks to the end without a failure "
             "(exit code 0)")

    out = s.command("stats ticker")
    s.answer(out, r"^exits: [1-9][0-9]*$", "stats ticker: total exits")
    s.answer(out, r"^exits by reason:$", "stats ticker: 'exits by reason:' section")
    s.answer(out, r"^  [A-Za-z][A-Za-z0-9 /_-]*: [1-9][0-9]*$", "stats ticker: at least one "
             "reason with a count")
    s.answer(out, r"^  (VMCALL|HLT)[A-Za-z ]*: [1-9][0-9]*$", "stats ticker: the VMCALL or HLT "
             "exits a timer-driven guest must cause")

    out = s.command("host", burst=True)
    s.answer(out, r"^version: [0-9]+\.[0-9]+", "host: version (the command sent in one burst)")
    s.answer(out, r"^host name: bulkhead-shell-test$", "host: host name from shell.cfg")
    s.answer(out, r"^cpu: \S", "host: cpu")
    s.answer(out, r"^cpus: 2 found in the firmware's MP Services list, 2 up; load over the last "
             r"2 s:$", "host: both CPUs of the 2-CPU Bochs, and where the list came from")
    s.answer(out, r"^  cpu 0  apic 0    boot CPU load +[0-9]+\.[0-9]%  [23] vCPUs: mgmt, ticker(, "
             r"unpriv)?$", "host: CPU 0 with its load and the running partitions sharing it")
    s.answer(out, r"^  cpu 1  apic 1    up       load +[0-9]+\.[0-9]%  1 vCPU: busy$",
             "host: CPU 1 up, busy on it and nothing else")
    s.answer(out, r"^ram: total [0-9]+ MiB, partitions [0-9]+ MiB, free [0-9]+ MiB, hypervisor "
             r"64 MiB$", "host: ram (total, partitions, free, hypervisor 64 MiB)")
    s.answer(out, r"^vmx: EPT yes", "host: vmx features")
    s.answer(out, r"^uptime: [0-9]+:[0-5][0-9]:[0-5][0-9]$", "host: uptime H:MM:SS")

    out = s.command("log")
    s.answer(out, r"^\[hv\] ", "log shows hypervisor log lines ('[hv] ')")
    s.answer(out, r"^\[hv\] .*'unpriv'.*(refused|not privileged)",
             "log: the hypervisor's refusal of unpriv's management hypercall, by name")


def info_figures(s, name):
    """(cpu time in ms, exits, vcpu line) from `info NAME`, or None."""
    out = s.command("info %s" % name)
    if out is None:
        return None
    t = re.search(r"^cpu time: ([0-9]+) ms$", out, re.M)
    e = re.search(r"^exits: ([0-9]+)$", out, re.M)
    v = re.search(r"^vcpu 0: .*$", out, re.M)
    if not (t and e and v):
        return None
    return int(t.group(1)), int(e.group(1)), v.group(0)


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
TOP_ROW = re.compile(r"^(\d+) +(\S+) +(\S+) +(\d+\.\d) +(\d+) +(\d+) +(\d+) +(\S+)$", re.M)


def step_top(s):
    """`top` draws a frame, redraws it in place (cursor home, no clearing) two seconds later,
    and gives the prompt back at the first key."""
    s.resync()
    start = s.mark()
    s.send(b"top\r")
    # Two seconds of the guest's time between frames: under a loaded Bochs that can be many
    # seconds of wall time.
    m = s.wait_until(lambda b: b[start:].count("\x1b[H") >= 2 and
                     b.rfind("\x1b[J") > b.rfind("\x1b[H") > start, 90)
    raw = s.text(start)
    s.check(m, "top: two frames drawn", "" if m else repr(raw[-300:]))
    s.check(raw.count("\x1b[2J") == 1 and "\x1b[?25l" in raw,
            "top: the screen is cleared once (cursor hidden); later frames overwrite in place",
            repr(raw[:80]))
    last = ANSI.sub("", raw[raw.rfind("\x1b[H"):]).replace("\r", "")
    rows = {r[1]: r for r in TOP_ROW.findall(last)}
    b, t = rows.get("busy"), rows.get("ticker")
    s.check(b and float(b[3]) >= 90.0 and t and float(t[3]) <= 5.0,
            "top: busy near 100%% CPU, ticker near 0%% (%s, %s)" %
            (b and b[3], t and t[3]), last[-600:])
    s.check(t and int(t[4]) > 0, "top: ticker's exits per second (its timer ticks) are shown (%s)"
            % (t and t[4]), last[-600:])
    s.check(re.search(r"^cpus: 2 up of 2, load over 2 s: 0 \d+\.\d%, 1 (9\d|100)\.\d%$", last, re.M),
            "top: each CPU's load, CPU 1 full", last[:400])
    key = s.mark()
    s.send(b"q")
    p = s.wait_prompt(key, s.args.command_timeout)
    s.check(p and "\x1b[?25h" in s.text(key), "top: a key ends it, cursor back, prompt back",
            "" if p else s.why_not(20, key))
    if p:
        s.pos = p.end()
    else:
        s.lost = True


def step_owned_cpu(s):
    """busy owns CPU 1 and spins there with interrupts off: no time slice may interrupt it,
    and the shell on CPU 0 must still stop, grow and restart it."""
    first = info_figures(s, "busy")
    s.check(first and first[2].startswith("vcpu 0: on CPU 1, cpu time "),
            "info busy: its vCPU runs on CPU 1", "info gave %r" % (first,))
    time.sleep(s.args.owned_sample_s)
    second = info_figures(s, "busy")
    if first and second:
        cpu_ms = second[0] - first[0]
        exits = second[1] - first[1]
        rate = exits * 1000.0 / cpu_ms if cpu_ms > 0 else float("inf")
        print("  (busy on its own CPU: %d exits in %d ms of guest time: %.2f exits/s)" %
              (exits, cpu_ms, rate))
        s.check(cpu_ms > 0, "busy's guest time grows on CPU 1 (%d ms in the sample)" % cpu_ms)
        s.check(rate < 1.0, "no hypervisor tick on an owned CPU: %.2f exits per second of "
                "busy's guest time (%d exits)" % (rate, exits))
    else:
        s.check(False, "busy's figures could be read twice", "%r, %r" % (first, second))
    # busy spins there without a single exit, so the load is measured up to the moment asked.
    out = s.command("host")
    s.answer(out, r"^  cpu 1  apic 1    up       load +(9[5-9]|100)\.[0-9]%  1 vCPU: busy$",
             "host: CPU 1 fully loaded by busy")
    # CPU use over the last window: busy spins on its CPU (near 100% of it), ticker sleeps in
    # HLT between its ticks (near 0).
    out = s.command("list")
    rows = s.list_rows(out)
    b, t = rows.get("busy"), rows.get("ticker")
    s.check(b and float(b["cpu"]) >= 90.0,
            "list: busy, spinning, uses ~100%% of its CPU over the last 2 s (%s)" % (b and b["cpu"]),
            "row %r" % (b,))
    s.check(t and float(t["cpu"]) <= 5.0,
            "list: ticker, idle in HLT between ticks, ~0%% over the last 2 s (%s)" % (t and t["cpu"]),
            "row %r" % (t,))
    step_top(s)
    out = s.command("cpus ticker 1")
    s.answer(out, r"^error: 'ticker' is running: stop it first$", "cpus of a running partition")
    out = s.command("stop busy")
    s.answer(out, r"^stopped 'busy'$",
             "stop busy: the boot CPU stops a guest spinning with interrupts off on CPU 1")
    out = s.command("list")
    r = s.list_rows(out).get("busy")
    s.check(r and r["state"] == "stopped", "list shows busy stopped", "row %r" % (r,))
    out = s.command("cpus busy 0-1")
    s.answer(out, r"^error: 'busy' can have one CPU that is up$", "cpus: one CPU per partition")
    out = s.command("cpus busy 0")
    s.answer(out, r"^error: a CPU in '0' belongs to another partition",
             "cpus: CPU 0 is time-shared by others, so busy (not sharing) cannot have it")
    out = s.command("cpus busy 1")
    s.answer(out, r"^CPUs of 'busy' are now 1$", "cpus busy 1")
    out = s.command("mem busy 32M")
    s.answer(out, r"^memory of 'busy' is now 32 MiB$", "mem busy 32M")
    out = s.command("start busy")
    s.answer(out, r"^started 'busy'$", "start busy: built on CPU 0, run on CPU 1")

    console_shows(s, "busy", r"^busy: 'busy' has 32 MiB and spins with interrupts off$",
                  "console busy: the restarted guest runs on CPU 1 in its new 32 MiB "
                  "(its EPT rebuilt, the old one invalidated there)")
    again = info_figures(s, "busy")
    s.check(again and again[2].startswith("vcpu 0: on CPU 1") and again[0] > 0,
            "info busy: running on CPU 1 again, its guest time counting", "%r" % (again,))
    out = s.command("restart busy")
    s.answer(out, r"^restarted 'busy'$", "restart busy (a spinning guest on another CPU)")


def json_of(s, line):
    """The one JSON object `line` prints (parsed), or None after a FAIL."""
    out = s.command(line)
    try:
        obj = json.loads((out or "").strip())
    except ValueError as e:
        s.check(False, "%s: one JSON object" % line, "%s: %r" % (e, (out or "")[:300]))
        return None
    s.check(isinstance(obj, dict) and obj.get("version") == 1,
            "%s: one JSON object, schema %s version 1" % (line, obj.get("schema")), repr(obj)[:300])
    return obj


def step_json(s):
    """list, info, host and stats --json parse as JSON and agree with the machine."""
    lst = json_of(s, "list --json")
    if lst:
        names = {p["name"]: p for p in lst.get("partitions", [])}
        s.check(set(names) >= {"mgmt", "ticker", "unpriv", "busy"} and
                names["busy"]["cpus"] == "1" and names["unpriv"]["state"] == "stopped",
                "list --json: every partition, busy on CPU 1, unpriv stopped", repr(names)[:400])
        # (busy was restarted a moment ago, so its share of the window is small yet: the
        # figure itself is checked by list and top above; here that it is a percentage)
        pct = names.get("busy", {}).get("cpu_percent")
        s.check(isinstance(pct, (int, float)) and 0.0 <= pct <= 100.0,
                "list --json: busy's cpu_percent is a number from 0 to 100 (%s)" % pct)
    info = json_of(s, "info busy --json")
    if info:
        v = info.get("vcpu") or [{}]
        s.check(info.get("schema") == "bulkhead/info" and info.get("name") == "busy" and
                v[0].get("cpu") == 1 and v[0].get("state") == "running",
                "info busy --json: its vCPU 0 runs on CPU 1", repr(info)[:400])
    host = json_of(s, "host --json")
    if host:
        cpus = host.get("cpu", [])
        s.check(host.get("cpus_up") == 2 and len(cpus) == 2 and cpus[1].get("runs") == "busy" and
                cpus[1].get("load_percent", 0) >= 50.0,
                "host --json: two CPUs up, CPU 1 runs busy, loaded", repr(host)[:400])
    st = json_of(s, "stats ticker --json")
    if st:
        s.check(st.get("exits_by_reason", {}).get("VMCALL", 0) > 0 and st.get("exits", 0) > 0,
                "stats ticker --json: its exits by reason (VMCALL counted)", repr(st)[:400])
    out = s.command("stop busy --json")
    s.answer(out, r"^error: 'stop' has no --json output", "stop --json is refused, nothing done")


def step_errors(s):
    cases = [
        ("frobnicate", r"^error: unknown command 'frobnicate' \(type 'help'\)$",
         "unknown command"),
        ("info", r"^error: usage: ", "a missing argument gives the usage"),
        ("start ticker unpriv", r"^error: usage: ", "an extra argument gives the usage"),
        ("info nosuch", r"^error: no partition named 'nosuch'$", "unknown partition"),
        ("mem ticker 32M", r"^error: 'ticker' is running: stop it first$",
         "mem of a running partition"),
        ("start ticker", r"^error: 'ticker' is already running$", "start of a running partition"),
        ("stop unpriv", r"^error: 'unpriv' is not running$", "stop of a stopped partition"),
        ("stop mgmt", r"^error: 'mgmt' is this management partition; it cannot do that to itself$",
         "stop of the management partition itself"),
        ("destroy mgmt", r"^error: 'mgmt' is this management partition; it cannot do that to "
         r"itself$", "destroy of the management partition itself"),
    ]
    for cmd, rx, what in cases:
        out = s.command(cmd)
        s.answer(out, rx, "error: %s (%s)" % (what, cmd))


def step_line_editing(s):
    out = s.command(b"lisX" + BACKSPACE + b"t")
    s.answer(out, "^" + re.escape(LIST_HEADER) + "$", "line editing: 'lisX', backspace, 't' runs list")

    out = s.command(b"garbage" + CTRL_U + b"host")
    s.answer(out, r"^host name: ", "line editing: Ctrl-U clears the line ('garbage' gone, host runs)")

    s.resync()
    start = s.mark()
    if not s.dead:
        s.send(b"frobnicate" + CTRL_C)
    m = s.wait_for(r"\^C\n(.*\n)*?" + re.escape(PROMPT), s.args.command_timeout, start)
    s.check(m, "line editing: Ctrl-C prints ^C and a new prompt",
            s.dead or ("" if m else s.why_not(s.args.command_timeout, start)))
    if m:
        s.pos = m.end()
    else:
        s.lost = True
    out = s.command(b"")
    s.check(out is not None and "frobnicate" not in out,
            "line editing: the line dropped by Ctrl-C does not run",
            "output %s" % tail(out or "", 200))

    out = s.command("info ticker")
    first = out is not None and re.search(r"^name: ticker$", out, re.M)
    out = s.command(UP)
    s.check(first and out is not None and re.search(r"^name: ticker$", out, re.M),
            "line editing: Up arrow recalls the previous command (info ticker)",
            "output %s" % tail(out or "", 200))
    out = s.command(UP + UP + DOWN)
    s.check(out is not None and re.search(r"^name: ticker$", out, re.M),
            "line editing: Up, Up, Down comes back to the newest command",
            "output %s" % tail(out or "", 200))

    out = s.command(b"x" * 300)
    s.answer(out, r"^error: line too long \(at most 200 characters\)$",
             "a 300-character line is refused as too long")
    out = s.command("list")
    s.answer(out, "^" + re.escape(LIST_HEADER) + "$", "the shell answers normally after the long line")


def step_stop_mem_start(s):
    out = s.command("stop ticker")
    s.answer(out, r"^stopped 'ticker'$", "stop ticker")
    out = s.command("list")
    r = s.list_rows(out).get("ticker")
    s.check(r and r["state"] == "stopped", "list shows ticker stopped", "row %r; %s" % (r, tail(out or "", 300)))
    out = s.command("stop ticker")
    s.answer(out, r"^error: 'ticker' is not running$", "error: stop of a stopped partition (ticker)")

    out = s.command("mem ticker 12Q")
    s.answer(out, r"^error: bad size '12Q' \(use a number with K, M or G, e\.g\. 256M\)$",
             "error: bad size (mem ticker 12Q)")
    out = s.command("cpus ticker x-y")
    s.answer(out, r"^error: bad CPU list 'x-y'$", "error: bad CPU list (cpus ticker x-y)")
    out = s.command("cpus ticker 0")
    s.answer(out, r"^CPUs of 'ticker' are now 0$", "cpus ticker 0")
    out = s.command("mem ticker 32M")
    s.answer(out, r"^memory of 'ticker' is now 32 MiB$", "mem ticker 32M")
    out = s.command("start ticker")
    s.answer(out, r"^started 'ticker'$", "start ticker")
    out = s.command("list")
    r = s.list_rows(out).get("ticker")
    s.check(r and r["state"] in RUNNING and r["mem"] == "32",
            "list shows ticker running with 32 MiB", "row %r; %s" % (r, tail(out or "", 300)))

    console_shows(s, "ticker", r"^ticker: I have 32 MiB$",
                  "console ticker: the guest's own view 'ticker: I have 32 MiB'")

    out = s.command("restart ticker")
    s.answer(out, r"^restarted 'ticker'$", "restart ticker")
    out = s.command("destroy unpriv")
    s.answer(out, r"^destroyed 'unpriv'$", "destroy unpriv")
    out = s.command("list")
    rows = s.list_rows(out)
    r = rows.get("unpriv")
    s.check(r and r["state"] == "destroyed", "list shows unpriv destroyed", "row %r" % (r,))
    r = rows.get("ticker")
    s.check(r and r["state"] in RUNNING, "list shows ticker running after the restart", "row %r" % (r,))


def random_stream(seed, size):
    """size bytes: printable text, any byte, and control bytes / ESC sequences / the escape
    byte, from a fixed seed (the same stream every run)."""
    rng = random.Random(seed)
    specials = [b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D", b"\x1b[", b"\x1b", b"\x1bO",
                ESCAPE, CTRL_C, CTRL_U, BACKSPACE, b"\x08", b"\r", b"\n", b"\x00", b"\x04",
                b"\x1a", b"\x7f\x7f\x7f", b"\xff", b"\x80", b"\t"]
    out = bytearray()
    while len(out) < size:
        r = rng.random()
        if r < 0.15:
            out += rng.choice(specials)
        elif r < 0.45:
            out.append(rng.randrange(256))
        else:
            out.append(rng.randrange(0x20, 0x7f))
    return bytes(out[:size])


def step_random(s):
    data = random_stream(s.args.seed, 2000)
    s.resync()
    if s.dead:
        s.check(False, "the random-byte stream can be sent to the shell", s.dead)
        return
    start = s.mark()
    chunk = 8
    ok = True
    for i in range(0, len(data), chunk):
        if not s.send(data[i:i + chunk], delay=0):
            ok = False
            break
        time.sleep(s.args.stream_delay)
    s.check(ok, "2,000 random bytes (seed %d: control bytes, ESC sequences, Ctrl-]) sent" %
            s.args.seed, s.why_not(0, start))
    # Let the shell work through what it buffered: wait until the output has been quiet 3 s.
    quiet_since, last = time.monotonic(), s.mark()
    limit = time.monotonic() + min(60, max(0, s.remaining()))
    while time.monotonic() < limit and time.monotonic() - quiet_since < 3:
        time.sleep(0.5)
        now = s.mark()
        if now != last:
            quiet_since, last = time.monotonic(), now
    # Whatever state it left (a half line, an attached console), Ctrl-] and Ctrl-C bring a
    # clean prompt.
    s.lost = True
    s.resync()
    s.check(not s.lost, "after the random bytes, Ctrl-] and Ctrl-C give a prompt",
            s.why_not(10, last))
    out = s.command("list")
    s.answer(out, "^" + re.escape(LIST_HEADER) + "$", "after the random bytes, list still answers")
    s.check(len(s.list_rows(out)) == 4, "after the random bytes, list still has four rows",
            tail(out or "", 300))
    out = s.command("host")
    s.answer(out, r"^host name: bulkhead-shell-test$", "after the random bytes, host still answers "
             "(shell and hypervisor alive)")


def ctl_relay(s, ls):
    """Plays a console server: each connection to ls is joined to Bochs's COM1 until it closes
    (what the client sends goes to the machine, what the machine sends goes to the client)."""
    while True:
        try:
            c, _ = ls.accept()
        except OSError:
            return
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with s.cond:
            s.relay = c
        while True:
            try:
                d = c.recv(4096)
            except OSError:
                d = b""
            if not d:
                break
            s.note("bulkhead-ctl sends %r" % d)
            try:
                s.sock.sendall(d)
            except OSError:
                break
        with s.cond:
            s.relay = None
        c.close()


def run_ctl(s, port, *words, password=True):
    """Runs tools/bulkhead-ctl against the relay: (exit status, stdout, stderr)."""
    import subprocess
    ctl = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                       "bulkhead-ctl")
    cmd = [ctl, "--timeout", "120", "--char-delay", str(s.args.char_delay)]
    if password:
        cmd += ["--password-file", s.args.password_file]
    cmd += ["tcp:127.0.0.1:%d" % port] + list(words)
    s.note("run %s" % " ".join(cmd))
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=150)
    except subprocess.TimeoutExpired:
        return None, "", "bulkhead-ctl did not end within 150 s"
    s.note("bulkhead-ctl exit %d, stdout %r, stderr %r" % (r.returncode, r.stdout[:500],
                                                            r.stderr[:300]))
    return r.returncode, r.stdout, r.stderr


def step_ctl(s):
    """tools/bulkhead-ctl runs one command at a time on the console, reached over TCP through a
    relay the way a console server or serial-over-LAN bridge offers it."""
    if s.sock is None or s.eof:
        s.check(False, "bulkhead-ctl: the machine is up", "no connection to Bochs")
        return
    s.resync()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    threading.Thread(target=ctl_relay, args=(s, ls), daemon=True).start()
    # The console locked, as a fleet tool meets it: bulkhead-ctl must log in, and out again.
    start = s.mark()
    s.send(b"logout" + ENTER)
    m = s.wait_for(r"^logged out\n" + re.escape(LOGIN_PROMPT), 30, start)
    s.check(m and re.search(AUDIT + r"logout$", s.text(start), re.M),
            "logout: 'logged out', the password prompt, and the hypervisor logs it",
            tail(s.text(start), 300))
    try:
        rc, out, err = run_ctl(s, port, "list", password=False)
        s.check(rc == 2 and "asks for a password" in err and not out,
                "bulkhead-ctl without a password at a locked console: exit 2, says why",
                "exit %s, stdout %r, stderr %r" % (rc, out[:200], err[:200]))
        rc, out, err = run_ctl(s, port, "list", "--json")
        try:
            obj = json.loads(out)
        except ValueError as e:
            obj = {"error": str(e)}
        names = [p.get("name") for p in obj.get("partitions", [])]
        s.check(rc == 0 and obj.get("schema") == "bulkhead/list" and
                {"mgmt", "ticker", "busy"} <= set(names),
                "bulkhead-ctl tcp:... list --json: exit 0, stdout is the JSON list (%s)" %
                ", ".join(str(n) for n in names), "exit %s, stdout %r, stderr %r" %
                (rc, out[:300], err[:200]))
        rc, out, err = run_ctl(s, port, "info", "ticker")
        s.check(rc == 0 and re.search(r"^name: ticker$", out, re.M) and
                not out.startswith("info ticker"),
                "bulkhead-ctl ... info ticker: exit 0, the reply without the echoed command",
                "exit %s, stdout %r" % (rc, out[:300]))
        rc, out, err = run_ctl(s, port, "frobnicate")
        s.check(rc == 1 and out.startswith("error: unknown command 'frobnicate'"),
                "bulkhead-ctl ... frobnicate: exit 1 and the shell's error on stdout",
                "exit %s, stdout %r" % (rc, out[:200]))
        rc, out, err = run_ctl(s, port, "top")
        s.check(rc == 2 and "interactive" in err,
                "bulkhead-ctl ... top: refused (exit 2), nothing typed",
                "exit %s, stderr %r" % (rc, err[:200]))
    finally:
        ls.close()
        with s.cond:
            s.relay = None
    # bulkhead-ctl logged out after each command: the console is locked again.
    start = s.mark()
    s.send(CTRL_C)
    m = s.wait_login_prompt(start, 20)
    s.check(m and PROMPT not in s.text(start),
            "after bulkhead-ctl the console is locked again (it logged out)",
            tail(s.text(start), 300))
    s.pos = s.mark()
    s.log_in("the test logs in again after bulkhead-ctl")
    out = s.command("")
    s.check(out is not None, "the shell still answers the test's own console after bulkhead-ctl",
            s.last_failure)


def step_settings(s):
    """set and config: the file's spellings and error texts, what is in force at once, what is
    pending until a partition's next start, and the escape key changed live."""
    out = s.command("config")
    s.answer(out, r"^# the effective configuration \(bulkhead\.cfg syntax\)$",
             "config: prints the effective configuration")
    s.answer(out, r"^hostname = bulkhead-shell-test$", "config: the host name from shell.cfg")
    busy = re.search(r"^\[partition busy\]\n((?:[a-z_]+ = .*\n)+)", out or "", re.M)
    s.check(busy and re.search(r"^memory = 32M$", busy.group(1), re.M) and
            re.search(r"^cpus = 1$", busy.group(1), re.M) and "pending" not in busy.group(1),
            "config: busy's section has the 32M and CPU 1 that mem and cpus gave it, nothing "
            "pending", repr(busy.group(1) if busy else out)[:300])
    cases = [
        ("set ticker memory 3M",
         r"^error: memory '3M' of \[partition ticker\] is not a multiple of 2 MiB$",
         "set: a bad size, refused with bulkhead.cfg's own error text"),
        ("set log_level loud", r"^error: bad log_level 'loud' \(use error, warn, info or debug\)$",
         "set: a bad log level, the config's error text"),
        ("set memory 8M", r"^error: hypervisor memory '8M' is less than the minimum of 16 MiB$",
         "set: the hypervisor's reservation below its minimum"),
        ("set busy cpus 0", r"^error: CPU 0 is used by both partitions '(mgmt|ticker)' and 'busy'",
         "set: the validator refuses a CPU another partition owns"),
        ("set nosuch memory 16M", r"^error: no partition named 'nosuch'",
         "set: an unknown partition"),
        ("set ticker image evil.elf",
         r"^error: image is set in bulkhead\.cfg only, not from the shell$",
         "set: a partition's image cannot be changed from the console"),
        ("set hostname", r"^error: usage: set \[NAME\] KEY VALUE$", "set: a missing value"),
    ]
    for line, rx, what in cases:
        s.answer(s.command(line), rx, what)
    out = s.command("config changes")
    s.answer(out, r"^\[partition busy\]$", "config changes: only busy's mem (32M, from mem) so "
             "far: the refused sets changed nothing")
    s.check(out is not None and "ticker" not in out and "hostname" not in out,
            "config changes: nothing of the refused changes", repr(out)[:300])

    s.answer(s.command("set hostname lab-2"), r"^hostname = lab-2 \(in force now\)$",
             "set hostname: in force now")
    s.answer(s.command("host"), r"^host name: lab-2$", "host: shows the new host name")
    s.answer(s.command("set memory 96M"), r"^memory = 96M \(in force at the next boot\)$",
             "set memory (the hypervisor's reservation): for the next boot")
    s.answer(s.command("set busy memory 16M"),
             r"^busy: memory = 16M \(pending until its next start \(it is running\)\)$",
             "set busy memory 16M while it runs: pending")
    out = s.command("config")
    s.answer(out, r"^memory = 16M    # pending until its next start \(in force: 32M\)$",
             "config: busy's memory marked pending, with the 32M in force")
    s.answer(out, r"^memory = 96M    # pending until the next boot \(in force: 64M\)$",
             "config: the reservation marked pending until the next boot")
    s.answer(s.command("info busy"), r"^memory: 32 MiB$", "info busy: still 32 MiB while it runs")
    s.answer(s.command("restart busy"), r"^restarted 'busy'$", "restart busy")
    s.answer(s.command("info busy"), r"^memory: 16 MiB$", "info busy: 16 MiB after its restart")

    console_shows(s, "busy", r"^busy: 'busy' has 16 MiB and spins with interrupts off$",
                  "console busy: the guest itself was given 16 MiB")
    out = s.command("config changes")
    s.check(out is not None and re.search(r"^hostname = lab-2$", out, re.M) and
            re.search(r"^memory = 96M$", out, re.M) and
            re.search(r"^\[partition busy\]\nmemory = 16M$", out, re.M) and "pending" not in out,
            "config changes: host name, reservation and busy's memory against shell.cfg",
            repr(out)[:400])
    out = s.command("log")
    s.answer(out, r"^\[hv\] settings changed by 'mgmt':$", "log: the change is logged, and by whom")
    s.answer(out, r"^\[hv\]   memory = 16M$", "log: the changed key and value")
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
    s.answer(out, r"^\[hv\] audit %s: 'mgmt' restart 'busy': done$" % when,
             "log: the audit line of restart busy, with the wall-clock time and who asked")
    s.answer(out, r"^\[hv\] audit %s: 'mgmt' set \(a settings change\): refused" % when,
             "log: a refused change is in the audit trail too")
    s.check(out is not None and not re.search(r"audit .*'mgmt' (info|list|host|stats|config)\b",
                                              out), "log: reads (info, list, config) are not audited")

    # The escape key, changed live: console's hint names the new key, and it brings the shell
    # back; then the old one again.
    s.answer(s.command("set escape ctrl-b"), r"^escape = ctrl-b \(in force now\)$",
             "set escape ctrl-b")
    start = s.mark()
    s.send(b"console ticker" + ENTER)
    m = s.wait_for(r"^attached to 'ticker'; press Ctrl-B to come back$", s.args.command_timeout,
                   start)
    s.check(m, "console ticker: the hint names the new escape key",
            "" if m else s.why_not(s.args.command_timeout, start))
    if m:
        time.sleep(1)
        start = s.mark()
        s.send(b"\x02")
        m = s.wait_for(r"^back in the shell\n", s.args.command_timeout, start)
        s.check(m, "Ctrl-B leaves the console: the new escape key is in force",
                "" if m else s.why_not(s.args.command_timeout, start))
        p = s.wait_prompt(m.end() if m else start, s.args.command_timeout)
        if p:
            s.pos = p.end()
        else:
            s.lost = True
    else:
        s.lost = True
    s.answer(s.command("set escape ctrl-]"), r"^escape = ctrl-\] \(in force now\)$",
             "set escape ctrl-]: the old key back")
    s.answer(s.command("set hostname bulkhead-shell-test"),
             r"^hostname = bulkhead-shell-test \(in force now\)$", "set hostname: the old name back")


def step_idle_logout(s):
    """idle_logout from the shell, in force at once: a session with nothing typed for it is
    logged out and logged; console_password itself is the file's alone."""
    out = s.command("set console_password $argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$AAAAAAAA")
    s.answer(out, r"^error: console_password is set in bulkhead\.cfg only",
             "set console_password: refused, the file's alone")
    s.answer(s.command("set idle_logout 5x"), r"^error: bad idle_logout '5x' \(seconds, or a "
             r"number with s, m or h", "set idle_logout 5x: the config's own error")
    s.answer(s.command("set idle_logout 6s"), r"^idle_logout = 6s \(in force now\)$",
             "set idle_logout 6s: in force now")
    start = s.mark()
    t0 = time.monotonic()
    # 6 s of the guest's TSC time: under Bochs that has been 38 s of wall time, more when the
    # machine is loaded.
    m = s.wait_for(r"^logged out: nothing was typed for 6 s\n" + re.escape(LOGIN_PROMPT), 180, start)
    t1 = time.monotonic()
    s.check(m and t1 - t0 >= 5, "nothing typed for 6 s: logged out, password prompt (after "
            "%.1f s)" % (t1 - t0), "" if m else s.why_not(180, start))
    s.check(re.search(AUDIT + r"logout \(idle\)$", s.text(start), re.M),
            "the hypervisor logs the idle logout", tail(s.text(start), 300))
    if m:
        s.pos = m.end()
        s.log_in("logged in again after the idle logout")
    s.answer(s.command("set idle_logout 10m"), r"^idle_logout = 10m \(in force now\)$",
             "set idle_logout 10m: back to the default")


def step_save(s):
    """save and config revert from the running shell: the hypervisor writes the UEFI variable
    through the firmware's runtime SetVariable while partitions run on both CPUs, and deletes
    it again. (The reboot half is proven in the QEMU suite: OVMF under Bochs hangs on the boot
    after a reset, polling an ACPI PM timer at port 8 that never ticks.)"""
    s.answer(s.command("set hostname saved-host"), r"^hostname = saved-host \(in force now\)$",
             "set hostname saved-host")
    out = s.command("config changes")
    s.check(out is not None and re.search(r"^hostname = saved-host$", out, re.M) and
            re.search(r"^memory = 96M$", out, re.M) and
            re.search(r"^\[partition busy\]\nmemory = 16M$", out, re.M),
            "config changes before save: host name, reservation, busy's memory", repr(out)[:300])
    m = s.answer(s.command("save"), r"^saved \d+ bytes of changes \(UEFI variable BulkheadSettings\)",
                 "save: the firmware stored the changes (SetVariable at run time)")
    out = s.command("log")
    s.answer(out, r"^\[hv\] settings: changes saved for the next boot \(UEFI variable "
             r"BulkheadSettings, \d+ bytes\)$", "log: the save is logged")
    s.answer(s.command("config revert"), r"^saved changes dropped: the next boot uses "
             r"bulkhead\.cfg as it is", "config revert: the variable is deleted")
    s.answer(s.command("host"), r"^host name: saved-host$",
             "config revert leaves what is in force until the reboot")
    s.answer(s.command("list"), "^" + re.escape(LIST_HEADER) + "$",
             "the shell and the partitions go on after the firmware calls")


SCENARIO = [step_boot, step_login, step_list_initial, step_console_replay, step_help,
            step_info_stats_host_log, step_owned_cpu, step_json, step_ctl, step_settings, step_idle_logout, step_errors, step_line_editing, step_stop_mem_start,
            step_random, step_save]


def main():
    top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port-file", help="write the listening port here")
    ap.add_argument("--log", required=True, help="serial log (raw bytes received)")
    ap.add_argument("--counts", default=os.path.join(top, "build/test/results/shell.counts"))
    ap.add_argument("--deadline", type=float, default=900, help="whole session, seconds")
    ap.add_argument("--accept-timeout", type=float, default=60)
    ap.add_argument("--boot-timeout", type=float, default=120)
    ap.add_argument("--command-timeout", type=float, default=20)
    ap.add_argument("--tick-timeout", type=float, default=60,
                    help="for the next 'tick N' (one every 200 ms of the guest's TSC time, "
                    "which under a loaded Bochs can be seconds of wall time)")
    ap.add_argument("--char-delay", type=float, default=0.02, help="seconds between typed bytes")
    ap.add_argument("--stream-delay", type=float, default=0.05,
                    help="seconds between 8-byte chunks of the random stream")
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--password-file", help="the console's password (console_password's), "
                    "first line")
    ap.add_argument("--owned-sample-s", type=float, default=8,
                    help="seconds between the two looks at busy's exits")
    ap.add_argument("--expect-only", action="append", metavar="REGEX",
                    help="only wait for each REGEX in turn (no shell scenario)")
    ap.add_argument("--scenario", default="shell",
                    help="shell (default), or a Linux scenario of linux_scenario.py")
    ap.add_argument("--kernel-version", default="", help="Linux scenarios: the kernel's release")
    ap.add_argument("--linux-mib", type=int, default=0, help="linux-life: the partition's size")
    ap.add_argument("--linux-timeout", type=float, default=300,
                    help="Linux scenarios: seconds for a Linux partition to boot to its shell")
    ap.add_argument("--refuse", action="append", default=[], metavar="NAME=REGEX",
                    help="linux-pair: partition NAME must be refused with a reason matching REGEX")
    args = ap.parse_args()
    args.refusals = [tuple(r.split("=", 1)) for r in args.refuse]
    scenario = SCENARIO
    if args.scenario != "shell":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import linux_scenario
        scenario = linux_scenario.SCENARIOS[args.scenario]

    s = Session(args)
    ls = s.listen()
    try:
        connected = s.accept(ls)
        s.check(connected, "Bochs connected COM1 to the test's socket",
                "no connection within %g s" % args.accept_timeout)
        if args.expect_only:
            for rx in args.expect_only:
                s.expect(rx, args.boot_timeout, "serial output over the socket: %s" % rx)
        else:
            for step in scenario:
                try:
                    step(s)
                except Exception as e:          # a bug in a step must not lose the others
                    s.check(False, "step %s ran" % step.__name__, "%s: %s" % (type(e).__name__, e))
                    s.lost = True
            # Bochs closes COM1's socket only when it exits, so an open connection means the
            # machine is still up. (Closing our end first would kill Bochs with SIGPIPE at the
            # next byte it sends: the suite stops it right after this script ends.)
            time.sleep(1)
            s.check(connected and not s.eof, "the machine is still running at the end of the "
                    "scenario (COM1 still connected)", "Bochs closed the connection")
            # Last: the administrator powers the machine off from the shell. Bochs exits on
            # the ACPI power-off, which closes COM1's socket.
            if connected and not s.eof:
                s.send(b"poweroff\r")
                s.expect(r"powering off", args.command_timeout, "poweroff: the shell says so")
                end = time.monotonic() + 60
                while not s.eof and time.monotonic() < end:
                    time.sleep(0.5)
                s.check(s.eof, "poweroff: the machine powers itself off (COM1 closes)",
                        "still connected 60 s after poweroff")
    finally:
        s.write_counts()
        s.note("done: %d passed, %d failed" % (s.passed, s.failed))
        if s.sock:
            try:
                s.sock.close()
            except OSError:
                pass
        with s.cond:
            s.log.close()
    print("shell session: %d passed, %d failed" % (s.passed, s.failed), flush=True)
    return 0 if s.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
