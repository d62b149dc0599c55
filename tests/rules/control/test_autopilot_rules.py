"""The autopilot's timetable and the "alive" rule, as pure rules (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vsee_sim.api.users import rules as user_rules
from vsee_sim.control.provider import rules

T0 = 1_767_225_600
seconds = st.integers(min_value=1, max_value=3600)
every_s = st.shared(seconds, key="every")    # the same draw as the test's own ``every``


@st.composite
def elapsed_for(draw) -> int:
    """A clock move of up to 40 periods plus a remainder (bounded work per example)."""
    every = draw(every_s)
    return draw(st.integers(min_value=0, max_value=40)) * every + draw(st.integers(0, every))


def simulate(next_run: int, every: int, visit_seconds: int, now: int, patients: bool = True,
             limit: int = 10_000) -> tuple[list[rules.Step], int, list[tuple[str, int]]]:
    """Drive next_step as the service does: each pick starts a call (if a patient waits)."""
    calls: list[tuple[str, int]] = []
    steps: list[rules.Step] = []
    n = 0
    while len(steps) < limit:
        step = rules.next_step(next_run, calls, now)
        if step is None:
            break
        steps.append(step)
        if step.kind == rules.END:
            calls = [c for c in calls if c[0] != step.visit_id]
        else:
            if patients:
                n += 1
                calls.append((str(n), rules.call_end(step.at, visit_seconds)))
            next_run = rules.after_pick(next_run, every)
    return steps, next_run, calls


@given(every_s, seconds, elapsed_for())
def test_steps_run_in_time_order_and_never_ahead_of_the_clock(every, visit_seconds, elapsed):
    start = rules.first_run(T0, every)
    steps, next_run, calls = simulate(start, every, visit_seconds, T0 + elapsed)
    times = [s.at for s in steps]
    assert times == sorted(times)
    assert all(T0 < t <= T0 + elapsed for t in times)
    assert next_run > T0 + elapsed                      # nothing due is left behind
    assert all(end > T0 + elapsed for _, end in calls)  # every call still open ends later


@given(every_s, seconds, elapsed_for())
def test_one_pick_per_period_and_each_call_lasts_visit_seconds(every, visit_seconds, elapsed):
    now = T0 + elapsed
    start = rules.first_run(T0, every)
    steps, _, calls = simulate(start, every, visit_seconds, now)
    picks = [s.at for s in steps if s.kind == rules.PICK]
    assert picks == [start + k * every for k in range(rules.missed(start, every, now))]
    ends = {s.visit_id: s.at for s in steps if s.kind == rules.END}
    for n, pick in enumerate(picks, start=1):  # the n-th pick started call "n"
        end = pick + visit_seconds
        assert ends.get(str(n)) == end if end <= now else (str(n), end) in calls


@given(every_s, seconds, elapsed_for(), elapsed_for())
def test_a_jump_runs_the_same_steps_as_small_moves(every, visit_seconds, first, second):
    """Catching up after one jump gives what two smaller moves would have given."""
    start = rules.first_run(T0, every)
    at_once, *_ = simulate(start, every, visit_seconds, T0 + first + second)
    part, next_run, calls = simulate(start, every, visit_seconds, T0 + first)
    rest: list[rules.Step] = []
    now = T0 + first + second
    while (step := rules.next_step(next_run, calls, now)) is not None:
        rest.append(step)
        if step.kind == rules.END:
            calls = [c for c in calls if c[0] != step.visit_id]
        else:
            calls.append((str(len([s for s in part + rest if s.kind == rules.PICK])),
                          rules.call_end(step.at, visit_seconds)))
            next_run += every
    assert [(s.kind, s.at) for s in part + rest] == [(s.kind, s.at) for s in at_once]


@given(st.integers(min_value=1, max_value=600), st.integers(min_value=0, max_value=5000))
def test_an_end_goes_before_a_pick_of_the_same_second(every, offset):
    at = T0 + offset
    step = rules.next_step(at, [("7", at)], at)
    assert step == rules.Step(rules.END, at, "7")
    assert rules.next_step(at, [], at) == rules.Step(rules.PICK, at)
    assert rules.next_step(at + 1, [("7", at + 1)], at) is None


@given(seconds, st.integers(min_value=-5000, max_value=10**7))
def test_skip_missed_lands_on_the_grid_just_after_now(every, offset):
    next_run, now = T0 + offset, T0
    after = rules.skip_missed(next_run, every, now)
    assert after > now and (after - next_run) % every == 0
    assert after - every <= now or after == next_run
    assert rules.missed(next_run, every, now) == (after - next_run) // every


@given(st.lists(st.integers(), max_size=80), st.lists(st.integers(), max_size=80),
       st.integers(min_value=0, max_value=60))
def test_the_log_keeps_the_newest(old, new, size):
    log = rules.bounded_log([{"n": n} for n in old], [{"n": n} for n in new], size)
    assert len(log) == min(size, len(old) + len(new))
    assert [e["n"] for e in log] == (old + new)[len(old) + len(new) - len(log):]


# -- alive (users/rules.py, POST /users/alive) -----------------------------------------------
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=10, max_value=86400),
       st.integers(min_value=-100_000, max_value=100_000))
def test_alive_while_the_heartbeat_lasts(last, heartbeat, delta):
    user = {"last_connected": last, "heartbeat": heartbeat}
    assert user_rules.is_alive(user, last + delta) == (delta <= heartbeat)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=1000))
def test_default_heartbeat_and_never_connected(last, delta):
    assert user_rules.is_alive({"last_connected": last}, last + delta) == (delta <= 300)
    assert not user_rules.is_alive({}, last) and not user_rules.is_alive(None, last)
    assert not user_rules.is_alive({"last_connected": None, "heartbeat": 300}, last)
