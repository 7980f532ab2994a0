using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// Look-ups over a <see cref="LoadHistory"/> that many series share: node samples by node in time order, and calendar
/// features by start time (a forecast over 10,000 partitions that end together computes the calendar once).
/// </summary>
internal sealed class LoadHistoryIndex
{
    private readonly Dictionary<NodeId, NodeResourceSample[]> _samples;
    private readonly Dictionary<(DateTimeOffset Start, int Length), float[]> _calendars = [];
    private readonly Lock _gate = new();

    public LoadHistoryIndex(LoadHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        History = history;
        _samples = history.NodeSamples.GroupBy(s => s.Node).ToDictionary(g => g.Key, g => g.OrderBy(s => s.Timestamp).ToArray());
    }

    public LoadHistory History { get; }

    public NodeResourceSample[] SamplesOf(NodeId node) => _samples.TryGetValue(node, out var s) ? s : [];

    /// <summary>Calendar rows for <paramref name="length"/> buckets from <paramref name="start"/>; shared, do not modify.</summary>
    public float[] Calendar(DateTimeOffset start, int length, TimeSpan step)
    {
        lock (_gate)
        {
            if (_calendars.TryGetValue((start, length), out var cached))
            {
                return cached;
            }
        }

        var calendar = new float[length * LstmFeatureSpec.CalendarWidth];
        for (var i = 0; i < length; i++)
        {
            LstmFeatureSpec.WriteCalendar(start + (step * i), calendar.AsSpan(i * LstmFeatureSpec.CalendarWidth));
        }

        lock (_gate)
        {
            _calendars.TryAdd((start, length), calendar);
        }

        return calendar;
    }
}
