using PredictiveSharding.Simulation.Strategies.Planned;

namespace PredictiveSharding.Simulation.Tests;

public class MoveSchedulerTests
{
    [Test]
    public void Schedule_OneMove_StartsAtItsDeadlineMinusItsDuration()
    {
        Assert.That(MoveScheduler.Schedule([10], [3], slots: 4, now: 0), Is.EqualTo(new[] { 7 }));
    }

    [Test]
    public void Schedule_MoreMovesThanSlots_StartsEarlyEnoughThatAllFinishByTheDeadlineWithinTheSlots()
    {
        // Six one-step moves due at step 10 on two slots: three rounds, at 9, 8 and 7.
        int[] deadlines = [10, 10, 10, 10, 10, 10];
        int[] durations = [1, 1, 1, 1, 1, 1];

        var starts = MoveScheduler.Schedule(deadlines, durations, slots: 2, now: 0);

        Assert.Multiple(() =>
        {
            Assert.That(starts.Order(), Is.EqualTo(new[] { 7, 7, 8, 8, 9, 9 }));
            for (var step = 0; step < 12; step++)
            {
                var running = Enumerable.Range(0, starts.Length).Count(i => starts[i] <= step && step < starts[i] + durations[i]);
                Assert.That(running, Is.LessThanOrEqualTo(2), $"moves running at step {step}");
            }

            Assert.That(Enumerable.Range(0, starts.Length).All(i => starts[i] + durations[i] <= deadlines[i]));
        });
    }

    [Test]
    public void Schedule_LaterDeadlinesKeepTheirLateStarts_AndOverdueMovesStartNow()
    {
        // The move due at 20 still starts at 18; the three due at 6 need 2 + 2 + 2 steps on two slots, so one would have to
        // start at 2, before now (4): it starts now.
        var starts = MoveScheduler.Schedule([20, 6, 6, 6], [2, 2, 2, 2], slots: 2, now: 4);

        Assert.Multiple(() =>
        {
            Assert.That(starts[0], Is.EqualTo(18));
            Assert.That(starts.Skip(1).Order(), Is.EqualTo(new[] { 4, 4, 4 }));
        });
    }

    [Test]
    public void Schedule_RejectsMismatchedInputsAndNoSlots()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => MoveScheduler.Schedule([1, 2], [1], 1, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => MoveScheduler.Schedule([1], [1], 0, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => MoveScheduler.Schedule([1], [0], 1, 0));
        });
    }
}
