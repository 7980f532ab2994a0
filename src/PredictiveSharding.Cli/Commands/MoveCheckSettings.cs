using System.Globalization;

namespace PredictiveSharding.Cli.Commands;

/// <summary>The knobs of a move-check run; the defaults finish in a few seconds on two cores.</summary>
/// <param name="Keys">Keys loaded before the moves start (at least 100).</param>
/// <param name="Writers">Foreground worker threads, each writing its own keys and reading any (at least 1).</param>
/// <param name="Moves">Move actions to execute; each plan may also split the partition first (at least 1).</param>
/// <param name="Crashes">Times to kill the executor at a random call and recover with a new one (zero or more).</param>
/// <param name="Seed">Seeds the plans, the crash points and the traffic.</param>
/// <param name="Nodes">Nodes in the cluster (at least 2).</param>
/// <param name="ValueBytes">Bytes per value (at least 12).</param>
internal sealed record MoveCheckSettings(int Keys = 4000, int Writers = 4, int Moves = 8, int Crashes = 4, int Seed = 1, int Nodes = 4, int ValueBytes = 64)
{
    /// <summary>Throws when a setting is out of range, naming it and its value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        Check(Keys >= 100 && Keys <= 10_000_000, nameof(Keys), Keys, "between 100 and 10000000");
        Check(Writers is >= 1 and <= 256, nameof(Writers), Writers, "between 1 and 256");
        Check(Moves is >= 1 and <= 10_000, nameof(Moves), Moves, "between 1 and 10000");
        Check(Crashes is >= 0 and <= 10_000, nameof(Crashes), Crashes, "between 0 and 10000");
        Check(Nodes is >= 2 and <= 64, nameof(Nodes), Nodes, "between 2 and 64");
        Check(ValueBytes is >= 12 and <= 1 << 20, nameof(ValueBytes), ValueBytes, "between 12 and 1048576");
    }

    private static void Check(bool ok, string name, int value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"move-check --{name.ToLowerInvariant()} must be {expected}; got {value}."));
        }
    }
}
