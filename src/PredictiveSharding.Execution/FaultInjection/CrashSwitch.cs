using System.Globalization;

namespace PredictiveSharding.Execution.FaultInjection;

/// <summary>
/// Counts the executor's calls through <see cref="CrashingDataMover"/> and <see cref="CrashingMoveJournal"/> and "kills"
/// the executor at the <c>N</c>th: that call throws <see cref="SimulatedCrashException"/> before it has any effect, and so
/// does every later call, as for a dead process. Journal appends count twice (before and after the record is durable), so
/// every state boundary is a crash point. Share one switch between the mover and journal wrappers of one executor; give
/// the next executor (the "restarted" process) the unwrapped mover and journal, or a new switch.
/// </summary>
/// <remarks>Thread-safe. Run once with <see cref="Never"/> to count the calls of a scenario, then crash at each of them.</remarks>
public sealed class CrashSwitch
{
    private readonly long _crashAt;
    private long _calls;
    private string? _crashedAt;

    /// <summary>Creates a switch that crashes at the <paramref name="crashAtCall"/>th call (1-based).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="crashAtCall"/> is less than 1.</exception>
    public CrashSwitch(long crashAtCall)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(crashAtCall, 1);
        _crashAt = crashAtCall;
    }

    /// <summary>A switch that never crashes, only counts.</summary>
    public static CrashSwitch Never() => new(long.MaxValue);

    /// <summary>Calls counted so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>True once the switch has crashed.</summary>
    public bool HasCrashed => Volatile.Read(ref _crashedAt) is not null;

    /// <summary>The call the crash happened at (its number and name), or null.</summary>
    public string? CrashedAt => Volatile.Read(ref _crashedAt);

    /// <summary>Counts a call; throws when it is the crash call or the switch has crashed already.</summary>
    /// <param name="operation">The call's name, for <see cref="CrashedAt"/>.</param>
    /// <exception cref="SimulatedCrashException">The executor is (now) dead.</exception>
    public void Tick(string operation)
    {
        if (HasCrashed)
        {
            throw new SimulatedCrashException($"The executor is dead (it crashed at {CrashedAt}); '{operation}' did not run.");
        }

        var call = Interlocked.Increment(ref _calls);
        if (call >= _crashAt)
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"call {call} ({operation})");
            Interlocked.CompareExchange(ref _crashedAt, where, null);
            throw new SimulatedCrashException($"Simulated crash at {where}.");
        }
    }
}
