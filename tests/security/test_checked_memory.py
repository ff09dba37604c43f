"""The bounded memory behind remembered cookie and token checks."""

from feedback.checked_memory import CheckedMemory


def test_a_remembered_check_is_found_and_an_unknown_one_is_not():
    memory = CheckedMemory(size=3)
    memory.remember("cookie", (1.0, b"data"))

    assert memory.get("cookie") == (1.0, b"data")
    assert memory.get("another") is None


def test_the_memory_starts_again_when_it_reaches_its_size():
    memory = CheckedMemory(size=2)
    memory.remember("a", 1)
    memory.remember("b", 2)

    memory.remember("c", 3)

    assert (memory.get("a"), memory.get("b"), memory.get("c")) == (None, None, 3)
    assert len(memory) == 1
