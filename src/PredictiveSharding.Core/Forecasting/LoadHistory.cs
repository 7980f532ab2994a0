using System.Collections.ObjectModel;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting;

/// <summary>What a forecaster learns from: per-partition load series on one step, and what the host knows of partitions and nodes.</summary>
public sealed class LoadHistory
{
    private readonly Dictionary<PartitionId, PartitionLoadSeries> _byPartition;

    /// <summary>Creates a history and checks it.</summary>
    /// <param name="series">One series per partition; all on the same step.</param>
    /// <param name="partitions">Partition metadata (size, key count, access frequency), where known.</param>
    /// <param name="nodeSamples">Node resource samples (CPU, memory, I/O), where the host supplies them.</param>
    /// <exception cref="ArgumentException">No series, duplicate partitions (in the series or the metadata), null entries, or series on different steps.</exception>
    public LoadHistory(IEnumerable<PartitionLoadSeries> series, IEnumerable<PartitionInfo>? partitions = null, IEnumerable<NodeResourceSample>? nodeSamples = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var list = series.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("A load history needs at least one series.", nameof(series));
        }

        _byPartition = new Dictionary<PartitionId, PartitionLoadSeries>(list.Count);
        foreach (var s in list)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(series));
            if (s.Step != list[0].Step)
            {
                throw new ArgumentException($"Series '{s.Partition}' has step {s.Step} but '{list[0].Partition}' has {list[0].Step}; a history uses one step.", nameof(series));
            }

            if (!_byPartition.TryAdd(s.Partition, s))
            {
                throw new ArgumentException($"Partition '{s.Partition}' has more than one series.", nameof(series));
            }
        }

        Series = list.AsReadOnly();
        Step = list[0].Step;
        var byId = new Dictionary<PartitionId, PartitionInfo>();
        foreach (var partition in partitions ?? [])
        {
            ArgumentNullException.ThrowIfNull(partition, nameof(partitions));
            if (!byId.TryAdd(partition.Id, partition))
            {
                throw new ArgumentException($"Partition '{partition.Id}' has more than one description.", nameof(partitions));
            }
        }

        var samples = (nodeSamples ?? []).ToList();
        foreach (var sample in samples)
        {
            ArgumentNullException.ThrowIfNull(sample, nameof(nodeSamples));
        }

        Partitions = new ReadOnlyDictionary<PartitionId, PartitionInfo>(byId);
        NodeSamples = samples.AsReadOnly();
    }

    /// <summary>The series.</summary>
    public IReadOnlyList<PartitionLoadSeries> Series { get; }

    /// <summary>The common step of every series.</summary>
    public TimeSpan Step { get; }

    /// <summary>Partition metadata by id (may be empty).</summary>
    public IReadOnlyDictionary<PartitionId, PartitionInfo> Partitions { get; }

    /// <summary>Node resource samples (may be empty).</summary>
    public IReadOnlyList<NodeResourceSample> NodeSamples { get; }

    /// <summary>The series of a partition.</summary>
    /// <exception cref="KeyNotFoundException">No series for that partition.</exception>
    public PartitionLoadSeries Get(PartitionId partition) =>
        _byPartition.TryGetValue(partition, out var s) ? s : throw new KeyNotFoundException($"The load history has no series for partition '{partition}'.");

    /// <summary>True when the history has a series for the partition.</summary>
    public bool Contains(PartitionId partition) => _byPartition.ContainsKey(partition);
}
