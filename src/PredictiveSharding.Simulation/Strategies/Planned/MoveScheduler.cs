namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>
/// Start steps for a plan's moves when only a few may run at once: as late as possible (so a later plan can still cancel
/// a move the forecast no longer needs) but early enough that every move finishes by its deadline with at most
/// <c>slots</c> moves running at any time. Starting each move at deadline − duration alone, as if slots were unlimited,
/// queues moves that share a deadline behind each other, and all but the first few finish after the breach they were
/// meant to prevent.
/// </summary>
/// <remarks>
/// Backward list scheduling: moves in order of latest deadline first, each on the slot that stays free the latest, ending
/// at the earlier of its deadline and that slot's next start. Moves already running are not counted, so the schedule may
/// be a step or two optimistic while they finish; a move due before now starts now.
/// </remarks>
internal static class MoveScheduler
{
    /// <summary>The start step of each move, in the order given.</summary>
    /// <param name="deadlines">The step by which each move must have finished (its first predicted breach).</param>
    /// <param name="durations">Steps each move takes (at least one).</param>
    /// <param name="slots">Moves that may run at once (at least one).</param>
    /// <param name="now">The current step: no move starts before it.</param>
    /// <exception cref="ArgumentException">Deadlines and durations differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than one slot, or a duration below one step.</exception>
    public static int[] Schedule(IReadOnlyList<int> deadlines, IReadOnlyList<int> durations, int slots, int now)
    {
        ArgumentNullException.ThrowIfNull(deadlines);
        ArgumentNullException.ThrowIfNull(durations);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        if (deadlines.Count != durations.Count)
        {
            throw new ArgumentException($"{deadlines.Count} deadlines but {durations.Count} durations.", nameof(durations));
        }

        var order = Enumerable.Range(0, deadlines.Count).OrderByDescending(i => deadlines[i]).ThenBy(i => i).ToArray();
        var freeUntil = new int[slots];
        Array.Fill(freeUntil, int.MaxValue);
        var starts = new int[deadlines.Count];
        foreach (var i in order)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(durations[i], 1, nameof(durations));
            var slot = 0;
            for (var k = 1; k < slots; k++)
            {
                if (freeUntil[k] > freeUntil[slot])
                {
                    slot = k;
                }
            }

            var start = Math.Min(deadlines[i], freeUntil[slot]) - durations[i];
            freeUntil[slot] = start;
            starts[i] = Math.Max(now, start);
        }

        return starts;
    }
}
