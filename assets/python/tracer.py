"""pollscope's tracer: runs a script and reports every resume of a coroutine, generator
or async generator that is driven from outside one (by `send`, `next`, a `for` loop,
asyncio's Task), pausing CPython before each until pollscope says go.

Usage: python3 tracer.py SOCKET SCRIPT [ARGS...]. Standard library only. One JSON
object per line goes to the Unix socket SOCKET; commands come back on it, one word per
line: `step` (let one resume through), `run` (let every resume through), `pause`.
The protocol is described in src/python/protocol.rs.
"""

import dis
import gc
import json
import linecache
import os
import reprlib
import signal
import socket
import sys
import sysconfig
import threading
import time
import types
import weakref

CO_GENERATOR = 0x20
CO_COROUTINE = 0x80
CO_ITERABLE_COROUTINE = 0x100
CO_ASYNC_GENERATOR = 0x200
RESUMABLE = CO_GENERATOR | CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR

OP = dis.opmap
DELEGATE = {OP[name] for name in ("SEND", "YIELD_FROM") if name in OP}
YIELD = OP["YIELD_VALUE"]
CACHE = OP.get("CACHE")
RESUME = OP.get("RESUME")
# Instructions op_at has to look past.
ODD = frozenset(op for op in (CACHE, RESUME) if op is not None)


def op_at(frame):
    """The instruction a frame is at. From 3.12 a call can leave `f_lasti` on the inline
    cache after its instruction (a SEND's), so the cache is stepped back over; from 3.13
    a frame leaving by a yield is already on the RESUME after it."""
    code = frame.f_code.co_code
    at = frame.f_lasti
    if CACHE is not None:
        while at > 0 and code[at] == CACHE:
            at -= 2
    op = code[at]
    if op == RESUME and at >= 2 and code[at - 2] == YIELD:
        return YIELD
    return op


RETURN = {OP[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in OP}
FOR_ITER = OP.get("FOR_ITER")

# Library code is shown in chains but never becomes a task of its own: a generator
# that urllib drives is not the script's.
LIBRARY = tuple(
    p for p in {sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("platstdlib")} if p
)
HERE = os.path.abspath(__file__)

short = reprlib.Repr()
short.maxstring = 60
short.maxother = 60
short.maxlist = short.maxtuple = short.maxdict = short.maxset = 6
short.maxlevel = 3
MAX_LOCALS = 400


ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
QUOTE = json.encoder.encode_basestring


class ItemWords(str):
    """An async generator's item, already in words."""


def text(value):
    if type(value) is ItemWords:
        return "%s (the driver gets StopIteration(%s))" % (value, value)
    try:
        return short.repr(value)
    except Exception as e:  # a __repr__ that raises is the script's, not ours
        return "<repr failed: %s>" % type(e).__name__



def pollscope_gone():
    """pollscope is gone (closed, crashed, killed), seen as the end of its socket or a
    write that fails: so is the script, and every process it started (pollscope made the
    interpreter the leader of its own group). Whichever thread notices first ends all."""
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(3)

class Link:
    """The socket to pollscope: events out (one writer at a time), commands in."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.out = self.sock.makefile("w", encoding="utf-8", newline="\n")
        self.lock = threading.Lock()
        self.gate = threading.Condition()
        self.budget = 0
        self.free = False
        self.t0 = time.perf_counter_ns()
        # Running free, lines are flushed in batches (a write per message would cost more
        # than the message): by this thread, every 20 ms, and before any wait.
        self.dirty = False
        reader = threading.Thread(target=self.read, name="pollscope-tracer", daemon=True)
        reader.start()
        flusher = threading.Thread(target=self.flush_often, name="pollscope-tracer-flush", daemon=True)
        flusher.start()

    def now(self):
        return time.perf_counter_ns() - self.t0

    def send(self, what, /, **fields):
        fields["k"] = what
        fields["t"] = self.now()
        self.write(ENCODE(fields) + "\n")

    def write(self, line):
        with self.lock:
            try:
                self.out.write(line)
                if self.free:
                    self.dirty = True
                else:
                    self.out.flush()
            except OSError:
                pollscope_gone()

    def flush(self):
        with self.lock:
            if self.dirty:
                self.dirty = False
                try:
                    self.out.flush()
                except OSError:
                    pollscope_gone()

    def flush_often(self):
        while True:
            time.sleep(0.02)
            self.flush()

    def read(self):
        for line in self.sock.makefile("r", encoding="utf-8"):
            word = line.strip()
            with self.gate:
                if word == "step":
                    self.budget += 1
                elif word == "run":
                    self.free = True
                elif word == "pause":
                    self.free = False
                    self.budget = 0
                self.gate.notify_all()
        pollscope_gone()

    def wait_for_go(self):
        if not self.free:
            self.flush()
        with self.gate:
            while not self.free and self.budget == 0:
                self.gate.wait()
            if not self.free:
                self.budget -= 1


class Resume:
    """One resume in progress: its task, and the delegated frames that yielded in it."""

    __slots__ = ("task", "frame", "chain", "error", "unwinding", "coro")

    def __init__(self, task, frame):
        self.task = task
        self.frame = frame
        self.chain = []
        self.error = None
        # An exception passed through the frame and no line of it ran since.
        self.unwinding = False
        self.coro = None


def kind_of(code):
    flags = code.co_flags
    if flags & CO_ASYNC_GENERATOR:
        return "async_generator"
    if flags & CO_COROUTINE:
        return "coroutine"
    return "generator"


STATE_PREFIX = {"coroutine": "CORO", "generator": "GEN", "async_generator": "AGEN"}


class Tracer:
    def __init__(self, link, script):
        self.link = link
        self.script = script
        self.tasks = {}  # id(frame) -> task number, while the frame is alive
        self.named = {}  # id(frame of an asyncio Task's coroutine) -> task number
        self.next_task = 0
        self.first_resume = {}  # code -> offset of its first RESUME (or -1)
        self.local = threading.local()
        self.exec_numbers = {}
        self.next_thread = 0
        self.drivers = {}
        self.places = {}
        self.encoded = {}
        # Finished coroutines by the object's id, so a send into one is its task's; the
        # driving object is known from the `send` call that resumed it.
        self.finished = {}
        self.driving = None
        # Coroutines being sent into, by id: their state before the send ran.
        self.before = {}
        # A close() in progress: (frame id, task, line) of what it closes, and the frame
        # its pause was already taken for.
        self.closing = None
        self.let_through = None

    # --- tasks ---------------------------------------------------------------

    def new_task(self, name, kind, parent, file, line):
        task = self.next_task
        self.next_task += 1
        self.link.send("spawn", task=task, name=name, kind=kind, parent=parent, file=file, line=line)
        return task

    def stack(self):
        stack = getattr(self.local, "stack", None)
        if stack is None:
            stack = self.local.stack = []
        return stack

    def current(self):
        stack = self.stack()
        return stack[-1].task if stack else None

    def executor(self, depth):
        key = (threading.get_ident(), depth)
        number = self.exec_numbers.get(key)
        if number is None:
            number = self.exec_numbers[key] = len(self.exec_numbers)
        return number

    def first_offset(self, code):
        offset = self.first_resume.get(code)
        if offset is None:
            offset = next((i.offset for i in dis.get_instructions(code) if i.opname == "RESUME"), -1)
            self.first_resume[code] = offset
        return offset

    def is_first(self, frame):
        return frame.f_lasti == self.first_offset(frame.f_code)

    # --- the trace function ----------------------------------------------------

    def trace(self, frame, event, arg):
        if event != "call":
            return None
        code = frame.f_code
        if not code.co_flags & RESUMABLE:
            return None
        driving = self.driving
        if driving is not None and getattr(driving, "cr_frame", None) is frame:
            self.before.pop(id(driving), None)
        back = frame.f_back
        # The instruction read inline (hot path); op_at only where it may be a cache.
        if back is None:
            delegated = False
        else:
            op = back.f_code.co_code[back.f_lasti]
            if op in ODD:
                op = op_at(back)
            delegated = op in DELEGATE
        frame.f_trace_lines = False
        if delegated:
            return self.local_delegated
        file = code.co_filename
        if file.startswith(LIBRARY) or file.startswith("<frozen") or file == HERE:
            # Library code (the frozen import machinery included) is not the script's.
            return self.local_delegated
        key = id(frame)
        first = self.is_first(frame)
        task = None if first else self.tasks.get(key)
        if task is None:
            task = self.named.pop(key, None)
            if task is None:
                task = self.new_task(
                    code.co_qualname if hasattr(code, "co_qualname") else code.co_name,
                    kind_of(code),
                    self.current(),
                    file,
                    code.co_firstlineno,
                )
            self.tasks[key] = task
        given, driver = self.driven(back, first)
        stack = self.stack()
        if self.link.free:
            # Nobody waits to let it through: one message says it all (its words are the
            # same from one driving place, so they are encoded once).
            key = (back.f_code, back.f_lasti, first) if back is not None else None
            tail = self.encoded.get(key)
            if tail is None:
                tail = self.encoded[key] = ',"input":%s,"driver":%s}\n' % (ENCODE(given), ENCODE(driver))
            self.link.write('{"k":"resume","t":%d,"task":%d,"on":%d,"line":%d%s' % (
                self.link.now(), task, self.executor(len(stack)), frame.f_lineno, tail))
        elif self.let_through == id(frame):
            # A close(): paused for when it was called.
            self.let_through = None
            self.link.send("resume", task=task, on=self.executor(len(stack)), line=frame.f_lineno)
        else:
            self.link.send("ready", task=task, input=given, driver=driver)
            self.link.wait_for_go()
            self.link.send("resume", task=task, on=self.executor(len(stack)), line=frame.f_lineno)
        resume = Resume(task, frame)
        driving, self.driving = self.driving, None
        if driving is not None and getattr(driving, "cr_frame", None) is frame:
            resume.coro = driving
        stack.append(resume)
        return self.local_driven

    def local_delegated(self, frame, event, arg):
        if event == "return":
            stack = self.stack()
            if stack and op_at(frame) == YIELD:
                stack[-1].chain.append(self.level(frame))
        return self.local_delegated

    def local_driven(self, frame, event, arg):
        stack = self.stack()
        if not stack or stack[-1].frame is not frame:
            return self.local_driven
        top = stack[-1]
        if event == "exception":
            # Handled here, a line of the handler runs next; leaving the frame, none does.
            # Lines are watched only until then, so that costs nothing on the hot path.
            # A StopIteration is an awaited iterator's value arriving (it cannot leave a
            # generator's frame as itself: PEP 479 makes it a RuntimeError).
            if not issubclass(arg[0], (StopIteration, StopAsyncIteration)):
                top.error = arg
                top.unwinding = True
                frame.f_trace_lines = True
            return self.local_driven
        if event == "line":
            top.unwinding = False
            frame.f_trace_lines = False
            return self.local_driven
        if event != "return":
            return self.local_driven
        stack.pop()
        frame.f_trace_lines = False
        op = frame.f_code.co_code[frame.f_lasti]
        if op in ODD:
            op = op_at(frame)
        # An exception leaving the frame (close() or throw() at a yield) stops on the yield
        # too: it is no yield, but the frame's end.
        if op == YIELD and not top.unwinding:
            chain = [self.level(frame)] + top.chain[::-1]
            # The hot path, written by hand: a dict through json costs more than the
            # resume itself.
            levels = ",".join("[%d,%s]" % (place, QUOTE(words)) for place, words in chain)
            if type(arg).__name__ == "async_generator_wrapped_value":
                # An async generator's item: the driver gets it as StopIteration(item)
                # from the asend awaitable. The wrapper shows its item only to gc.
                inner = gc.get_referents(arg)
                arg = ItemWords(text(inner[0]) if inner else "?")
            self.link.write('{"k":"yield","t":%d,"task":%d,"value":%s,"chain":[%s]}\n' % (
                self.link.now(), top.task, QUOTE(text(arg)), levels))
        else:
            self.tasks.pop(id(frame), None)
            if top.coro is not None:
                self.finished[id(top.coro)] = (weakref.ref(top.coro), top.task)
            if op in RETURN:
                self.link.send("return", task=top.task, value=text(arg))
            else:
                self.link.send("raise", task=top.task, error=self.error_text(top.error))
        return self.local_driven

    def profile(self, frame, event, arg):
        """Sends CPython refuses before any frame runs: `send(5)` into a fresh coroutine,
        `send` into a finished one. The trace function never sees them: no code of the
        coroutine runs, so they are reported as refusals, not resumes."""
        if event == "call" or event == "return":
            # Python frames: the trace function's. (First, as the most frequent by far.)
            return
        name = getattr(arg, "__name__", None)
        if name == "close":
            self.close(frame, event, arg)
            return
        if event == "c_return" or name not in ("send", "throw"):
            return
        coro = getattr(arg, "__self__", None)
        if type(coro) is not types.CoroutineType:
            return
        if event == "c_call":
            self.driving = coro
            if coro.cr_frame is None:
                self.before[id(coro)] = "closed"
            elif not coro.cr_suspended and not coro.cr_running:
                self.before[id(coro)] = "created"
            return
        # A send whose frame ran was popped from `before` when it ran: its exception (a
        # StopIteration, an error) is the resume's, not a refusal.
        was = self.before.pop(id(coro), None)
        if was == "closed":
            error = "RuntimeError: cannot reuse already awaited coroutine"
            known = self.finished.get(id(coro))
            task = known[1] if known and known[0]() is coro else None
        elif was == "created" and arg.__name__ == "send":
            error = "TypeError: can't send non-None value to a just-started coroutine"
            task = self.tasks.get(id(coro.cr_frame)) if coro.cr_frame is not None else None
        else:
            return
        code = coro.cr_code
        if task is None:
            task = self.new_task(code.co_qualname, "coroutine", self.current(), code.co_filename, code.co_firstlineno)
            if coro.cr_frame is not None:
                self.tasks[id(coro.cr_frame)] = task
        self.link.send("refuse", task=task, input=self.input_of(frame, False), driver=self.where(frame), error=error)

    def close(self, frame, event, arg):
        """A close() of a suspended generator or coroutine is a resume: GeneratorExit goes
        in at its yield. From 3.12 CPython closes a never-started coroutine, and from 3.13
        one suspended outside any `try`, without running its frame, so the trace function never sees it: the pause is taken when
        close() is called, and the resume is told when it returns, if the frame did not
        run (it did on 3.11 and 3.12, and does in a `try`: then it was traced)."""
        target = getattr(arg, "__self__", None)
        if type(target) is types.GeneratorType:
            inner, idle = target.gi_frame, not target.gi_running
        elif type(target) is types.CoroutineType:
            inner, idle = target.cr_frame, not target.cr_running
        else:
            return
        if event == "c_call":
            # Suspended, or never started but already a task (a refused send made it one).
            task = self.tasks.get(id(inner)) if inner is not None and idle else None
            if task is None:
                return
            self.closing = (id(inner), task, inner.f_lineno, self.where(frame))
            if not self.link.free:
                self.link.send("ready", task=task, input="close()", driver=self.closing[3])
                self.link.wait_for_go()
                self.let_through = id(inner)
            return
        closing, self.closing, self.let_through = self.closing, None, None
        if closing is None:
            return
        key, task, line, driver = closing
        if self.tasks.get(key) != task:
            return  # its frame ran and ended: traced as any resume
        del self.tasks[key]
        self.link.send("resume", task=task, on=self.executor(len(self.stack())), line=line,
                       input="close()", driver=driver)
        self.link.send("raise", task=task, error="GeneratorExit")

    # --- words ---------------------------------------------------------------

    def level(self, frame):
        """One level of a chain: `[place, locals]`. The place (function, state, file,
        line, source) is the same every time the frame suspends there, so it is sent
        once, as a `place` message, and named by its number after that."""
        code = frame.f_code
        key = (code, frame.f_lasti)
        place = self.places.get(key)
        if place is None:
            place = self.places[key] = len(self.places)
            kind = kind_of(code)
            line = frame.f_lineno
            self.link.send(
                "place",
                place=place,
                name=code.co_qualname if hasattr(code, "co_qualname") else code.co_name,
                kind=kind,
                state=STATE_PREFIX[kind] + "_SUSPENDED",
                file=code.co_filename,
                line=line,
                code=source_line(code.co_filename, line),
            )
        local_words = []
        size = 0
        for name, value in frame.f_locals.items():
            word = "%s = %s" % (name, text(value))
            size += len(word)
            if size > MAX_LOCALS:
                local_words.append("…")
                break
            local_words.append(word)
        return [place, "; ".join(local_words)]

    def where(self, frame):
        if frame is None:
            return None
        line = frame.f_lineno
        return {
            "func": frame.f_code.co_name,
            "file": frame.f_code.co_filename,
            "line": line,
            "code": source_line(frame.f_code.co_filename, line),
        }

    def driven(self, back, first):
        """What goes in and who drives it, the same for every resume from one place of
        the driver's code: worked out once per place."""
        if back is None:
            return "send(None)", None
        key = (back.f_code, back.f_lasti, first)
        known = self.drivers.get(key)
        if known is None:
            known = self.drivers[key] = (self.input_of(back, first), self.where(back))
        return known

    def input_of(self, back, first):
        """What went in, as the driver's own code says it: the value itself is on the
        driver's stack, where Python code cannot read it."""
        if back is None:
            return "send(None)"
        if FOR_ITER is not None and op_at(back) == FOR_ITER:
            return "next()"
        source = source_line(back.f_code.co_filename, back.f_lineno)
        for word in ("asend", "athrow", "send", "throw", "close"):
            at = source.find("." + word + "(")
            if at >= 0:
                return word + call_args(source, at + len(word) + 1)
        if "next(" in source or "__next__(" in source:
            return "next()"
        return "send(None)" if first else "send(…)"

    def error_text(self, error):
        if not error:
            return "exception"
        kind, value = error[0], error[1]
        message = str(value)
        return kind.__name__ + (": " + message if message else "")

    # --- threads and output -------------------------------------------------

    def patch_threads(self):
        tracer = self
        original_start = threading.Thread.start
        original_join = threading.Thread.join
        original_run = threading.Thread.run

        def start(thread):
            if thread.name == "pollscope-tracer":
                return original_start(thread)
            thread._pollscope_no = tracer.next_thread
            tracer.next_thread += 1
            tracer.link.send("thread_spawn", thread=thread._pollscope_no, name=thread.name, task=tracer.current())
            return original_start(thread)

        def run(thread):
            number = getattr(thread, "_pollscope_no", None)
            began = time.perf_counter()
            try:
                original_run(thread)
            except BaseException as e:
                if number is not None:
                    tracer.link.send("thread_end", thread=number, ok=False, result=tracer.error_text((type(e), e)),
                                     duration_us=int((time.perf_counter() - began) * 1e6))
                raise
            if number is not None:
                tracer.link.send("thread_end", thread=number, ok=True, result="",
                                 duration_us=int((time.perf_counter() - began) * 1e6))

        def join(thread, timeout=None):
            original_join(thread, timeout)
            number = getattr(thread, "_pollscope_no", None)
            if number is not None and not thread.is_alive():
                tracer.link.send("thread_join", thread=number, task=tracer.current())

        threading.Thread.start = start
        threading.Thread.run = run
        threading.Thread.join = join

    def patch_asyncio(self):
        # The pure-Python Task and Future, so their steps and wake-ups are Python frames
        # the tracer sees.
        sys.modules["_asyncio"] = None
        import asyncio.base_events as base_events
        import asyncio.tasks as tasks

        import asyncio.events as events

        tracer = self
        original = base_events.BaseEventLoop.call_soon
        original_threadsafe = base_events.BaseEventLoop.call_soon_threadsafe
        original_step = tasks.Task._Task__step
        original_run = events.Handle._run
        # Who caused a scheduled callback: a callback the loop runs later acts for whoever
        # scheduled it, so a task woken by a gather, a future or a thread's result is
        # traced back to the task or thread whose work completed it.
        causes = weakref.WeakKeyDictionary()
        local = threading.local()

        def cause():
            by = tracer.current()
            if by is None:
                by = getattr(local, "stepping", None)
            if by is not None:
                return {"task": by}
            if threading.current_thread() is not threading.main_thread():
                return {"thread": threading.current_thread().name}
            return getattr(local, "running", None) or "loop"

        def task_number(owner):
            number = getattr(owner, "_pollscope_task", None)
            if number is not None:
                return number
            coro = owner.get_coro()
            frame = getattr(coro, "cr_frame", None)
            code = getattr(coro, "cr_code", None)
            if code is not None and code.co_filename.startswith(LIBRARY):
                # asyncio's own housekeeping (shutting down generators, executors).
                owner._pollscope_task = -1
                return -1
            name = getattr(coro, "__qualname__", None) or owner.get_name()
            number = tracer.new_task(name, "coroutine", tracer.current(),
                                     code.co_filename if code else None,
                                     code.co_firstlineno if code else None)
            owner._pollscope_task = number
            if frame is not None:
                tracer.named[id(frame)] = number
            return None

        def note(callback, by):
            owner = getattr(callback, "__self__", None)
            if not isinstance(owner, tasks.Task):
                return
            number = task_number(owner)
            if number is None or number == -1:
                return
            tracer.link.send("wake", task=number, by=by)

        def remember(handle, by):
            try:
                causes[handle] = by
            except TypeError:
                pass

        def call_soon(loop, callback, *args, context=None):
            by = cause()
            note(callback, by)
            handle = original(loop, callback, *args, context=context)
            remember(handle, by)
            return handle

        def call_soon_threadsafe(loop, callback, *args, context=None):
            by = cause()
            note(callback, by)
            handle = original_threadsafe(loop, callback, *args, context=context)
            remember(handle, by)
            return handle

        def step(task, exc=None):
            outer = getattr(local, "stepping", None)
            number = getattr(task, "_pollscope_task", None)
            local.stepping = number if number is not None and number >= 0 else None
            try:
                return original_step(task, exc)
            finally:
                local.stepping = outer

        def run(handle):
            outer = getattr(local, "running", None)
            by = causes.pop(handle, None)
            if by is None:
                # Not scheduled by call_soon: a timer the loop set with call_at.
                by = "timer" if isinstance(handle, events.TimerHandle) else "loop"
            local.running = by
            try:
                return original_run(handle)
            finally:
                local.running = outer

        base_events.BaseEventLoop.call_soon = call_soon
        base_events.BaseEventLoop.call_soon_threadsafe = call_soon_threadsafe
        tasks.Task._Task__step = step
        events.Handle._run = run


LINES = {}


def source_line(file, line):
    """A line of source, stripped: read once per file and line."""
    key = (file, line)
    text = LINES.get(key)
    if text is None:
        text = LINES[key] = linecache.getline(file, line).strip()
    return text


def call_args(source, at):
    """The argument text of the call whose `(` is at `at`: `send(5)` from `c.send(5)`."""
    depth = 0
    for i in range(at, len(source)):
        c = source[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return source[at:i + 1]
    return "(…)"


SAY_CAP = 16 * 1024


class Monitor:
    """`sys.monitoring` (3.12+) in place of `sys.settrace`: the same calls into the
    Tracer, for a fraction of the cost, because events are switched off for good at every
    code object that cannot be resumed (settrace pays for every call of every function).
    A resume's start is the trace function's `call`, a yield or return its `return`, an
    exception leaving the frame its `exception` then `return`."""

    def __init__(self, tracer):
        self.tracer = tracer
        self.local = {}
        self.tool = None

    def start(self):
        m = sys.monitoring
        for tool in (4, 3, 5, 2, 1, 0):
            if m.get_tool(tool) is None:
                self.tool = tool
                break
        else:
            return False
        m.use_tool_id(self.tool, "pollscope")
        events = m.events
        m.register_callback(self.tool, events.PY_START, self.enter)
        m.register_callback(self.tool, events.PY_RESUME, self.enter)
        m.register_callback(self.tool, events.PY_YIELD, self.leave)
        m.register_callback(self.tool, events.PY_RETURN, self.leave)
        m.register_callback(self.tool, events.PY_THROW, self.thrown)
        m.register_callback(self.tool, events.PY_UNWIND, self.unwind)
        m.set_events(self.tool, events.PY_START | events.PY_RESUME | events.PY_THROW
                     | events.PY_YIELD | events.PY_RETURN | events.PY_UNWIND)
        return True

    def stop(self):
        if self.tool is not None:
            sys.monitoring.set_events(self.tool, 0)
            sys.monitoring.free_tool_id(self.tool)
            self.tool = None

    def enter(self, code, offset):
        if not code.co_flags & RESUMABLE:
            return sys.monitoring.DISABLE
        self.resume(sys._getframe(1))

    def resume(self, frame):
        local = self.tracer.trace(frame, "call", None)
        if local is None:
            self.local.pop(id(frame), None)
        else:
            self.local[id(frame)] = local

    def thrown(self, code, offset, error):
        # A resume by throw() or close(). (PY_THROW cannot be switched off per code object.)
        if code.co_flags & RESUMABLE:
            self.resume(sys._getframe(1))

    def leave(self, code, offset, value):
        if not code.co_flags & RESUMABLE:
            return sys.monitoring.DISABLE
        frame = sys._getframe(1)
        local = self.local.pop(id(frame), None)
        if local is not None:
            local(frame, "return", value)

    def unwind(self, code, offset, error):
        # (PY_UNWIND cannot be switched off per code object.)
        if not code.co_flags & RESUMABLE:
            return
        frame = sys._getframe(1)
        local = self.local.pop(id(frame), None)
        if local is not None:
            local(frame, "exception", (type(error), error, error.__traceback__))
            local(frame, "return", None)


class Output:
    """The script's print: inside a resume it is that task's say-line, outside it is the
    program's output; either way it reaches pollscope in order with the events."""

    def __init__(self, tracer, stream):
        self.tracer = tracer
        self.stream = stream
        self.partial = {}

    def write(self, s):
        key = threading.get_ident()
        buffered = self.partial.get(key, "") + s
        *lines, rest = buffered.split("\n")
        self.partial[key] = rest
        for line in lines:
            if len(line) > SAY_CAP:
                # Within pollscope's 64 KiB cap for a text even in 4-byte characters.
                line = "%s… (%d more characters)" % (line[:SAY_CAP], len(line) - SAY_CAP)
            self.tracer.link.send("say", task=self.tracer.current(), text=line, stream=self.stream)
        return len(s)

    def flush(self):
        # Lines leave at their newline; a flushed half line waits for the rest of it.
        pass

    def finish(self):
        for key, rest in list(self.partial.items()):
            if rest:
                self.tracer.link.send("say", task=None, text=rest, stream=self.stream)
        self.partial.clear()

    def isatty(self):
        return False

    @property
    def encoding(self):
        return "utf-8"


def main():
    if sys.version_info < (3, 11):
        sys.stderr.write("pollscope's tracer needs Python 3.11 or newer; this is %s\n" % sys.version.split()[0])
        sys.exit(4)
    if len(sys.argv) < 3:
        sys.stderr.write("usage: tracer.py SOCKET SCRIPT [ARGS...]\n")
        sys.exit(2)
    link = Link(sys.argv[1])
    script = os.path.abspath(sys.argv[2])
    tracer = Tracer(link, script)
    link.send("hello", python=sys.version.split()[0], pid=os.getpid(), script=script)
    tracer.patch_threads()
    tracer.patch_asyncio()
    try:
        with open(script, "rb") as f:
            source = f.read()
        code = compile(source, script, "exec")
    except SyntaxError as e:
        link.send("exit", code=1, error="SyntaxError: %s" % e.msg, file=script, line=e.lineno)
        sys.exit(1)
    except OSError as e:
        link.send("exit", code=1, error="%s: %s" % (type(e).__name__, e.strerror or e), file=script, line=None)
        sys.exit(1)
    sys.argv = [script] + sys.argv[3:]
    sys.path.insert(0, os.path.dirname(script))
    # Kept here too: the script may point sys.stdout elsewhere (redirect_stdout).
    out, err = Output(tracer, "stdout"), Output(tracer, "stderr")
    sys.stdout = out
    # The script's stderr too, so its warnings and a thread's traceback keep their place
    # among the prints; the interpreter's own last words still reach the real stderr.
    sys.stderr = err
    globals_ = {"__name__": "__main__", "__file__": script, "__builtins__": __builtins__}
    # sys.monitoring where the interpreter has it (POLLSCOPE_SETTRACE=1 keeps settrace, to
    # compare): it is global, so threads are covered without threading.settrace.
    monitor = Monitor(tracer)
    if not (hasattr(sys, "monitoring") and not os.environ.get("POLLSCOPE_SETTRACE") and monitor.start()):
        monitor = None
        threading.settrace(tracer.trace)
        sys.settrace(tracer.trace)
    sys.setprofile(tracer.profile)
    status, error, where = 0, None, None
    try:
        exec(code, globals_)
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException as e:
        sys.setprofile(None)
        sys.settrace(None)
        if monitor is not None:
            monitor.stop()
        status = 1
        error = tracer.error_text((type(e), e))
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == script:
                where = tb.tb_lineno
            tb = tb.tb_next
    finally:
        sys.setprofile(None)
        sys.settrace(None)
        threading.settrace(None)
        if monitor is not None:
            monitor.stop()
        out.finish()
        err.finish()
    link.send("exit", code=status, error=error, file=script, line=where)
    sys.stdout = sys.__stdout__
    sys.stderr = sys.__stderr__
    link.out.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
