"""
The Linux partition scenarios of tests/runners/shell-session.py (--scenario linux-life or
linux-pair), driven over the same socket console as the shell scenario.

linux-life (tests/configs/linux.cfg: mgmt, linux, ticker): Debian's stock kernel boots in a
partition beside the shell and a test guest; the session attaches to its console and checks
the kernel release, MemTotal against the partition's size, the UART's interrupt counting up as
it types, the date against the host's, then escapes back; stops and starts it from the shell;
powers it off from inside (state stopped, reason given); starts it and reboots it from inside
(it boots again by itself); panics it (others go on, it stays until `restart`, which boots it
again). Throughout, the ticker guest must keep ticking.

linux-pair (tests/configs/linux-pair.cfg): two Linux partitions at once, each with its own
console, and every bad image refused with its line while the rest boot.

Each step records PASS/FAIL through the Session; a failed expect marks the session lost and
the next step resynchronises.
"""
import re
import time

LINUX_PROMPT = r"linux# $"
READY = "bulkhead-linux: shell ready"


def linux_ready_line(name):
    """The marker as it appears on the serial line while nobody is attached to NAME."""
    return r"^\[%s\] %s" % (re.escape(name), re.escape(READY))


def wait_ready(s, name, start, what, timeout=None):
    m = s.wait_for(linux_ready_line(name), timeout or s.args.linux_timeout, start)
    s.check(m, what, "" if m else s.why_not(20, start))
    return m


def shell_cmd(s, line, regex, what, timeout=None):
    out = s.command(line, timeout)
    s.answer(out, regex, what)
    return out


def row(s, name):
    out = s.command("list")
    return s.list_rows(out).get(name), out


def linux_command(s, line, regex, what, timeout=None):
    """Types a command at the attached Linux shell; returns its output up to the next prompt."""
    start = s.mark()
    s.send(line.encode() + b"\r")
    m = s.wait_for(regex, timeout or s.args.command_timeout * 3, start)
    s.check(m, what, "" if m else s.why_not(20, start))
    p = s.wait_for(LINUX_PROMPT, s.args.command_timeout * 3, m.end() if m else start)
    return s.text(start, p.end() if p else None), m


def attach(s, name):
    s.resync()
    start = s.mark()
    s.send(("console %s" % name).encode() + b"\r")
    m = s.wait_for(r"^attached to '%s'; press Ctrl-\] to come back$" % re.escape(name),
                   s.args.command_timeout, start)
    s.check(m, "console %s: attached" % name, "" if m else s.why_not(20, start))
    if not m:
        s.lost = True
        return False
    # The ring replays the boot; a fresh prompt tells the shell is there.
    s.send(b"\r")
    p = s.wait_for(LINUX_PROMPT, s.args.command_timeout * 3, m.end())
    s.check(p, "console %s: the busybox prompt answers Enter" % name,
            "" if p else s.why_not(20, m.end()))
    return bool(p)


def detach(s, name):
    start = s.mark()
    s.send(b"\x1d")
    m = s.wait_for(r"^back in the shell\n", s.args.command_timeout, start)
    s.check(m, "Ctrl-] leaves %s's console" % name, "" if m else s.why_not(20, start))
    p = s.wait_prompt(m.end() if m else start, s.args.command_timeout)
    if p:
        s.pos = p.end()
    else:
        s.lost = True


def interrupts_of_uart(text):
    """The total count of the ttyS0 line of /proc/interrupts, or None."""
    m = re.search(r"^\s*(\d+):\s+(\d+)\s+.*ttyS0", text, re.M)
    return int(m.group(2)) if m else None


def step_linux_boots(s):
    s.expect(re.escape("Bulkhead management shell (type 'help')"), s.args.boot_timeout,
             "the management shell's banner appears")
    m = s.wait_prompt(s.pos, s.args.command_timeout)
    if m:
        s.pos = m.end()
    wait_ready(s, "linux", 0, "Linux boots to its shell in its partition beside the shell")
    r, out = row(s, "linux")
    s.check(r and r["type"] == "linux" and r["state"] in ("running", "halted"),
            "list: linux is type linux and running", "row %r" % (r,))
    out = s.command("info linux")
    s.answer(out, r"^kernel: %s" % re.escape(s.args.kernel_version),
             "info linux shows the kernel version from the bzImage header")


def step_linux_console(s):
    if not attach(s, "linux"):
        return
    out, m = linux_command(s, "uname -r", r"^%s$" % re.escape(s.args.kernel_version.split()[0]),
                           "uname -r inside the partition prints the Debian kernel release")
    out, m = linux_command(s, "grep MemTotal /proc/meminfo", r"^MemTotal:\s+(\d+) kB$",
                           "/proc/meminfo has MemTotal")
    if m:
        kib = int(m.group(1))
        size = s.args.linux_mib * 1024
        s.check(size - 64 * 1024 < kib <= size,
                "MemTotal (%d KiB) is the partition's %d MiB less what the kernel keeps" %
                (kib, s.args.linux_mib), "MemTotal %d KiB" % kib)
    out, m = linux_command(s, "cat /proc/interrupts", r"ttyS0", "/proc/interrupts lists ttyS0")
    first = interrupts_of_uart(out)
    s.send(b"echo typing some more to raise the UART's interrupt count\r")
    time.sleep(2)
    out, m = linux_command(s, "cat /proc/interrupts", r"ttyS0", "/proc/interrupts again")
    second = interrupts_of_uart(out)
    s.check(first is not None and second is not None and second > first,
            "the UART's interrupt counts up as we type (%s -> %s)" % (first, second))
    out, m = linux_command(s, "date -u +%s", r"^(\d{9,})$", "date prints a time")
    if m:
        guest = int(m.group(1))
        host = time.time()
        s.check(abs(guest - host) < s.args.date_slack,
                "Linux's date is the host's wall clock (%+d s)" % (guest - host),
                "guest %d host %d" % (guest, host))
    detach(s, "linux")


def step_linux_stop_start(s):
    shell_cmd(s, "stop linux", r"stopped 'linux'", "stop linux")
    r, out = row(s, "linux")
    s.check(r and r["state"] == "stopped", "list: linux stopped", "row %r" % (r,))
    start = s.mark()
    shell_cmd(s, "start linux", r"started 'linux'", "start linux")
    wait_ready(s, "linux", start, "a started Linux partition boots again to its shell")


def step_linux_poweroff(s):
    if not attach(s, "linux"):
        return
    start = s.mark()
    s.send(b"poweroff -f\r")
    m = s.wait_for(r"^back in the shell|partition 'linux' powered off", s.args.linux_timeout, start)
    s.check(m, "poweroff inside Linux ends its partition (the console returns to the shell)",
            "" if m else s.why_not(20, start))
    s.lost = True
    s.resync()
    r, out = row(s, "linux")
    s.check(r and r["state"] == "stopped", "list: linux is stopped after its poweroff", "row %r" % (r,))
    out = s.command("info linux")
    s.answer(out, r"^reason: powered off by its guest \(ACPI S5\)$", "info linux gives the reason")


def step_linux_reboot(s):
    start = s.mark()
    shell_cmd(s, "start linux", r"started 'linux'", "start linux after its poweroff")
    if not wait_ready(s, "linux", start, "it boots again"):
        return
    if not attach(s, "linux"):
        return
    start = s.mark()
    s.send(b"reboot -f\r")
    m = s.wait_for(re.escape(READY), s.args.linux_timeout, start)
    s.check(m, "reboot inside Linux boots the partition again (console stays attached)",
            "" if m else s.why_not(20, start))
    p = s.wait_for(LINUX_PROMPT, s.args.command_timeout * 3, m.end() if m else start)
    detach(s, "linux")
    out = s.command("info linux")
    s.answer(out, r"^state: running", "info linux: running after its reboot")


def step_linux_panic(s):
    if not attach(s, "linux"):
        return
    start = s.mark()
    s.send(b"echo c > /proc/sysrq-trigger\r")
    m = s.wait_for(r"Kernel panic - not syncing", s.args.linux_timeout, start)
    s.check(m, "the Linux guest panics on sysrq-c", "" if m else s.why_not(20, start))
    detach(s, "linux")
    ticks = s.command("list")
    r = s.list_rows(ticks).get("ticker")
    time.sleep(3)
    r2, out = row(s, "ticker")
    s.check(r and r2 and int(r2["exits"]) > int(r["exits"]),
            "the ticker guest goes on while Linux sits in its panic", "rows %r %r" % (r, r2))
    r, out = row(s, "linux")
    s.check(r and r["state"] in ("running", "halted"),
            "a panicked Linux without panic= stays in its loop until restart", "row %r" % (r,))
    start = s.mark()
    shell_cmd(s, "restart linux", r"started 'linux'|restarted 'linux'", "restart linux")
    wait_ready(s, "linux", start, "restart brings the panicked Linux back to its shell")


LIFE = [step_linux_boots, step_linux_console, step_linux_stop_start, step_linux_poweroff,
        step_linux_reboot, step_linux_panic]


def step_pair_boot(s):
    s.expect(re.escape("Bulkhead management shell (type 'help')"), s.args.boot_timeout,
             "the management shell's banner appears")
    for name in ("alpha", "beta"):
        wait_ready(s, name, 0, "Linux partition %s boots to its shell" % name)
    t = s.text()
    for name, why in s.args.refusals:
        s.check(re.search(r"partition '%s' not started: .*%s" % (re.escape(name), why), t, re.M),
                "bad image of %s refused with its line" % name,
                "no refusal line for %s matching %s" % (name, why))


def step_pair_consoles(s):
    for name in ("alpha", "beta"):
        if not attach(s, name):
            continue
        linux_command(s, "hostname %s; hostname" % name, r"^%s$" % name,
                      "console %s reaches its own Linux" % name)
        detach(s, name)
    # Each keeps its own state: alpha's hostname is not beta's.
    if attach(s, "alpha"):
        linux_command(s, "hostname", r"^alpha$", "alpha still has its own hostname")
        detach(s, "alpha")


PAIR = [step_pair_boot, step_pair_consoles]

SCENARIOS = {"linux-life": LIFE, "linux-pair": PAIR}
