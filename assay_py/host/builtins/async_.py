"""The ``async`` global: ``spawn(fn)`` and ``spawn_interval(seconds, fn)``.

``async.spawn(fn)`` starts ``fn`` as a task at once (it runs until it first waits) and returns
a handle whose ``await()`` (or ``:await()``) waits for it and returns a table of its return
values, or raises its error; a handle can be awaited once. ``spawn_interval`` calls ``fn``
every ``seconds`` (the first call one interval after the start) until ``cancel()``; an error
in ``fn`` is logged and stops the interval. See :mod:`assay_py.host.scheduler` for the model.
"""

from __future__ import annotations

import time

from assay_py.host.scheduler import Pending, awaitable, scheduler_for
from assay_py.host.vm import LuaVM

CHUNKNAME = "=[assay async]"

_LUA = rb"""
local sched, now, sleep_until, log_error = ...
local spawn, await = sched.spawn, sched.await
local type, error, pcall, tostring, tonumber, math = type, error, pcall, tostring, tonumber, math

local async = {}

-- Argument errors in the original's words (its arguments are converted before any check).
local function tonum(v)
  return type(v) == "number" and v or (type(v) == "string" and tonumber(v))
end
local function typename(v)
  if type(v) == "number" and v == math.floor(v) and v > -2^63 and v < 2^63 then return "integer" end
  return type(v)
end

function async.spawn(fn)
  if type(fn) ~= "function" then
    error("async.spawn: bad argument #1: error converting Lua " .. typename(fn) ..
          " to function", 2)
  end
  local task = spawn(fn)
  return { await = function() return await(task) end }
end

function async.spawn_interval(seconds, fn)
  local secs = tonum(seconds)
  if not secs then
    error("async.spawn_interval: bad argument #1: error converting Lua " .. typename(seconds) ..
          " to f64 (expected number or string coercible to number)", 2)
  end
  if type(fn) ~= "function" then
    error("async.spawn_interval: bad argument #2: error converting Lua " .. typename(fn) ..
          " to function", 2)
  end
  if not (secs > 0) then error("async.spawn_interval: interval must be positive", 2) end
  seconds = secs
  local cancelled = false
  spawn(function()
    -- Ticks keep to the schedule set at the start, however long each call takes.
    local due = now() + seconds
    while true do
      sleep_until(due)
      if cancelled then return end
      local ok, err = pcall(fn)
      if not ok then
        log_error("async.spawn_interval: callback error: " .. tostring(err))
        return
      end
      due = due + seconds
    end
  end)
  return { cancel = function() cancelled = true end }
end

return async
"""


def install(vm: LuaVM) -> None:
    from assay_py.host.builtins.log import emit

    def log_error(message: bytes) -> None:
        emit("error", message.decode("utf-8", "replace"))

    table = vm.run_host_chunk(
        _LUA,
        CHUNKNAME,
        scheduler_for(vm).lua,
        vm.function(time.monotonic),
        awaitable(vm, lambda due: Pending(deadline=float(due))),
        vm.function(log_error),
    )
    vm.set_global("async", table)
