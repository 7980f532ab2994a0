using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Simulation.Cluster;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Strategies.Planned;

/// <summary>
/// A forecaster that reads the trace ahead: for each partition of the request (its keys from the history's partition
/// metadata) the requests its keys will actually receive, every quantile equal to that truth. Steps past the end of the
/// trace are zero.
/// </summary>
internal sealed class OracleForecaster : ILoadForecaster
{
    private static readonly double[] Levels = [0.5];
    private readonly KeyLoads _loads;

    public OracleForecaster(KeyLoads loads)
    {
        _loads = loads ?? throw new ArgumentNullException(nameof(loads));
    }

    public string Name => "oracle";

    public bool IsFitted => true;

    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.CompletedTask;
    }

    public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.CompletedTask;
    }

    public Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var history = request.History;
        var partitions = request.Partitions ?? history.Series.Select(s => s.Partition).ToList();
        var origin = history.Series[0].End;
        var originStep = (int)Math.Round((origin - _loads.Start) / _loads.Step);
        var result = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>(partitions.Count);
        var values = new double[request.Horizon];
        foreach (var id in partitions)
        {
            if (!history.Partitions.TryGetValue(id, out var info))
            {
                throw new ArgumentException($"The oracle needs the key range of partition '{id}' in the history's partition metadata.", nameof(request));
            }

            var lo = _loads.LowerBound(info.Range.Start);
            var hi = info.Range.End is { } end ? _loads.LowerBound(end) : _loads.KeyCount;
            for (var h = 0; h < values.Length; h++)
            {
                var step = originStep + h;
                values[h] = step >= 0 && step < _loads.StepCount ? _loads.RangeSum(step, lo, hi) : 0;
            }

            result[id] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(values.Length, 1, values) };
        }

        if (originStep < 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The history ends at {origin:O}, before the trace starts."), nameof(request));
        }

        return Task.FromResult(new LoadForecast(origin, _loads.Step, Levels, result));
    }
}
