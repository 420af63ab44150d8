"""Cooperative tasks on one Lua state: what ``async``, ``http.serve`` and every blocking
builtin share.

The original runtime drives Lua from an async executor: every builtin that waits (sleep,
HTTP, a child process, a socket) lets other tasks and request handlers run meanwhile. Here
the same model lives on the one thread that owns the Lua state:

- A task is a Lua coroutine (``async.spawn``, each HTTP request a server answers). It starts
  at once and runs until it first waits.
- A blocking builtin returns :class:`Pending` instead of a value. Called inside a task, the
  task yields to the scheduler and its work runs on a worker thread (plain Python, never
  Lua); the task resumes with the result when it is ready. Called anywhere else (the main
  chunk, a coroutine of the script's own), the caller *pumps*: it runs ready tasks until its
  own result is ready. With no task alive, the work simply runs inline, so scripts that never
  use ``async`` pay nothing.
- Worker threads and server threads only hand plain Python data to the scheduler, under a
  condition variable; Lua is only ever touched by the thread that runs the script.

When the main chunk returns, tasks still waiting are abandoned, as on the original.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

TYPE_CHECKING = False  # not typing's: typing and its re are ~10 ms of a script's start
if TYPE_CHECKING:
    from typing import Any

    from assay_py.host.vm import LuaVM

CHUNKNAME = "=[assay scheduler]"
_KEPT = "scheduler"
_FOREVER = float("inf")

_LUA = rb"""
local hooks = ...
local ready, outcome, idle, dispatch, set_live =
      hooks.ready, hooks.outcome, hooks.idle, hooks.dispatch, hooks.set_live
local create, resume, status, running, yield =
      coroutine.create, coroutine.resume, coroutine.status, coroutine.running, coroutine.yield
local error, select, setmetatable = error, select, setmetatable
local unpack = table.unpack or unpack

local WAIT = {}
local tasks = {}                                  -- live tasks, in the order they started
local by_thread = setmetatable({}, { __mode = "k" })

local function current_task()
  local co = running()
  return co ~= nil and by_thread[co] or nil
end

local function forget(task)
  for i = 1, #tasks do
    if tasks[i] == task then table.remove(tasks, i) break end
  end
  set_live(#tasks)
end

local function record(task, ok, ...)
  if status(task.co) == "dead" then
    task.done, task.ok = true, ok
    if ok then task.results = { n = select("#", ...), ... } else task.err = (...) end
    forget(task)
    return
  end
  if ok and (...) == WAIT then
    task.kind, task.what = select(2, ...)
  else
    task.kind, task.what = nil, nil               -- a plain yield: runs again next round
  end
end

local function step(task)
  local kind, what = task.kind, task.what
  task.kind = "running"
  if kind == "token" then return record(task, resume(task.co, outcome(what))) end
  return record(task, resume(task.co))
end

local function is_ready(task)
  if status(task.co) ~= "suspended" then return false end
  local kind = task.kind
  if kind == "token" then return ready(task.what) end
  if kind == "task" then return task.what.done end
  return kind == nil
end

local function round()
  dispatch()
  local ran, snapshot = false, { unpack(tasks) }
  for i = 1, #snapshot do
    local task = snapshot[i]
    if not task.done and is_ready(task) then
      step(task)
      ran = true
    end
  end
  return ran
end

-- Run ready tasks until done(arg); between rounds, sleep until something can change.
local function pump(done, arg)
  while not done(arg) do
    if not round() and not done(arg) and not idle() then
      error("async: deadlock: every task is waiting and nothing can wake one", 0)
    end
  end
end

local function spawn(fn, ...)
  local task = { co = create(fn) }
  by_thread[task.co] = task
  tasks[#tasks + 1] = task
  set_live(#tasks)
  record(task, resume(task.co, ...))
  return task
end

local function wait_token(token)
  if current_task() then return yield(WAIT, "token", token) end
  pump(ready, token)
  return outcome(token)
end

local function finish(ok, ...)
  if ok == true then return ... end
  if ok == false then
    local message, level = ...
    error(message, level)
  end
  return finish(wait_token((...)))
end

local function wrap(pyfn)
  return function(...) return finish(pyfn(...)) end
end

local function task_done(task) return task.done end

local function await(task)
  if task.awaited then error("async handle already awaited", 2) end
  local me = current_task()
  if me == task then error("async: a task cannot await itself", 2) end
  task.awaited = true
  if not task.done then
    if me then yield(WAIT, "task", task) else pump(task_done, task) end
  end
  if not task.ok then error(task.err, 0) end
  local out = {}
  for i = 1, task.results.n do out[i] = task.results[i] end
  return out
end

return { wrap = wrap, spawn = spawn, await = await, current_task = current_task }
"""


class Pending:
    """What a blocking builtin returns: ``work`` (plain Python, no Lua) and ``then``.

    ``work`` runs inline or on a worker thread; ``then(result)`` runs on the Lua thread and
    gives the builtin's value (converted like any builtin's return value). ``Pending.sleep``
    is a timer instead of work; ``Pending.forever`` never completes (a server's wait).
    """

    __slots__ = ("deadline", "then", "work")

    def __init__(
        self,
        work: Callable[[], Any] | None = None,
        then: Callable[[Any], Any] | None = None,
        *,
        deadline: float | None = None,
    ) -> None:
        self.work = work
        self.then = then
        self.deadline = deadline

    @classmethod
    def sleep(cls, seconds: float) -> Pending:
        return cls(deadline=time.monotonic() + seconds)

    @classmethod
    def forever(cls) -> Pending:
        return cls(deadline=_FOREVER)


class _Job:
    """A Pending in flight: done once its work finished (or its timer fell due)."""

    __slots__ = ("deadline", "done", "error", "result", "runs_on_thread", "then")

    def __init__(self, pending: Pending) -> None:
        self.then = pending.then
        self.runs_on_thread = pending.work is not None
        self.deadline = pending.deadline
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


Dispatcher = Callable[[], None]

_schedulers: weakref.WeakKeyDictionary[LuaVM, Scheduler] = weakref.WeakKeyDictionary()


def scheduler_for(vm: LuaVM) -> Scheduler:
    """The VM's scheduler, created (and its Lua half compiled) on first use."""
    scheduler = _schedulers.get(vm)
    if scheduler is None:
        scheduler = _schedulers[vm] = Scheduler(vm)
    return scheduler


def awaitable(vm: LuaVM, fn: Callable[..., Any]) -> Any:
    """Wrap ``fn`` for Lua like :meth:`LuaVM.function`, letting it return :class:`Pending`."""
    return scheduler_for(vm).function(fn)


class Scheduler:
    def __init__(self, vm: LuaVM) -> None:
        self.vm = vm
        self.live = 0
        self._jobs: dict[int, _Job] = {}
        self._next_id = 0
        self._cond = threading.Condition()
        self._dispatchers: list[Dispatcher] = []
        self._holds = 0  # things that can wake a task without a job: open servers
        self._events = 0  # bumped by notify(): requests that arrived for the dispatchers
        self._seen = 0
        self._closed = False
        hooks = vm.lua.table_from(
            {
                b"ready": self._ready,
                b"outcome": self._outcome,
                b"idle": self._idle,
                b"dispatch": self._dispatch,
                b"set_live": self._set_live,
            }
        )
        # Kept in the VM, not here: this may run inside a coroutine, whose Lua objects must
        # not outlive the call (see LuaVM).
        vm.keep(_KEPT, vm.run_host_chunk(_LUA, CHUNKNAME, hooks))
        vm.on_close(self._close)

    @property
    def lua(self) -> Any:
        """The Lua half (wrap, spawn, await, current_task), bound to the running thread."""
        return self.vm.kept(_KEPT)

    @property
    def spawn(self) -> Any:
        return self.lua[b"spawn"]

    @property
    def await_task(self) -> Any:
        return self.lua[b"await"]

    # -- for builtins ------------------------------------------------------------------
    def function(self, fn: Callable[..., Any]) -> Any:
        outcome = self.vm.outcome

        def call(*args: Any) -> Any:
            deferred: list[Pending] = []

            def run() -> Any:
                result = fn(*args)
                if isinstance(result, Pending):
                    deferred.append(result)
                    return None
                return result

            answer = outcome(run)
            return self._begin(deferred[0]) if deferred else answer

        return self.lua[b"wrap"](call)

    def in_task(self) -> bool:
        return bool(self.lua[b"current_task"]())

    def add_dispatcher(self, dispatcher: Dispatcher) -> Callable[[], None]:
        """Run ``dispatcher`` every round (a server turning requests into tasks); it keeps
        the scheduler from reporting a deadlock until the returned function removes it."""
        self._dispatchers.append(dispatcher)
        with self._cond:
            self._holds += 1

        def remove() -> None:
            if dispatcher in self._dispatchers:
                self._dispatchers.remove(dispatcher)
                with self._cond:
                    self._holds -= 1

        return remove

    def notify(self) -> None:
        """Wake the Lua thread if it is idle (from any thread: new work arrived)."""
        with self._cond:
            self._events += 1
            self._cond.notify_all()

    # -- the Python half of the Lua loop -----------------------------------------------
    def _begin(self, pending: Pending) -> tuple[Any, ...]:
        if self.live == 0 and not self._holds:
            # Nothing else could run meanwhile: do the work right here.
            return self.vm.outcome(_run_inline, pending)
        job = _Job(pending)
        self._next_id += 1
        token = self._next_id
        self._jobs[token] = job
        if pending.work is not None:
            threading.Thread(
                target=self._work, args=(job, pending.work), daemon=True, name="assay-io"
            ).start()
        return (None, token)

    def _work(self, job: _Job, work: Callable[[], Any]) -> None:
        try:
            job.result = work()
        except BaseException as exc:  # handed to the task as its error
            job.error = exc
        with self._cond:
            job.done = True
            self._cond.notify_all()

    def _ready(self, token: int) -> bool:
        job = self._jobs.get(token)
        if job is None:
            return True
        if job.deadline is not None and not job.done:
            job.done = time.monotonic() >= job.deadline
        return job.done

    def _outcome(self, token: int) -> tuple[Any, ...]:
        job = self._jobs.pop(token)
        if job.error is not None:
            error = job.error
            return self.vm.outcome(_raise, error)
        if job.then is None:
            return self.vm.outcome(lambda: job.result)
        return self.vm.outcome(job.then, job.result)

    def _idle(self) -> bool:
        """Sleep until a job may be done or a request may have come; False if nothing can
        ever change (every task waits on another task, or on a job that never ends)."""
        with self._cond:
            if self._closed:
                return False
            if self._events != self._seen:
                return True  # something arrived since this round's dispatch
            deadline: float | None = None
            threads = False
            for job in self._jobs.values():
                if job.done:
                    return True
                if job.deadline is not None:
                    if job.deadline != _FOREVER and (deadline is None or job.deadline < deadline):
                        deadline = job.deadline
                elif job.runs_on_thread:
                    threads = True
            if deadline is None and not threads and not self._holds:
                return False
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            self._cond.wait(timeout)
            return True

    def _dispatch(self) -> None:
        # Noted before the dispatchers look: news arriving after this wakes the next idle().
        with self._cond:
            self._seen = self._events
        for dispatcher in list(self._dispatchers):
            dispatcher()

    def _set_live(self, count: int) -> None:
        self.live = int(count)

    def _close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


def _run_inline(pending: Pending) -> Any:
    if pending.deadline is not None:
        remaining = pending.deadline - time.monotonic()
        if remaining == _FOREVER:
            raise RuntimeError("async: deadlock: waiting forever with no task to wake")
        if remaining > 0:
            time.sleep(remaining)
        result = None
    else:
        assert pending.work is not None
        result = pending.work()
    return result if pending.then is None else pending.then(result)


def _raise(error: BaseException) -> None:
    raise error
