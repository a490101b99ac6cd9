"""Small helpers to overlap decoding, inference and encoding with bounded queues."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(items: Iterable[T], maxsize: int = 8) -> Iterator[T]:
    """Iterate `items` in a background thread, at most `maxsize` ahead of the consumer.

    Exceptions raised by the producer are re-raised in the consumer. Closing the returned
    generator early stops the producer.
    """
    q: queue.Queue = queue.Queue(maxsize=maxsize)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            q.put(_Raised(exc))
            return
        finally:
            close = getattr(items, "close", None)
            if stop.is_set() and close is not None:
                close()
        q.put(_DONE)

    thread = threading.Thread(target=produce, name="formcheck-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


class Consumer(Generic[T]):
    """Run `handle(item)` for submitted items in a background thread, with a bounded queue.

    `close()` waits for the queue to drain and re-raises the first error `handle` raised.
    """

    def __init__(self, handle: Callable[[T], None], maxsize: int = 8) -> None:
        self._handle = handle
        self._q: queue.Queue = queue.Queue(maxsize=maxsize)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="formcheck-consumer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self._handle(item)
                except BaseException as exc:  # noqa: BLE001 - re-raised in close()
                    self._error = exc

    def submit(self, item: T) -> None:
        """Queue one item; blocks while the queue is full. Raises the handler's error early."""
        if self._error is not None:
            raise self._error
        self._q.put(item)

    def close(self) -> None:
        """Wait for every queued item, then re-raise the handler's first error."""
        self._q.put(_DONE)
        self._thread.join()
        if self._error is not None:
            raise self._error


class Background(threading.Thread):
    """`fn(*args)` in a thread; `result()` waits for it and returns it (or re-raises). Unless
    `daemon`, Python waits for it at exit (after Ctrl-C, say): C++ code (Matplotlib's Agg,
    SciPy) must not be stopped midway."""

    def __init__(self, fn: Callable, *args: object, daemon: bool = False) -> None:
        super().__init__(name="formcheck-background", daemon=daemon)
        self._fn, self._args = fn, args
        self._value: object = None
        self._error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self._value = self._fn(*self._args)
        except BaseException as exc:  # noqa: BLE001 - re-raised by result()
            self._error = exc

    def result(self) -> object:
        self.join()
        if self._error is not None:
            raise self._error
        return self._value
