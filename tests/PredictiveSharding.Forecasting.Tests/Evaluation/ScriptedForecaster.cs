using Microsoft.Extensions.Time.Testing;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Forecasting.Tests.Evaluation;

/// <summary>
/// A forecaster for evaluator tests: it knows the true series and forecasts truth + <see cref="Offset"/> at every
/// quantile, records what it was given, and advances a fake clock to stand for training and forecasting time.
/// </summary>
internal sealed class ScriptedForecaster : ILoadForecaster
{
    private readonly IReadOnlyDictionary<PartitionId, double[]> _truth;
    private readonly FakeTimeProvider? _time;

    public ScriptedForecaster(IReadOnlyDictionary<PartitionId, double[]> truth, FakeTimeProvider? time = null)
    {
        _truth = truth;
        _time = time;
    }

    public string Name => "scripted";

    public bool IsFitted { get; private set; }

    public double Offset { get; init; }

    public TimeSpan FitTime { get; init; }

    public TimeSpan ForecastTime { get; init; }

    public List<int> FitLengths { get; } = [];

    public List<int> ContextLengths { get; } = [];

    public List<int> UpdateLengths { get; } = [];

    public Task FitAsync(LoadHistory history, IProgress<ForecasterProgress>? progress, CancellationToken cancellationToken)
    {
        FitLengths.AddRange(history.Series.Select(s => s.Count));
        _time?.Advance(FitTime);
        IsFitted = true;
        return Task.CompletedTask;
    }

    public Task UpdateAsync(LoadHistory recent, CancellationToken cancellationToken)
    {
        UpdateLengths.AddRange(recent.Series.Select(s => s.Count));
        _time?.Advance(FitTime);
        return Task.CompletedTask;
    }

    public Task<LoadForecast> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        _time?.Advance(ForecastTime);
        var levels = request.Quantiles ?? [0.5];
        var partitions = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        foreach (var series in request.History.Series)
        {
            ContextLengths.Add(series.Count);
            var truth = _truth[series.Partition];
            var values = new double[request.Horizon * levels.Count];
            for (var h = 0; h < request.Horizon; h++)
            {
                for (var q = 0; q < levels.Count; q++)
                {
                    values[(h * levels.Count) + q] = truth[series.Count + h] + Offset;
                }
            }

            partitions[series.Partition] = new Dictionary<ResourceKind, QuantileSeries> { [ResourceKind.Requests] = new QuantileSeries(request.Horizon, levels.Count, values) };
        }

        return Task.FromResult(new LoadForecast(request.History.Series[0].End, request.History.Step, levels, partitions));
    }
}
