using PredictiveSharding.Forecasting;
using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Tests;

/// <summary>
/// Wraps a forecaster and checks every history the planned strategy hands it for a forecast against the trace: each series
/// must hold, step by step, the requests of its partition's key range, and end at the step it is forecast from.
/// </summary>
internal sealed class TraceCheckingForecaster(ILoadForecaster inner, KeyLoads loads) : ILoadForecaster
{
    public string Name => inner.Name;

    public bool IsFitted => inner.IsFitted;

    /// <summary>Series checked over all forecasts.</summary>
    public int SeriesChecked { get; private set; }

    /// <summary>Series checked of partitions that the first forecast did not have (made by splits since).</summary>
    public int NewSeriesChecked { get; private set; }

    private HashSet<PartitionId>? _first;

    /// <summary>What did not match the trace (empty when everything did).</summary>
    public List<string> Mismatches { get; } = [];

    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken) =>
        inner.FitAsync(history, progress, cancellationToken);

    public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken) => inner.UpdateAsync(recent, cancellationToken);

    public Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        _first ??= [.. request.History.Series.Select(s => s.Partition)];
        foreach (var series in request.History.Series)
        {
            var range = request.History.Partitions[series.Partition].Range;
            var lo = loads.LowerBound(range.Start);
            var hi = range.End is { } end ? loads.LowerBound(end) : loads.KeyCount;
            var first = (int)((series.Buckets[0].Start - loads.StartOf(0)) / loads.Step);
            var expected = loads.RangeSeries(lo, hi, first, first + series.Count);
            for (var i = 0; i < series.Count; i++)
            {
                if (series.Buckets[i].Start != loads.StartOf(first + i) || series.Buckets[i].Requests != expected[i])
                {
                    Mismatches.Add($"{series.Partition} at step {first + i}: {series.Buckets[i].Requests} where the trace has {expected[i]}");
                }
            }

            SeriesChecked++;
            if (!_first.Contains(series.Partition))
            {
                NewSeriesChecked++;
            }
        }

        return inner.ForecastAsync(request, cancellationToken);
    }
}
