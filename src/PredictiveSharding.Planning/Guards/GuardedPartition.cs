using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Guards;

/// <summary>
/// What <see cref="ForecastGuard"/> needs to know of one partition: its measured requests per step, oldest first, the
/// last being the step just measured, and the request capacity per step of the node that owns it.
/// </summary>
/// <param name="Partition">The partition.</param>
/// <param name="Loads">Requests per step, oldest first; the last is the partition's last measured load.</param>
/// <param name="NodeCapacity">
/// Requests per step the owning node can serve; non-positive, infinite or not a number turns off the burst bound for this
/// partition, and lets the level-shift floor raise a held level of any size (its minimum of 5% of the capacity needs one).
/// </param>
/// <exception cref="ArgumentNullException"><paramref name="Loads"/> is null.</exception>
public sealed record GuardedPartition(PartitionId Partition, IReadOnlyList<double> Loads, double NodeCapacity)
{
    private readonly int _ownFrom;
    private readonly long? _keyCount;

    /// <summary>Requests per step, oldest first; the last is the partition's last measured load.</summary>
    public IReadOnlyList<double> Loads { get; init; } = Loads ?? throw new ArgumentNullException(nameof(Loads));

    /// <summary>
    /// The index in <see cref="Loads"/> of the first step that is the partition's own. A partition born of a split may
    /// carry its parent's (or its key range's) history before it: that history says how the parent grew, not how a
    /// partition of this size did, so growth is not learnt from it. Default 0 (all of it is the partition's own).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int OwnFrom
    {
        get => _ownFrom;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(OwnFrom));
            _ownFrom = value;
        }
    }

    /// <summary>
    /// Keys the partition holds, when the host knows it; null (the default) when unknown. A partition of one key cannot be
    /// split (see <see cref="ForecastGuardOptions.BoundSingleKeyBursts"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long? KeyCount
    {
        get => _keyCount;
        init
        {
            if (value is { } count)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(count, nameof(KeyCount));
            }

            _keyCount = value;
        }
    }

    /// <summary>
    /// The partition's key range, when the host knows it; null (the default) when unknown. It finds the partition's
    /// neighbours in key order (see <see cref="ForecastGuardOptions.SingleKeyNeighbourCorrelation"/>).
    /// </summary>
    public KeyRange? Range { get; init; }

    /// <summary>The last measured load: the last of <see cref="Loads"/>, or 0 when there is none.</summary>
    public double LastLoad => Loads.Count == 0 ? 0 : Loads[^1];
}
