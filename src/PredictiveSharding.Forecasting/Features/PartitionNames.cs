using System.Globalization;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Features;

/// <summary>Partition ids for a log line or a message: the first few, quoted, and how many more.</summary>
internal static class PartitionNames
{
    /// <summary>How many ids are named before the rest are counted: a host can have tens of thousands of partitions.</summary>
    public const int Shown = 10;

    /// <summary>The first <see cref="Shown"/> ids, quoted and comma-separated, then "and N more" for the rest.</summary>
    public static string Of(IReadOnlyList<PartitionId> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var names = string.Join(", ", partitions.Take(Shown).Select(p => "'" + p + "'"));
        return partitions.Count > Shown ? string.Create(CultureInfo.InvariantCulture, $"{names} and {partitions.Count - Shown} more") : names;
    }
}
