using System.Collections.ObjectModel;
using PredictiveSharding.Keys;

namespace PredictiveSharding.Topology;

/// <summary>A partition: a contiguous key range owned by one node, with its size and what is known of its keys and clients.</summary>
public sealed record PartitionInfo
{
    /// <summary>Creates a partition description.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size, count or mix share is negative, NaN or infinite.</exception>
    public PartitionInfo(PartitionId id, KeyRange range, NodeId node, long sizeBytes, long keyCount)
    {
        // Named with the partition: an inventory makes one per partition every cycle, and a store's size estimate of -1
        // ("unknown") among thousands of partitions was reported by its value alone.
        Guard.NonNegative(sizeBytes, nameof(sizeBytes), Describe(id));
        Guard.NonNegative(keyCount, nameof(keyCount), Describe(id));
        Id = id;
        Range = range;
        Node = node;
        SizeBytes = sizeBytes;
        KeyCount = keyCount;
    }

    /// <summary>The partition's id.</summary>
    public PartitionId Id { get; }

    /// <summary>The keys it holds.</summary>
    public KeyRange Range { get; }

    /// <summary>The node that owns it.</summary>
    public NodeId Node { get; init; }

    /// <summary>Stored bytes.</summary>
    public long SizeBytes { get; }

    /// <summary>Number of keys stored.</summary>
    public long KeyCount { get; }

    /// <summary>Sampled keys weighted by load, for choosing split keys; empty when none were sampled.</summary>
    /// <exception cref="ArgumentNullException">Set to null; give an empty list when no keys were sampled.</exception>
    public IReadOnlyList<KeySample> KeySamples
    {
        get => _keySamples;

        // Refused here, naming the partition: the planner's split-key search met null as a NullReferenceException.
        init => _keySamples = value ?? throw new ArgumentNullException(nameof(KeySamples), $"Partition '{Id}' has null KeySamples; give an empty list when no keys were sampled.");
    }

    /// <summary>
    /// Share of requests per client region (values sum to about 1); empty when unknown. The dictionary given is copied
    /// (keeping a <see cref="Dictionary{TKey, TValue}"/>'s comparer), so changing it afterwards does not change the partition.
    /// </summary>
    public IReadOnlyDictionary<string, double> RegionMix
    {
        get => _regionMix;
        init
        {
            ArgumentNullException.ThrowIfNull(value);

            // Checked and kept as a copy: the caller's dictionary could change after the checks (or be refilled for the next
            // partition). The copy looks regions up as the caller's dictionary did.
            var copy = new Dictionary<string, double>(value.Count, (value as Dictionary<string, double>)?.Comparer);
            foreach (var (region, share) in value)
            {
                Guard.FiniteNonNegative(share, "RegionMix[" + region + "]", Describe(Id));
                copy.Add(region, share);
            }

            _regionMix = new ReadOnlyDictionary<string, double>(copy);
        }
    }

    /// <summary>Recent access frequency in requests per second, where the host knows it; 0 when unknown.</summary>
    public double AccessFrequency
    {
        get => _accessFrequency;
        init
        {
            Guard.FiniteNonNegative(value, nameof(AccessFrequency), Describe(Id));
            _accessFrequency = value;
        }
    }

    private static string Describe(PartitionId id) => "partition '" + id + "'";

    private readonly IReadOnlyList<KeySample> _keySamples = [];
    private readonly IReadOnlyDictionary<string, double> _regionMix = ReadOnlyDictionary<string, double>.Empty;
    private readonly double _accessFrequency;
}
